"""A background task that finds SQLite locked is retried with back-off and completes once."""

from __future__ import annotations

import sqlite3

import pytest
from celery.signals import task_retry
from django.db import OperationalError, connection

from qinglang.core import taskbase
from qinglang.intake import services
from qinglang.intake.services import submit_report
from qinglang.intake.tasks import analyse_report
from tests.core.factories import build_world
from tests.intake.factories import report_body

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="database locks of this kind are SQLite's"
)


def _hold_write_lock() -> sqlite3.Connection:
    """Open a second connection to the test database and start a write transaction on it."""
    name = connection.settings_dict["NAME"]
    other = sqlite3.connect(str(name), uri=str(name).startswith("file:"), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE intake_report SET analysis = analysis")
    return other


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
