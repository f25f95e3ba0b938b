"""A real Celery worker (a subprocess on the Redis broker) consumes a queued task end to end, and
a worker killed in the middle of a task leaves it to the next worker, which does the work once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection, transaction
from rest_framework.test import APIClient

from qinglang.core import ledger
from qinglang.core.aftercommit import enqueue_after_commit
from qinglang.core.models import LedgerEvent, Notification
from qinglang.core.tasks import seal_ledger
from qinglang.intake.models import Report
from tests.intake.factories import report_body
from tests.services import REDIS_URL, queued_task_names

SUBMIT = "/api/v1/reports/"

pytestmark = pytest.mark.postgres


def _database_url() -> str:
    db = connection.settings_dict
    user, host, port = db["USER"] or "postgres", db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


WORKER_COMMAND = [
    sys.executable,
    "-m",
    "celery",
    "-A",
    "qinglang",
    "worker",
    "--pool=solo",
    "--without-heartbeat",
    "--without-gossip",
    "--without-mingle",
    "--loglevel=INFO",
]


def start_worker(tmp_path: Path, name: str, **extra_env: str) -> tuple[subprocess.Popen, Path]:
    """Start `celery worker` on the live broker and this test's database; return it and its log."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "qinglang.settings.test",
        "QINGLANG_DATABASE_URL": _database_url(),
        "QINGLANG_BROKER_URL": REDIS_URL,
        "QINGLANG_LEDGER_KEY_PATH": str(settings.QINGLANG_LEDGER_KEY_PATH),
        "QINGLANG_HOME": str(tmp_path / f"{name}-home"),
        **extra_env,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    log_path = tmp_path / f"{name}.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(WORKER_COMMAND, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    return proc, log_path


def stop_worker(proc: subprocess.Popen) -> None:
    """Stop a worker (warm shutdown), killing it when it does not end in time."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture
def live_broker(broker, transactional_db):
    """Point Celery at the live Redis broker (PostgreSQL run only); yield its Redis client."""
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs a database it can open too (PostgreSQL run)")
    point, live = broker
    point(REDIS_URL)
    return live


@pytest.fixture
def worker(live_broker, tmp_path):
    """Start `celery worker` on the live broker and this test's database; stop it afterwards."""
    proc, log_path = start_worker(tmp_path, "worker")
    try:
        yield proc, log_path
    finally:
        stop_worker(proc)


def test_a_real_worker_consumes_a_task_queued_after_commit(worker):
    proc, log_path = worker
    with transaction.atomic():
        event = ledger.append(("tests.thing", 1), action="thing.made", actor=None, data={"n": 1})
        enqueue_after_commit(seal_ledger)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        event.refresh_from_db()
        if event.position is not None or proc.poll() is not None:
            break
        time.sleep(0.5)
    output = log_path.read_text()
    assert proc.poll() is None, f"the worker exited:\n{output}"
    assert event.position == 0, f"the worker did not seal the event:\n{output}"
    assert "qinglang.core.tasks.seal_ledger" in output and "succeeded" in output
    assert LedgerEvent.objects.filter(position__isnull=True).count() == 0
    assert ledger.verify_log().ok


def _wait_for(condition, *, seconds: float, what: str, logs: list[Path]) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    output = "\n".join(f"--- {p.name}\n{p.read_text()}" for p in logs if p.exists())
    pytest.fail(f"timed out waiting for {what}:\n{output}")


def _analyses_done(log_path: Path) -> list[str]:
    """Return the worker log's lines of finished analyses (they end with the task's result)."""
    return [
        line
        for line in log_path.read_text().splitlines()
        if "intake.tasks.analyse_report[" in line and "succeeded" in line
    ]


def _blocked_backends(admin: psycopg.Connection, own_pid: int) -> list[str]:
    """Return the queries of other backends of this database waiting for a lock."""
    admin.execute("SELECT pg_stat_clear_snapshot()")  # a transaction sees one snapshot else
    rows = admin.execute(
        "SELECT query FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock' AND pid <> %s",
        [own_pid],
    ).fetchall()
    return [row[0] for row in rows]


# A restarted worker gives back at once what has been unacknowledged longer than this.
KILL_ENV = {"QINGLANG_BROKER_VISIBILITY_TIMEOUT": "3", "QINGLANG_BROKER_RESTORE_INTERVAL": "1"}


def test_a_worker_killed_in_the_middle_of_an_analysis_leaves_it_to_the_next_worker(
    live_broker, world, tmp_path
):
    """SIGKILL mid-task: the message is not lost (acked late), the next worker runs it, once."""
    body = report_body(targets=[{"account": "删帖小王", "platform": "微信"}])
    response = APIClient(HTTP_ACCEPT_LANGUAGE="en").post(SUBMIT, body, format="json")
    assert response.status_code == 201
    report = Report.objects.get(tracking_code=response.json()["tracking_code"])
    assert queued_task_names(live_broker) == ["qinglang.intake.tasks.analyse_report"]
    events_before = LedgerEvent.objects.count()

    # Hold the ledger table: the analysis writes the report's analysis, then waits at its first
    # ledger event, in the middle of its transaction.
    with psycopg.connect(_database_url(), autocommit=True) as admin:
        admin_pid = admin.info.backend_pid
        admin.execute("BEGIN")
        admin.execute(f"LOCK TABLE {LedgerEvent._meta.db_table} IN EXCLUSIVE MODE")
        first, first_log = start_worker(tmp_path, "first", **KILL_ENV)
        try:
            _wait_for(
                lambda: any(
                    LedgerEvent._meta.db_table in q for q in _blocked_backends(admin, admin_pid)
                ),
                seconds=120,
                what="the first worker to wait at the ledger",
                logs=[first_log],
            )
            assert "Task qinglang.intake.tasks.analyse_report" in first_log.read_text()
            assert live_broker.llen("celery") == 0  # taken off the queue ...
            assert live_broker.hlen("unacked") == 1  # ... but not acknowledged
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
            message, _exchange, _key = json.loads(live_broker.hvals("unacked")[0])
        finally:
            stop_worker(first)
        admin.execute("COMMIT")
    assert live_broker.hlen("unacked") == 1
    report.refresh_from_db()
    assert report.analysed_at is None  # the killed worker's transaction left nothing
    assert LedgerEvent.objects.count() == events_before

    second, second_log = start_worker(tmp_path, "second", **KILL_ENV)
    try:
        _wait_for(
            lambda: (
                Report.objects.filter(pk=report.pk, analysed_at__isnull=False).exists()
                and live_broker.hlen("unacked") == 0
            ),
            seconds=120,
            what="the second worker to run the redelivered analysis",
            logs=[first_log, second_log],
        )
        assert "analyse_report" in second_log.read_text()
        assert "succeeded" in second_log.read_text()
        # The same message delivered once more (a worker lost after commit, before the ack):
        # the analysis is not done again.
        live_broker.lpush("celery", json.dumps(message))
        _wait_for(
            lambda: len(_analyses_done(second_log)) == 2,
            seconds=60,
            what="the second worker to run the duplicate delivery",
            logs=[second_log],
        )
        assert [line.rsplit(": ", 1)[-1] for line in _analyses_done(second_log)] == [
            "True",
            "False",
        ]
    finally:
        stop_worker(second)
    report.refresh_from_db()
    assert report.analysis["classification"]["category"]
    analysed = LedgerEvent.objects.filter(action="report.analysed", object_id=str(report.pk))
    assert analysed.count() == 1
    assert Notification.objects.filter(verb="report.received").count() == 1
    assert live_broker.llen("celery") == 0
    ledger.seal_all()
    assert ledger.verify_log().ok
