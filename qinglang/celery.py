"""The Celery application; the broker comes from settings (filesystem in embedded mode)."""

from __future__ import annotations

import logging
import os

from celery import Celery
from celery.signals import worker_process_init

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
