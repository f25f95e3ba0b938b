"""Background work of cases: escalation of overdue work and the daily digest (Celery beat)."""

from __future__ import annotations

from celery import shared_task

from qinglang.cases.services import deadlines


@shared_task
def escalate_overdue() -> int:
    """Escalate overdue transfers, tasks and untriaged reports; return how many were escalated."""
    return len(deadlines.escalate_overdue())


@shared_task
def send_daily_digest() -> int:
    """Send each organization its digest of what is due; return how many were sent."""
    return deadlines.send_daily_digest()
