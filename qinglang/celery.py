"""The Celery application; the broker comes from settings (filesystem in embedded mode)."""

from __future__ import annotations

import os

from celery import Celery

import qinglang.core.broker  # noqa: F401 - registers the embedded broker's transport alias

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qinglang.settings.embedded")

app = Celery("qinglang")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
