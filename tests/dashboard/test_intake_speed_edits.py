"""The small intake-speed edits: token use recorded once a minute, websites looked up once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from qinglang.core.models import ApiToken
from tests.cases.factories import api_client


@pytest.mark.django_db
def test_token_last_used_written_at_most_once_a_minute(world):
    client = api_client(world.beijing_user)
    client.get("/api/v1/me/")
    token = ApiToken.objects.get(user=world.beijing_user)
    first = token.last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as ctx:
        client.get("/api/v1/me/")
    assert not [q for q in ctx.captured_queries if q["sql"].startswith("UPDATE")]
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(
        last_used_at=timezone.now() - dt.timedelta(minutes=2)
    )
    client.get("/api/v1/me/")
    token.refresh_from_db()
    assert token.last_used_at > first


@pytest.mark.django_db
def test_submission_looks_each_website_key_up_once(world):
    from qinglang.intake.services import submit_report
    from qinglang.registry.models import Website, WebsiteDomain

    website = Website.objects.create(name="示例资讯网", region=world.beijing)
    WebsiteDomain.objects.create(website=website, domain="example-news.cn")
    data = {
        "category": "paid_deletion",
        "description": "该网站编辑称可有偿删除负面报道，每条收费五千元。",
        "targets": [{"url": "https://bbs.example-news.cn/t/1"}],
    }
    with CaptureQueriesContext(connection) as ctx:
        submission = submit_report(data)
    lookups = [q for q in ctx.captured_queries if "registry_websitedomain" in q["sql"]]
    assert len(lookups) == 1
    report = submission.report
    assert report.office == world.beijing_office
    assert report.routing_rule == "registry_domain"
    assert report.targets.get().website == website
