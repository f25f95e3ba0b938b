"""The `qinglang` command: `up` serves the site and a worker, and stops cleanly on Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children_of(pid: int) -> dict[int, str]:
    """Return {pid: program name} of the direct children of `pid` (Linux /proc)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found[int(entry.name)] = cmdline[2].decode() if len(cmdline) > 2 else ""
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def group_members(pgid: int) -> list[int]:
    """Return the live processes of process group `pgid` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(int(entry.name))
    return sorted(found)


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - local URL
            return response.status
    except OSError:
        return 0


# A reporter's User-Agent and address (forwarded by a trusted proxy), to be found nowhere.
SENTINEL_AGENT = "QinglangSentinelAgent/7f3a9c"
SENTINEL_ADDRESS = "203.0.113.197"


def test_up_serves_site_and_worker_then_stops_on_ctrl_c(tmp_path):
    """`qinglang up` serves and works; a reporter's address and User-Agent are kept nowhere.

    One report is submitted and tracked through a trusted proxy (QINGLANG_NUM_PROXIES=1) with
    sentinel headers; after the worker has analysed it and everything has stopped, no byte of
    any file under QINGLANG_HOME (database and its journal, broker queue, mail, caches, logs)
    nor of the server's stdout and stderr holds either sentinel (issue 16 part 5).
    """
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QINGLANG_", "DJANGO_"))}
    env.update(
        QINGLANG_HOME=str(tmp_path),
        QINGLANG_DEMO_PASSWORD="demo-password-up",
        QINGLANG_NUM_PROXIES="1",
    )
    log = (tmp_path / "up.log").open("w+")
    proc = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "qinglang.cli", "up", "--port", str(port), "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 420
        while get(f"http://127.0.0.1:{port}/") != 200:
            assert proc.poll() is None, (tmp_path / "up.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "qinglang up did not answer in time"
            time.sleep(1)
        css = f"http://127.0.0.1:{port}/static/vendor/bootstrap/dist/css/bootstrap.min.css"
        assert get(css) == 200
        children = children_of(proc.pid)
        # the web server, the analysis worker (processes, beat) and the network worker (threads)
        assert sorted(children.values()) == ["celery", "celery", "gunicorn"]
        while (tmp_path / "up.log").read_text().count("ready.") < 2:
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(1)
        up_log = (tmp_path / "up.log").read_text()
        assert "analysis@" in up_log and "io@" in up_log
        assert (tmp_path / "qinglang.sqlite3").exists()
        assert "demo-beijing" in (tmp_path / "up.log").read_text()

        sentinels = {"User-Agent": SENTINEL_AGENT, "X-Forwarded-For": SENTINEL_ADDRESS}
        status, receipt = _post_report(port, 0, headers=sentinels, receipt=True)
        assert status == 201, receipt
        track = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/reports/track/",
            data=json.dumps(
                {"tracking_code": receipt["tracking_code"], "access_key": receipt["access_key"]}
            ).encode(),
            headers={"Content-Type": "application/json", **sentinels},
            method="POST",
        )
        with urllib.request.urlopen(track, timeout=60) as response:  # noqa: S310 - local URL
            assert response.status == 200
        page = urllib.request.Request(f"http://127.0.0.1:{port}/track/", headers=sentinels)
        with urllib.request.urlopen(page, timeout=60) as response:  # noqa: S310 - local URL
            assert response.status == 200
        _wait_until_analysed(tmp_path, deadline)
        _wait_until_capture_tried(tmp_path, deadline)

        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
        assert not any(alive(pid) for pid in children)
        assert "stopped" in (tmp_path / "up.log").read_text()
        log.flush()
        files = [p for p in tmp_path.rglob("*") if p.is_file()]
        assert any(p.name == "qinglang.sqlite3" for p in files)
        for path in files:
            data = path.read_bytes()
            for sentinel in (SENTINEL_AGENT, SENTINEL_ADDRESS):
                assert sentinel.encode() not in data, f"{sentinel} found in {path}"
    finally:
        if proc.poll() is None:
            for pid in children_of(proc.pid):
                os.kill(pid, signal.SIGKILL)
            proc.kill()
        log.close()


@pytest.mark.parametrize("argv", [["--help"], ["manage", "help", "qinglang_init"]])
def test_cli_help_and_manage_passthrough(tmp_path, argv):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["QINGLANG_HOME"] = str(tmp_path)
    result = subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "qinglang.cli", *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "init" in result.stdout or "--demo" in result.stdout


def _wait_until_analysed(home: Path, deadline: float) -> None:
    """Wait until the worker has analysed every report in the embedded database."""
    db = sqlite3.connect(home / "qinglang.sqlite3")
    try:
        while db.execute("SELECT count(*) FROM intake_report WHERE analysed_at IS NULL").fetchone()[
            0
        ]:
            assert time.monotonic() < deadline, "the report was not analysed in time"
            time.sleep(1)
    finally:
        db.close()


def _wait_until_capture_tried(home: Path, deadline: float) -> None:
    """Wait until the network worker has made a capture attempt (this host does not resolve)."""
    db = sqlite3.connect(home / "qinglang.sqlite3")
    try:
        tried = "SELECT count(*) FROM evidence_webcapture WHERE attempts > 0"
        while not db.execute(tried).fetchone()[0]:
            assert time.monotonic() < deadline, "no capture was attempted in time"
            time.sleep(1)
    finally:
        db.close()
    log = (home / "up.log").read_text()
    # the capture ran in the threads of the network worker, not in an analysis process
    assert "capture_page" in log
    for line in log.splitlines():
        if "evidence.tasks.capture_page[" in line and ("retry:" in line or "succeeded" in line):
            assert "ForkPoolWorker" not in line, line


def _post_report(
    port: int, n: int, *, headers: dict[str, str] | None = None, receipt: bool = False
) -> Any:
    body = {
        "category": "paid_deletion",
        "description": f"有人报价三千元删除论坛上的负面帖子，第{n}次联系。",
        "targets": [{"url": f"https://bbs.unknown-forum.cn/thread/{n}", "account": "删帖小王"}],
        "contact": {"name": "", "phone": "", "email": ""},
    }
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/reports/",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            if receipt:
                return response.status, json.loads(response.read())
            return response.status
    except OSError as exc:
        return (0, str(exc)) if receipt else 0


def _celery_pid(parent: int) -> int | None:
    """Return the pid of `up`'s analysis worker (the one with the processes and beat)."""
    for pid in children_of(parent):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"analysis@%h" in cmdline:
            return pid
    return None


def test_up_restarts_a_killed_worker_and_the_site_keeps_answering(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QINGLANG_", "DJANGO_"))}
    env.update(QINGLANG_HOME=str(tmp_path), QINGLANG_DEMO_PASSWORD="demo-password-up")
    log_path = tmp_path / "up.log"
    log = log_path.open("w+")
    proc = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "qinglang.cli", "up", "--port", str(port), "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 420
        while get(f"http://127.0.0.1:{port}/") != 200 or "ready." not in log_path.read_text():
            assert proc.poll() is None, log_path.read_text()[-3000:]
            assert time.monotonic() < deadline, "qinglang up did not start in time"
            time.sleep(1)
        first = _celery_pid(proc.pid)
        assert first is not None
        assert [_post_report(port, n) for n in range(3)] == [201] * 3
        os.kill(first, signal.SIGKILL)
        killed_at = time.monotonic()
        # the site keeps answering while the worker is down, and accepts reports
        assert [_post_report(port, n) for n in range(3, 6)] == [201] * 3
        while (second := _celery_pid(proc.pid)) in (None, first):
            assert get(f"http://127.0.0.1:{port}/") == 200
            assert time.monotonic() - killed_at < 15, log_path.read_text()[-3000:]
            time.sleep(0.5)
        assert proc.poll() is None
        assert "restarting" in log_path.read_text()
        # nothing of the killed worker is left: no pool process and, above all, no beat beside
        # the restarted worker's own (every scheduled job would run twice)
        assert group_members(first) == [], "the killed worker's process group is gone"
        # every report is analysed, each exactly once
        db = sqlite3.connect(tmp_path / "qinglang.sqlite3")
        try:
            while True:
                rows = db.execute(
                    "SELECT object_id, count(*) FROM core_ledgerevent "
                    "WHERE action = 'report.analysed' GROUP BY object_id"
                ).fetchall()
                pending = db.execute(
                    "SELECT count(*) FROM intake_report WHERE analysed_at IS NULL"
                ).fetchone()[0]
                if pending == 0:
                    break
                assert time.monotonic() - killed_at < 120, f"{pending} reports not analysed"
                time.sleep(1)
        finally:
            db.close()
        assert len(rows) >= 6 and all(count == 1 for _, count in rows), rows
        assert second != first
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                for pid in children_of(proc.pid):
                    os.kill(pid, signal.SIGKILL)
                proc.kill()
        log.close()


def test_the_production_access_log_names_no_client():
    """The documented production command uses the same log format, which has no client atoms."""
    from qinglang import gunicorn_conf

    deploy = (ROOT / "docs" / "deploy.md").read_text()
    assert "gunicorn -c python:qinglang.gunicorn_conf qinglang.wsgi:application" in deploy
    fmt = gunicorn_conf.access_log_format
    # address, remote user, request line (holds the query), query, any request header
    for atom in ("%(h)s", "%(u)s", "%(r)s", "%(q)s", "%(a)s", "%({", "%(f)s"):
        assert atom not in fmt, atom
    assert "%(U)s" in fmt  # the path alone


def test_init_runs_on_a_new_home_and_skips_when_nothing_changed(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QINGLANG_", "DJANGO_"))}
    env.update(QINGLANG_HOME=str(tmp_path))
    cmd = [sys.executable, "-m", "qinglang.cli", "manage", "qinglang_init", "--no-static"]

    def init() -> str:
        result = subprocess.run(  # noqa: S603 - our own command
            cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=True
        )
        return result.stdout

    first = init()
    assert "regions:" in first and "up to date" not in first
    second = init()
    assert "up to date" in second and "regions:" not in second
    # The database is the record: a home whose database is gone inits in full again.
    (tmp_path / "qinglang.sqlite3").unlink()
    assert "regions:" in init()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_just_as_the_worker_starts_stops_every_child(monkeypatch, signum):
    """Before the supervisor loop, Ctrl-C or SIGTERM stops the worker too, not only the web."""
    import argparse

    from qinglang import cli
    from qinglang.core import initstamp, initstate

    started: list[subprocess.Popen[bytes]] = []

    def start(child, env):  # type: ignore[no-untyped-def]
        child.proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        started.append(child.proc)
        if child.name == "worker":  # the signal arrives in the instant after the worker starts
            os.kill(os.getpid(), signum)

    monkeypatch.setattr(cli.Child, "start", start)
    monkeypatch.setattr(initstamp, "matches", lambda demo: True)
    monkeypatch.setattr(initstate, "is_current", lambda fingerprint: True)
    monkeypatch.setattr(cli, "_wait_for_answer", lambda args, web: None)
    monkeypatch.setattr(cli, "_manage", lambda argv: None)
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    args = argparse.Namespace(host="127.0.0.1", port=free_port(), workers=1)
    assert cli.cmd_up(args) == 128 + signum
    assert len(started) == 2  # the web server and the worker
    assert all(proc.poll() is not None for proc in started)  # both stopped and reaped
    assert {s: signal.getsignal(s) for s in before} == before  # handlers given back


# A process that leaves a grandchild in its group, as a worker leaves its embedded beat; the
# grandchild ignores SIGTERM and outlives its parent unless the group is killed.
TREE = """
import os, signal, sys, time
if os.fork() == 0:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    with open(sys.argv[1] + ".part", "w") as f:
        f.write(str(os.getpid()))
    os.rename(sys.argv[1] + ".part", sys.argv[1])
    time.sleep(120)
    os._exit(0)
if len(sys.argv) > 2:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
time.sleep(120)
"""


def _wait_for(condition, what: str, limit: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def _tree(tmp_path: Path, name: str, *extra: str) -> Any:
    """Start a Child running TREE; return it with the pid of the grandchild it left behind."""
    from qinglang import cli

    pidfile = tmp_path / f"{name}.pid"
    child = cli.Child(name, [sys.executable, "-c", TREE, str(pidfile), *extra])
    child.start(dict(os.environ))
    _wait_for(pidfile.exists, "the grandchild did not start")
    return child, int(pidfile.read_text())


def test_up_kills_what_a_child_killed_with_sigkill_leaves_in_its_group_then_restarts(tmp_path):
    child, grandchild = _tree(tmp_path, "worker")
    try:
        first = child.proc.pid
        assert group_members(first) == sorted([first, grandchild])
        os.kill(first, signal.SIGKILL)
        child.proc.wait(timeout=30)
        assert alive(grandchild), "a dead leader does not take its group with it"
        child.check(time.monotonic(), dict(os.environ))  # up's supervisor loop sees it died
        _wait_for(lambda: not alive(grandchild), "the grandchild outlived its group leader")
        assert group_members(first) == []
        assert child.restart_at is not None
        (tmp_path / "worker.pid").unlink()
        child.check(child.restart_at, dict(os.environ))
        assert child.proc.pid != first and child.proc.poll() is None, "restarted"
        _wait_for((tmp_path / "worker.pid").exists, "the restarted child's grandchild")
    finally:
        from qinglang import cli

        cli._stop([child], timeout=10)
    # A SIGKILLed process can be seen running for a moment before the kernel ends it.
    _wait_for(lambda: group_members(child.proc.pid) == [], "stopping takes the restarted group too")


def test_stopping_kills_a_child_that_hangs_and_what_it_leaves_behind(tmp_path):
    from qinglang import cli

    child, grandchild = _tree(tmp_path, "stuck", "ignore-sigterm")
    started = time.monotonic()
    cli._stop([child], timeout=1)
    assert time.monotonic() - started < 15
    assert child.proc.returncode == -signal.SIGKILL
    _wait_for(lambda: not alive(grandchild), "the grandchild outlived the stop")
    assert group_members(child.proc.pid) == []


def test_children_stop_when_up_itself_is_killed(tmp_path):
    """`up` killed with SIGKILL cannot stop its children: the kernel's parent-death signal does.

    Every process `up` started (gunicorn and its workers, both Celery workers, their pool and
    the embedded beat) is gone within seconds, and the port is free again.
    """
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QINGLANG_", "DJANGO_"))}
    env.update(QINGLANG_HOME=str(tmp_path), QINGLANG_DEMO_PASSWORD="demo-password-up")
    log_path = tmp_path / "up.log"
    log = log_path.open("w+")
    proc = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "qinglang.cli", "up", "--port", str(port), "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    family: list[int] = []
    try:
        deadline = time.monotonic() + 420
        while (
            get(f"http://127.0.0.1:{port}/healthz") != 200
            or log_path.read_text().count("ready.") < 2
        ):
            assert proc.poll() is None, log_path.read_text()[-3000:]
            assert time.monotonic() < deadline, "qinglang up did not start in time"
            time.sleep(1)
        children = children_of(proc.pid)
        assert sorted(children.values()) == ["celery", "celery", "gunicorn"]
        # each child leads a group of its own: that is everything `up` started
        family = sorted({pid for child in children for pid in group_members(child)})
        assert len(family) > len(children), "gunicorn's worker, the pools and beat are there"
        proc.kill()
        proc.wait(timeout=10)
        killed_at = time.monotonic()
        _wait_for(
            lambda: not any(alive(pid) for pid in family),
            f"left running after up was killed: {[p for p in family if alive(p)]}",
            limit=20,
        )
        sys.stderr.write(f"every child gone {time.monotonic() - killed_at:.1f} s after up died\n")
        assert get(f"http://127.0.0.1:{port}/healthz") == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        for pid in family:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        log.close()
