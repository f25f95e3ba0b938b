"""Deadlines in Chinese working days: policies, Spring Festival, National Day, make-up days."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from qinglang.cases.models import DeadlinePolicy, DeadlineStage, DeadlineUnit, TransferKind
from qinglang.cases.services import deadlines, transfers
from qinglang.core.workdays import SHANGHAI
from tests.cases.factories import make_case, make_report
from tests.cases.handling_factories import CaseWithMaterials, send

pytestmark = pytest.mark.django_db


def at(y: int, m: int, d: int, h: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, minute, tzinfo=SHANGHAI)


def end_of(y: int, m: int, d: int) -> dt.datetime:
    return dt.datetime(y, m, d, 23, 59, 59, tzinfo=SHANGHAI)


@pytest.fixture
def frozen(monkeypatch):
    """Move the clock: `frozen(when)` makes timezone.now() return `when`."""

    def freeze(when: dt.datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: when)

    return freeze


def test_default_policies_are_seeded():
    rows = {
        (p.stage, p.category, p.urgency): (p.amount, p.unit) for p in DeadlinePolicy.objects.all()
    }
    assert rows[("triage", "", "")] == (3, "working_days")
    assert rows[("transfer_feedback", "", "")] == (10, "working_days")
    assert rows[("rectification", "", "")] == (5, "working_days")
    assert rows[("transfer_feedback", "extortion", "in_progress")] == (1, "calendar_days")


def test_triage_across_spring_festival_2026_with_makeup_saturday():
    # Thu 12 Feb 2026: 13 Feb (1), Sat 14 Feb make-up day (2), 15-23 Feb off, 24 Feb (3).
    due = deadlines.deadline_for(DeadlineStage.TRIAGE, start=at(2026, 2, 12))
    assert due == end_of(2026, 2, 24)


def test_transfer_feedback_across_spring_festival_2026():
    # Fri 13 Feb: 14 (1), 24-27 (2-5), Sat 28 Feb make-up (6), 2-5 March (7-10).
    assert deadlines.deadline_for(DeadlineStage.TRANSFER_FEEDBACK, start=at(2026, 2, 13)) == end_of(
        2026, 3, 5
    )


def test_rectification_across_national_day_2026_with_makeup_saturday():
    # Tue 29 Sep: 30 Sep (1), 1-7 Oct off, 8, 9 Oct (2, 3), Sat 10 Oct make-up (4), 12 Oct (5).
    assert deadlines.deadline_for(DeadlineStage.RECTIFICATION, start=at(2026, 9, 29)) == end_of(
        2026, 10, 12
    )


def test_makeup_sunday_before_national_day_2026():
    rule = deadlines.DeadlineRule(1, DeadlineUnit.WORKING_DAYS)
    assert rule.due_from(at(2026, 9, 19)) == end_of(2026, 9, 20)


def test_spring_festival_and_national_day_2025():
    assert deadlines.deadline_for(DeadlineStage.TRIAGE, start=at(2025, 1, 27)) == end_of(2025, 2, 7)
    # Fri 26 Sep 2025: Sun 28 Sep make-up (1), 29, 30 (2, 3), 9, 10 Oct (4, 5),
    # Sat 11 Oct make-up (6), 13-16 Oct (7-10).
    assert deadlines.deadline_for(DeadlineStage.TRANSFER_FEEDBACK, start=at(2025, 9, 26)) == end_of(
        2025, 10, 16
    )


def test_extortion_in_progress_is_calendar_days_even_on_a_holiday():
    due = deadlines.deadline_for(
        DeadlineStage.TRANSFER_FEEDBACK,
        start=at(2026, 9, 30, 20),
        category="extortion",
        urgency="in_progress",
    )
    assert due == at(2026, 10, 1, 20)


def test_most_specific_policy_wins_and_staff_can_change_it():
    DeadlinePolicy.objects.create(
        stage="triage", category="extortion", amount=1, unit=DeadlineUnit.WORKING_DAYS
    )
    DeadlinePolicy.objects.create(
        stage="triage", urgency="urgent", amount=2, unit=DeadlineUnit.CALENDAR_DAYS
    )
    start = at(2026, 11, 30)
    due = deadlines.deadline_for("triage", start=start, category="extortion")
    assert due == end_of(2026, 12, 1)
    assert deadlines.deadline_for("triage", start=start, urgency="urgent") == at(2026, 12, 2)
    assert deadlines.deadline_for("triage", start=start, category="other") == end_of(2026, 12, 3)
    DeadlinePolicy.objects.filter(stage="triage", category="", urgency="").update(amount=5)
    assert deadlines.deadline_for("triage", start=start, category="other") == end_of(2026, 12, 7)


def test_fallback_to_settings_without_policies():
    DeadlinePolicy.objects.all().delete()
    assert deadlines.deadline_for("rectification", start=at(2026, 11, 30)) == end_of(2026, 12, 7)


def test_policy_constraints():
    with pytest.raises(IntegrityError), transaction.atomic():
        DeadlinePolicy.objects.create(stage="triage", amount=4)
    with pytest.raises(IntegrityError), transaction.atomic():
        DeadlinePolicy.objects.create(stage="task", category="other", amount=0)


def test_triage_deadline_of_a_report(world):
    report = make_report(world.beijing_office)
    type(report).objects.filter(pk=report.pk).update(submitted_at=at(2026, 2, 12))
    report.refresh_from_db()
    assert deadlines.triage_deadline(report) == end_of(2026, 2, 24)


def test_transfer_sent_before_spring_festival(world, frozen):
    frozen(at(2026, 2, 13, 16))
    cwm = CaseWithMaterials(world)
    transfer = send(world, cwm.case, kind=TransferKind.RECTIFICATION_ORDER)
    # Fri 13 Feb: Sat 14 (1), 24, 25, 26, 27 Feb (2-5).
    assert transfer.deadline == end_of(2026, 2, 27)


def test_extension_across_national_day(world, frozen):
    frozen(at(2026, 9, 16, 9))
    case = make_case(world.beijing_user)
    transfer = send(world, case, deadline_days=3)
    # Wed 16 Sep: 17, 18 (1, 2), Sun 20 Sep make-up (3).
    assert transfer.deadline == end_of(2026, 9, 20)
    ext = transfers.request_extension(
        transfer, days=4, reason="国庆假期", acting_user=world.police_user
    )
    transfers.decide_extension(ext, approve=True, acting_user=world.beijing_user)
    transfer.refresh_from_db()
    # 21, 22, 23, 24 Sep.
    assert transfer.deadline == end_of(2026, 9, 24)
    ext2 = transfers.request_extension(
        transfer, days=3, reason="节后", acting_user=world.police_user
    )
    transfers.decide_extension(ext2, approve=True, acting_user=world.beijing_user)
    transfer.refresh_from_db()
    # 28, 29, 30 Sep (25-27 Sep: Friday 25 Sep is off in the 2026 arrangement).
    assert transfer.deadline == end_of(2026, 9, 30)


def test_due_soon_cutoff_skips_holidays():
    # National Day: 1-7 Oct off; 8 and 9 Oct are the two working days, 10 Oct the third.
    cutoff = deadlines.due_soon_cutoff(at(2026, 9, 30))
    assert cutoff == dt.datetime(2026, 10, 10, tzinfo=SHANGHAI)
    assert end_of(2026, 10, 9) < cutoff  # due at the end of the second working day: due soon


def test_staff_configure_policies_in_admin(world, verified_client):
    from qinglang.core.ledger import events_for

    admin_user = world.national_user
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client = verified_client(admin_user)
    policy = DeadlinePolicy.objects.get(stage="triage", category="", urgency="")
    url = f"/admin/cases/deadlinepolicy/{policy.pk}/change/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"stage": "triage", "category": "", "urgency": "", "amount": "4", "unit": "working_days"},
    )
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.amount == 4
    assert events_for(policy).get().data["amount"] == 4
    due = deadlines.deadline_for("triage", start=at(2026, 11, 30))
    assert due == end_of(2026, 12, 4)


def test_case_list_filters_by_handling_deadline(world):
    from qinglang.cases.selectors.cases import CaseFilters, list_cases

    soon_case = make_case(world.beijing_user, url="https://a.example.cn/1")
    later_case = make_case(world.beijing_user, url="https://b.example.cn/2")
    idle_case = make_case(world.beijing_user, url="https://c.example.cn/3")
    send(world, soon_case, deadline_days=1)
    send(world, later_case, deadline_days=30)
    day = (timezone.localtime(timezone.now()) + dt.timedelta(days=8)).date()
    found = set(list_cases(world.beijing_user, CaseFilters(due_before=day)))
    assert soon_case in found and later_case not in found and idle_case not in found


def test_years_without_holiday_data_count_weekdays():
    # chinese-calendar has no 2027 data yet: a deadline crossing the new year must still work.
    # Fri 25 Dec 2026: 28-31 Dec (1-4), New Year's Day off, 4-8 Jan (5-9), 11 Jan (10).
    due = deadlines.deadline_for("transfer_feedback", start=at(2026, 12, 25))
    assert due == end_of(2027, 1, 11)
