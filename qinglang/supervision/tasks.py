"""Background work of supervision: the nightly integrity scan for discipline inspection."""

from __future__ import annotations

from celery import shared_task

from qinglang.supervision import services


@shared_task
def scan_integrity() -> int:
    """Look for integrity patterns in staff conduct; return how many findings are new."""
    return services.scan_integrity()
