"""A "there is news" mail is recorded with the news: lost on the way, it is sent again, once."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from qinglang.core.models import TaskReceipt
from qinglang.core.sealed import seal_at_rest, unseal_at_rest
from qinglang.intake import services, tasks
from qinglang.intake.models import NewsNotice, NoticeAddress, Report
from tests.cases.factories import make_report
from tests.services import REDIS_URL

pytestmark = pytest.mark.django_db

EMAIL = "reporter-7f3a@example.cn"
KEY = "ABCDE-FGHJK-LMNPQ-RSTUV"
SEND = tasks.send_news_notice.name


@pytest.fixture
def report(world) -> Report:
    """Return a received Shenzhen report whose reporter gave an address for notices."""
    report = make_report(world.shenzhen_office)
    NoticeAddress.objects.create(report=report, sealed_email=seal_at_rest(EMAIL))
    return report


def _accept(world, report: Report) -> None:
    services.record_acceptance(report, case=None, acting_user=world.shenzhen_user)


def _age(**delta: float) -> None:
    NewsNotice.objects.update(created_at=timezone.now() - dt.timedelta(**delta))


def _requeue_runs(n: int) -> list[int]:
    return [services.requeue_news_notices() for _ in range(n)]


def test_a_lost_notice_is_sent_once_by_the_requeue_and_queued_once_while_the_worker_is_down(
    world, report, app_queue
):
    _accept(world, report)  # its after-commit send never runs: the message is lost
    notice = NewsNotice.objects.get()
    assert notice.report_id == report.pk and app_queue.messages() == []
    assert _requeue_runs(1) == [0]  # not yet ten minutes old
    _age(minutes=11)
    assert _requeue_runs(3) == [1, 0, 0], "the message sent first still waits: no copies"
    assert app_queue.messages() == [(SEND, tasks.news_notice_task_id(notice.pk))]
    assert mail.outbox == []

    assert app_queue.drain() == [(SEND, tasks.news_notice_task_id(notice.pk))]
    [message] = mail.outbox
    assert message.to == [EMAIL]
    assert not NewsNotice.objects.exists(), "deleted once mailed"
    assert _requeue_runs(2) == [0, 0] and app_queue.messages() == []
    assert len(mail.outbox) == 1


def test_a_notice_delivered_twice_mails_once(world, report, django_capture_on_commit_callbacks):
    _accept(world, report)
    notice = NewsNotice.objects.get()
    kwargs = {"notice_id": notice.pk}
    results = [
        tasks.send_news_notice.apply(kwargs=kwargs, task_id=f"copy-{n}").get() for n in range(2)
    ]
    assert results == [True, False]
    assert [m.to for m in mail.outbox] == [[EMAIL]]
    assert not NewsNotice.objects.exists()


def test_on_redis_each_requeue_sends_a_copy_and_the_copies_mail_once(
    world, report, broker, settings
):
    """Redis is not read for waiting messages: copies go out, and the first one mails."""
    point, live = broker
    point(REDIS_URL)
    settings.CELERY_BROKER_URL = REDIS_URL
    _accept(world, report)
    _age(minutes=30)
    assert _requeue_runs(2) == [1, 1]
    raw = live.lrange("io", 0, -1)  # mail waits on the network: the io queue's
    assert len(raw) == 2 and live.llen("celery") == 0
    task_id = tasks.news_notice_task_id(NewsNotice.objects.get().pk)
    ran = []
    for message in reversed(raw):  # oldest first, as a worker takes them
        headers, body = json.loads(message)["headers"], json.loads(message)["body"]
        assert headers["id"] == task_id
        _args, kwargs, _embed = json.loads(base64.b64decode(body))
        ran.append(tasks.send_news_notice.apply(kwargs=kwargs, task_id=headers["id"]).get())
    assert ran == [True, False]
    assert [m.to for m in mail.outbox] == [[EMAIL]]
    assert not NewsNotice.objects.exists()


def test_the_closing_news_reaches_the_reporter_after_the_address_is_forgotten(world, report):
    _accept(world, report)
    NewsNotice.objects.all().delete()  # the acceptance's notice went out
    services.record_result(report, public_result="已处理。", acting_user=world.shenzhen_user)
    assert not NoticeAddress.objects.exists(), "the address goes with the closing news"
    notice = NewsNotice.objects.get()  # the message was lost; the notice keeps a sealed copy
    assert unseal_at_rest(notice.sealed_email) == EMAIL
    _age(minutes=15)
    assert services.requeue_news_notices() == 1
    tasks.send_news_notice.apply(
        kwargs={"notice_id": notice.pk}, task_id=tasks.news_notice_task_id(notice.pk)
    )
    assert [m.to for m in mail.outbox] == [[EMAIL]]
    assert not NoticeAddress.objects.exists() and not NewsNotice.objects.exists()


def test_the_address_is_stored_sealed_and_never_reaches_the_broker(
    world, report, app_queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _accept(world, report)
    notice = NewsNotice.objects.get()
    assert unseal_at_rest(notice.sealed_email) == EMAIL
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {NewsNotice._meta.db_table}")  # noqa: S608 - our table
        rows = cursor.fetchall()
    assert len(rows) == 1
    assert not any(EMAIL in str(value) for value in rows[0]), "no column holds the address"
    [(name, task_id)] = app_queue.messages()
    assert (name, task_id) == (SEND, tasks.news_notice_task_id(notice.pk))
    [path] = app_queue.folder.glob("*.msg")
    data = path.read_bytes()
    assert EMAIL.encode() not in data and notice.sealed_email.encode() not in data
    app_queue.drain()
    assert [m.to for m in mail.outbox] == [[EMAIL]]
    assert not NewsNotice.objects.exists()


def test_a_failed_send_keeps_the_notice_for_the_retry(world, report, settings):
    _accept(world, report)
    notice = NewsNotice.objects.get()
    settings.EMAIL_BACKEND = "tests.core.test_taskonce.BrokenBackend"
    task_id = tasks.news_notice_task_id(notice.pk)
    failed = tasks.send_news_notice.apply(
        kwargs={"notice_id": notice.pk}, task_id=task_id, retries=5
    )
    assert failed.failed()
    assert NewsNotice.objects.filter(pk=notice.pk).exists(), "the deletion rolled back"
    assert not TaskReceipt.objects.exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert tasks.send_news_notice.apply(kwargs={"notice_id": notice.pk}, task_id=task_id).get()
    assert [m.to for m in mail.outbox] == [[EMAIL]]
    assert not NewsNotice.objects.exists()


def test_a_notice_whose_seal_cannot_be_opened_is_dropped_without_mail(world, report):
    _accept(world, report)
    NewsNotice.objects.update(sealed_email="not-a-sealed-value")
    notice = NewsNotice.objects.get()
    assert services.mail_news_notice(notice.pk) is False
    assert mail.outbox == [] and not NewsNotice.objects.exists()


def test_notices_past_the_window_are_left_alone_by_the_requeue_then_forgotten(
    world, report, app_queue
):
    _accept(world, report)
    _age(days=3, minutes=1)
    before = list(NewsNotice.objects.values_list("pk", "sealed_email", "created_at"))
    assert _requeue_runs(2) == [0, 0]
    assert list(NewsNotice.objects.values_list("pk", "sealed_email", "created_at")) == before
    assert app_queue.messages() == [] and mail.outbox == []
    assert tasks.forget_notice_addresses() == 1, "the stale sealed copy goes"
    assert not NewsNotice.objects.exists()
    assert NoticeAddress.objects.filter(report=report).exists(), "the open report keeps its own"


def test_a_notice_within_the_window_is_not_forgotten(world, report):
    _accept(world, report)
    _age(days=2, hours=23)
    assert tasks.forget_notice_addresses() == 0
    assert NewsNotice.objects.count() == 1


def _reporter_sets_address(report: Report, email: str) -> bool:
    from qinglang.intake.conversation import set_notice_address

    Report.objects.filter(pk=report.pk).update(access_key_hash=services.hash_access_key(KEY))
    return set_notice_address(report.tracking_code, KEY, email=email)


def test_a_reporter_who_removes_the_address_gets_no_notice_still_on_its_way(world, report):
    _accept(world, report)
    assert _reporter_sets_address(report, "") is False
    assert not NoticeAddress.objects.exists() and not NewsNotice.objects.exists()
    _age(minutes=30)
    assert services.requeue_news_notices() == 0
    assert mail.outbox == []


def test_a_notice_on_its_way_goes_to_the_address_the_reporter_gave_since(world, report):
    _accept(world, report)
    notice = NewsNotice.objects.get()
    assert _reporter_sets_address(report, "new-9c1d@example.cn") is True
    assert services.mail_news_notice(notice.pk) is True
    assert [m.to for m in mail.outbox] == [["new-9c1d@example.cn"]]


def test_news_without_an_address_records_no_notice(world):
    report = make_report(world.shenzhen_office)
    _accept(world, report)
    assert not NewsNotice.objects.exists()


def test_every_news_message_carries_the_notices_task_id(monkeypatch):
    import celery

    sent = []
    monkeypatch.setattr(
        celery.Task, "apply_async", lambda self, args, kwargs, task_id, **kw: sent.append(task_id)
    )
    tasks.send_news_notice.delay(notice_id=7)
    tasks.send_news_notice.apply_async(kwargs={"notice_id": 8}, task_id="given")
    assert sent == ["intake-news-7", "given"]


def test_the_news_requeue_is_scheduled(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["intake-requeue-news-notices"]
    assert entry["task"] == tasks.requeue_news_notices.name
    assert entry["schedule"] <= 600
