"""Gunicorn settings shared by `qinglang up` and the documented production command.

The access log never records the client address or User-Agent (nor the query string): a line
with a timestamp and an address would join to a report and end the reporter's anonymity.
Use it with `gunicorn -c python:qinglang.gunicorn_conf qinglang.wsgi:application`.

Metrics: every worker is a process of its own, so /metrics (answered by whichever worker takes
the scrape) sees all of them only through prometheus-client's multiprocess mode. The master
gives each run a directory for the workers' metric files (`PROMETHEUS_MULTIPROC_DIR` if set,
emptied at start, else a fresh temporary one, removed at exit) and marks each exited worker
dead. The workers load the application after the fork, so they inherit the directory; with
`--preload` the master loads it first, so the directory must then be set beforehand.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

accesslog = "-"
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
graceful_timeout = 10
control_socket_disable = True

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_OWNED_DIR_ENV = "QINGLANG_METRICS_DIR_OWNED"  # set when the master made the directory itself


def prepare_metrics_dir(environ: MutableMapping[str, str] = os.environ) -> Path:
    """Give this run an empty metrics directory in `environ`; return it.

    A directory named by the operator is emptied of metric files (`*.db`): files left by an
    earlier run would add its counts to this one's. Without one, a new temporary directory.
    """
    configured = environ.get(MULTIPROC_ENV, "")
    if configured:
        path = Path(configured)
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        for stale in path.glob("*.db"):
            stale.unlink()
        environ.pop(_OWNED_DIR_ENV, None)
        return path
    path = Path(tempfile.mkdtemp(prefix="qinglang-metrics-"))
    environ[MULTIPROC_ENV] = str(path)
    environ[_OWNED_DIR_ENV] = str(path)
    return path


def on_starting(server: Any) -> None:
    """Prepare the metrics directory before the first worker is forked."""
    if (
        server.cfg.preload_app
        and "prometheus_client.values" in sys.modules
        and not os.environ.get(MULTIPROC_ENV)
    ):
        # The application, imported before this hook, chose single-process metric values.
        raise RuntimeError(
            f"--preload loads the metrics before {MULTIPROC_ENV} is set (each worker would "
            f"count alone): set {MULTIPROC_ENV} to a directory, or start without --preload"
        )
    path = prepare_metrics_dir()
    server.log.info("metrics of every worker in %s", path)


def child_exit(server: Any, worker: Any) -> None:
    """Mark an exited worker dead: its live gauges go, its counts stay in the totals."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    """Remove the temporary metrics directory this master made (an operator's one stays)."""
    owned = os.environ.get(_OWNED_DIR_ENV)
    if owned and owned == os.environ.get(MULTIPROC_ENV):
        shutil.rmtree(owned, ignore_errors=True)
