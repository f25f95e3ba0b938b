"""Start and stop `qinglang up` on a home of its own (for the cold-start and queue benches)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORT = {
    "category": "paid_deletion",
    "description": "有人自称公关公司，收费五千元删除负面帖子，先删后付，联系微信 shantie88。",
    "targets": [{"url": "https://bbs.example-news.cn/t/1"}],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def up_env(home: Path, *, bytecode: Path | None, root: Path = ROOT) -> dict[str, str]:
    """Return the environment of a `qinglang up` on `home` (bytecode cached under `bytecode`)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QINGLANG_", "DJANGO_"))}
    env.update(
        QINGLANG_HOME=str(home),
        QINGLANG_DEMO_PASSWORD="bench-demo-password",  # noqa: S106 - a throwaway home
        QINGLANG_RATE_REPORT_SUBMIT="1000000/minute",
        QINGLANG_RATE_PUBLIC_API="1000000/minute",
        PYTHONPATH=str(root),
    )
    if os.environ.get("QINGLANG_DATABASE_URL"):
        env["QINGLANG_DATABASE_URL"] = os.environ["QINGLANG_DATABASE_URL"]
    if bytecode is not None:
        # What `uv sync --compile-bytecode` gives an install, without writing into the venv.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(bytecode)
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - local URL
            return response.status
    except OSError:
        return 0


def wait_for(urls: list[str], proc: subprocess.Popen, started: float, limit: float) -> list[float]:
    """Poll each URL until it answers 200; return the seconds from `started` to each first 200."""
    found: dict[str, float] = {}
    while len(found) < len(urls):
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited with {proc.returncode}")
        if time.monotonic() - started > limit:
            raise RuntimeError(f"no answer from {urls} within {limit:.0f} s")
        for url in urls:
            if url not in found and status(url) == 200:
                found[url] = time.monotonic() - started
        time.sleep(0.02)
    return [found[url] for url in urls]


class Up:
    """One `qinglang up` process (output to a log file), stopped with Ctrl-C."""

    def __init__(self, env: dict[str, str], log: Path, *, workers: int = 1) -> None:
        self.port = free_port()
        self.log = log
        self.base = f"http://127.0.0.1:{self.port}"
        cmd = [sys.executable, "-m", "qinglang.cli", "up", "--port", str(self.port)]
        with log.open("ab") as out:
            self.started = time.monotonic()
            self.proc = subprocess.Popen(  # noqa: S603 - our own command
                [*cmd, "--workers", str(workers)],
                cwd=env.get("PYTHONPATH", str(ROOT)),
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def text(self) -> str:
        return self.log.read_text(errors="replace")
