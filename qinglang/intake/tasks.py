"""Background work of the reporting zone: analysis of new reports and its safety net."""

from __future__ import annotations

from celery import shared_task

from qinglang.intake import services


@shared_task(acks_late=True)
def analyse_report(report_id: int) -> bool:
    """Analyse one report (idempotent: a second run does nothing)."""
    return services.analyse_report(report_id)


@shared_task
def requeue_pending_reports() -> int:
    """Re-enqueue analysis of reports it never ran on (the broker may have been down)."""
    return services.requeue_pending_reports()
