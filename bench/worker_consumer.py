"""CPU of the worker's consumer process (with beat) while it drains a backlog, against a baseline.

    uv run python -m bench.worker_consumer --baseline DIR [--messages 3000] [--repeats 2]

DIR is another checkout of the project (e.g. `git archive main | tar -x -C DIR`). On a temporary
embedded home, for each tree in turn (interleaved, `--repeats` times) it queues `--messages`
trivial tasks (`bench._queue_tasks.noop`), starts `celery worker --beat --concurrency 2` (as
`qinglang up` does) from that tree, and reads from /proc the CPU seconds of the worker's main
process from "ready." until all are done. Prints CPU ms a message, messages a second, and the
ratio of the best runs.
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._up import ROOT

HOME = Path(tempfile.mkdtemp(prefix="qinglang-consumer-"))
os.environ["QINGLANG_HOME"] = str(HOME)
os.environ["DJANGO_SETTINGS_MODULE"] = "qinglang.settings.embedded"
os.environ.pop("QINGLANG_DATABASE_URL", None)
os.environ.setdefault("QINGLANG_DEMO_PASSWORD", "bench-demo-password")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from bench._queue_tasks import noop  # noqa: E402


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def drain(root: Path, messages: int, label: str) -> tuple[float, float]:
    """Queue `messages` noops, start a worker from `root`; return (CPU ms a message, per s)."""
    for n in range(messages):
        noop.delay(n)
    log = HOME / f"worker-{label}.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(  # noqa: S603 - our interpreter, fixed arguments
            [
                *(sys.executable, "-m", "celery", "-A", "qinglang", "worker"),
                *("-I", "bench._queue_tasks", "--beat", "--loglevel", "INFO"),
                *("--concurrency", "2", "--schedule", str(HOME / "celerybeat-schedule")),
            ],
            cwd=root,
            env={**os.environ, "PYTHONPATH": str(root)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        while "ready." not in log.read_text(errors="replace"):
            if worker.poll() is not None:
                raise RuntimeError(log.read_text()[-2000:])
            time.sleep(0.05)
        before, started = cpu_seconds(worker.pid), time.monotonic()
        while (
            sum(
                1
                for line in log.read_text(errors="replace").splitlines()
                if "noop[" in line and "succeeded" in line
            )
            < messages
        ):
            time.sleep(0.1)
        used, took = cpu_seconds(worker.pid) - before, time.monotonic() - started
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    return used * 1000 / messages, messages / took


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline", type=Path, required=True, help="another checkout")
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    call_command("qinglang_init", "--demo", "--no-static", stdout=io.StringIO())
    trees = {"baseline": args.baseline.resolve(), "this tree": ROOT}
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
    for repeat in range(args.repeats):
        for name, root in trees.items():
            ms, rate = drain(root, args.messages, f"{name.replace(' ', '-')}-{repeat}")
            results[name].append((ms, rate))
            print(f"{name:<10} consumer CPU {ms:.3f} ms/message, {rate:.0f} messages/s", flush=True)
    best = {name: min(ms for ms, _ in runs) for name, runs in results.items()}
    print(f"best: {best['baseline']:.3f} → {best['this tree']:.3f} ms/message", end=" ")
    print(f"(ratio {best['this tree'] / best['baseline']:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
