"""Background work of the dashboard: the aggregate refresh and the periodic reports."""

from __future__ import annotations

from celery import shared_task


@shared_task
def refresh_dashboard() -> int:
    """Rebuild the dashboard's aggregate tables; return how many figures were written."""
    from qinglang.dashboard.services import refresh_figures

    return refresh_figures().figures


@shared_task
def send_period_reports(*, period: str) -> int:
    """Mail the weekly or monthly report to every office head; return messages sent."""
    from qinglang.dashboard.reports import send_period_reports as send

    return send(period)
