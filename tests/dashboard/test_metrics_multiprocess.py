"""/metrics under gunicorn with several workers: one scrape counts the requests of every worker.

Each gunicorn worker is a process of its own; prometheus-client's multiprocess mode (set up by
`qinglang.gunicorn_conf`) shares their counts through files in a directory made for the run.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

from tests.core.test_cli import ROOT, children_of, free_port

HEALTHZ_COUNT = re.compile(
    r'^qinglang_http_request_duration_seconds_count\{method="GET",status="2xx",view="healthz"\} '
    r"([0-9.]+)$",
    re.MULTILINE,
)


def _get(url: str) -> bytes:
    # A worker's first request loads the URLs and views: seconds on a busy machine.
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - local URL
        assert response.status == 200
        return response.read()


def _healthz_count(port: int) -> float:
    text = _get(f"http://127.0.0.1:{port}/metrics").decode()
    found = HEALTHZ_COUNT.search(text)
    assert found, text[:2000]
    return float(found.group(1))


def _writers(directory: Path) -> set[int]:
    """Return the pids whose histogram files are in the metrics directory."""
    return {int(p.stem.rsplit("_", 1)[1]) for p in directory.glob("histogram_*.db")}


def _wait_for_workers(master: int, n: int, deadline: float) -> set[int]:
    while len(workers := set(children_of(master))) < n:
        assert time.monotonic() < deadline, "gunicorn did not start its workers"
        time.sleep(0.2)
    return workers


def test_one_scrape_counts_every_worker(tmp_path):
    """Requests spread over 2 workers; any scrape counts them all, also after a worker died.

    As `qinglang up` runs it: no directory configured, so the run makes one and removes it.
    """
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("QINGLANG_", "DJANGO_", "PROMETHEUS_"))
    }
    env.update(QINGLANG_HOME=str(tmp_path / "home"))
    log = (tmp_path / "gunicorn.log").open("w+")
    proc = subprocess.Popen(  # noqa: S603 - our own command
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:qinglang.gunicorn_conf",
            "qinglang.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        workers = _wait_for_workers(proc.pid, 2, deadline)
        while (tmp_path / "gunicorn.log").read_text().count("Booting worker") < 2:
            assert time.monotonic() < deadline, "the workers did not boot"
            time.sleep(0.2)
        found = re.search(
            r"metrics of every worker in (\S+)", (tmp_path / "gunicorn.log").read_text()
        )
        assert found, (tmp_path / "gunicorn.log").read_text()
        metrics_dir = Path(found.group(1))
        assert metrics_dir.is_dir() and metrics_dir.name.startswith("qinglang-metrics-")
        sent = 0
        with ThreadPoolExecutor(max_workers=8) as pool:
            # Concurrent requests until both workers have answered some (bounded).
            while not workers <= _writers(metrics_dir):
                assert proc.poll() is None, (tmp_path / "gunicorn.log").read_text()[-3000:]
                assert sent < 4000, f"requests never reached both workers: {_writers(metrics_dir)}"
                list(pool.map(_get, [f"http://127.0.0.1:{port}/healthz"] * 40))
                sent += 40
        assert _healthz_count(port) == sent
        assert _healthz_count(port) == sent  # whichever worker answers the scrape

        # A worker killed outright: gunicorn replaces it, and its requests still count.
        victim = sorted(workers)[0]
        os.kill(victim, signal.SIGKILL)
        while victim in children_of(proc.pid) or len(children_of(proc.pid)) < 2:
            assert time.monotonic() < deadline, "gunicorn did not replace the worker"
            time.sleep(0.2)
        list(map(_get, [f"http://127.0.0.1:{port}/healthz"] * 10))
        assert _healthz_count(port) == sent + 10
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                for pid in children_of(proc.pid):
                    os.kill(pid, signal.SIGKILL)
                proc.kill()
        log.close()
    assert proc.returncode == 0
    assert not metrics_dir.exists()  # the run's own directory goes with it


def test_each_run_without_a_directory_gets_its_own_and_removes_it(monkeypatch):
    from qinglang import gunicorn_conf

    for name in (gunicorn_conf.MULTIPROC_ENV, gunicorn_conf._OWNED_DIR_ENV):
        monkeypatch.setenv(name, "")  # recorded, so that the end of the test restores it
        monkeypatch.delenv(name)
    first = gunicorn_conf.prepare_metrics_dir()
    try:
        assert os.environ[gunicorn_conf.MULTIPROC_ENV] == str(first)
        assert first.is_dir() and not any(first.iterdir())
        monkeypatch.delenv(gunicorn_conf.MULTIPROC_ENV)
        second = gunicorn_conf.prepare_metrics_dir()
        assert second != first
        gunicorn_conf.on_exit(SimpleNamespace())
        assert not second.exists()
    finally:
        first.rmdir()


def test_an_operators_directory_is_emptied_of_metric_files_only(tmp_path, monkeypatch):
    from qinglang import gunicorn_conf

    (tmp_path / "counter_12.db").write_bytes(b"old")
    (tmp_path / "README").write_text("ours")
    monkeypatch.setenv(gunicorn_conf.MULTIPROC_ENV, str(tmp_path))
    monkeypatch.setenv(gunicorn_conf._OWNED_DIR_ENV, "")
    assert gunicorn_conf.prepare_metrics_dir() == tmp_path
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README"]
    gunicorn_conf.on_exit(SimpleNamespace())
    assert tmp_path.is_dir()  # not ours to remove


def test_child_exit_marks_the_worker_dead(tmp_path, monkeypatch):
    """Its live gauges are dropped; its counts and histograms stay in the totals."""
    from qinglang import gunicorn_conf

    monkeypatch.setenv(gunicorn_conf.MULTIPROC_ENV, str(tmp_path))
    for name in ("gauge_livesum_4242.db", "gauge_liveall_4242.db", "histogram_4242.db"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "gauge_livesum_4343.db").write_bytes(b"")
    gunicorn_conf.child_exit(SimpleNamespace(), SimpleNamespace(pid=4242))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "gauge_livesum_4343.db",
        "histogram_4242.db",
    ]
