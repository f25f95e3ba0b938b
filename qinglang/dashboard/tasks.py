"""Background work of the dashboard: the aggregate refresh and the periodic reports."""

from __future__ import annotations

from celery import shared_task


@shared_task
def refresh_dashboard() -> int:
    """Rebuild the dashboard's aggregate tables; return how many figures were written."""
    from qinglang.dashboard.services import refresh_figures

    return refresh_figures().figures


@shared_task(bind=True)
def send_period_reports(self, *, period: str) -> int:  # type: ignore[no-untyped-def]
    """Mail the weekly or monthly report to every office head (not again when redelivered)."""
    from qinglang.core.taskonce import once
    from qinglang.dashboard.reports import send_period_reports as send

    return once(self, lambda: send(period), default=0)
