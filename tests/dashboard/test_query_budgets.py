"""Query budgets: list pages and API lists run the same number of queries at 10 and 1,000 rows.

Rows are bulk-created (no services), so building 1,000 of them takes well under a second.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from qinglang.cases.models import Case, CaseTarget, Transfer, TransferStatus
from qinglang.core.models import Notification, User
from qinglang.dashboard.models import Figure, Metric
from qinglang.intake.models import Report, ReportTarget
from qinglang.registry.models import SearchDocument
from tests.cases.factories import api_client
from tests.core.auth import login_verified

_serial = itertools.count(1)


def _reports(world, n: int) -> None:
    rows = Report.objects.bulk_create(
        Report(
            tracking_code=f"QB{next(_serial):012d}",
            access_key_hash="x",
            category="paid_deletion",
            description="有偿删帖",
            office=world.shenzhen_office,
        )
        for _ in range(n)
    )
    ReportTarget.objects.bulk_create(
        ReportTarget(report=r, url=f"https://bbs.example.cn/{r.pk}", domain="example.cn")
        for r in rows
    )


def _cases(world, n: int) -> list[Case]:
    cases = Case.objects.bulk_create(
        Case(
            number=f"QB-{next(_serial)}",
            title="有偿删帖",
            category="paid_deletion",
            lead_office=world.shenzhen_office,
        )
        for _ in range(n)
    )
    CaseTarget.objects.bulk_create(
        CaseTarget(case=c, kind="url", label="x", url="https://bbs.example.cn/") for c in cases
    )
    return cases


def _transfers(world, n: int) -> None:
    now = timezone.now()
    Transfer.objects.bulk_create(
        Transfer(
            case=c,
            kind="criminal_referral",
            sender_office=world.shenzhen_office,
            recipient=world.police,
            status=TransferStatus.SENT,
            deadline=now + dt.timedelta(days=5),
            sent_at=now,
            sent_by=world.shenzhen_user,
        )
        for c in _cases(world, n)
    )


def _notifications(world, n: int) -> None:
    Notification.objects.bulk_create(
        Notification(recipient_user=world.shenzhen_user, verb="test", title=f"通知 {i}")
        for i in range(n)
    )


def _documents(world, n: int) -> None:
    docs = SearchDocument.objects.bulk_create(
        SearchDocument(
            object_type="intake.report",
            object_id=str(next(_serial)),
            office=world.shenzhen_office,
            region_code="440300",
            title="删帖 公关",
            body_segmented="删帖 公关 微信",
        )
        for _ in range(n)
    )
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO registry_searchdocument_fts (title, body, doc_id) VALUES (%s, %s, %s)",
                [(d.title, d.body_segmented, d.pk) for d in docs],
            )


def _figures(world, n: int) -> None:
    today = timezone.localdate()
    Figure.objects.bulk_create(
        Figure(
            metric=Metric.INTAKE,
            office=world.shenzhen_office,
            region_code="440300",
            day=today - dt.timedelta(days=i % 300),
            key=f"channel{i % 7}",
            category="paid_deletion",
            count=1,
        )
        for i in range(n)
    )


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)


LISTS = [
    ("cases:triage_list", "page", _reports, "shenzhen_user"),
    ("cases:case_list", "page", _cases, "shenzhen_user"),
    ("cases:transfer_list", "page", _transfers, "police_user"),
    ("registry:search", "page?q=删帖", _documents, "shenzhen_user"),
    ("core:notifications", "page", _notifications, "shenzhen_user"),
    ("dashboard:home", "page", _figures, "shenzhen_user"),
    ("api-reports", "api", _reports, "shenzhen_user"),
    ("api-case-list", "api", _cases, "shenzhen_user"),
    ("api-transfer-list", "api", _transfers, "police_user"),
    ("api-dashboard-summary", "api", _figures, "shenzhen_user"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "how", "make", "who"), LISTS, ids=[x[0] for x in LISTS])
def test_constant_queries_at_10_and_1000_rows(world, name, how, make, who):
    user = User.objects.get(pk=getattr(world, who).pk)
    if how == "api":
        client = api_client(user)
    else:
        from django.test import Client

        client = login_verified(Client(), user)
    url = reverse(name) + ("?q=删帖" if "?q=" in how else "")
    make(world, 10)
    _count(client, url)  # warm caches (content types, sessions)
    small = _count(client, url)
    make(world, 990)
    large = _count(client, url)
    assert large == small, f"{name}: {small} queries at 10 rows, {large} at 1,000"
