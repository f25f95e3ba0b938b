"""Trigger-kept tallies: every kind of write keeps them equal to a real count, on both engines."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction
from django.db.models import Count, QuerySet, Sum

from qinglang.cases.models import CASE_TALLY, Case, CaseTally
from qinglang.cases.selectors.cases import CaseFilters, count_cases, list_cases
from qinglang.cases.selectors.triage import count_by_status
from qinglang.core import tallies
from qinglang.core.models import Organization
from qinglang.intake.models import REPORT_TALLY, Report, ReportStatus, ReportTally
from qinglang.intake.selectors import reports_visible_to
from tests.cases.factories import make_case, make_report


def _truth() -> dict[tuple, int]:
    rows = (
        Report.objects.order_by()
        .values_list("office_id", "status", "is_internal")
        .annotate(n=Count("*"))
    )
    return {(office, status, internal): n for office, status, internal, n in rows}


def _live() -> QuerySet[ReportTally]:
    """The report tally's rows of offices that exist (see `_tallied`)."""
    return ReportTally.objects.filter(office__in=Organization.objects.values("pk"))


def _tallied() -> dict[tuple, int]:
    # Only offices that exist: on SQLite a flush of an earlier test may leave rows of deleted
    # offices behind (it empties tables in no fixed order); the selectors skip them the same way.
    rows = (
        ReportTally.objects.filter(office__in=Organization.objects.values("pk"))
        .order_by()
        .values_list("office_id", "status", "is_internal")
        .annotate(total=Sum("n"))
    )
    return {(office, status, internal): int(n) for office, status, internal, n in rows if n}


@pytest.mark.django_db
def test_every_kind_of_write_keeps_the_report_tally_equal_to_a_count(world):
    a = make_report(world.beijing_office)
    b = make_report(world.guangdong_office)
    make_report(world.shenzhen_office, is_internal=True)
    assert _tallied() == _truth() and sum(_truth().values()) == 3

    Report.objects.filter(pk=a.pk).update(status=ReportStatus.ACCEPTED)  # bulk update
    Report.objects.filter(pk=b.pk).update(office=world.shenzhen_office)  # moved office
    Report.objects.filter(pk=b.pk).update(is_internal=True)
    Report.objects.filter(pk=a.pk).update(priority="urgent")  # a column the tally ignores
    with connection.cursor() as cursor:  # raw SQL is caught too
        cursor.execute("UPDATE intake_report SET status = %s WHERE id = %s", ["declined", b.pk])
    assert _tallied() == _truth()

    Report.objects.filter(pk=a.pk).delete()
    assert _tallied() == _truth()
    assert sum(_truth().values()) == 2


@pytest.mark.django_db
def test_compaction_folds_deltas_into_one_row_per_key_and_keeps_the_sums(world):
    reports = [make_report(world.beijing_office) for _ in range(5)]
    Report.objects.filter(pk__in=[r.pk for r in reports[:3]]).update(status=ReportStatus.ACCEPTED)
    Report.objects.filter(pk=reports[4].pk).delete()
    before = _tallied()
    assert _live().count() > len(before)

    tallies.compact(REPORT_TALLY)

    assert _tallied() == before == _truth()
    assert _live().count() == len(before)  # one row per key, zero sums dropped
    assert not ReportTally.objects.filter(n=0).exists()
    rows = sorted(_live().values_list("office_id", "status", "is_internal", "n"))
    tallies.compact(REPORT_TALLY)  # idempotent
    assert sorted(_live().values_list("office_id", "status", "is_internal", "n")) == rows
    make_report(world.beijing_office)  # and the triggers go on after a compaction
    assert _tallied() == _truth()


@pytest.mark.django_db
def test_reinstalling_starts_from_the_rows_already_there(world):
    make_report(world.beijing_office)
    tallies.uninstall(REPORT_TALLY, connection)
    make_report(world.guangdong_office)  # not tallied: no trigger
    assert _tallied() != _truth()
    tallies.install(REPORT_TALLY, connection)
    assert _tallied() == _truth()
    make_report(world.guangdong_office)
    assert _tallied() == _truth()


def test_a_spec_refuses_names_that_are_not_plain_identifiers():
    with pytest.raises(ValueError, match="identifier"):
        tallies.TallySpec(source="intake_report; drop table x", tally="t", keys=("a",))
    with pytest.raises(ValueError, match="identifier"):
        tallies.TallySpec(source="s", tally="t", keys=("a) --",))


@pytest.mark.django_db
def test_status_counts_from_the_tally_equal_a_count_for_every_kind_of_user(world):
    make_report(world.beijing_office)
    make_report(world.guangdong_office)
    accepted = make_report(world.shenzhen_office)
    Report.objects.filter(pk=accepted.pk).update(status=ReportStatus.ACCEPTED)
    make_report(world.shenzhen_office, is_internal=True)
    make_report(world.inspection, is_internal=True)
    tallies.compact(REPORT_TALLY)
    make_report(world.national_office)  # a delta after the compaction
    users = [
        world.national_user,
        world.beijing_user,
        world.guangdong_user,
        world.shenzhen_user,
        world.police_user,
        world.inspector,
        world.website_user,
    ]
    for user in users:
        direct = dict(
            reports_visible_to(user)
            .order_by()
            .values_list("status")
            .annotate(n=Count("*"))
            .values_list("status", "n")
        )
        expected = {value: direct.get(value, 0) for value in ReportStatus.values}
        assert count_by_status(user) == expected, user
    assert sum(count_by_status(world.national_user).values()) == 4  # internal ones never
    # A row of an office that no longer exists (a flushed test database leaves such) counts
    # nothing, not even nationally.
    ReportTally.objects.create(
        office_id=10**9, status=ReportStatus.RECEIVED, is_internal=False, n=7
    )
    assert sum(count_by_status(world.national_user).values()) == 4
    assert count_by_status(world.guangdong_user)[ReportStatus.ACCEPTED] == 1
    assert sum(count_by_status(world.police_user).values()) == 0


@pytest.mark.django_db
def test_the_case_count_equals_the_list_for_every_user_and_tallied_filter(world):
    shared = make_case(
        world.beijing_user, url="https://a.example.cn/", co_offices=[world.guangdong_office]
    )
    make_case(world.beijing_user, url="https://b.example.cn/")
    guangdong = make_case(world.guangdong_user, url="https://c.example.cn/")
    make_case(world.shenzhen_user, url="https://d.example.cn/")
    internal = make_case(world.guangdong_user, url="https://e.example.cn/")
    # An internal matter goes to discipline inspection (lead office and flag both move).
    Case.objects.filter(pk=internal.pk).update(is_internal=True, lead_office=world.inspection)
    Case.objects.filter(pk=guangdong.pk).update(status="investigating")
    tallies.compact(CASE_TALLY)
    make_case(world.shenzhen_user, url="https://f.example.cn/")  # a delta after compaction
    users = [
        world.national_user,
        world.beijing_user,
        world.guangdong_user,
        world.shenzhen_user,
        world.police_user,
        world.inspector,
    ]
    filters = [
        CaseFilters(),
        CaseFilters(status="new"),
        CaseFilters(status="investigating"),
        CaseFilters(office=world.beijing_office.pk),
        CaseFilters(office=world.shenzhen_office.pk, status="new"),
    ]
    for user in users:
        for f in filters:
            assert count_cases(user, f) == list_cases(user, f).count(), (user, f)
    assert count_cases(world.guangdong_user) == 4  # its own, Shenzhen's two, the co-handled
    assert count_cases(world.guangdong_user, CaseFilters(office=world.beijing_office.pk)) == 1
    assert shared.pk in set(list_cases(world.guangdong_user).values_list("pk", flat=True))
    assert count_cases(world.inspector) == 1
    # A filter the tally does not key: the list counts its own rows.
    assert count_cases(world.national_user, CaseFilters(category="extortion")) is None
    assert count_cases(world.national_user, CaseFilters(target="a.example")) is None
    live = CaseTally.objects.filter(lead_office__in=Organization.objects.values("pk"))
    assert live.aggregate(n=Sum("n"))["n"] == Case.objects.count()


@pytest.mark.django_db
def test_the_case_list_page_shows_the_tallied_count(world, client):
    from django.urls import reverse

    from tests.core.auth import login_verified

    for i in range(3):
        make_case(world.beijing_user, url=f"https://x{i}.example.cn/")
    login_verified(client, world.beijing_user)
    response = client.get(reverse("cases:case_list"))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 3


@pytest.mark.django_db(transaction=True)
def test_a_delta_committed_during_a_compaction_is_neither_lost_nor_counted_twice(world):
    if connection.vendor != "postgresql":
        pytest.skip("one writer on SQLite: the compaction holds the write lock")
    make_report(world.beijing_office)
    make_report(world.beijing_office)
    started = threading.Event()
    release = threading.Event()

    def writer() -> None:
        try:
            with transaction.atomic():
                make_report(world.beijing_office)  # its delta is written, not yet committed
                started.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    assert started.wait(10)
    tallies.compact(REPORT_TALLY)  # does not see the uncommitted delta
    release.set()
    thread.join(10)
    assert _tallied() == _truth()
    assert sum(_truth().values()) == 3
    tallies.compact(REPORT_TALLY)
    assert _tallied() == _truth()
