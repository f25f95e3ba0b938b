"""Evaluation rankings published through disclosure: frozen rows, four eyes, scope, open data."""

from __future__ import annotations

import datetime as dt
import gzip
import json

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from qinglang.compliance import services as compliance
from qinglang.core.exceptions import DomainError, StateError
from qinglang.core.models import LedgerEvent
from qinglang.disclosure import events, opendata, services
from qinglang.disclosure.models import RankingPublication, ReviewStatus
from tests.compliance.factories import website_of
from tests.core.auth import login_verified
from tests.disclosure.factories import beijing_lead

pytestmark = pytest.mark.django_db

PERIOD = "2026-11"


def _evaluated(world, *, name: str = "示例资讯网", region=None):
    site = website_of(world, name=name, region=region)
    user = world.guangdong_user if region == world.guangdong else world.beijing_user
    compliance.compute_evaluation(site, period=PERIOD, acting_user=user)
    return site


def _published(world):
    _evaluated(world)
    lead = beijing_lead(world)
    item = services.create_ranking(period=PERIOD, acting_user=world.beijing_user)
    services.submit_ranking(item, acting_user=world.beijing_user)
    services.approve_ranking(item, acting_user=lead)
    return services.publish_ranking(item, acting_user=lead)


def test_four_eyes_then_the_public_sees_the_frozen_rows(world):
    _evaluated(world)
    _evaluated(world, name="粤某论坛", region=world.guangdong)
    lead = beijing_lead(world)
    item = services.create_ranking(period=PERIOD, acting_user=world.beijing_user)
    assert [(r["rank"], r["website"], r["tier"]) for r in item.rows] == [
        (1, "示例资讯网", "exemplary")
    ]  # Guangdong's site is not in Beijing's ranking
    assert "2026-11" in item.title and world.beijing_office.name in item.title
    client = Client()
    assert client.get(f"/rankings/{item.pk}/").status_code == 404  # a draft is not public
    with pytest.raises(StateError):
        services.approve_ranking(item, acting_user=lead)  # not submitted yet
    services.submit_ranking(item, acting_user=world.beijing_user)
    with pytest.raises(PermissionDenied):
        services.approve_ranking(item, acting_user=world.beijing_user)  # the author
    with pytest.raises(PermissionDenied):
        services.approve_ranking(item, acting_user=world.guangdong_user)  # another office
    item.refresh_from_db()
    assert item.status == ReviewStatus.SUBMITTED and item.approved_by is None
    services.approve_ranking(item, acting_user=lead)
    services.publish_ranking(item, acting_user=lead)
    item.refresh_from_db()
    assert item.status == ReviewStatus.PUBLISHED and item.published_at
    page = client.get(f"/rankings/{item.pk}/").content.decode()
    assert "示例资讯网" in page and "粤某论坛" not in page
    assert item.title in client.get("/rankings/").content.decode()
    actions = list(
        LedgerEvent.objects.filter(object_type="disclosure.rankingpublication").values_list(
            "action", flat=True
        )
    )
    assert actions == [
        a.code
        for a in (
            events.RANKING_CREATED,
            events.RANKING_SUBMITTED,
            events.RANKING_APPROVED,
            events.RANKING_PUBLISHED,
        )
    ]


def test_rows_stay_as_approved_when_an_evaluation_changes(world):
    site = _evaluated(world)
    item = services.create_ranking(period=PERIOD, acting_user=world.beijing_user)
    before = list(item.rows)
    from qinglang.compliance.models import Evaluation

    Evaluation.objects.filter(website=site).update(score=10)
    item.refresh_from_db()
    assert item.rows == before


@pytest.mark.parametrize("period", ["November", "2026-13", "", "2026-1", None])
def test_a_bad_period_changes_nothing(world, period):
    _evaluated(world)
    with pytest.raises(DomainError) as exc:
        services.create_ranking(period=period, acting_user=world.beijing_user)
    assert "period" in exc.value.message_dict
    assert not RankingPublication.objects.exists()


def test_no_evaluation_in_scope_and_duplicates_are_refused(world):
    _evaluated(world)
    with pytest.raises(DomainError):
        services.create_ranking(period=PERIOD, acting_user=world.guangdong_user)
    services.create_ranking(period=PERIOD, acting_user=world.beijing_user)
    with pytest.raises(StateError):
        services.create_ranking(period=PERIOD, acting_user=world.beijing_user)
    assert RankingPublication.objects.count() == 1


@pytest.mark.parametrize("who", ["website_user", "police_user", "enterprise_user"])
def test_only_office_staff_draft_rankings(world, who):
    _evaluated(world)
    with pytest.raises(PermissionDenied):
        services.create_ranking(period=PERIOD, acting_user=getattr(world, who))
    assert not RankingPublication.objects.exists()


def test_staff_pages_walk_and_scope(world, verified_client):
    _evaluated(world)
    client = verified_client(world.beijing_user)
    r = client.post("/staff/disclosure/rankings/new/", {"period": "bad"})
    assert r.status_code == 302 and not RankingPublication.objects.exists()
    r = client.post("/staff/disclosure/rankings/new/", {"period": PERIOD})
    item = RankingPublication.objects.get()
    assert r["Location"].endswith(f"/staff/disclosure/rankings/{item.pk}/")
    body = client.get(f"/staff/disclosure/rankings/{item.pk}/").content.decode()
    assert "示例资讯网" in body and "ranking.created" not in body
    assert item.title in client.get("/staff/disclosure/").content.decode()
    client.post(f"/staff/disclosure/rankings/{item.pk}/submit/")
    client.post(f"/staff/disclosure/rankings/{item.pk}/approve/")  # the author: refused
    item.refresh_from_db()
    assert item.status == ReviewStatus.SUBMITTED
    assert client.post(f"/staff/disclosure/rankings/{item.pk}/erase/").status_code == 404
    other = login_verified(Client(), world.guangdong_user)
    assert other.get(f"/staff/disclosure/rankings/{item.pk}/").status_code == 404
    assert other.post(f"/staff/disclosure/rankings/{item.pk}/approve/").status_code == 404
    item.refresh_from_db()
    assert item.status == ReviewStatus.SUBMITTED and item.approved_by is None


def test_public_api_lists_published_rankings_only(world, django_assert_max_num_queries):
    item = _published(world)
    _evaluated(world, name="粤某论坛", region=world.guangdong)
    draft = services.create_ranking(period=PERIOD, acting_user=world.guangdong_user)
    client = Client()
    with django_assert_max_num_queries(3):
        data = client.get("/api/v1/public/rankings/").json()
    assert [r["id"] for r in data["results"]] == [item.pk] and draft.pk != item.pk
    row = data["results"][0]["rows"][0]
    assert row == {
        "rank": 1,
        "website": "示例资讯网",
        "region": world.beijing.name,
        "score": row["score"],
        "vetoed": False,
        "tier": "exemplary",
    }
    assert float(row["score"]) >= 90
    # Plain-dict answers still give moments in Asia/Shanghai, as serializer fields do.
    item.refresh_from_db()
    published = data["results"][0]["published_at"]
    assert published.endswith("+08:00")
    assert dt.datetime.fromisoformat(published) == item.published_at
    assert client.get("/api/v1/public/rankings/?period=2026-10").json()["count"] == 0


def test_scheduled_publication_by_the_beat_job(world):
    _evaluated(world)
    lead = beijing_lead(world)
    item = services.create_ranking(period=PERIOD, acting_user=world.beijing_user)
    services.submit_ranking(item, acting_user=world.beijing_user)
    services.approve_ranking(item, acting_user=lead)
    at = timezone.now() + dt.timedelta(hours=1)
    services.publish_ranking(item, acting_user=lead, at=at)
    item.refresh_from_db()
    assert item.status == ReviewStatus.SCHEDULED
    assert services.publish_due() == 0
    RankingPublication.objects.filter(pk=item.pk).update(publish_at=timezone.now())
    assert services.publish_due() == 1
    item.refresh_from_db()
    assert item.status == ReviewStatus.PUBLISHED


def test_open_data_carries_the_published_rankings(world, settings, tmp_path):
    settings.QINGLANG_DISCLOSURE_OPEN_DATA_DIR = tmp_path / "open-data"
    item = _published(world)
    release = opendata.write_release()
    directory = opendata.release_dir(release.day)
    rows = [
        json.loads(line)
        for line in gzip.decompress((directory / "rankings.jsonl.gz").read_bytes()).splitlines()
    ]
    assert [(r["ranking"], r["website"], r["tier"]) for r in rows] == [
        (item.pk, "示例资讯网", "exemplary")
    ]
    dictionary = json.loads((directory / "data-dictionary.json").read_bytes())
    assert {f["field"] for f in dictionary["rankings"]} >= {"rank", "score", "tier"}
