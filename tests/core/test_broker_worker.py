"""A real Celery worker on the embedded broker is killed with SIGKILL: its task runs again, once.

The worker runs in its own process on a temporary QINGLANG_HOME (embedded settings), as
`qinglang up` runs it; the test publishes to the same broker folders and reads what the tasks
wrote to a file.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from celery import Celery

from qinglang.core import broker

ROOT = Path(__file__).resolve().parents[2]
TASKS = "tests.core._broker_tasks"


class Home:
    """A temporary embedded home: its broker folders, a publisher, workers, the tasks' log."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.broker = path / "broker"
        for sub in ("in", "processed", "control"):
            (self.broker / sub).mkdir(parents=True)
        self.log = path / "tasks.log"
        self.log.touch()
        self.release = path / "release"
        self.app = Celery(
            "publisher", broker=f"{broker.SCHEME}://localhost//", set_as_current=False
        )
        self.app.conf.broker_transport_options = {
            "data_folder_in": str(self.broker / "in"),
            "data_folder_out": str(self.broker / "in"),
            "processed_folder": str(self.broker / "processed"),
            "control_folder": str(self.broker / "control"),
            "store_processed": False,
        }
        self.workers: list[subprocess.Popen[bytes]] = []

    def send(self, task: str, *args: str) -> None:
        self.app.send_task(f"{TASKS}.{task}", args=[str(self.log), *args])

    def lines(self) -> list[str]:
        return self.log.read_text().splitlines()

    def start_worker(self, *extra: str) -> subprocess.Popen[bytes]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("QINGLANG_DATABASE", "QINGLANG_BROKER", "QINGLANG_REDIS"))
        }
        env |= {
            "QINGLANG_HOME": str(self.path),
            "DJANGO_SETTINGS_MODULE": "qinglang.settings.embedded",
            "PYTHONPATH": str(ROOT),
            "QINGLANG_BROKER_ORPHAN_SWEEP": "1",
        }
        out = (self.path / f"worker{len(self.workers)}.log").open("wb")
        proc = subprocess.Popen(  # noqa: S603 - our interpreter, fixed arguments
            [
                *(sys.executable, "-m", "celery", "-A", "qinglang", "worker", "-I", TASKS),
                *("--concurrency", "1", "--without-mingle", "--without-gossip"),
                *("--without-heartbeat", "--loglevel", "INFO", *extra),
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        out.close()
        self.workers.append(proc)
        return proc

    def inflight(self) -> list[str]:
        folder = self.broker / "inflight"
        return sorted(p.name for p in folder.iterdir()) if folder.exists() else []

    def queued(self) -> list[str]:
        return sorted(p.name for p in (self.broker / "in").iterdir())


def wait_for(condition: Callable[[], bool], what: str, limit: float = 180) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {limit:.0f} s"
        time.sleep(0.05)


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Home]:
    home = Home(tmp_path)
    yield home
    for proc in home.workers:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=60)


@pytest.mark.parametrize("other", ["restarted", "running"])
def test_a_killed_workers_task_runs_again_once_and_an_acknowledged_one_not_at_all(home, other):
    """SIGKILL a worker in the middle of a task; a worker started after, or running already,
    runs it again, once; the task it had finished (acknowledged) does not run again."""
    first = home.start_worker()
    home.send("record", "acked")
    wait_for(lambda: "acked done" in " ".join(home.lines()), "the first task")
    home.send("hold", "lost", str(home.release))
    wait_for(lambda: any(line.startswith("lost start") for line in home.lines()), "the hold")
    [held] = home.inflight()
    assert held.startswith(f"{first.pid}."), "held under the worker's pid and start time"
    pool_pid = int(home.lines()[-1].split()[-1])
    home.send("record", "queued")  # behind the running task (one pool process, prefetch 1)
    if other == "running":
        second = home.start_worker()  # consuming (it takes "queued") before the first dies
        wait_for(lambda: "ready." in (home.path / "worker1.log").read_text(), "the 2nd worker")
    # channels opened meanwhile (this publisher, a second worker) leave a live worker's message
    assert held in home.inflight()

    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=60)
    # the pool process dies with it (Celery sets its parent-death signal): the task never ends
    wait_for(lambda: broker._proc_stat(pool_pid) is None, "the pool process to die", 60)
    assert not any(line.startswith("lost done") for line in home.lines())
    home.release.touch()
    if other == "restarted":
        second = home.start_worker()  # its channel returns the message when it opens
    # else: the running worker sweeps the dead one's message up (every second here)
    wait_for(lambda: any(line.startswith("lost done") for line in home.lines()), "the rerun")
    home.send("record", "last")  # one process, first in first out: all before it are done
    wait_for(lambda: any(line.startswith("last done") for line in home.lines()), "the last task")
    wait_for(lambda: home.inflight() == [] and home.queued() == [], "the broker to be empty", 30)
    runs: dict[str, list[int]] = {}
    for line in home.lines():
        what, pid = line.rsplit(" ", 1)
        runs.setdefault(what, []).append(int(pid))
    assert {what: len(pids) for what, pids in runs.items()} == {
        "acked done": 1,
        "lost start": 2,
        "lost done": 1,
        "queued done": 1,
        "last done": 1,
    }
    assert runs["lost done"] != [pool_pid]
    assert second.poll() is None


def _dead(pid: int) -> bool:
    stat = broker._proc_stat(pid)
    return stat is None or stat[0] == "Z"


def _children(pid: int) -> list[int]:
    """Return the live direct children of `pid` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            ppid = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid and not _dead(int(entry.name)):
            found.append(int(entry.name))
    return found


@pytest.mark.parametrize("settled", [0, 5], ids=["as-the-beat-starts", "beat-settled"])
def test_a_killed_workers_embedded_beat_dies_with_it(home, settled):
    """`worker --beat` (as `qinglang up` runs it): SIGKILL the worker and its beat goes too.

    Otherwise the beat goes on sending the schedule beside the restarted worker's own beat.
    Killed as the beat starts, the worker dies before the beat has set its scheduler up and
    asked to die with its parent; settled, the beat gets the parent-death signal. The schedule
    is kept in a file here (the home has no database for django-celery-beat).
    """
    worker = home.start_worker(
        "--beat",
        *("--scheduler", "celery.beat:PersistentScheduler"),
        *("--schedule", str(home.path / "celerybeat-schedule")),
    )
    log = home.path / "worker0.log"
    wait_for(lambda: "ready." in log.read_text() and "beat: Starting" in log.read_text(), "beat")
    wait_for(lambda: len(_children(worker.pid)) == 2, "the pool process and the beat", 60)
    children = _children(worker.pid)
    time.sleep(settled)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=60)
    try:
        wait_for(lambda: all(_dead(pid) for pid in children), "the beat to die with its worker", 30)
    finally:
        for pid in children:
            if not _dead(pid):
                os.kill(pid, signal.SIGKILL)
