"""Escalation (督办): overdue work goes to the superior office, once; the deadlines page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from qinglang.cases import tasks as celery_tasks
from qinglang.cases.models import Escalation, Task, Transfer, TransferKind
from qinglang.cases.services import deadlines, transfers
from qinglang.cases.services.tasks import create_task
from qinglang.core.ledger import events_for
from qinglang.core.models import Notification
from tests.cases.factories import make_case, make_report
from tests.cases.handling_factories import send

pytestmark = pytest.mark.django_db

PAST = dt.timedelta(days=2)


def overdue(transfer: Transfer) -> Transfer:
    Transfer.objects.filter(pk=transfer.pk).update(deadline=timezone.now() - PAST)
    transfer.refresh_from_db()
    return transfer


def test_overdue_transfer_to_agency_escalates_to_sender_superior_once(world):
    case = make_case(world.beijing_user)
    transfer = overdue(send(world, case))
    Notification.objects.all().delete()
    created = deadlines.escalate_overdue()
    assert len(created) == 1
    esc = Escalation.objects.get()
    assert (esc.item_type, esc.item_id, esc.level) == ("transfer", transfer.pk, 1)
    assert esc.responsible_office == world.beijing_office
    assert esc.superior_office == world.national_office
    assert esc.case == case
    event = events_for(transfer).get(action="transfer.escalated")
    assert event.actor is None and event.data["superior_office"] == world.national_office.pk
    notified = set(Notification.objects.values_list("recipient_organization", flat=True))
    assert notified == {world.national_office.pk, world.beijing_office.pk, world.police.pk}
    # Running again (and again, via the beat task) escalates nothing more.
    assert deadlines.escalate_overdue() == []
    assert celery_tasks.escalate_overdue() == 0
    assert Escalation.objects.count() == 1
    assert events_for(transfer).filter(action="transfer.escalated").count() == 1
    assert Notification.objects.count() == 3


def test_overdue_co_handling_office_escalates_to_its_own_superior(world):
    case = make_case(world.beijing_user)
    transfer = overdue(
        send(world, case, kind=TransferKind.CO_HANDLING, recipient=world.shenzhen_office)
    )
    deadlines.escalate_overdue()
    esc = Escalation.objects.get(item_id=transfer.pk)
    assert esc.responsible_office == world.shenzhen_office
    assert esc.superior_office == world.guangdong_office


def test_answered_and_future_transfers_are_not_escalated(world):
    case = make_case(world.beijing_user)
    answered = overdue(send(world, case))
    transfers.submit_feedback(answered, summary="已处理", acting_user=world.police_user)
    send(world, case, kind=TransferKind.RECTIFICATION_ORDER)
    assert deadlines.escalate_overdue() == []


def test_national_office_has_no_superior(world):
    case = make_case(world.national_user, lead_office=world.national_office)
    overdue(send(world, case, user=world.national_user))
    assert deadlines.escalate_overdue() == []


def test_overdue_task_escalates(world):
    case = make_case(world.shenzhen_user)
    task = create_task(
        case,
        title="调取聊天记录",
        assignee_user=world.shenzhen_user,
        acting_user=world.shenzhen_user,
    )
    Task.objects.filter(pk=task.pk).update(due_at=timezone.now() - PAST)
    deadlines.escalate_overdue()
    esc = Escalation.objects.get(item_type="task")
    assert esc.responsible_office == world.shenzhen_office
    assert esc.superior_office == world.guangdong_office
    assert events_for(task).filter(action="task.escalated").exists()
    assert deadlines.escalate_overdue() == []


def test_untriaged_report_escalates_after_triage_deadline(world):
    from qinglang.intake.models import Report

    late = make_report(world.shenzhen_office)
    fresh = make_report(world.shenzhen_office)
    internal = make_report(world.inspection, is_internal=True)
    Report.objects.filter(pk__in=[late.pk, internal.pk]).update(
        submitted_at=timezone.now() - dt.timedelta(days=30)
    )
    # The stored deadline follows the (backdated) submission, as it would have been stored.
    assert deadlines.refresh_triage_due(report_ids=[late.pk, internal.pk]) == 2
    deadlines.escalate_overdue()
    rows = list(Escalation.objects.filter(item_type="report"))
    assert [(r.item_id, r.superior_office) for r in rows] == [(late.pk, world.guangdong_office)]
    assert events_for(late).filter(action="report.triage_escalated").exists()
    assert not Escalation.objects.filter(item_id=fresh.pk, item_type="report").exists()


def test_database_allows_one_escalation_per_item_and_level(world):
    case = make_case(world.beijing_user)
    overdue(send(world, case))
    deadlines.escalate_overdue()
    esc = Escalation.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Escalation.objects.create(
            item_type=esc.item_type,
            item_id=esc.item_id,
            level=1,
            responsible_office=esc.responsible_office,
            superior_office=esc.superior_office,
            deadline=esc.deadline,
            title="dup",
            created_at=timezone.now(),
        )


def test_deadlines_page_of_the_superior_office_lists_the_escalation(world, verified_client):
    case = make_case(world.beijing_user)
    overdue(send(world, case))
    deadlines.escalate_overdue()
    client = verified_client(world.national_user)
    response = client.get("/cases/deadlines/")
    assert response.status_code == 200
    body = response.content.decode()
    assert case.number in body and world.beijing_office.name in body
    # The responsible office sees its overdue transfer and that it was escalated.
    client = verified_client(world.beijing_user)
    body = client.get("/cases/deadlines/").content.decode()
    assert f"/cases/transfers/{Transfer.objects.get().pk}/" in body
    assert world.national_office.name in body
    # Another region sees none of it.
    body = verified_client(world.guangdong_user).get("/cases/deadlines/").content.decode()
    assert case.number not in body


def test_deadlines_page_query_count(world, verified_client, django_assert_max_num_queries):
    case = make_case(world.beijing_user)
    for kind in (
        TransferKind.CRIMINAL_REFERRAL,
        TransferKind.RECTIFICATION_ORDER,
        TransferKind.TELECOM_ACTION,
    ):
        overdue(send(world, case, kind=kind))
    for i in range(5):
        create_task(
            case,
            title=f"任务{i}",
            assignee_organization=world.beijing_office,
            acting_user=world.beijing_user,
        )
    deadlines.escalate_overdue()
    client = verified_client(world.beijing_user)
    with django_assert_max_num_queries(25):
        assert client.get("/cases/deadlines/").status_code == 200


def test_daily_digest_once_per_day(world):
    case = make_case(world.beijing_user)
    overdue(send(world, case))
    report = make_report(world.shenzhen_office)
    type(report).objects.filter(pk=report.pk).update(
        submitted_at=timezone.now() - dt.timedelta(days=10)
    )
    deadlines.refresh_triage_due(report_ids=[report.pk])
    sent = celery_tasks.send_daily_digest()
    digests = Notification.objects.filter(verb="digest")
    assert sent == digests.count() == 3  # police, Beijing (awaiting feedback), Shenzhen (triage)
    police = digests.get(recipient_organization=world.police)
    assert case.number in police.body
    assert report.tracking_code in digests.get(recipient_organization=world.shenzhen_office).body
    assert celery_tasks.send_daily_digest() == 0
    assert Notification.objects.filter(verb="digest").count() == 3


def test_beat_schedule_names_the_tasks(settings):
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "qinglang.cases.tasks.escalate_overdue",
        "qinglang.cases.tasks.send_daily_digest",
    } <= names


def test_agency_deadlines_page_lists_what_it_must_answer(world, verified_client):
    case = make_case(world.beijing_user)
    transfer = overdue(send(world, case))
    body = verified_client(world.police_user).get("/cases/deadlines/").content.decode()
    assert f"/cases/transfers/{transfer.pk}/" in body
    body = verified_client(world.website_user).get("/cases/deadlines/").content.decode()
    assert f"/cases/transfers/{transfer.pk}/" not in body


def test_still_overdue_climbs_one_level_after_the_repeat_interval(world):
    case = make_case(world.shenzhen_user)
    transfer = overdue(send(world, case, user=world.shenzhen_user))
    [first] = deadlines.escalate_overdue()
    assert (first.level, first.superior_office) == (1, world.guangdong_office)
    assert deadlines.escalate_overdue() == []  # not yet: the repeat interval has not passed
    Escalation.objects.filter(pk=first.pk).update(created_at=timezone.now() - dt.timedelta(days=14))
    Notification.objects.all().delete()
    [second] = deadlines.escalate_overdue()
    assert (second.level, second.superior_office) == (2, world.national_office)
    assert second.responsible_office == world.shenzhen_office
    notified = set(Notification.objects.values_list("recipient_organization", flat=True))
    assert notified == {
        world.national_office.pk,
        world.shenzhen_office.pk,
        world.guangdong_office.pk,
        world.police.pk,
    }
    Escalation.objects.filter(pk=second.pk).update(
        created_at=timezone.now() - dt.timedelta(days=14)
    )
    assert deadlines.escalate_overdue() == []  # the national office has no superior
    assert list(
        Escalation.objects.filter(item_id=transfer.pk)
        .order_by("level")
        .values_list("level", flat=True)
    ) == [1, 2]


def test_deadlines_api(world):
    from tests.cases.factories import api_client

    case = make_case(world.shenzhen_user)
    transfer = overdue(send(world, case, user=world.shenzhen_user))
    deadlines.escalate_overdue()
    body = api_client(world.guangdong_user).get("/api/v1/deadlines/").json()
    [row] = body["escalated_to_us"]
    assert (row["item_type"], row["item_id"], row["level"]) == ("transfer", transfer.pk, 1)
    mine = api_client(world.shenzhen_user).get("/api/v1/deadlines/").json()
    assert [t["id"] for t in mine["overdue_transfers"]] == [transfer.pk]
    assert mine["escalated_against_us"][0]["superior_office"] == world.guangdong_office.name
    police = api_client(world.police_user).get("/api/v1/deadlines/").json()
    assert [t["id"] for t in police["overdue_transfers"]] == [transfer.pk]
    assert police["escalated_to_us"] == []


def test_triage_escalation_follows_the_stored_deadline_the_queue_shows(world):
    """A report whose stored deadline passed escalates; one whose deadline a policy change
    moved later (stored) does not, whatever its submission time says."""
    from qinglang.intake.models import Report

    moved = make_report(world.shenzhen_office)
    passed = make_report(world.shenzhen_office)
    Report.objects.filter(pk=moved.pk).update(
        submitted_at=timezone.now() - dt.timedelta(days=30),
        triage_due=timezone.now() + dt.timedelta(days=3),
    )
    Report.objects.filter(pk=passed.pk).update(triage_due=timezone.now() - dt.timedelta(hours=1))
    deadlines.escalate_overdue()
    escalated = set(Escalation.objects.filter(item_type="report").values_list("item_id", flat=True))
    assert escalated == {passed.pk}
