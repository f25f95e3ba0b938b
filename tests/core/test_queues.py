"""Network-bound tasks have a queue of their own, so a slow website never holds an analysis."""

from __future__ import annotations

import pytest
from django.conf import settings

from qinglang.celery import app

# Every app's tasks module, as a worker imports them at start.
app.loader.import_default_modules()

IO_TASKS = [
    "qinglang.evidence.tasks.capture_page",
    "qinglang.core.tasks.send_notification_email",
    "qinglang.intake.tasks.send_news_notice",
    "qinglang.monitoring.tasks.check_source",
]
CPU_TASKS = [
    "qinglang.intake.tasks.analyse_report",
    "qinglang.evidence.tasks.make_preview",
    "qinglang.monitoring.tasks.enqueue_due_checks",
    "qinglang.core.tasks.seal_ledger",
]


@pytest.mark.parametrize("name", IO_TASKS)
def test_a_network_bound_task_goes_to_the_io_queue(name):
    assert name in app.tasks
    assert app.amqp.router.route({}, name)["queue"].name == "io"


@pytest.mark.parametrize("name", CPU_TASKS)
def test_every_other_task_stays_on_the_default_queue(name):
    assert name in app.tasks
    assert app.amqp.router.route({}, name)["queue"].name == "celery"


def test_a_worker_started_without_queues_consumes_both():
    """`qinglang worker`, the deployment test's workers and a plain `celery worker` take -Q from
    task_queues: a deployment that runs no network worker still captures and mails."""
    assert set(app.amqp.queues) == {"celery", "io"}
    assert tuple(IO_TASKS) == settings.QINGLANG_IO_TASKS


@pytest.mark.django_db
def test_messages_reach_the_broker_in_their_own_queues(embedded_broker, settings):
    """Sent through the platform's app (its routes), each message waits in its own queue."""
    from qinglang.evidence.tasks import capture_page
    from qinglang.intake.tasks import analyse_report

    # The test's broker folder, and the platform app's routes (its conf is not repointed).
    with embedded_broker.connection_for_write() as conn:
        capture_page.apply_async(kwargs={"capture_id": 1}, task_id="c-1", connection=conn)
        analyse_report.apply_async(kwargs={"report_id": 1}, task_id="a-1", connection=conn)
    with embedded_broker.connection_for_read() as conn:
        got = {}
        for queue_name in ("celery", "io"):
            queue = conn.SimpleQueue(queue_name)
            message = queue.get(timeout=5)
            got[queue_name] = message.headers["id"]
            message.ack()
            assert queue.qsize() == 0
            queue.close()
    assert got == {"celery": "a-1", "io": "c-1"}


def test_the_queue_depth_metric_names_both_queues(embedded_broker, settings):
    from qinglang.dashboard.metrics import OperationsCollector

    depth = next(OperationsCollector().collect())
    assert sorted(sample.labels["queue"] for sample in depth.samples) == ["celery", "io"]


def test_qinglang_worker_passes_queues_and_pool_to_celery(monkeypatch):
    from qinglang import cli

    ran = []
    monkeypatch.setattr(cli.os, "execv", lambda program, cmd: ran.append(cmd))
    assert cli.main(["worker", "--queues", "io", "--pool", "threads", "--concurrency", "8"]) == 1
    (cmd,) = ran
    assert cmd[cmd.index("--queues") + 1] == "io"
    assert cmd[cmd.index("--pool") + 1] == "threads"
    assert cmd[cmd.index("--concurrency") + 1] == "8"
    ran.clear()
    assert cli.main(["worker"]) == 1
    assert "--queues" not in ran[0] and "--pool" not in ran[0]  # both queues, processes


def test_qinglang_worker_refuses_an_unknown_pool(capsys):
    from qinglang import cli

    with pytest.raises(SystemExit) as exit_info:
        cli.main(["worker", "--pool", "gevent"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_the_queue_depths_count_each_queue_over_one_connection(embedded_broker, settings):
    from qinglang.dashboard.metrics import queue_depths
    from qinglang.evidence.tasks import capture_page

    with embedded_broker.connection_for_write() as conn:
        for n in range(2):
            capture_page.apply_async(kwargs={"capture_id": n}, task_id=f"c-{n}", connection=conn)
    assert queue_depths(["celery", "io"]) == {"celery": 0, "io": 2}


def test_an_unreachable_broker_leaves_every_queue_out(settings):
    from qinglang.dashboard.metrics import OperationsCollector, queue_depths

    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    assert queue_depths(["celery", "io"]) == {}
    assert next(OperationsCollector().collect()).samples == []


COLD_THREADS = """
import json, sys, threading
from qinglang.monitoring.verdict import analyse
text = sys.argv[1]
results, start = [None] * 4, threading.Barrier(4)
def run(i):
    start.wait()  # all four reach the cold dictionaries at once, as the io pool's threads may
    results[i] = analyse(text)
threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
for t in threads: t.start()
for t in threads: t.join()
again = analyse(text)  # warm, one thread
print(json.dumps([[r.genre, r.category, r.score, r.identifiers] for r in results + [again]]))
"""


def test_monitoring_checks_classify_in_the_io_workers_threads_as_in_one_process():
    """check_source runs in the io worker's threads: their first classifications, made at once in
    a fresh process, load the dictionaries once and agree with a warm single-thread run."""
    import json
    import subprocess
    import sys

    from tests.monitoring.conftest import AD_PAGE

    text = " ".join(AD_PAGE.split())
    out = subprocess.run(  # noqa: S603 (our interpreter, our script)
        [sys.executable, "-c", COLD_THREADS, text],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    verdicts = json.loads(out)
    assert len(verdicts) == 5
    assert all(v == verdicts[-1] for v in verdicts)
    assert verdicts[-1][0] in {"offer", "threat"}  # the ad is classified, not missed
