"""Closure that closes: open transfers and tasks on closing, per office policy; inbox; results."""

from __future__ import annotations

import pytest

from qinglang.cases.models import (
    Case,
    CaseStatus,
    ClosurePolicy,
    ExtensionStatus,
    Task,
    TaskStatus,
    Transfer,
    TransferFeedback,
    TransferStatus,
)
from qinglang.cases.services import lifecycle, tasks, transfers, triage
from qinglang.cases.services.closure import OpenWorkError, set_closure_policy
from qinglang.cases.services.inbox import mark_transfer_opened
from qinglang.core.exceptions import DomainError, NotPermitted, StateError
from qinglang.core.ledger import events_for
from qinglang.core.models import LedgerEvent, Notification, Role
from tests.cases.factories import make_report
from tests.cases.handling_factories import send
from tests.core.auth import login_verified
from tests.core.factories import UserFactory


def _head(world, office=None):
    office = office or world.beijing_office
    return UserFactory(username=f"head-{office.pk}", organization=office, role=Role.OFFICE_HEAD)


def _decided_case_with_open_work(world):
    case = triage.accept_report(make_report(world.beijing_office), acting_user=world.beijing_user)
    transfer = send(world, case)
    transfers.request_extension(
        transfer, days=2, reason="需补充材料", acting_user=world.police_user
    )
    task = tasks.create_task(
        case, title="核查备案", acting_user=world.beijing_user, assignee_user=world.beijing_user
    )
    case = lifecycle.decide_case(
        case, acting_user=world.beijing_user, outcome="not_confirmed", public_result="未发现违规。"
    )
    return case, transfer, task


@pytest.mark.django_db
def test_closing_with_open_work_is_refused_by_default_and_changes_nothing(world):
    case, transfer, task = _decided_case_with_open_work(world)
    version, events = case.version, LedgerEvent.objects.count()
    with pytest.raises(OpenWorkError) as exc:
        lifecycle.close_case(case, acting_user=world.beijing_user)
    message = " ".join(exc.value.messages)
    assert "北京市公安局" in message and "核查备案" in message
    case.refresh_from_db()
    assert case.status == CaseStatus.DECIDED and case.version == version
    assert Transfer.objects.get(pk=transfer.pk).status == TransferStatus.SENT
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN
    assert LedgerEvent.objects.count() == events


@pytest.mark.django_db
def test_closing_with_outcome_refused_leaves_the_case_undecided(world):
    case = triage.accept_report(make_report(world.beijing_office), acting_user=world.beijing_user)
    send(world, case)
    with pytest.raises(OpenWorkError):
        lifecycle.close_case(
            case, acting_user=world.beijing_user, outcome="not_confirmed", public_result="无。"
        )
    case.refresh_from_db()
    assert case.status == CaseStatus.AWAITING_FEEDBACK and case.outcome == ""


@pytest.mark.django_db
def test_answered_transfers_and_finished_tasks_do_not_block(world):
    case, transfer, task = _decided_case_with_open_work(world)
    transfers.submit_feedback(transfer, summary="已立案侦查。", acting_user=world.police_user)
    tasks.complete_task(task, acting_user=world.beijing_user)
    case = lifecycle.close_case(case, acting_user=world.beijing_user)
    assert case.status == CaseStatus.CLOSED


@pytest.mark.django_db
def test_close_with_notice_withdraws_open_work_and_tells_recipients(
    world, django_capture_on_commit_callbacks
):
    set_closure_policy(
        world.beijing_office, open_work="close_with_notice", acting_user=_head(world)
    )
    case, transfer, task = _decided_case_with_open_work(world)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.close_case(case, acting_user=world.beijing_user)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.WITHDRAWN and transfer.closed_at is not None
    assert transfer.extensions.get().status == ExtensionStatus.DENIED
    assert Task.objects.get(pk=task.pk).status == TaskStatus.CANCELLED
    assert [e.action for e in events_for(transfer)][-1] == "transfer.withdrawn"
    assert events_for(Task.objects.get(pk=task.pk)).last().data == {"reason": "case_closed"}
    police_note = Notification.objects.get(
        recipient_organization=world.police, verb="case.closed_open_work"
    )
    assert case.number in police_note.title
    assert Notification.objects.filter(recipient_user=world.beijing_user, link__contains="tasks")
    # A withdrawn transfer takes no more feedback.
    with pytest.raises(StateError):
        transfers.submit_feedback(transfer, summary="迟到的答复", acting_user=world.police_user)
    assert not TransferFeedback.objects.filter(transfer=transfer).exists()


@pytest.mark.django_db
def test_policy_is_changed_only_by_the_office_head_through_the_ledger(world):
    with pytest.raises(NotPermitted):
        set_closure_policy(
            world.beijing_office, open_work="close_with_notice", acting_user=world.beijing_user
        )
    with pytest.raises(NotPermitted):
        set_closure_policy(
            world.beijing_office,
            open_work="close_with_notice",
            acting_user=_head(world, world.shenzhen_office),
        )
    with pytest.raises(DomainError):
        set_closure_policy(world.beijing_office, open_work="whatever", acting_user=_head(world))
    assert not ClosurePolicy.objects.exists()
    policy = set_closure_policy(world.beijing_office, open_work="refuse", acting_user=_head(world))
    event = events_for(policy).get()
    assert event.action == "closure_policy.saved" and event.data["open_work"] == "refuse"


@pytest.mark.django_db
def test_policy_page_lets_the_head_change_it_and_others_only_read(world, client):
    login_verified(client, world.beijing_user)
    assert client.get("/cases/closure-policy/").status_code == 200
    response = client.post("/cases/closure-policy/", {"open_work": "close_with_notice"})
    assert response.status_code == 403 and not ClosurePolicy.objects.exists()
    head_client = client.__class__()
    login_verified(head_client, _head(world))
    response = head_client.post("/cases/closure-policy/", {"open_work": "close_with_notice"})
    assert response.status_code == 302
    assert ClosurePolicy.objects.get(office=world.beijing_office).open_work == "close_with_notice"


@pytest.mark.django_db
def test_case_page_warns_and_lists_open_work_and_close_view_refuses(world, client):
    case, _transfer, _task = _decided_case_with_open_work(world)
    login_verified(client, world.beijing_user)
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="open-work"' in html and "北京市公安局" in html and "核查备案" in html
    response = client.post(
        f"/cases/{case.pk}/close/", {"version": case.version, "closure_summary": "结案"}
    )
    assert response.status_code == 400
    assert Case.objects.get(pk=case.pk).status == CaseStatus.DECIDED


@pytest.mark.django_db
def test_api_close_refused_is_400_with_the_list(world, client):
    case, _transfer, _task = _decided_case_with_open_work(world)
    login_verified(client, world.beijing_user)
    response = client.post(f"/api/v1/cases/{case.pk}/close/", {}, content_type="application/json")
    assert response.status_code == 400
    assert "北京市公安局" in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == CaseStatus.DECIDED


# --- inbox ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_transfer_is_unread_until_the_recipient_opens_it(world, client):
    case = triage.accept_report(make_report(world.beijing_office), acting_user=world.beijing_user)
    transfer = send(world, case)
    assert not mark_transfer_opened(transfer, acting_user=world.beijing_user)  # the sender
    login_verified(client, world.police_user)
    inbox = client.get("/cases/transfers/").content.decode()
    assert 'data-unread="1"' in inbox and case.title in inbox
    assert client.get(f"/cases/transfers/{transfer.pk}/").status_code == 200
    transfer.refresh_from_db()
    assert transfer.opened_at is not None
    assert [e.action for e in events_for(transfer)].count("transfer.opened") == 1
    client.get(f"/cases/transfers/{transfer.pk}/")
    assert [e.action for e in events_for(transfer)].count("transfer.opened") == 1
    assert 'data-unread="1"' not in client.get("/cases/transfers/").content.decode()
    assert client.get(f"/api/v1/transfers/{transfer.pk}/").json()["opened_at"] is not None


@pytest.mark.django_db
def test_inbox_colours_overdue_transfers(world, client):
    import datetime as dt

    from django.utils import timezone

    case = triage.accept_report(make_report(world.beijing_office), acting_user=world.beijing_user)
    transfer = send(world, case)
    Transfer.objects.filter(pk=transfer.pk).update(deadline=timezone.now() - dt.timedelta(days=1))
    login_verified(client, world.police_user)
    html = client.get("/cases/transfers/").content.decode()
    assert 'class="table-danger fw-semibold" data-deadline="breached"' in html


# --- feedback result -----------------------------------------------------------------------


@pytest.mark.django_db
def test_feedback_without_result_reads_as_done_and_with_result_is_kept(world, client):
    case = triage.accept_report(make_report(world.beijing_office), acting_user=world.beijing_user)
    transfer = send(world, case)
    login_verified(client, world.police_user)
    url = f"/api/v1/transfers/{transfer.pk}/feedback/"
    old = client.post(url, {"summary": "已处理"}, content_type="application/json")
    assert old.status_code == 201 and old.json()["result"] == "done"
    new = client.post(
        url, {"summary": "非本局管辖", "result": "not_competent"}, content_type="application/json"
    )
    assert new.status_code == 201 and new.json()["result"] == "not_competent"
    detail = client.get(f"/api/v1/transfers/{transfer.pk}/").json()
    assert [f["result"] for f in detail["feedback"]] == ["done", "not_competent"]
    assert events_for(transfer).filter(action="transfer.answered").last().data["result"] == (
        "not_competent"
    )


@pytest.mark.django_db
def test_bad_feedback_result_is_refused_and_nothing_changes(world, client):
    case = triage.accept_report(make_report(world.beijing_office), acting_user=world.beijing_user)
    transfer = send(world, case)
    login_verified(client, world.police_user)
    response = client.post(
        f"/api/v1/transfers/{transfer.pk}/feedback/",
        {"summary": "已处理", "result": "maybe"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "result" in response.json()
    with pytest.raises(DomainError):
        transfers.submit_feedback(
            transfer, summary="已处理", result="maybe", acting_user=world.police_user
        )
    assert not TransferFeedback.objects.exists()
    assert Transfer.objects.get(pk=transfer.pk).status == TransferStatus.SENT


@pytest.mark.django_db
def test_feedback_form_shows_the_result_in_words(world, client):
    case = triage.accept_report(make_report(world.beijing_office), acting_user=world.beijing_user)
    transfer = send(world, case)
    login_verified(client, world.police_user)
    client.post(
        f"/cases/transfers/{transfer.pk}/feedback/", {"summary": "部分处理", "result": "partly"}
    )
    assert TransferFeedback.objects.get().result == "partly"
    client.post(f"/cases/transfers/{transfer.pk}/feedback/", {"summary": "补充"})
    assert list(TransferFeedback.objects.values_list("result", flat=True)) == ["partly", "done"]
    html = client.get(f"/cases/transfers/{transfer.pk}/").content.decode()
    assert ('data-result="partly"' in html and "Partly done" in html) or "部分" in html


@pytest.mark.django_db
def test_refused_interim_measure_without_result_reads_as_not_done(world):
    case = triage.accept_report(make_report(world.beijing_office), acting_user=world.beijing_user)
    transfer = send(
        world,
        case,
        kind="interim_measure",
        measure="dispute_label",
        recipient=world.website_operator,
    )
    feedback = transfers.submit_feedback(
        transfer, summary="无法执行", measure_done=False, acting_user=world.website_user
    )
    assert feedback.result == "not_done"


@pytest.mark.django_db
def test_deciding_with_open_work_warns_and_lists_it(world, client):
    case = triage.accept_report(make_report(world.beijing_office), acting_user=world.beijing_user)
    send(world, case)
    case.refresh_from_db()
    login_verified(client, world.beijing_user)
    response = client.post(
        f"/cases/{case.pk}/decide/",
        {"version": case.version, "outcome": "not_confirmed", "public_result": "未发现违规。"},
        follow=True,
    )
    assert Case.objects.get(pk=case.pk).status == CaseStatus.DECIDED
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert warnings and "北京市公安局" in warnings[0]
