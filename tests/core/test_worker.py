"""A real Celery worker (a subprocess on the Redis broker) consumes a queued task end to end."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection, transaction

from qinglang.core import ledger
from qinglang.core.aftercommit import enqueue_after_commit
from qinglang.core.models import LedgerEvent
from qinglang.core.tasks import seal_ledger
from tests.services import REDIS_URL

pytestmark = pytest.mark.postgres


def _database_url() -> str:
    db = connection.settings_dict
    user, host, port = db["USER"] or "postgres", db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def worker(broker, transactional_db, tmp_path):
    """Start `celery worker` on the live broker and this test's database; stop it afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs a database it can open too (PostgreSQL run)")
    point, _live = broker
    point(REDIS_URL)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "qinglang.settings.test",
        "QINGLANG_DATABASE_URL": _database_url(),
        "QINGLANG_BROKER_URL": REDIS_URL,
        "QINGLANG_LEDGER_KEY_PATH": str(settings.QINGLANG_LEDGER_KEY_PATH),
        "QINGLANG_HOME": str(tmp_path / "worker-home"),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    log = (tmp_path / "worker.log").open("w")
    proc = subprocess.Popen(
        [
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
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield proc, tmp_path / "worker.log"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


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
