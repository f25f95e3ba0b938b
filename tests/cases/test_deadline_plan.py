"""Deadlines you can plan by: every open deadline, its status and colour, filters, counts, feed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from qinglang.cases.models import CalendarFeed, Transfer
from qinglang.cases.selectors.deadlines import (
    DeadlineFilters,
    deadline_status,
    list_deadlines,
)
from qinglang.cases.services import tasks, transfers, triage
from qinglang.cases.services.calendar import issue_calendar_feed
from qinglang.core.exceptions import DomainError, NotPermitted
from qinglang.core.ledger import events_for
from qinglang.core.models import IdentityAccessLog
from qinglang.core.workdays import SHANGHAI, working_days_left
from tests.cases.factories import make_report
from tests.cases.handling_factories import send
from tests.core.auth import login_verified

# A Wednesday in a plain working week (no holidays near).
WED = dt.datetime(2026, 11, 18, 10, 0, tzinfo=SHANGHAI)


def test_working_days_left_counts_working_days_in_shanghai():
    assert working_days_left(dt.datetime(2026, 11, 18, 23, 0, tzinfo=SHANGHAI), WED) == 0
    assert working_days_left(dt.datetime(2026, 11, 20, 12, 0, tzinfo=SHANGHAI), WED) == 2
    # Over the weekend: Thu, Fri, Mon.
    assert working_days_left(dt.datetime(2026, 11, 23, 12, 0, tzinfo=SHANGHAI), WED) == 3
    assert working_days_left(dt.datetime(2026, 11, 17, 12, 0, tzinfo=SHANGHAI), WED) == -1
    assert working_days_left(dt.datetime(2026, 11, 18, 9, 0, tzinfo=SHANGHAI), WED) == -1
    assert working_days_left(dt.datetime(2026, 11, 13, 12, 0, tzinfo=SHANGHAI), WED) == -3


def test_status_is_on_track_at_risk_or_breached():
    assert deadline_status(WED + dt.timedelta(days=14), WED)[0] == "on_track"
    assert deadline_status(dt.datetime(2026, 11, 20, 23, 0, tzinfo=SHANGHAI), WED)[0] == "at_risk"
    assert deadline_status(dt.datetime(2026, 11, 23, 23, 0, tzinfo=SHANGHAI), WED)[0] == "on_track"
    assert deadline_status(WED - dt.timedelta(minutes=1), WED) == ("breached", -1)


def _case(world, office=None, user=None):
    office = office or world.beijing_office
    return triage.accept_report(make_report(office), acting_user=user or world.beijing_user)


@pytest.mark.django_db
def test_a_transfer_due_in_two_weeks_is_listed_on_track(world):
    case = _case(world)
    transfer = send(world, case, deadline_days=10)
    plan = list_deadlines(world.beijing_user)
    item = next(i for i in plan.items if i.kind == "transfer")
    assert item.id == transfer.pk and item.status == "on_track"
    assert item.working_days_left >= 9 and item.case.pk == case.pk
    # The sender chases an agency's answer: the responsible office is the sending office.
    assert item.office == world.beijing_office
    assert plan.counts["on_track"] >= 1 and plan.counts["total"] == len(plan.items)


@pytest.mark.django_db
def test_every_kind_is_listed_with_counts_per_status(world):
    report = make_report(world.beijing_office)
    case = _case(world)
    overdue = send(world, case)
    Transfer.objects.filter(pk=overdue.pk).update(deadline=timezone.now() - dt.timedelta(days=1))
    transfers.request_extension(overdue, days=2, reason="需补充材料", acting_user=world.police_user)
    task = tasks.create_task(
        case, title="核查备案", acting_user=world.beijing_user, assignee_user=world.beijing_user
    )
    plan = list_deadlines(world.beijing_user)
    kinds = {(i.kind, i.id) for i in plan.items}
    assert ("triage", report.pk) in kinds and ("transfer", overdue.pk) in kinds
    assert ("task", task.pk) in kinds
    assert any(k == "extension" for k, _ in kinds)
    assert plan.counts["breached"] == 2  # the transfer and its pending extension request
    assert sum(plan.counts[s] for s in ("on_track", "at_risk", "breached")) == plan.counts["total"]
    only = list_deadlines(world.beijing_user, DeadlineFilters(status="breached"))
    assert {i.status for i in only.items} == {"breached"} and only.counts == plan.counts
    tasks_only = list_deadlines(world.beijing_user, DeadlineFilters(kind="task"))
    assert [i.id for i in tasks_only.items] == [task.pk]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_api_items_are_what_the_documented_serializer_renders(world, language):
    """The items are built without DRF's fields (a national plan holds thousands): every kind,
    with and without a case, in both languages, equals DeadlineItemOut's rendering."""
    from django.utils import translation

    from qinglang.cases.api.deadlines import DeadlineItemOut, items_out

    make_report(world.beijing_office)  # triage: no case
    case = _case(world)
    overdue = send(world, case)
    Transfer.objects.filter(pk=overdue.pk).update(deadline=timezone.now() - dt.timedelta(days=1))
    transfers.request_extension(overdue, days=2, reason="需补充材料", acting_user=world.police_user)
    tasks.create_task(
        case, title="核查备案", acting_user=world.beijing_user, assignee_user=world.beijing_user
    )
    with translation.override(language):
        plan = list_deadlines(world.beijing_user)
        assert {i.kind for i in plan.items} == {"triage", "transfer", "extension", "task"}
        assert any(i.case is None for i in plan.items) and any(i.case for i in plan.items)
        assert items_out(plan.items) == DeadlineItemOut(plan.items, many=True).data


@pytest.mark.django_db
def test_superior_sees_subordinates_and_other_region_sees_nothing(world):
    case = _case(world, world.shenzhen_office, world.shenzhen_user)
    transfer = send(world, case, user=world.shenzhen_user)

    def ids(user, **f):
        return {(i.kind, i.id) for i in list_deadlines(user, DeadlineFilters(**f)).items}

    assert ("transfer", transfer.pk) in ids(world.guangdong_user)
    assert ("transfer", transfer.pk) in ids(world.guangdong_user, office=world.shenzhen_office.pk)
    assert ("transfer", transfer.pk) in ids(world.national_user)
    assert ("transfer", transfer.pk) not in ids(world.beijing_user)
    # The police answer it: the recipient sees it too, but nothing else of Shenzhen's.
    assert ids(world.police_user) == {("transfer", transfer.pk)}


@pytest.mark.django_db
def test_office_filter_outside_the_jurisdiction_is_refused(world):
    case = _case(world, world.shenzhen_office, world.shenzhen_user)
    send(world, case, user=world.shenzhen_user)
    with pytest.raises(DomainError) as exc:
        list_deadlines(world.beijing_user, DeadlineFilters(office=world.shenzhen_office.pk))
    assert "office" in exc.value.message_dict
    with pytest.raises(DomainError):
        list_deadlines(world.beijing_user, DeadlineFilters(kind="case_x", status="late"))


@pytest.mark.django_db
@pytest.mark.parametrize("n", [10, 100])
def test_query_count_is_constant(world, n):
    case = _case(world)
    for i in range(n):
        tasks.create_task(
            case, title=f"任务{i}", acting_user=world.beijing_user, assignee_user=world.beijing_user
        )
        make_report(world.beijing_office)
    with CaptureQueriesContext(connection) as ctx:
        plan = list_deadlines(world.beijing_user)
    assert plan.counts["total"] >= 2 * n
    assert len(ctx.captured_queries) <= 6, [q["sql"] for q in ctx.captured_queries]


@pytest.mark.django_db
@pytest.mark.parametrize("n", [10, 100])
def test_page_and_api_query_counts_do_not_grow(world, client, n):
    case = _case(world)
    for i in range(n):
        tasks.create_task(
            case, title=f"任务{i}", acting_user=world.beijing_user, assignee_user=world.beijing_user
        )
    login_verified(client, world.beijing_user)
    client.get("/cases/deadlines/")
    with CaptureQueriesContext(connection) as page:
        assert client.get("/cases/deadlines/").status_code == 200
    with CaptureQueriesContext(connection) as api:
        assert client.get("/api/v1/deadlines/").status_code == 200
    assert len(page.captured_queries) <= 25
    assert len(api.captured_queries) <= 25


@pytest.mark.django_db
def test_page_shows_colours_counts_and_distinct_escalation_headings(world, client):
    case = _case(world)
    overdue = send(world, case)
    Transfer.objects.filter(pk=overdue.pk).update(deadline=timezone.now() - dt.timedelta(days=1))
    login_verified(client, world.beijing_user)
    html = client.get("/cases/deadlines/").content.decode()
    assert 'class="table-danger" data-status="breached" data-kind="transfer"' in html
    assert case.number in html
    assert 'data-count="breached">1<' in html
    assert "Escalated to us: overdue work of offices under us" in html or "下级" in html
    body = client.get("/cases/deadlines/?status=on_track").content.decode()
    assert 'data-kind="transfer"' not in body


@pytest.mark.django_db
def test_page_office_filter_of_another_region_shows_nothing(world, client):
    case = _case(world, world.shenzhen_office, world.shenzhen_user)
    send(world, case, user=world.shenzhen_user)
    login_verified(client, world.beijing_user)
    response = client.get(f"/cases/deadlines/?office={world.shenzhen_office.pk}")
    assert response.status_code == 400
    assert case.number not in response.content.decode()


@pytest.mark.django_db
def test_api_lists_items_and_counts_and_keeps_the_old_keys(world, client):
    case = _case(world)
    transfer = send(world, case, deadline_days=10)
    login_verified(client, world.beijing_user)
    data = client.get("/api/v1/deadlines/").json()
    assert {"overdue_transfers", "soon_transfers", "triage", "escalated_to_us"} <= data.keys()
    assert data["counts"]["total"] == len(data["items"])
    item = next(i for i in data["items"] if i["kind"] == "transfer")
    assert item["id"] == transfer.pk and item["status"] == "on_track"
    assert item["case"]["number"] == case.number and item["office"]["id"] == world.beijing_office.pk
    assert item["working_days_left"] >= 9
    filtered = client.get("/api/v1/deadlines/?kind=task&status=breached").json()
    assert filtered["items"] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query", ["kind=case_x", "status=late", "office=abc", "office=999999", "office={shenzhen}"]
)
def test_api_bad_filters_are_400(world, client, query):
    case = _case(world, world.shenzhen_office, world.shenzhen_user)
    send(world, case, user=world.shenzhen_user)
    login_verified(client, world.beijing_user)
    response = client.get("/api/v1/deadlines/?" + query.format(shenzhen=world.shenzhen_office.pk))
    assert response.status_code == 400
    assert case.number not in response.content.decode()


# --- calendar feed -------------------------------------------------------------------------


@pytest.mark.django_db
def test_feed_token_is_stored_as_a_digest_and_rotation_kills_the_old_one(world, client):
    case = _case(world)
    transfer = send(world, case, deadline_days=10)
    token = issue_calendar_feed(world.beijing_user, acting_user=world.beijing_user)
    feed = CalendarFeed.objects.get(user=world.beijing_user)
    assert token not in feed.digest and len(feed.digest) == 64
    assert events_for(feed).get().action == "calendar_feed.issued"
    logs_before = IdentityAccessLog.objects.count()
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    from icalendar import Calendar

    events = Calendar.from_ical(response.content).walk("VEVENT")
    event = next(e for e in events if str(e["UID"]) == f"transfer-{transfer.pk}@qinglang")
    assert case.number in str(event["DESCRIPTION"]) and case.number in str(event["SUMMARY"])
    assert event.decoded("DTSTART") == transfer.deadline
    assert IdentityAccessLog.objects.count() == logs_before
    new = issue_calendar_feed(world.beijing_user, acting_user=world.beijing_user)
    assert client.get(f"/calendar/{token}.ics").status_code == 404
    assert client.get(f"/calendar/{new}.ics").status_code == 200
    assert CalendarFeed.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["nope", "x" * 43, "abc.def"])
def test_wrong_feed_token_is_404(world, client, token):
    issue_calendar_feed(world.beijing_user, acting_user=world.beijing_user)
    assert client.get(f"/calendar/{token}.ics").status_code == 404


@pytest.mark.django_db
def test_feed_of_an_inactive_user_is_404_and_feed_is_read_only(world, client):
    token = issue_calendar_feed(world.beijing_user, acting_user=world.beijing_user)
    assert client.post(f"/calendar/{token}.ics").status_code == 405
    world.beijing_user.is_active = False
    world.beijing_user.save()
    assert client.get(f"/calendar/{token}.ics").status_code == 404


@pytest.mark.django_db
def test_nobody_issues_a_feed_for_someone_else(world):
    with pytest.raises(NotPermitted):
        issue_calendar_feed(world.beijing_user, acting_user=world.shenzhen_user)
    assert not CalendarFeed.objects.exists()


@pytest.mark.django_db
def test_page_creates_and_shows_the_feed_address_once(world, client):
    login_verified(client, world.beijing_user)
    response = client.post("/cases/deadlines/calendar/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/calendar/" in html and ".ics" in html
    again = client.get("/cases/deadlines/").content.decode()
    assert ".ics" not in again
    assert CalendarFeed.objects.filter(user=world.beijing_user).exists()


@pytest.mark.django_db
def test_feed_lists_only_the_users_scope_and_nothing_about_reporters(world, client):
    own = make_report(world.beijing_office, contact_phone="13900001111")
    other = _case(world, world.shenzhen_office, world.shenzhen_user)
    send(world, other, user=world.shenzhen_user)
    token = issue_calendar_feed(world.beijing_user, acting_user=world.beijing_user)
    body = client.get(f"/calendar/{token}.ics").content
    from icalendar import Calendar

    uids = {str(e["UID"]) for e in Calendar.from_ical(body).walk("VEVENT")}
    assert f"triage-{own.pk}@qinglang" in uids
    assert not any(u.startswith("transfer-") for u in uids)
    assert b"13900001111" not in body and other.number.encode() not in body
