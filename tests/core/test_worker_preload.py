"""The analysis dictionaries load when a worker process starts, and never in a web process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORKER = [sys.executable, "-m", "celery", "-A", "qinglang", "worker", "--concurrency", "2"]


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QINGLANG_", "DJANGO_"))}
    env.update(QINGLANG_HOME=str(home), PYTHONPATH=str(ROOT))
    return env


def test_each_worker_process_loads_the_dictionaries_before_its_first_task(tmp_path):
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
            [*WORKER, "--loglevel", "INFO", "--without-mingle", "--without-gossip"],
            cwd=ROOT,
            env=_env(tmp_path),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 300
        while log.read_text().count("analysis dictionaries loaded") < 2 or "ready." not in (
            log.read_text()
        ):
            assert proc.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    lines = [line for line in log.read_text().splitlines() if "dictionaries loaded" in line]
    # Once in each pool process (not in the main process, which runs no task).
    assert sorted(line.split("INFO/")[1].split("]")[0] for line in lines) == [
        "ForkPoolWorker-1",
        "ForkPoolWorker-2",
    ]


def test_a_web_process_answers_without_loading_the_dictionaries(tmp_path):
    code = (
        "import sys\n"
        "import django\n"
        "django.setup()\n"
        "from django.test import Client\n"
        "from qinglang.wsgi import application\n"
        "assert Client(HTTP_HOST='127.0.0.1').get('/healthz').status_code == 200\n"
        "from qinglang.celery import app\n"  # the worker's signal handler is defined, unused
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'jieba'))\n"
    )
    env = {**_env(tmp_path), "DJANGO_SETTINGS_MODULE": "qinglang.settings.embedded"}
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"
