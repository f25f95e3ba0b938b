"""Staff lists at scale: keyset (cursor) paging of the report and case lists, API and pages."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from qinglang.cases.models import Case
from qinglang.core import keyset
from qinglang.intake.models import Report, ReportPriority, ReportStatus
from tests.cases.factories import api_client, make_case, make_report
from tests.core.auth import login_verified

pytestmark = pytest.mark.django_db
_codes = itertools.count(1)


def bulk_reports(office, n: int) -> list[Report]:
    """Insert `n` received reports cheaply (one statement), with varied times and lanes."""
    now = timezone.now()
    lanes = [ReportPriority.SUPERVISOR, ReportPriority.URGENT, ReportPriority.NORMAL]
    rows = [
        Report(
            tracking_code=f"QK{next(_codes):010d}",
            access_key_hash="x",
            category="paid_deletion",
            description="有人收费删除负面帖子，要价五千元。",
            office=office,
            priority=lanes[i % 3],
            # Ties on purpose (every 7 share a time): the primary key breaks them.
            triage_due=now + dt.timedelta(days=1 + (i // 7) % 5),
        )
        for i in range(n)
    ]
    created = Report.objects.bulk_create(rows, batch_size=500)
    # auto_now_add gives every row the same instant; spread them, with ties.
    for i, report in enumerate(created):
        report.submitted_at = now - dt.timedelta(minutes=(i // 3))
    Report.objects.bulk_update(created, ["submitted_at"], batch_size=500)
    return created


def bulk_cases(office, user, n: int) -> None:
    Case.objects.bulk_create(
        [
            Case(
                number=f"KS-{next(_codes):08d}",
                title=f"案件{i}",
                category="paid_deletion",
                lead_office=office,
                created_by=user,
                severity=["low", "medium", "high"][i % 3],
            )
            for i in range(n)
        ],
        batch_size=500,
    )


def walk(client, url: str, params: dict) -> list[int]:
    """Follow `next` links from the first cursor page to the end; return the ids in order."""
    body = client.get(url, {**params, "cursor": ""}).json()
    assert body["count"] is None
    ids = [r["id"] for r in body["results"]]
    while body["next"]:
        body = client.get(body["next"]).json()
        ids += [r["id"] for r in body["results"]]
    return ids


@pytest.mark.parametrize(
    "ordering", ["", "newest", "oldest", "deadline", "-deadline", "received_at", "risk", "-risk"]
)
def test_report_cursor_pages_walk_the_same_list_as_numbered_pages(world, ordering):
    bulk_reports(world.beijing_office, 23)
    Report.objects.filter(pk__in=Report.objects.order_by("pk").values("pk")[:5]).update(
        analysis={"risk": {"score": 0.7}}
    )
    client = api_client(world.beijing_user)
    url = reverse("api-reports")
    params = {"ordering": ordering, "page_size": 4} if ordering else {"page_size": 4}
    full = client.get(url, {**params, "page_size": 200}).json()
    assert full["count"] == 23
    expected = [r["id"] for r in full["results"]]
    assert walk(client, url, params) == expected
    # And back: the previous link of the last page gives the page before it.
    body = client.get(url, {**params, "cursor": ""}).json()
    pages = [body]
    while body["next"]:
        body = client.get(body["next"]).json()
        pages.append(body)
    back = client.get(pages[-1]["previous"]).json()
    assert [r["id"] for r in back["results"]] == [r["id"] for r in pages[-2]["results"]]
    assert client.get(url, {**params, "cursor": ""}).json()["previous"] is None


@pytest.mark.parametrize("ordering", ["", "received_at", "-received_at", "risk", "deadline"])
def test_case_cursor_pages_walk_the_same_list(world, ordering):
    bulk_cases(world.beijing_office, world.beijing_user, 13)
    client = api_client(world.beijing_user)
    url = reverse("api-case-list")
    params = {"ordering": ordering, "page_size": 5} if ordering else {"page_size": 5}
    expected = [r["id"] for r in client.get(url, {**params, "page_size": 200}).json()["results"]]
    assert len(expected) == 13
    assert walk(client, url, params) == expected


def test_numbered_pages_keep_their_shape(world):
    bulk_reports(world.beijing_office, 7)
    body = api_client(world.beijing_user).get(reverse("api-reports"), {"page_size": 3}).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 7 and "page=2" in body["next"] and body["previous"] is None


@pytest.mark.parametrize("cursor", ["garbage", "eyJvIjoiIn0:1abc:xyz", "x" * 3000, "%00", "::::"])
def test_a_tampered_or_garbage_cursor_is_a_400_naming_cursor(world, cursor):
    bulk_reports(world.beijing_office, 3)
    before = list(Report.objects.values_list("pk", "status", "triage_due").order_by("pk"))
    response = api_client(world.beijing_user).get(reverse("api-reports"), {"cursor": cursor})
    assert response.status_code == 400
    assert set(response.json()) == {"cursor"}
    assert list(Report.objects.values_list("pk", "status", "triage_due").order_by("pk")) == before


def test_an_altered_cursor_is_refused(world):
    bulk_reports(world.beijing_office, 5)
    client = api_client(world.beijing_user)
    url = reverse("api-reports")
    from urllib.parse import parse_qs, urlsplit

    link = client.get(url, {"cursor": "", "page_size": 2}).json()["next"]
    raw = parse_qs(urlsplit(link).query)["cursor"][0]
    altered = raw[:-1] + ("A" if raw[-1] != "A" else "B")
    response = client.get(url, {"cursor": altered, "page_size": 2})
    assert response.status_code == 400 and set(response.json()) == {"cursor"}
    assert client.get(url, {"cursor": raw, "page_size": 2}).status_code == 200


@pytest.mark.parametrize(
    ("made", "used"),
    [("deadline", "risk"), ("newest", "deadline"), ("deadline", "-deadline"), ("", "oldest")],
)
def test_a_cursor_made_under_another_ordering_is_a_400(world, made, used):
    bulk_reports(world.beijing_office, 5)
    client = api_client(world.beijing_user)
    url = reverse("api-reports")
    first = client.get(url, {"ordering": made, "cursor": "", "page_size": 2}).json()
    response = client.get(first["next"] + f"&ordering={used}")
    assert response.status_code == 400
    assert set(response.json()) == {"cursor"}
    assert "ordering" in response.json()["cursor"][0] or "排序" in response.json()["cursor"][0]


def test_cases_cursor_under_another_ordering_is_a_400(world):
    bulk_cases(world.beijing_office, world.beijing_user, 5)
    client = api_client(world.beijing_user)
    url = reverse("api-case-list")
    first = client.get(url, {"ordering": "deadline", "cursor": "", "page_size": 2}).json()
    response = client.get(first["next"].replace("ordering=deadline", "ordering=-risk"))
    assert response.status_code == 400 and set(response.json()) == {"cursor"}


def test_cursor_with_page_is_a_400(world):
    bulk_reports(world.beijing_office, 3)
    response = api_client(world.beijing_user).get(reverse("api-reports"), {"cursor": "", "page": 1})
    assert response.status_code == 400 and set(response.json()) == {"cursor"}


@pytest.mark.parametrize("size", ["201", "0", "-1", "abc", "100000000000000000000"])
def test_page_size_above_200_or_not_a_number_is_a_400(world, size):
    bulk_reports(world.beijing_office, 3)
    response = api_client(world.beijing_user).get(reverse("api-reports"), {"page_size": size})
    assert response.status_code == 400
    assert set(response.json()) == {"page_size"}


def test_page_size_up_to_200(world):
    bulk_reports(world.beijing_office, 205)
    client = api_client(world.beijing_user)
    assert len(client.get(reverse("api-reports"), {"page_size": 200}).json()["results"]) == 200
    body = client.get(reverse("api-reports"), {"page_size": 200, "cursor": ""}).json()
    assert len(body["results"]) == 200 and body["next"]
    assert len(client.get(body["next"]).json()["results"]) == 5


def test_the_schema_documents_cursor_and_the_page_size_cap(client):
    schema = client.get("/api/schema/?format=json").json()
    for path in ("/api/v1/reports/", "/api/v1/cases/"):
        params = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
        assert params["cursor"]["schema"]["type"] == "string"
        assert params["page_size"]["schema"]["maximum"] == 200
        assert "page" in params


# --- query budgets at 10 and 1,000 rows ------------------------------------------------------


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


@pytest.mark.parametrize("kind", ["reports", "cases"])
def test_api_list_queries_do_not_grow_from_10_to_1000_rows(world, kind):
    client = api_client(world.beijing_user)
    url = reverse("api-reports" if kind == "reports" else "api-case-list")
    orderings = ["deadline", "-deadline", "risk", "received_at", ""]

    def run() -> None:
        for ordering in orderings:
            first = client.get(url, {"ordering": ordering, "cursor": "", "page_size": 4})
            assert first.status_code == 200, first.content
            assert client.get(first.json()["next"]).status_code == 200
            assert (
                client.get(url, {"ordering": ordering, "page": 2, "page_size": 4}).status_code
                == 200
            )

    def make(n: int) -> None:
        if kind == "reports":
            bulk_reports(world.beijing_office, n)
        else:
            bulk_cases(world.beijing_office, world.beijing_user, n)

    make(10)
    run()  # warm caches (token, sessions)
    small = _queries(run)
    make(990)
    large = _queries(run)
    assert large == small, (small, large)


@pytest.mark.parametrize("page", ["triage", "cases"])
def test_list_page_queries_do_not_grow_from_10_to_1000_rows(world, client, page):
    login_verified(client, world.beijing_user)
    url = reverse("cases:triage_list" if page == "triage" else "cases:case_list")

    def make(n: int) -> None:
        if page == "triage":
            bulk_reports(world.beijing_office, n)
        else:
            bulk_cases(world.beijing_office, world.beijing_user, n)

    def run() -> None:
        for ordering in ("deadline", "received_at"):
            first = client.get(url, {"ordering": ordering, "cursor": ""})
            assert first.status_code == 200
            assert first.context["page"].next_cursor
            nxt = client.get(
                url, {"ordering": ordering, "cursor": first.context["page"].next_cursor}
            )
            assert nxt.status_code == 200
            assert client.get(url, {"ordering": ordering}).status_code == 200

    make(60)  # more than a page even at the small size
    run()
    small = _queries(run)
    make(940)
    large = _queries(run)
    assert large == small, (small, large)


def test_queue_page_older_newer_links_and_page_links_still_work(world, client):
    bulk_reports(world.beijing_office, 120)
    login_verified(client, world.beijing_user)
    url = reverse("cases:triage_list")
    html = client.get(url, {"ordering": "-received_at"}).content.decode()
    assert "page=2" in html and 'data-cursor="next"' in html
    first = client.get(url, {"ordering": "-received_at"})
    numbered_two = [
        r.pk for r in client.get(url, {"ordering": "-received_at", "page": 2}).context["page"]
    ]
    cursor = first.context["page"].next_cursor
    second = client.get(url, {"ordering": "-received_at", "cursor": cursor})
    assert [r.pk for r in second.context["page"]] == numbered_two
    html = second.content.decode()
    assert 'data-cursor="previous"' in html and 'data-cursor="next"' in html
    back = client.get(
        url, {"ordering": "-received_at", "cursor": second.context["page"].previous_cursor}
    )
    assert [r.pk for r in back.context["page"]] == [r.pk for r in first.context["page"]]


def test_pages_ignore_a_foreign_cursor_and_show_the_first_page(world, client):
    bulk_reports(world.beijing_office, 60)
    login_verified(client, world.beijing_user)
    url = reverse("cases:case_list")
    make_case(world.beijing_user)
    response = client.get(url, {"cursor": "nonsense"})
    assert response.status_code == 200
    response = client.get(reverse("cases:triage_list"), {"cursor": "nonsense"})
    assert response.status_code == 200 and len(response.context["page"]) == 50


def test_signature_names_the_ordering():
    keys = [keyset.Key("triage_due", nulls="last"), keyset.Key("pk")]
    assert keyset.signature(keys) == "triage_due~,pk"


# --- the stored triage deadline ----------------------------------------------------------------


def test_a_new_report_stores_its_triage_deadline_and_policies_keep_it_current(world, admin_user):
    from qinglang.cases.models import DeadlinePolicy
    from qinglang.cases.services import deadlines
    from qinglang.core.workdays import add_working_days

    report = make_report(world.beijing_office, category="extortion")
    other = make_report(world.beijing_office, category="other")
    assert report.triage_due == deadlines.triage_deadline(report)
    admin = admin_user
    deadlines.save_deadline_policy(
        None, stage="triage", category="extortion", amount=9, acting_user=admin
    )
    report.refresh_from_db()
    other.refresh_from_db()
    assert report.triage_due == add_working_days(report.submitted_at, 9)
    assert other.triage_due == deadlines.triage_deadline(other)
    # A report filed after the change uses it (the cached policies were dropped).
    fresh = make_report(world.beijing_office, category="extortion")
    assert fresh.triage_due == add_working_days(fresh.submitted_at, 9)
    deadlines.delete_deadline_policy(
        DeadlinePolicy.objects.get(stage="triage", category="extortion"), acting_user=admin
    )
    report.refresh_from_db()
    assert report.triage_due == deadlines.triage_deadline(report)
    assert make_report(world.beijing_office, category="extortion").triage_due == (
        deadlines.triage_deadline(report.__class__.objects.latest("pk"))
    )


def test_deadlines_api_counts_are_exact_beyond_the_item_bound(world, monkeypatch):
    from qinglang.cases.selectors import deadlines as plan

    monkeypatch.setattr(plan, "MAX_PER_KIND", 5)
    bulk_reports(world.beijing_office, 12)
    Report.objects.filter(pk__in=Report.objects.order_by("pk").values("pk")[:3]).update(
        triage_due=timezone.now() - dt.timedelta(days=1)
    )
    body = api_client(world.beijing_user).get("/api/v1/deadlines/", {"kind": "triage"}).json()
    assert body["counts"]["total"] == 12 and body["counts"]["breached"] == 3
    assert len(body["items"]) == 5
    assert [i["status"] for i in body["items"][:3]] == ["breached"] * 3
    breached = (
        api_client(world.beijing_user)
        .get("/api/v1/deadlines/", {"kind": "triage", "status": "breached"})
        .json()
    )
    assert len(breached["items"]) == 3 and breached["counts"]["total"] == 12
    assert Report.objects.filter(status=ReportStatus.RECEIVED).count() == 12


# --- PostgreSQL: the index serves the deadline order --------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="EXPLAIN of PostgreSQL")
def test_triage_deadline_order_uses_the_index(world):
    from qinglang.cases.selectors.triage import TriageFilters, triage_queue

    bulk_reports(world.beijing_office, 2000)
    Report.objects.filter(pk__in=Report.objects.order_by("pk").values("pk")[:1000]).update(
        status=ReportStatus.ACCEPTED
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE intake_report")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    for ordering in ("deadline", "-deadline"):
        qs = triage_queue(world.national_user, TriageFilters(ordering=ordering))
        plan = qs[:50].explain()
        assert "intake_report_triage_due" in plan, plan
        # A page further on starts the index scan at the cursor's row.
        after = keyset.cursor_after(qs, list(qs[:50])[-1])
        page, _keys, _position = keyset.keyset_query(qs, after)
        plan = page[:51].explain()
        assert "intake_report_triage_due" in plan, plan


def test_missed_deadlines_count_working_days_once_per_day(world):
    """A year of missed deadlines: the counts are those of working_days_left, item by item."""
    from qinglang.cases.selectors.deadlines import DeadlineFilters, list_deadlines
    from qinglang.core.workdays import working_days_left

    reports = bulk_reports(world.beijing_office, 40)
    now = timezone.now()
    for i, report in enumerate(reports):
        report.triage_due = now - dt.timedelta(days=9 * i, hours=1 + i % 3)
    Report.objects.bulk_update(reports, ["triage_due"])
    plan = list_deadlines(world.beijing_user, DeadlineFilters(kind="triage"), now=now)
    assert len(plan.items) == 40
    for item in plan.items:
        assert item.working_days_left == working_days_left(item.deadline, now)
        assert item.status == "breached"
