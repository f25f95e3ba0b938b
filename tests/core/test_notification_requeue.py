"""Notification e-mail lost between commit and the broker is sent again by a scheduled job."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.utils import timezone
from django.utils.translation import gettext_noop

from qinglang.core import tasks as core_tasks
from qinglang.core.messages import message
from qinglang.core.models import Notification
from qinglang.core.services import notify, requeue_unmailed_notifications

pytestmark = pytest.mark.django_db

TITLE = gettext_noop("Case %(number)s: your answer was accepted")


class BrokerDownError(ConnectionError):
    """What kombu raises when the broker cannot be reached."""


def _age(note: Notification, **delta: float) -> None:
    Notification.objects.filter(pk=note.pk).update(
        created_at=timezone.now() - dt.timedelta(**delta)
    )


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(**_kwargs):  # type: ignore[no-untyped-def]
        raise BrokerDownError("broker unreachable")

    monkeypatch.setattr(core_tasks.send_notification_email, "delay", refuse)


@pytest.fixture
def broker_up(monkeypatch):
    """Deliver at once, as a worker would, under a task id of its own per message."""
    sent: list[int] = []

    def deliver(**kwargs):  # type: ignore[no-untyped-def]
        sent.append(kwargs["notification_id"])
        return core_tasks.send_notification_email.apply(kwargs=kwargs, task_id=f"m-{len(sent)}")

    monkeypatch.setattr(core_tasks.send_notification_email, "delay", deliver)
    return sent


def _notify_during_outage(world, django_capture_on_commit_callbacks) -> Notification:
    with django_capture_on_commit_callbacks(execute=True):
        note = notify(
            user=world.beijing_user, verb="transfer.closed", title=message(TITLE, number="7")
        )
    return note


def test_a_mail_lost_in_an_outage_is_sent_once_by_the_requeue(
    world, broker_down, django_capture_on_commit_callbacks, monkeypatch
):
    note = _notify_during_outage(world, django_capture_on_commit_callbacks)
    assert mail.outbox == []
    note.refresh_from_db()
    assert note.mailed_at is None

    monkeypatch.undo()  # the broker is back
    sent: list[int] = []
    monkeypatch.setattr(
        core_tasks.send_notification_email,
        "delay",
        lambda **kw: (
            sent.append(kw["notification_id"])
            or core_tasks.send_notification_email.apply(kwargs=kw, task_id=f"m-{len(sent)}")
        ),
    )
    assert requeue_unmailed_notifications() == 0  # not yet ten minutes old
    _age(note, minutes=11)
    assert requeue_unmailed_notifications() == 1
    assert sent == [note.pk]
    [email] = mail.outbox
    assert world.beijing_user.email in email.to
    note.refresh_from_db()
    assert note.mailed_at is not None
    assert requeue_unmailed_notifications() == 0  # mailed: never again
    assert len(mail.outbox) == 1


def test_a_message_still_in_a_backlog_and_its_requeued_copy_mail_once(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    queued: list[dict] = []
    monkeypatch.setattr(core_tasks.send_notification_email, "delay", lambda **kw: queued.append(kw))
    note = _notify_during_outage(world, django_capture_on_commit_callbacks)
    _age(note, minutes=30)
    assert requeue_unmailed_notifications() == 1
    assert len(queued) == 2  # the original, still waiting, and the requeued copy
    results = [
        core_tasks.send_notification_email.apply(kwargs=kw, task_id=f"m-{i}").get()
        for i, kw in enumerate(queued)
    ]
    assert results == [1, 0]
    assert len(mail.outbox) == 1


def test_a_notification_without_an_address_is_marked_and_not_requeued(world, broker_up):
    world.beijing_user.email = ""
    world.beijing_user.save(update_fields=["email"])
    note = notify(user=world.beijing_user, verb="transfer.closed", title=message(TITLE, number="8"))
    core_tasks.send_notification_email.apply(kwargs={"notification_id": note.pk}, task_id="one")
    note.refresh_from_db()
    assert note.mailed_at is not None
    _age(note, hours=1)
    assert requeue_unmailed_notifications() == 0
    assert mail.outbox == []


def test_an_old_unmailed_notification_is_left_to_the_inbox(world, broker_down):
    note = notify(user=world.beijing_user, verb="transfer.closed", title=message(TITLE, number="9"))
    _age(note, days=4)
    before = Notification.objects.values_list("pk", "mailed_at", "read_at")
    snapshot = list(before)
    assert requeue_unmailed_notifications() == 0
    assert list(before) == snapshot  # nothing changed
    assert mail.outbox == []


def test_the_requeue_survives_the_broker_still_being_down(world, broker_down):
    note = notify(user=world.beijing_user, verb="transfer.closed", title=message(TITLE, number="5"))
    _age(note, minutes=20)
    assert requeue_unmailed_notifications() == 1  # tried, logged, not raised
    note.refresh_from_db()
    assert note.mailed_at is None  # the next run tries again


def test_the_requeue_is_scheduled(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["core-requeue-unmailed-notifications"]
    assert entry["task"] == core_tasks.requeue_unmailed_notifications.name
    assert entry["schedule"] <= 600


def test_notifications_from_before_the_field_count_as_mailed(world):
    note = notify(user=world.beijing_user, verb="transfer.closed", title=message(TITLE, number="3"))
    Notification.objects.filter(pk=note.pk).update(mailed_at=None)
    migration = importlib.import_module("qinglang.core.migrations.0012_notification_mailed_at")
    migration.mark_existing_as_mailed(django_apps, None)
    note.refresh_from_db()
    assert note.mailed_at == note.created_at


def test_requeue_runs_while_the_worker_is_down_queue_one_message_per_notification(
    world, app_queue, django_capture_on_commit_callbacks
):
    waiting = _notify_during_outage(world, django_capture_on_commit_callbacks)  # reached the queue
    lost = notify(user=world.beijing_user, verb="transfer.closed", title=message(TITLE, number="2"))
    _age(waiting, minutes=30)
    _age(lost, minutes=30)
    name = core_tasks.send_notification_email.name
    assert app_queue.messages() == [(name, core_tasks.notification_task_id(waiting.pk))]
    assert [requeue_unmailed_notifications() for _ in range(3)] == [1, 0, 0]
    expected = [
        (name, core_tasks.notification_task_id(waiting.pk)),
        (name, core_tasks.notification_task_id(lost.pk)),
    ]
    assert app_queue.messages() == expected
    assert mail.outbox == []

    assert app_queue.drain() == expected
    assert len(mail.outbox) == 2, "each notification mailed once"
    assert Notification.objects.filter(mailed_at=None).count() == 0
    assert requeue_unmailed_notifications() == 0
    assert app_queue.messages() == []


def test_every_notification_message_carries_the_notifications_task_id(monkeypatch):
    import celery

    sent = []
    monkeypatch.setattr(
        celery.Task, "apply_async", lambda self, args, kwargs, task_id, **kw: sent.append(task_id)
    )
    core_tasks.send_notification_email.delay(notification_id=7)
    core_tasks.send_notification_email.apply_async(kwargs={"notification_id": 8}, task_id="x")
    assert sent == ["core-notification-7", "x"]
