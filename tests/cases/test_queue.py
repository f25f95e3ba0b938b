"""Queues that tell the truth: default view, chips, saved filters, orders, counts, bulk, assign."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from qinglang.cases.models import SavedFilter
from qinglang.cases.services.triage import bulk_triage
from qinglang.core.exceptions import DomainError, NotPermitted
from qinglang.core.ledger import events_for
from qinglang.core.models import Role
from qinglang.intake.assignment import assign_report
from qinglang.intake.models import Report, ReportStatus
from tests.cases.factories import api_client, make_report
from tests.core.auth import login_verified
from tests.core.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(world):
    return UserFactory(
        username="t-beijing-2", organization=world.beijing_office, role=Role.TRIAGE_OFFICER
    )


def _aged(report: Report, days: int) -> Report:
    from qinglang.cases.services.deadlines import refresh_triage_due

    Report.objects.filter(pk=report.pk).update(
        submitted_at=timezone.now() - dt.timedelta(days=days)
    )
    refresh_triage_due(report_ids=[report.pk])  # the stored deadline follows the submission
    report.refresh_from_db()
    return report


# --- the page -------------------------------------------------------------------------------


def test_default_view_lists_everything_awaiting_a_decision_and_says_so(world, client):
    waiting = [make_report(world.beijing_office) for _ in range(3)]
    declined = make_report(world.beijing_office)
    Report.objects.filter(pk=declined.pk).update(status=ReportStatus.DECLINED)
    login_verified(client, world.beijing_user)
    response = client.get(reverse("cases:triage_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert [r.pk for r in response.context["page"]] == sorted([r.pk for r in waiting], reverse=True)
    form = response.context["form"]
    assert form["status"].value() == "received"  # the status box matches what is listed
    assert 'value="received" selected' in html
    assert response.context["chips"][0]["value"] == str(ReportStatus.RECEIVED.label)
    counts = {v: n for v, _label, n in response.context["status_counts"]}
    assert counts["received"] == 3
    assert counts["declined"] == 1
    assert "#queue-count" not in html and 'id="queue-count"' in html


def test_status_all_lists_every_status_and_chip_removal_links(world, client):
    make_report(world.beijing_office)
    declined = make_report(world.beijing_office)
    Report.objects.filter(pk=declined.pk).update(status=ReportStatus.DECLINED)
    login_verified(client, world.beijing_user)
    response = client.get(reverse("cases:triage_list"), {"status": "all", "category": "other"})
    assert response.context["current_status"] == ""
    chips = response.context["chips"]
    assert [c["label"] for c in chips] == ["类别"] or len(chips) == 1
    assert "category" not in chips[0]["remove"]
    response = client.get(reverse("cases:triage_list"), {"status": "all"})
    assert response.context["page"].paginator.count == 2


def test_orders_by_received_time_deadline_and_risk(world):
    from qinglang.cases.selectors.triage import TriageFilters, triage_queue

    # Two and four weeks back: the same weekday and hour, with working days between each (no
    # holiday lasts 14 days), so the three deadlines differ whatever day the test runs. Five
    # days and one tied "now" with "a day ago" on a Saturday in Shanghai (both due Monday).
    old = _aged(make_report(world.beijing_office), 28)
    new = make_report(world.beijing_office)
    risky = _aged(make_report(world.beijing_office), 14)
    Report.objects.filter(pk=risky.pk).update(analysis={"risk": {"score": 0.9}})

    def ids(ordering):
        return [r.pk for r in triage_queue(world.beijing_user, TriageFilters(ordering=ordering))]

    assert ids("received_at") == [old.pk, risky.pk, new.pk]
    assert ids("-received_at") == [new.pk, risky.pk, old.pk]
    assert ids("deadline") == [old.pk, risky.pk, new.pk]
    assert ids("-deadline") == [new.pk, risky.pk, old.pk]
    assert ids("-risk")[0] == risky.pk


def test_saved_filters_are_per_user(world, client, colleague):
    login_verified(client, world.beijing_user)
    response = client.post(
        reverse("cases:triage_filter_save"), {"name": "我的", "query": "status=all&assignee=me"}
    )
    assert response.status_code == 302
    saved = SavedFilter.objects.get(user=world.beijing_user)
    assert saved.query == "status=all&assignee=me"
    page = client.get(reverse("cases:triage_list"))
    assert [f.name for f in page.context["saved_filters"]] == ["我的"]
    # Someone else's filter is not found and stays.
    other = SavedFilter.objects.create(user=colleague, name="别人的", query="")
    response = client.post(reverse("cases:triage_filter_delete", args=[other.pk]))
    assert response.status_code == 404
    assert SavedFilter.objects.filter(pk=other.pk).exists()
    client.post(reverse("cases:triage_filter_delete", args=[saved.pk]))
    assert not SavedFilter.objects.filter(pk=saved.pk).exists()


def test_saving_a_filter_without_name_changes_nothing(world, client):
    login_verified(client, world.beijing_user)
    client.post(reverse("cases:triage_filter_save"), {"name": "", "query": "x=1"})
    assert not SavedFilter.objects.exists()


@pytest.mark.parametrize("rows", [10, 100])
def test_queue_page_query_count_is_constant(world, client, rows, django_assert_max_num_queries):
    for _ in range(rows):
        make_report(world.beijing_office)
    login_verified(client, world.beijing_user)
    client.get(reverse("cases:triage_list"))
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("cases:triage_list"), {"ordering": "deadline"})
    assert response.status_code == 200
    assert len(ctx.captured_queries) <= 22, [q["sql"][:120] for q in ctx.captured_queries]


# --- bulk -----------------------------------------------------------------------------------


def test_bulk_accept_goes_through_the_single_service_and_reports_each(world):
    mine = [make_report(world.beijing_office) for _ in range(3)]
    foreign = make_report(world.guangdong_office)
    outcomes = bulk_triage(
        [r.pk for r in mine] + [foreign.pk, 999999], action="accept", acting_user=world.beijing_user
    )
    by_id = {o.id: o for o in outcomes}
    for r in mine:
        r.refresh_from_db()
        assert r.status == ReportStatus.ACCEPTED
        assert by_id[r.pk].ok and by_id[r.pk].case_number
        assert events_for(r).filter(action="report.accepted").count() == 1
    assert not by_id[foreign.pk].ok and not by_id[999999].ok
    foreign.refresh_from_db()
    assert foreign.status == ReportStatus.RECEIVED
    assert not events_for(foreign).filter(action="report.accepted").exists()


def test_bulk_decline_one_reason_for_all_and_already_triaged_reported(world):
    a, b = make_report(world.beijing_office), make_report(world.beijing_office)
    Report.objects.filter(pk=b.pk).update(status=ReportStatus.ACCEPTED)
    outcomes = bulk_triage(
        [a.pk, b.pk],
        action="decline",
        reason="证据不足，请补充。",
        reason_code="insufficient_evidence",
        acting_user=world.beijing_user,
    )
    assert [o.ok for o in outcomes] == [True, False]
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, a.decision_text) == (ReportStatus.DECLINED, "证据不足，请补充。")
    assert b.status == ReportStatus.ACCEPTED


def test_bulk_refusals_change_nothing(world):
    r = make_report(world.beijing_office)
    with pytest.raises(DomainError):
        bulk_triage([r.pk], action="decline", reason="", acting_user=world.beijing_user)
    with pytest.raises(DomainError):
        bulk_triage([r.pk], action="explode", acting_user=world.beijing_user)
    with pytest.raises(DomainError):
        bulk_triage([], action="accept", acting_user=world.beijing_user)
    with pytest.raises(NotPermitted):
        bulk_triage([r.pk], action="accept", acting_user=world.police_user)
    r.refresh_from_db()
    assert r.status == ReportStatus.RECEIVED


def test_bulk_reroute_and_assign(world, colleague):
    a, b = make_report(world.beijing_office), make_report(world.beijing_office)
    outcomes = bulk_triage(
        [a.pk], action="assign", assignee=colleague, acting_user=world.beijing_user
    )
    assert outcomes[0].ok
    a.refresh_from_db()
    assert a.triage_assignee == colleague
    outcomes = bulk_triage(
        [a.pk, b.pk],
        action="reroute",
        office=world.guangdong_office,
        reason="属广东管辖",
        acting_user=world.beijing_user,
    )
    assert all(o.ok for o in outcomes)
    assert set(Report.objects.filter(pk__in=[a.pk, b.pk]).values_list("office", flat=True)) == {
        world.guangdong_office.pk
    }


# --- assign ---------------------------------------------------------------------------------


def test_assign_to_a_colleague_and_back_to_nobody(world, colleague):
    r = make_report(world.beijing_office)
    assign_report(r, assignee=colleague, acting_user=world.beijing_user)
    r.refresh_from_db()
    assert r.triage_assignee == colleague
    event = events_for(r).get(action="report.assigned")
    assert event.data == {"from": None, "to": colleague.pk}
    assign_report(r, assignee=None, acting_user=world.beijing_user)
    r.refresh_from_db()
    assert r.triage_assignee is None


def test_assign_refuses_outsiders_and_wrong_roles(world):
    r = make_report(world.beijing_office)
    with pytest.raises(DomainError):
        assign_report(r, assignee=world.guangdong_user, acting_user=world.beijing_user)
    with pytest.raises(NotPermitted):
        assign_report(r, assignee=world.beijing_user, acting_user=world.guangdong_user)
    r.refresh_from_db()
    assert r.triage_assignee is None
    assert not events_for(r).filter(action="report.assigned").exists()


# --- API ------------------------------------------------------------------------------------


def test_api_list_status_assignee_ordering_and_count(world, colleague):
    a = _aged(make_report(world.beijing_office), 3)
    b = make_report(world.beijing_office)
    c = make_report(world.beijing_office)
    Report.objects.filter(pk=c.pk).update(status=ReportStatus.DECLINED)
    assign_report(b, assignee=world.beijing_user, acting_user=world.beijing_user)
    client = api_client(world.beijing_user)
    url = reverse("api-reports")
    body = client.get(url, {"status": "received"}).json()
    assert body["count"] == 2 and {"next", "previous", "results"} <= set(body)
    assert [r["id"] for r in client.get(url, {"assignee": "me"}).json()["results"]] == [b.pk]
    assert [r["id"] for r in client.get(url, {"assignee": "none"}).json()["results"]] == [
        c.pk,
        a.pk,
    ]
    got = client.get(url, {"status": "received", "ordering": "received_at"}).json()
    assert [r["id"] for r in got["results"]] == [a.pk, b.pk]
    got = client.get(url, {"status": "received", "ordering": "-deadline"}).json()
    assert [r["id"] for r in got["results"]] == [b.pk, a.pk]
    assert got["results"][0]["triage_assignee"] == world.beijing_user.pk
    assert client.get(url, {"ordering": "risk"}).json()["count"] == 3


@pytest.mark.parametrize("params", [{"status": "bogus"}, {"assignee": "someone"}])
def test_api_list_bad_filters_are_400(world, params):
    response = api_client(world.beijing_user).get(reverse("api-reports"), params)
    assert response.status_code == 400
    assert set(response.json()) == set(params)


@pytest.mark.parametrize("rows", [10, 100])
def test_api_list_query_count(world, rows):
    for _ in range(rows):
        make_report(world.beijing_office)
    client = api_client(world.beijing_user)
    with CaptureQueriesContext(connection) as ctx:
        for ordering in ("deadline", "risk", "received_at"):
            assert client.get(reverse("api-reports"), {"ordering": ordering}).status_code == 200
    assert len(ctx.captured_queries) <= 3 * 8


def test_api_bulk_with_a_foreign_id(world):
    mine = make_report(world.beijing_office)
    foreign = make_report(world.guangdong_office)
    response = api_client(world.beijing_user).post(
        reverse("api-report-bulk"),
        {"action": "accept", "ids": [mine.pk, foreign.pk]},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["done"], body["failed"]) == (2, 1, 1)
    assert body["results"][1] == {"id": foreign.pk, "ok": False, "error": "No such report."} or (
        body["results"][1]["ok"] is False and body["results"][1]["id"] == foreign.pk
    )
    foreign.refresh_from_db()
    assert foreign.status == ReportStatus.RECEIVED


@pytest.mark.parametrize(
    "payload",
    [
        {"action": "accept", "ids": []},
        {"action": "nope", "ids": [1]},
        {"action": "accept", "ids": ["x"]},
        {"action": "decline", "ids": [1]},
        {"action": "reroute", "ids": [1], "reason": "x", "office": 999999},
        {"action": "assign", "ids": [1], "assignee": 999999},
    ],
)
def test_api_bulk_bad_input_is_400_and_changes_nothing(world, payload):
    r = make_report(world.beijing_office)
    payload = {**payload, "ids": [r.pk if i == 1 else i for i in payload["ids"]]}
    response = api_client(world.beijing_user).post(
        reverse("api-report-bulk"), payload, format="json"
    )
    assert response.status_code == 400, response.content
    r.refresh_from_db()
    assert r.status == ReportStatus.RECEIVED and r.triage_assignee is None


def test_api_bulk_wrong_role_is_403(world):
    r = make_report(world.beijing_office)
    response = api_client(world.police_user).post(
        reverse("api-report-bulk"), {"action": "accept", "ids": [r.pk]}, format="json"
    )
    assert response.status_code == 403
    r.refresh_from_db()
    assert r.status == ReportStatus.RECEIVED


def test_api_assign(world, colleague):
    r = make_report(world.beijing_office)
    url = reverse("api-report-assign", args=[r.pk])
    client = api_client(world.beijing_user)
    assert client.post(url, {"assignee": colleague.pk}, format="json").json() == {
        "assignee": colleague.pk
    }
    assert client.post(url, {"assignee": None}, format="json").json() == {"assignee": None}
    assert client.post(url, {"assignee": world.guangdong_user.pk}, format="json").status_code == 400
    assert client.post(url, {}, format="json").status_code == 400
    other = make_report(world.guangdong_office)
    response = client.post(
        reverse("api-report-assign", args=[other.pk]), {"assignee": None}, format="json"
    )
    assert response.status_code == 404
    police = api_client(world.police_user)
    assert police.post(url, {"assignee": None}, format="json").status_code in (403, 404)
    r.refresh_from_db()
    assert r.triage_assignee is None


def test_web_bulk_accept_reports_each_and_redirects(world, client):
    mine = [make_report(world.beijing_office) for _ in range(2)]
    foreign = make_report(world.guangdong_office)
    login_verified(client, world.beijing_user)
    response = client.post(
        reverse("cases:triage_bulk"),
        {"action": "accept", "ids": [mine[0].pk, mine[1].pk, foreign.pk], "next": "status=all"},
        follow=True,
    )
    assert response.status_code == 200
    texts = [str(m) for m in response.context["messages"]]
    assert any("2" in t for t in texts)
    assert Report.objects.filter(pk__in=[r.pk for r in mine], status="accepted").count() == 2
    foreign.refresh_from_db()
    assert foreign.status == ReportStatus.RECEIVED


# --- cases API ------------------------------------------------------------------------------


def test_case_api_status_ordering_and_count(world):
    from tests.cases.factories import make_case

    first = make_case(world.beijing_user, title="一", severity="high")
    second = make_case(world.beijing_user, title="二", url="https://b.example.cn/1")
    client = api_client(world.beijing_user)
    url = reverse("api-case-list")
    body = client.get(url, {"ordering": "received_at"}).json()
    assert body["count"] == 2
    assert [c["id"] for c in body["results"]] == [first.pk, second.pk]
    assert [c["id"] for c in client.get(url, {"ordering": "-risk"}).json()["results"]] == [
        first.pk,
        second.pk,
    ]
    assert client.get(url, {"ordering": "deadline"}).json()["count"] == 2
    assert client.get(url, {"status": "new"}).json()["count"] == 2
    assert client.get(url, {"ordering": "sideways"}).status_code == 400


def test_pager_count_comes_from_the_status_counts_only_when_status_alone_filters(world, client):
    """The usual view reuses the status counts; any other filter counts its own rows."""
    waiting = [make_report(world.beijing_office) for _ in range(3)]
    make_report(world.beijing_office, category="extortion")
    Report.objects.filter(pk=waiting[0].pk).update(status=ReportStatus.DECLINED)
    make_report(world.guangdong_office)  # outside Beijing's jurisdiction
    login_verified(client, world.beijing_user)
    url = reverse("cases:triage_list")

    def total(params: dict[str, str]) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, params)
        assert response.status_code == 200
        counts = sum(1 for q in ctx.captured_queries if "COUNT(" in q["sql"].upper())
        return response.context["page"].paginator.count, counts

    default, default_counts = total({})
    assert default == 3  # received, in scope (2 + the extortion one)
    assert total({"ordering": "deadline"})[0] == 3
    assert total({"status": "declined"})[0] == 1
    assert total({"status": "all"})[0] == 4
    category, category_counts = total({"category": "extortion"})
    assert category == 1
    assert category_counts == default_counts + 1  # its own count, not the status count
