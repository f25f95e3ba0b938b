"""The deadlines API read a page at a time: `limit`, a signed `next_cursor`, the whole plan's
counts, and every bad cursor a 400 that changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from qinglang.cases.api.deadlines import CURSOR_SALT
from qinglang.cases.models import Transfer, TransferKind
from qinglang.cases.services import tasks, triage
from qinglang.intake.models import Report
from tests.cases.factories import make_report
from tests.cases.handling_factories import send
from tests.core.auth import login_verified


def _plan(world, *, reports: int = 5):
    """Reports, transfers (two sharing one deadline) and a task in Beijing's plan."""
    for _ in range(reports):
        make_report(world.beijing_office)
    case = triage.accept_report(make_report(world.beijing_office), acting_user=world.beijing_user)
    shared = timezone.now() + dt.timedelta(days=3)
    for kind in (
        TransferKind.CRIMINAL_REFERRAL,
        TransferKind.TELECOM_ACTION,
        TransferKind.RECTIFICATION_ORDER,
    ):
        transfer = send(world, case, kind=kind, deadline_days=10)
        Transfer.objects.filter(pk=transfer.pk).update(deadline=shared)
    tasks.create_task(
        case, title="核查备案", acting_user=world.beijing_user, assignee_user=world.beijing_user
    )


def _walk(client, query: str = "", limit: int = 2) -> tuple[list[tuple[str, int]], list[dict]]:
    seen: list[tuple[str, int]] = []
    pages = []
    url = f"/api/v1/deadlines/?limit={limit}{query}"
    while url:
        data = client.get(url).json()
        pages.append(data)
        assert len(data["items"]) <= limit
        seen += [(i["kind"], i["id"]) for i in data["items"]]
        cursor = data["next_cursor"]
        url = f"/api/v1/deadlines/?limit={limit}{query}&cursor={cursor}" if cursor else ""
    return seen, pages


@pytest.mark.django_db
def test_pages_walk_the_whole_plan_once_in_order_with_its_counts(world, client):
    _plan(world)
    login_verified(client, world.beijing_user)
    whole = client.get("/api/v1/deadlines/").json()
    assert whole["next_cursor"] is None
    expected = [(i["kind"], i["id"]) for i in whole["items"]]
    assert len(expected) >= 9
    seen, pages = _walk(client, limit=2)
    assert seen == expected  # every item once, in the same order, ties (one deadline) included
    assert len(pages) == -(-len(expected) // 2)
    assert all(p["counts"] == whole["counts"] for p in pages)
    assert pages[-1]["next_cursor"] is None


@pytest.mark.django_db
def test_pages_keep_the_filters_and_a_cursor_of_other_filters_is_refused(world, client):
    _plan(world)
    login_verified(client, world.beijing_user)
    seen, _ = _walk(client, "&kind=transfer", limit=1)
    assert [k for k, _ in seen] == ["transfer"] * 3
    first = client.get("/api/v1/deadlines/?limit=1&kind=transfer").json()
    response = client.get(f"/api/v1/deadlines/?limit=1&kind=task&cursor={first['next_cursor']}")
    assert response.status_code == 400 and "cursor" in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=2001", "limit=x", "limit=2&cursor=garbage", "cursor={cursor}"],
)
def test_bad_limits_and_cursors_are_400_and_change_nothing(world, client, query):
    _plan(world)
    login_verified(client, world.beijing_user)
    cursor = client.get("/api/v1/deadlines/?limit=2").json()["next_cursor"]
    before = list(Report.objects.values_list("pk", "status", "triage_due").order_by("pk"))
    response = client.get("/api/v1/deadlines/?" + query.format(cursor=cursor))
    assert response.status_code == 400
    name = query.split("=")[0] if "cursor=" not in query else "cursor"
    assert set(response.json()) & {name, "limit"}
    assert list(Report.objects.values_list("pk", "status", "triage_due").order_by("pk")) == before


@pytest.mark.django_db
def test_an_altered_or_foreign_cursor_is_400(world, client):
    _plan(world)
    login_verified(client, world.beijing_user)
    cursor = client.get("/api/v1/deadlines/?limit=2").json()["next_cursor"]
    altered = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
    forged = signing.dumps(["2026-01-01T00:00:00+00:00", "task", 1, ["", None, ""]], salt="other")
    wrong_kind = signing.dumps(
        ["2026-01-01T00:00:00+00:00", "case", 1, ["", None, ""]], salt=CURSOR_SALT
    )
    for bad in (altered, forged, wrong_kind):
        response = client.get(f"/api/v1/deadlines/?limit=2&cursor={bad}")
        assert response.status_code == 400, bad
        assert "cursor" in response.json()


@pytest.mark.django_db
def test_a_page_costs_the_same_queries_whatever_the_plan_holds(world, client):
    login_verified(client, world.beijing_user)

    def cost() -> int:
        client.get("/api/v1/deadlines/?limit=3")
        with CaptureQueriesContext(connection) as ctx:
            data = client.get("/api/v1/deadlines/?limit=3").json()
        assert len(data["items"]) == 3
        return len(ctx)

    _plan(world, reports=5)
    small = cost()
    for _ in range(60):
        make_report(world.beijing_office)
    assert cost() == small


@pytest.mark.django_db
def test_with_a_limit_the_older_lists_are_bounded_too(world, client):
    _plan(world)
    Transfer.objects.update(deadline=timezone.now() - dt.timedelta(days=1))
    Report.objects.update(triage_due=timezone.now() - dt.timedelta(days=1))
    login_verified(client, world.beijing_user)
    whole = client.get("/api/v1/deadlines/").json()
    assert len(whole["overdue_transfers"]) == 3
    page = client.get("/api/v1/deadlines/?limit=1").json()
    assert [t["id"] for t in page["overdue_transfers"]] == [whole["overdue_transfers"][0]["id"]]
    assert len(page["triage"]) == 1 and len(whole["triage"]) > 1


@pytest.mark.django_db
def test_item_links_and_titles_are_those_of_each_object(world):
    from django.urls import reverse

    from qinglang.cases.selectors.deadlines import list_deadlines

    _plan(world)
    plan = list_deadlines(world.beijing_user)
    by_kind = {i.kind: i for i in plan.items}
    transfer = Transfer.objects.get(pk=by_kind["transfer"].id)
    assert by_kind["transfer"].url == transfer.get_absolute_url()
    assert transfer.get_kind_display() in by_kind["transfer"].title
    assert transfer.case.number in by_kind["transfer"].title
    report = by_kind["triage"]
    assert report.url == reverse("cases:triage_detail", args=[report.id])
    assert Report.objects.get(pk=report.id).tracking_code in report.title
