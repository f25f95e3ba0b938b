"""Public report submission next to a bare Django view + 1 insert, same gunicorn, same database.

    uv run python -m bench.intake_speed [--seconds 10] [--concurrency 1,10] [--conn-max-age 0,60]
    QINGLANG_DATABASE_URL=postgres://... uv run python -m bench.intake_speed

Starts gunicorn (2 workers) on 127.0.0.1 twice — persistent database connections off
(QINGLANG_DB_CONN_MAX_AGE=0) and on (the default, 60 s) — and, interleaved in each, drives
`POST /api/v1/reports/` and the bare view at each concurrency. Prints requests per second, the
ratio submission / bare, the p95 latency of each, the SQL statements one submission makes
(counted in process) and, after the load, the resident memory (VmRSS) of each web worker.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from bench._database import setup_bench_database

BODY = {
    "category": "paid_deletion",
    "description": "有人自称公关公司，收费五千元删除负面帖子，先删后付，联系微信 shantie88。",
    "targets": [{"url": "https://bbs.example-news.cn/t/1"}],
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _drive(url: str, seconds: float, concurrency: int) -> tuple[float, float, int]:
    """Post BODY from `concurrency` threads for `seconds`; return (ok/s, p95 ms, errors)."""
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def run() -> None:
        with httpx.Client(timeout=30) as client:
            while time.monotonic() < deadline:
                start = time.perf_counter()
                ok = client.post(url, json=BODY).status_code == 201
                took = time.perf_counter() - start
                with lock:
                    if ok:
                        latencies.append(took)
                    else:
                        errors[0] += 1

    threads = [threading.Thread(target=run) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    p95 = statistics.quantiles(latencies, n=20)[-1] * 1000 if len(latencies) > 1 else 0.0
    return len(latencies) / seconds, p95, errors[0]


def _cpu_seconds(pid: int) -> float | None:
    """Return the user + system CPU seconds so far of `pid` (None once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def _pids_named(*names: str) -> list[int]:
    """Return the pids whose command name is one of `names` (the database and Redis servers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                comm = (entry / "comm").read_text().strip()
            except OSError:
                continue
            if comm in names:
                found.append(int(entry.name))
    return found


class _CpuSplit:
    """CPU per request of each side of a point: web workers, database, Redis, this driver.

    Each process's last reading is kept, so a database process that exits between two
    snapshots (an autovacuum worker) keeps what it had used instead of making the sum drop.
    """

    def __init__(self, master: int) -> None:
        self.master = master
        self.seen: dict[str, dict[int, float]] = {
            name: {} for name in ("web", "database", "redis", "driver")
        }

    def snapshot(self) -> dict[str, float]:
        groups = {
            "web": [int(p) for p in _children(self.master)],
            "database": _pids_named("postgres"),  # new backends appear with conn_max_age=0
            "redis": _pids_named("redis-server"),
            "driver": [os.getpid()],
        }
        for name, pids in groups.items():
            for pid in pids:
                if (used := _cpu_seconds(pid)) is not None:
                    self.seen[name][pid] = used
        return {name: sum(per_pid.values()) for name, per_pid in self.seen.items()}

    @staticmethod
    def per_request(before: dict[str, float], after: dict[str, float], requests: int) -> str:
        if not requests:
            return "-"
        parts = [
            f"{name} {(after[name] - before.get(name, 0.0)) * 1000 / requests:.1f}"
            for name in after
        ]
        return ", ".join(parts) + " ms"


def _children(master: int) -> list[str]:
    return Path(f"/proc/{master}/task/{master}/children").read_text().split()


def _worker_rss_mb(master: int) -> list[float]:
    """Return the resident memory (VmRSS, MB) of each gunicorn worker under `master`."""
    sizes = []
    for pid in _children(master):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return sizes


def _statements() -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.post("/api/v1/reports/", BODY, content_type="application/json")
    with CaptureQueriesContext(connection) as ctx:
        response = client.post("/api/v1/reports/", BODY, content_type="application/json")
    assert response.status_code == 201, response.content
    return len(ctx.captured_queries)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", default="1,10")
    parser.add_argument("--conn-max-age", default="0,60", help="QINGLANG_DB_CONN_MAX_AGE values")
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench._bare_settings"
    os.environ["QINGLANG_RATE_REPORT_SUBMIT"] = "100000000/hour"  # measure work, not refusals
    cleanup = setup_bench_database("intake_speed", keep=False)
    try:
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection

        settings.ALLOWED_HOSTS = ["*"]
        from qinglang.core.models import Organization

        call_command("qinglang_init", verbosity=0)
        Organization.objects.get_or_create(
            kind="regulator_office", level="national", defaults={"name": "国家网信办"}
        )
        with connection.cursor() as cursor:
            serial = "BIGSERIAL" if connection.vendor == "postgresql" else "INTEGER"
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS bench_bare (id {serial} PRIMARY KEY, "
                "category VARCHAR(32), description TEXT)"
            )
        print(f"SQL statements per submission: {_statements()} (bare view: 1)")
        connection.close()
        env = {**os.environ, "QINGLANG_ALLOWED_HOSTS": "127.0.0.1"}
        for age in args.conn_max_age.split(","):
            port = _free_port()
            web = subprocess.Popen(  # noqa: S603 - fixed program, our own arguments
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "qinglang.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "2",
                ],
                env={**env, "QINGLANG_DB_CONN_MAX_AGE": age},
                cwd=Path(__file__).resolve().parents[1],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            try:
                base = f"http://127.0.0.1:{port}"
                for _ in range(100):
                    try:
                        httpx.get(f"{base}/healthz", timeout=1)
                        break
                    except httpx.HTTPError:
                        time.sleep(0.2)
                # Each worker's first submission loads what it needs (about 1.5 s): not measured.
                for path in ("/api/v1/reports/", "/bench/bare/"):
                    _drive(f"{base}{path}", 2, 4)
                print(f"-- QINGLANG_DB_CONN_MAX_AGE={age}, {connection.vendor}")
                split = _CpuSplit(web.pid)
                for level in levels:
                    cpu0 = split.snapshot()
                    report, rp95, rerr = _drive(f"{base}/api/v1/reports/", args.seconds, level)
                    cpu1 = split.snapshot()
                    bare, bp95, berr = _drive(f"{base}/bench/bare/", args.seconds, level)
                    cpu2 = split.snapshot()
                    print(
                        f"concurrency {level:3d}: submission {report:7.1f}/s  bare {bare:7.1f}/s"
                        f"  ratio {report / bare if bare else 0:.2f}"
                        f"  p95 {rp95:6.1f} / {bp95:6.1f} ms  (errors {rerr}/{berr})"
                    )
                    n_report, n_bare = round(report * args.seconds), round(bare * args.seconds)
                    print(f"    CPU per submission: {split.per_request(cpu0, cpu1, n_report)}")
                    print(f"    CPU per bare call:  {split.per_request(cpu1, cpu2, n_bare)}")
                rss = ", ".join(f"{mb:.0f}" for mb in _worker_rss_mb(web.pid))
                print(f"web worker RSS after the load: {rss} MB")
            finally:
                os.killpg(web.pid, signal.SIGTERM)
                web.wait(timeout=30)
    finally:
        cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
