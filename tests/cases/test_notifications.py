"""Notifications of handling: in-app inbox entries, e-mail after commit, nothing on refusal."""

from __future__ import annotations

import pytest
from django.core import mail

from qinglang.cases.services import deadlines, transfers
from qinglang.core import tasks as core_tasks
from qinglang.core.exceptions import NotPermitted
from qinglang.core.models import Notification
from tests.cases.factories import make_case
from tests.cases.handling_factories import send

pytestmark = pytest.mark.django_db


@pytest.fixture
def mail_now(monkeypatch):
    """Send notification e-mail synchronously when the after-commit hook enqueues it."""
    monkeypatch.setattr(
        core_tasks.send_notification_email,
        "delay",
        lambda **kw: core_tasks.send_notification_email(**kw),
    )


def test_transfer_mail_goes_out_after_commit_only(
    world, mail_now, django_capture_on_commit_callbacks
):
    case = make_case(world.beijing_user)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        transfer = send(world, case)
    assert mail.outbox == []  # nothing before commit
    for callback in callbacks:
        callback()
    [message] = mail.outbox
    assert "t-police@example.cn" in message.to
    assert f"/cases/transfers/{transfer.pk}/" in message.body


def test_each_step_notifies_the_other_side(world):
    case = make_case(world.beijing_user)
    transfer = send(world, case)
    transfers.acknowledge_transfer(transfer, acting_user=world.police_user)
    ext = transfers.request_extension(
        transfer, days=2, reason="节假日", acting_user=world.police_user
    )
    transfers.decide_extension(ext, approve=False, acting_user=world.beijing_user)
    transfers.submit_feedback(transfer, summary="已立案", acting_user=world.police_user)
    transfers.close_transfer(transfer, acting_user=world.beijing_user)
    verbs = list(
        Notification.objects.order_by("id").values_list("recipient_organization__name", "verb")
    )
    assert verbs == [
        (world.police.name, "transfer.sent"),
        (world.beijing_office.name, "transfer.acknowledged"),
        (world.beijing_office.name, "transfer.extension_requested"),
        (world.police.name, "transfer.extension_denied"),
        (world.beijing_office.name, "transfer.answered"),
        (world.police.name, "transfer.closed"),
    ]


def test_refused_action_notifies_nobody(world):
    case = make_case(world.beijing_user)
    transfer = send(world, case)
    Notification.objects.all().delete()
    with pytest.raises(NotPermitted):
        transfers.acknowledge_transfer(transfer, acting_user=world.website_user)
    assert not Notification.objects.exists()


def test_escalation_mail_reaches_the_superior_office(
    world, mail_now, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from qinglang.cases.models import Transfer

    case = make_case(world.beijing_user)
    transfer = send(world, case)
    Transfer.objects.filter(pk=transfer.pk).update(deadline=timezone.now().replace(year=2020))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        deadlines.escalate_overdue()
    recipients = {address for m in mail.outbox for address in m.to}
    assert {"t-national@example.cn", "t-beijing@example.cn", "t-police@example.cn"} <= recipients


def test_inbox_lists_notifications(world, verified_client):
    case = make_case(world.beijing_user)
    send(world, case)
    body = verified_client(world.police_user).get("/staff/notifications/").content.decode()
    assert case.number in body
