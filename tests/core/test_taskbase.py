"""A background task that finds SQLite locked is retried with back-off and completes once."""

from __future__ import annotations

import sqlite3

import pytest
from celery import shared_task
from celery.exceptions import Retry
from celery.signals import task_retry
from django.db import OperationalError, connection

from qinglang.core import taskbase
from qinglang.intake import services
from qinglang.intake.services import submit_report
from qinglang.intake.tasks import analyse_report
from tests.core.factories import build_world
from tests.intake.factories import report_body

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="database locks of this kind are SQLite's"
)


def _hold_write_lock() -> sqlite3.Connection:
    """Open a second connection to the test database and start a write transaction on it."""
    name = connection.settings_dict["NAME"]
    other = sqlite3.connect(str(name), uri=str(name).startswith("file:"), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE intake_report SET analysis = analysis")
    return other


@sqlite_only
def test_locked_analysis_is_retried_and_runs_once(transactional_db, monkeypatch):
    build_world()
    monkeypatch.setattr(services, "enqueue_analysis", lambda report_id: None)
    monkeypatch.setattr("qinglang.evidence.tasks.capture_page.delay", lambda **kw: None)
    report = submit_report(report_body(description="联系微信 shantie888，删帖三千元。")).report
    with connection.cursor() as cursor:  # fail at once instead of after the 20 s busy timeout
        cursor.execute("PRAGMA busy_timeout = 50")
    other = _hold_write_lock()
    errors: list[str] = []

    def release(request, reason, **_kwargs):  # type: ignore[no-untyped-def]
        errors.append(str(reason))
        other.rollback()

    task_retry.connect(release, weak=False)
    try:
        result = analyse_report.apply(args=[report.pk], task_id="locked-analysis")
    finally:
        task_retry.disconnect(release)
        other.close()
    assert result.successful(), result.traceback
    assert result.get() is True
    assert len(errors) == 1 and "locked" in errors[0]
    report.refresh_from_db()
    assert report.analysed_at is not None and "identifiers" in report.analysis
    # A second delivery finds the work done.
    assert analyse_report.apply(args=[report.pk]).get() is False


def test_only_lock_errors_count():
    assert taskbase.is_locked(OperationalError("database is locked"))
    assert not taskbase.is_locked(OperationalError("no such table: intake_report"))
    assert not taskbase.is_locked(RuntimeError("database is locked"))
    assert all(taskbase.lock_backoff(n) <= taskbase.LOCK_BACKOFF_MAX for n in range(20))
    assert taskbase.lock_backoff(0) <= 1.0 < taskbase.lock_backoff(3) * 2


@shared_task(bind=True, max_retries=1, name="tests.core.test_taskbase.always_locked")
def always_locked(self):  # type: ignore[no-untyped-def]
    """A task with a budget of one retry of its own that always finds the database locked."""
    raise OperationalError("database is locked")


def _worker_request(retries: int, **headers):  # type: ignore[no-untyped-def]
    """Push the request a worker builds from a message carrying `headers` (protocol 2).

    Publishing merges custom headers into the message's own (`send_task_message`), and the
    worker's request is built from those.
    """
    message = always_locked.app.amqp.as_task_v2(
        "lock-budget", always_locked.name, args=(), kwargs={}, retries=retries
    )
    request = {**message.headers, **headers}
    request.update(called_directly=False, is_eager=False, delivery_info={"routing_key": "celery"})
    always_locked.push_request(**request)


def test_lock_retries_leave_the_tasks_own_retry_budget_alone(monkeypatch):
    sent: list[dict] = []
    monkeypatch.setattr(
        "celery.canvas.Signature.apply_async", lambda sig, *a, **kw: sent.append(dict(sig.options))
    )
    # Its own retry already spent (retries=1 of max 1) and three lock retries behind it.
    _worker_request(1, **{taskbase.LOCK_HEADER: 3})
    try:
        with pytest.raises(Retry):
            always_locked()
    finally:
        always_locked.pop_request()
    assert len(sent) == 1
    assert sent[0]["retries"] == 1  # the task's own count is unchanged
    assert sent[0]["headers"][taskbase.LOCK_HEADER] == 4
    assert sent[0]["task_id"] == "lock-budget"  # the same task id, so `taskonce` still applies


def test_the_lock_retries_run_out_on_their_own_count(monkeypatch):
    sent: list[object] = []
    monkeypatch.setattr(
        "celery.canvas.Signature.apply_async", lambda sig, *a, **kw: sent.append(sig)
    )
    _worker_request(0, **{taskbase.LOCK_HEADER: taskbase.LOCK_RETRIES})
    try:
        with pytest.raises(OperationalError, match="locked"):
            always_locked()
    finally:
        always_locked.pop_request()
    assert sent == []  # given up: not sent again


@pytest.mark.parametrize("value", [None, "x", -3, "2"])
def test_a_missing_or_malformed_lock_count_reads_as_a_number(value):
    from celery.app.task import Context

    expected = 2 if value == "2" else 0
    assert taskbase.lock_retries(Context({taskbase.LOCK_HEADER: value})) == expected
    assert taskbase.lock_retries(Context(headers={taskbase.LOCK_HEADER: value})) == expected
    assert taskbase.lock_retries(Context()) == 0


def test_an_eager_call_counts_lock_retries_in_its_headers():
    calls: list[int] = []

    @shared_task(bind=True, name="tests.core.test_taskbase.locked_twice")
    def locked_twice(self):  # type: ignore[no-untyped-def]
        calls.append(taskbase.lock_retries(self.request))
        if len(calls) < 3:
            raise OperationalError("database is locked")
        return "done"

    assert locked_twice.apply().get() == "done"
    assert calls == [0, 1, 2]


def test_a_published_lock_count_reaches_the_workers_request():
    from celery.app.task import Context
    from celery.worker.request import Request

    app = always_locked.app
    with app.connection_for_write("memory://") as conn:
        always_locked.apply_async(
            task_id="published", headers={taskbase.LOCK_HEADER: 5}, connection=conn
        )
        message = conn.SimpleQueue("celery").get(timeout=5)
        request = Request(message, app=app, task=always_locked)
        message.ack()
    assert taskbase.lock_retries(Context(request.request_dict)) == 5


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((), {}),
        ((7,), {}),
        ([1, 2], {}),
        ((True, None, 2.5, -0.0, float("inf")), {"flag": False}),
        ((), {"report_id": 12, "code": "QL-7KD3QX9MPA"}),
        (('有人"删帖"',), {"text": "x" * taskbase._PLAIN_TEXT_MAX}),
    ],
)
def test_plain_reprs_are_what_celerys_saferepr_writes(args, kwargs):
    from celery.utils.saferepr import saferepr

    assert taskbase.plain_reprs(args, kwargs) == (
        saferepr(args, 1024, maxlevels=3),
        saferepr(kwargs, 1024, maxlevels=3),
    )


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((), {"text": "x" * (taskbase._PLAIN_TEXT_MAX + 1)}),  # saferepr truncates
        (("it's",), {}),  # saferepr does not escape the quote
        (("a\\b",), {}),
        (("two\nlines",), {}),
        (({"nested": 1},), {}),
        ((b"bytes",), {}),
        ((), {1: "key not text"}),
        ("not a tuple", {}),
    ],
)
def test_anything_else_keeps_celerys_saferepr(args, kwargs):
    assert taskbase.plain_reprs(args, kwargs) is None


def _published_headers(task, *args, **kwargs):  # type: ignore[no-untyped-def]
    with task.app.connection_for_write("memory://") as conn:
        task.apply_async(args, kwargs, connection=conn)
        message = conn.SimpleQueue("celery").get(timeout=5)
        message.ack()
    return message.headers


def test_a_published_message_carries_the_same_reprs_as_celerys():
    headers = _published_headers(analyse_report, report_id=41)
    assert (headers["argsrepr"], headers["kwargsrepr"]) == ("()", "{'report_id': 41}")
    long_text = "长" * 2000
    headers = _published_headers(analyse_report, report_id=long_text)
    assert headers["kwargsrepr"].endswith("...'}")  # Celery's own, truncated
    assert len(headers["kwargsrepr"]) < len(long_text)
