"""Compliance lists at scale (issue 17 part 3): the norms page and the portal's rectification
orders read one page of rows; the monthly handling figures are counted in SQL, the same numbers
as before, in one query whatever the number of requests."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from qinglang.cases.models import Transfer
from qinglang.compliance import selectors
from qinglang.compliance.models import DeletionRequest, Norm
from qinglang.compliance.selectors import MonthlyFigures
from qinglang.core.pagination import WEB_PAGE_SIZE
from qinglang.registry.models import Website
from tests.compliance.factories import website_of
from tests.core.auth import login_verified
from tests.core.paging import (
    Paged,
    check_bad_pages,
    check_one_page_at_10_and_1000,
    check_page_two,
    get,
)
from tests.dashboard import bulk

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def _request(website, at: dt.datetime, **fields) -> DeletionRequest:
    return DeletionRequest(
        website=website,
        puid=bulk.tag(),
        digest="0" * 64,
        received_at=at,
        channel="web_form",
        requester_kind="person",
        requester_name="张三",
        content_urls=["https://shili-news.com.cn/a/1"],
        reason="帖子捏造事实",
        decision="delete",
        received_by="李受理",
        source="api",
        **fields,
    )


def _mixed(website) -> None:
    """File requests over three months, across the Shanghai month boundary, of every kind."""
    rows = [
        # 2026-11 in Shanghai: 5 requests, 1 invalid, 1 of unknown validity (counts as valid),
        # 3 enterprise-related of which one was late
        _request(website, dt.datetime(2026, 11, 3, 2, tzinfo=UTC), valid=True),
        _request(website, dt.datetime(2026, 11, 4, 2, tzinfo=UTC), valid=False),
        _request(
            website,
            dt.datetime(2026, 11, 5, 2, tzinfo=UTC),
            valid=None,
            enterprise_related=True,
            flag_codes=["no_legal_basis"],
        ),
        _request(
            website,
            dt.datetime(2026, 11, 6, 2, tzinfo=UTC),
            enterprise_related=True,
            flag_codes=["four_eyes", "late"],
        ),
        # 2026-10-31 17:30 UTC is 2026-11-01 01:30 in Shanghai
        _request(website, dt.datetime(2026, 10, 31, 17, 30, tzinfo=UTC), enterprise_related=True),
        # 2026-10 in Shanghai: 2 requests, both invalid, one enterprise-related and late
        _request(website, dt.datetime(2026, 10, 31, 15, 30, tzinfo=UTC), valid=False),
        _request(
            website,
            dt.datetime(2026, 10, 1, 1, tzinfo=UTC),
            valid=False,
            enterprise_related=True,
            flag_codes=["late"],
        ),
        # 2026-09-30 16:30 UTC is 2026-10-01 00:30 in Shanghai: still October
        _request(website, dt.datetime(2026, 9, 30, 16, 30, tzinfo=UTC), valid=True),
        # 2026-08: one, flags emptied
        _request(website, dt.datetime(2026, 8, 15, 4, tzinfo=UTC), flag_codes=[]),
    ]
    DeletionRequest.objects.bulk_create(rows)


EXPECTED = [
    MonthlyFigures("2026-11", 5, 4, 1, Decimal("80.0"), 3, 2),
    MonthlyFigures("2026-10", 3, 1, 2, Decimal("33.3"), 1, 0),
    MonthlyFigures("2026-08", 1, 1, 0, Decimal("100.0"), 0, 0),
]


def test_monthly_figures_of_a_mixed_ledger(world):
    website = website_of(world)
    other = website_of(world, name="示例论坛")
    _mixed(website)
    DeletionRequest.objects.bulk_create(
        [_request(other, dt.datetime(2026, 11, 3, 2, tzinfo=UTC), valid=False)]
    )
    assert selectors.monthly_figures(website) == EXPECTED
    assert selectors.monthly_figures(website, months=2) == EXPECTED[:2]
    assert selectors.monthly_figures(other) == [
        MonthlyFigures("2026-11", 1, 0, 1, Decimal("0.0"), 0, 0)
    ]
    quiet = website_of(world, name="无请求网站")
    assert selectors.monthly_figures_of([website, other, quiet]) == {
        website.pk: EXPECTED,
        other.pk: selectors.monthly_figures(other),
        quiet.pk: [],
    }


def test_monthly_figures_keep_the_newest_twelve_months(world):
    website = website_of(world)
    DeletionRequest.objects.bulk_create(
        _request(website, dt.datetime(2025, month, 10, 4, tzinfo=UTC)) for month in range(1, 13)
    )
    DeletionRequest.objects.bulk_create(
        [_request(website, dt.datetime(2024, 12, 10, 4, tzinfo=UTC))]
    )
    figures = selectors.monthly_figures(website)
    assert [m.month for m in figures] == [f"2025-{m:02d}" for m in range(12, 0, -1)]


def test_monthly_figures_cost_one_query_at_10_and_1000_requests(world):
    website = website_of(world)
    start = dt.datetime(2026, 1, 1, tzinfo=UTC)

    def add(n: int) -> None:
        DeletionRequest.objects.bulk_create(
            _request(
                website,
                start + dt.timedelta(hours=7 * i),
                valid=(None, True, False)[i % 3],
                enterprise_related=bool(i % 2),
                flag_codes=["late"] if i % 5 == 0 else [],
            )
            for i in range(n)
        )

    add(10)
    with CaptureQueriesContext(connection) as small:
        selectors.monthly_figures_of([website])
    add(990)
    with CaptureQueriesContext(connection) as large:
        figures = selectors.monthly_figures_of([website])[website.pk]
    assert len(small.captured_queries) == len(large.captured_queries) == 1
    assert sum(m.received for m in figures) == 1000


# --- the pages -------------------------------------------------------------------------------


def orders(world, ctx: dict, n: int) -> None:
    """Send `n` rectification orders from the Beijing office to the website operator."""
    now = timezone.now()
    Transfer.objects.bulk_create(
        Transfer(
            case=c,
            kind="rectification_order",
            sender_office=world.beijing_office,
            recipient=world.website_operator,
            instructions="限期整改",
            status="sent",
            deadline=now + dt.timedelta(days=5),
            sent_at=now - dt.timedelta(minutes=i),
            sent_by=world.beijing_user,
        )
        for i, c in enumerate(bulk.cases(world.beijing_office, n, created_by=world.beijing_user))
    )


def websites(world, ctx: dict, n: int) -> None:
    """Register `n` Beijing websites of the website operator."""
    Website.objects.bulk_create(
        Website(name=bulk.tag(), region=world.beijing, operator_organization=world.website_operator)
        for _ in range(n)
    )


LISTS = [
    Paged(
        "compliance:norm_list",
        bulk.norms,
        "compliance:norm_list",
        "website_user",
        key="norms",
        per_page=WEB_PAGE_SIZE,
        count=Norm.objects.count,
    ),
    Paged(
        "compliance:home[orders]",
        orders,
        "compliance:home",
        "website_user",
        key="orders",
        per_page=WEB_PAGE_SIZE,
        param="orders_page",
        pattern=re.compile(r"QB-\d+"),
        count=Transfer.objects.count,
    ),
    Paged(
        "compliance:home[websites, office]",
        websites,
        "compliance:home",
        "beijing_user",
        key="websites",
        per_page=WEB_PAGE_SIZE,
        param="websites_page",
        count=Website.objects.count,
    ),
    Paged(
        "compliance:home[websites, website]",
        websites,
        "compliance:home",
        "website_user",
        key="websites",
        per_page=WEB_PAGE_SIZE,
        param="websites_page",
        count=Website.objects.count,
    ),
]
IDS = [spec.id for spec in LISTS]


@pytest.mark.parametrize("spec", LISTS, ids=IDS)
def test_one_page_of_rows_at_10_and_1000(world, spec):
    check_one_page_at_10_and_1000(world, spec)


@pytest.mark.parametrize("spec", LISTS, ids=IDS)
def test_page_two_is_reachable(world, spec):
    check_page_two(world, spec)


@pytest.mark.parametrize("spec", LISTS, ids=IDS)
def test_a_bad_page_gives_the_first_or_last_page_and_changes_nothing(world, spec):
    check_bad_pages(world, spec)


def test_the_norms_page_shows_the_latest_version_in_force_of_each(world, client):
    """Paging keeps the catalogue's rule: one row a code, its latest version in force."""
    today = timezone.localdate()
    base = {"scope": "deletion", "body": "删除须有法律依据", "legal_basis": "《规定》"}
    Norm.objects.bulk_create(
        [
            Norm(code="qb-a", version=1, title="甲 v1", effective_from=today, **base),
            Norm(code="qb-a", version=2, title="甲 v2", effective_from=today, **base),
            Norm(
                code="qb-a",
                version=3,
                title="甲 v3",
                effective_from=today + dt.timedelta(days=1),
                **base,
            ),
            Norm(
                code="qb-b",
                version=1,
                title="乙 v1",
                effective_from=today - dt.timedelta(days=9),
                effective_until=today - dt.timedelta(days=1),
                **base,
            ),
        ]
    )
    login_verified(client, world.website_user)
    _, response = get(client, reverse("compliance:norm_list"))
    titles = [n.title for n in response.context["norms"]]
    assert "甲 v2" in titles and "甲 v1" not in titles and "甲 v3" not in titles
    assert "乙 v1" not in titles
    codes = [n.code for n in selectors.norms_in_force()]
    assert len(codes) == len(set(codes))


def test_the_website_officer_sees_the_figures_of_the_websites_on_the_page(world, client):
    websites(world, {}, WEB_PAGE_SIZE + 1)
    last = Website.objects.filter(operator_organization=world.website_operator).order_by(
        "-name", "-pk"
    )[0]
    DeletionRequest.objects.bulk_create(
        [_request(last, dt.datetime(2026, 11, 3, 2, tzinfo=UTC), valid=False)]
    )
    login_verified(client, world.website_user)
    _, response = get(client, reverse("compliance:home"), {"websites_page": "2"})
    assert [w.pk for w, _ in response.context["figures"]] == [last.pk]
    [(_, rows)] = response.context["figures"]
    assert rows == [MonthlyFigures("2026-11", 1, 0, 1, Decimal("0.0"), 0, 0)]
