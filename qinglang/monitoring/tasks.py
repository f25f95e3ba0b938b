"""Background work of monitoring: the beat job that sends due checks, and one check."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from qinglang.monitoring import services


@shared_task
def enqueue_due_checks() -> int:
    """Send a check for every due source (run by Celery beat every minute)."""
    return services.enqueue_due_checks()


@shared_task(acks_late=True)
def check_source(source_id: int, force: bool = False) -> dict[str, Any]:
    """Check one source (a busy host defers it; the beat job sends it again)."""
    return services.run_check(source_id, force=force).as_dict()
