"""The Celery application; the broker comes from settings (filesystem in embedded mode)."""

from __future__ import annotations

import logging
import os

from celery import Celery
from celery.signals import beat_embedded_init, worker_init, worker_process_init

import qinglang.core.broker  # noqa: F401 - registers the embedded broker's transport alias

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qinglang.settings.embedded")

log = logging.getLogger("qinglang.worker")

# Every task (shared_task included) is retried with back-off when SQLite is locked.
app = Celery("qinglang", task_cls="qinglang.core.taskbase:Task")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def preload_analysis(**_kwargs: object) -> None:
    """Load the analysis dictionaries in each new worker process, before its first task."""
    from qinglang.analysis.preload import preload

    seconds = preload()
    log.info("analysis dictionaries loaded in %.2f s", seconds)


# The pid of this worker's main process, which forks the embedded beat (`worker --beat`).
_worker_pid: int | None = None


@worker_init.connect
def remember_the_worker(**_kwargs: object) -> None:
    """Note the worker's pid before it starts its embedded beat."""
    global _worker_pid  # one value per process: the beat inherits it
    _worker_pid = os.getpid()


@beat_embedded_init.connect
def end_beat_with_its_worker(**_kwargs: object) -> None:
    """Have a beat embedded in a worker (`--beat`) killed when the worker dies.

    The worker stops its beat when it shuts down, but a worker killed with SIGKILL cannot, and
    its beat would go on sending the schedule beside the restarted worker's own: every job
    twice. Celery's pool processes die with the worker the same way. A worker that died before
    this ran (the beat sets its scheduler up first) has left the beat to another parent: it
    ends at once.
    """
    from celery import platforms

    platforms.set_pdeathsig("SIGKILL")
    if _worker_pid is not None and os.getppid() != _worker_pid:
        log.warning("the worker (pid %s) is gone: its beat stops", _worker_pid)
        os._exit(1)
