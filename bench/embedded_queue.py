"""The embedded broker (filesystem queue) feeding a running worker: tasks per second, and backlog.

    uv run python -m bench.embedded_queue [--tasks 200] [--reports 60] [--load 60] [--rate 10]

On a temporary QINGLANG_HOME (embedded settings, SQLite) it starts `celery worker` (2 processes,
as `qinglang up` runs it) and measures, next to a baseline in the same run:

- `--tasks` trivial tasks (`bench._queue_tasks.noop`) sent through the broker until the queue
  is empty again, vs calling the task function in process;
- `--reports` real analyses (`intake.tasks.analyse_report` on reports stored beforehand) until
  every one is analysed, vs `intake.services.analyse_report` called in process on as many others.

Then (unless `--load 0`) `qinglang up` on the same home takes public reports through the API at
`--rate` a second for `--load` seconds (600 for the 10-minute run of issue 17) and it prints the
backlog when the load stops (messages queued or in flight, reports of the load not yet analysed)
and how long the worker takes to catch up, with the load average and the CPU seconds `qinglang up`
(web server, worker, beat) used. The demo's own reports are left out: some are never analysed.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from bench._up import REPORT, ROOT, Up, up_env

HOME = Path(tempfile.mkdtemp(prefix="qinglang-queue-"))
os.environ["QINGLANG_HOME"] = str(HOME)
os.environ["DJANGO_SETTINGS_MODULE"] = "qinglang.settings.embedded"
os.environ.pop("QINGLANG_DATABASE_URL", None)
os.environ.setdefault("QINGLANG_DEMO_PASSWORD", "bench-demo-password")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from bench._queue_tasks import noop  # noqa: E402
from qinglang.intake import services as intake  # noqa: E402
from qinglang.intake import tasks as intake_tasks  # noqa: E402
from qinglang.intake.models import Report  # noqa: E402

BROKER = HOME / "broker"
WARM_UP = 4  # trivial tasks sent and done before anything is timed (two per pool process)


def queued() -> int:
    """Return the messages waiting or in flight in the embedded broker."""
    return sum(1 for sub in ("in", "inflight") for _ in (BROKER / sub).glob("*.msg"))


def start_worker(log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "celery", "-A", "qinglang", "worker", "-I", "bench._queue_tasks"]
    with log.open("ab") as out:
        proc = subprocess.Popen(  # noqa: S603 - fixed program, our own arguments
            [*cmd, "--loglevel", "INFO", "--concurrency", "2", "--without-mingle"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 300
    while log.read_text(errors="replace").count("ready.") < 1:
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the worker did not start:\n{log.read_text()[-2000:]}")
        time.sleep(0.2)
    return proc


def _noops_done(log: Path) -> int:
    """Return how many trivial tasks the worker's log says succeeded."""
    return sum(
        1
        for line in log.read_text(errors="replace").splitlines()
        if "_queue_tasks.noop[" in line and "succeeded in" in line
    )


def store_reports(n: int) -> list[int]:
    """Store `n` public reports without queueing their analysis; return their ids."""
    real, intake.enqueue_analysis = intake.enqueue_analysis, lambda report_id: None
    try:
        return [intake.submit_report(dict(REPORT)).report.pk for _ in range(n)]
    finally:
        intake.enqueue_analysis = real


def wait_until(condition, what: str, limit: float = 900) -> float:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > limit:
            raise RuntimeError(f"{what} not done in {limit:.0f} s")
        time.sleep(0.01)
    return time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--reports", type=int, default=60)
    parser.add_argument("--load", type=float, default=60, help="seconds of load (0: none)")
    parser.add_argument("--rate", type=float, default=10, help="reports a second under load")
    parser.add_argument("--drain-limit", type=float, default=300, help="seconds to catch up")
    args = parser.parse_args()
    call_command("qinglang_init", "--demo", "--no-static", stdout=io.StringIO())
    baseline_ids = store_reports(args.reports + 1)
    broker_ids = store_reports(args.reports)
    intake.analyse_report(baseline_ids.pop())  # loads the dictionaries: both sides warm

    started = time.perf_counter()
    for n in range(args.tasks):
        noop(n)
    noop_local = args.tasks / (time.perf_counter() - started)
    started = time.perf_counter()
    for report_id in baseline_ids:
        intake.analyse_report(report_id)
    analyse_local = len(baseline_ids) / (time.perf_counter() - started)

    # Follow-on work of the in-process side (notifications, captures) is not measured here.
    for path in (BROKER / "in").glob("*.msg"):
        path.unlink()
    log = HOME / "worker.log"
    worker = start_worker(log)
    try:
        # "ready." comes before the pool processes are (they load the dictionaries first).
        for n in range(WARM_UP):
            noop.delay(-n)
        wait_until(lambda: _noops_done(log) >= WARM_UP, "the warm-up tasks")
        started = time.perf_counter()
        for n in range(args.tasks):
            noop.delay(n)
        sent = time.perf_counter() - started
        wait_until(lambda: _noops_done(log) >= WARM_UP + args.tasks, "the trivial tasks")
        noop_broker = args.tasks / (time.perf_counter() - started)

        pending = Report.objects.filter(pk__in=broker_ids, analysed_at__isnull=True)
        started = time.perf_counter()
        for report_id in broker_ids:
            intake_tasks.analyse_report.delay(report_id=report_id)
        wait_until(lambda: not pending.exists(), "the analyses")
        analyse_broker = len(broker_ids) / (time.perf_counter() - started)
    finally:
        worker.terminate()
        worker.wait(timeout=60)

    print(f"enqueue: {args.tasks / sent:.0f} messages/s into the embedded broker")
    print(f"{'':<28} {'in process /s':>14} {'via broker /s':>14} {'ratio':>6}")
    for name, local, broker in (
        (f"trivial task ×{args.tasks}", noop_local, noop_broker),
        (f"analyse_report ×{args.reports}", analyse_local, analyse_broker),
    ):
        print(f"{name:<28} {local:>14.1f} {broker:>14.1f} {broker / local:>6.3f}")
    if args.load > 0:
        load(args.load, args.rate, args.drain_limit)
    return 0


def cpu_seconds(root: int) -> float:
    """Return the user + system CPU seconds of process `root` and its live descendants."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    times: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # the process ended meanwhile
        pid = int(stat.parent.name)
        children.setdefault(int(fields[1]), []).append(pid)
        times[pid] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += times.get(pid, 0.0)
        todo += children.get(pid, [])
    return total


def load_average() -> str:
    return " ".join(f"{n:.1f}" for n in os.getloadavg())


def load(seconds: float, rate: float, drain_limit: float) -> None:
    """Drive public reports at `rate`/s through `qinglang up`; print the backlog at the end."""
    up = Up(up_env(HOME, bytecode=None), HOME / "up.log")
    accepted, refused = [0], [0]
    try:
        deadline = time.monotonic() + 600
        while "ready." not in up.text():
            if up.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"qinglang up did not start:\n{up.text()[-2000:]}")
            time.sleep(0.2)
        last = Report.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        cpu_before = cpu_seconds(up.proc.pid)
        print(f"\nload average when the load starts: {load_average()}", flush=True)
        body = json.dumps(REPORT).encode()

        def send() -> None:
            request = urllib.request.Request(  # noqa: S310 - a local URL
                f"{up.base}/api/v1/reports/",
                data=body,
                headers={"Content-Type": "application/json"},
                method="POST",
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                    accepted[0] += response.status == 201
            except OSError:
                refused[0] += 1

        started = time.monotonic()
        threads = []
        ours = Report.objects.filter(pk__gt=last)
        unanalysed = ours.filter(analysed_at__isnull=True)
        for n in range(int(seconds * rate)):
            time.sleep(max(0.0, started + n / rate - time.monotonic()))
            if n and n % int(60 * rate) == 0:
                print(
                    f"  {time.monotonic() - started:4.0f} s: {accepted[0]} accepted, "
                    f"{unanalysed.count()} not yet analysed, load average {load_average()}",
                    flush=True,
                )
            thread = threading.Thread(target=send)
            thread.start()
            threads.append(thread)
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        print(
            f"load: {accepted[0]} reports accepted ({refused[0]} failed) in {elapsed:.0f} s "
            f"({accepted[0] / elapsed:.1f}/s asked {rate:g}/s) through qinglang up; "
            f"{ours.count()} stored; load average {load_average()}; "
            f"qinglang up used {cpu_seconds(up.proc.pid) - cpu_before:.0f} CPU s"
        )
        print(
            f"backlog when the load stopped: {queued()} messages, "
            f"{unanalysed.count()} reports not yet analysed",
            flush=True,
        )
        drain_started = time.monotonic()
        try:
            drain = wait_until(lambda: not unanalysed.exists(), "catching up", limit=drain_limit)
            print(f"caught up {drain:.1f} s later", end="")
        except RuntimeError:
            drain = time.monotonic() - drain_started
            print(f"not caught up {drain:.0f} s later: {unanalysed.count()} not analysed", end="")
        print(
            f" ({queued()} messages still queued or in flight); load average "
            f"{load_average()}; qinglang up used {cpu_seconds(up.proc.pid) - cpu_before:.0f} "
            f"CPU s in {elapsed + drain:.0f} s"
        )
    finally:
        up.stop()


if __name__ == "__main__":
    raise SystemExit(main())
