"""Background jobs of enterprise protection."""

from __future__ import annotations

from celery import shared_task


@shared_task
def remind_measure_expiries() -> int:
    """Remind offices and enterprises of interim measures that end within a day."""
    from qinglang.protection import services

    return services.remind_measure_expiries()
