"""A redelivered task message (same task id, its worker lost before the ack) does its work once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone
from django.utils.translation import gettext_noop

from qinglang.core import tasks as core_tasks
from qinglang.core.messages import message
from qinglang.core.models import Notification, TaskReceipt
from qinglang.core.sealed import seal_at_rest
from qinglang.core.services import notify
from qinglang.core.taskonce import forget_receipts
from qinglang.intake import tasks as intake_tasks

pytestmark = pytest.mark.django_db

TITLE = gettext_noop("Case %(number)s: your answer was accepted")


def _note(world) -> Notification:
    return notify(user=world.beijing_user, verb="transfer.closed", title=message(TITLE, number="1"))


def test_a_redelivered_notification_message_sends_no_second_mail(world):
    note = _note(world)
    first = core_tasks.send_notification_email.apply(
        kwargs={"notification_id": note.pk}, task_id="delivery-1"
    )
    again = core_tasks.send_notification_email.apply(
        kwargs={"notification_id": note.pk}, task_id="delivery-1"
    )
    assert (first.get(), again.get()) == (1, 0)
    assert len(mail.outbox) == 1
    assert TaskReceipt.objects.get().task_name == core_tasks.send_notification_email.name


def test_another_message_for_the_same_notification_mails_nothing_more(world):
    """A second message (the requeue job's, beside one still in a backlog) finds it mailed."""
    note = _note(world)
    results = [
        core_tasks.send_notification_email.apply(
            kwargs={"notification_id": note.pk}, task_id=task_id
        ).get()
        for task_id in ("delivery-1", "delivery-2")
    ]
    assert results == [1, 0]
    assert len(mail.outbox) == 1
    note.refresh_from_db()
    assert note.mailed_at is not None


def test_failed_work_leaves_no_receipt_and_the_redelivery_sends(world, settings):
    note = _note(world)
    settings.EMAIL_BACKEND = "tests.core.test_taskonce.BrokenBackend"
    failed = core_tasks.send_notification_email.apply(
        kwargs={"notification_id": note.pk}, task_id="delivery-1", retries=5
    )
    assert failed.failed()
    assert not TaskReceipt.objects.exists()
    note.refresh_from_db()
    assert note.mailed_at is None  # the mark rolled back with the failed send
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert (
        core_tasks.send_notification_email.apply(
            kwargs={"notification_id": note.pk}, task_id="delivery-1"
        ).get()
        == 1
    )
    assert len(mail.outbox) == 1


def test_a_redelivered_news_notice_is_mailed_once():
    """A message sent before notices were recorded carries the sealed address, not an id."""
    sealed = seal_at_rest("reporter@example.cn")
    results = [
        intake_tasks.send_news_notice.apply(kwargs={"sealed_email": sealed}, task_id="n-1").get()
        for _ in range(2)
    ]
    assert results == [True, False]
    assert [m.to for m in mail.outbox] == [["reporter@example.cn"]]


def test_a_redelivered_password_link_is_mailed_once(world):
    world.beijing_user.email = "staff@example.cn"
    world.beijing_user.save()
    kwargs = {"user_id": world.beijing_user.pk, "kind": "reset"}
    results = [
        core_tasks.send_password_link.apply(kwargs=kwargs, task_id="link-1").get() for _ in range(2)
    ]
    assert results == [1, 0]
    assert len(mail.outbox) == 1


def test_a_redelivered_digest_skips_the_users_it_already_mailed(world):
    world.beijing_user.email = "staff@example.cn"
    world.beijing_user.save()
    _note(world)
    results = [
        core_tasks.send_notification_digests.apply(task_id="digest-1").get() for _ in range(2)
    ]
    assert results == [1, 0]
    assert len(mail.outbox) == 1
    assert TaskReceipt.objects.get().key == f"digest-1:user-{world.beijing_user.pk}"


def test_a_task_called_as_a_function_keeps_no_receipt(world):
    note = _note(world)
    assert core_tasks.send_notification_email(notification_id=note.pk) == 1
    # No receipt; what stops a second mail is the notification's own mark.
    assert core_tasks.send_notification_email(notification_id=note.pk) == 0
    assert not TaskReceipt.objects.exists()
    assert len(mail.outbox) == 1


def test_old_receipts_are_forgotten_by_a_scheduled_job(settings):
    old = TaskReceipt.objects.create(key="old:", task_name="t")
    TaskReceipt.objects.filter(pk=old.pk).update(done_at=timezone.now() - dt.timedelta(days=15))
    TaskReceipt.objects.create(key="new:", task_name="t")
    assert forget_receipts() == 1
    assert list(TaskReceipt.objects.values_list("key", flat=True)) == ["new:"]
    entry = settings.CELERY_BEAT_SCHEDULE["core-forget-task-receipts"]
    assert entry["task"] == core_tasks.forget_task_receipts.name


class BrokenBackend:
    """A mail backend whose server is unreachable."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise OSError("mail server unreachable")
