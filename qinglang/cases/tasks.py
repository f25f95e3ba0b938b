"""Background work of cases: escalation of overdue work and the daily digest (Celery beat)."""

from __future__ import annotations

from celery import shared_task

from qinglang.cases.services import deadlines
from qinglang.core.taskbase import KeyedTask, keyed_task_id
from qinglang.core.taskonce import once


@shared_task
def escalate_overdue() -> int:
    """Escalate overdue transfers, tasks and untriaged reports; return how many were escalated."""
    return len(deadlines.escalate_overdue())


@shared_task(bind=True)
def send_daily_digest(self) -> int:  # type: ignore[no-untyped-def]
    """Send each organization its digest of what is due (not again when redelivered)."""
    return once(self, deadlines.send_daily_digest, default=0)


INDEX_KEY = "cases-index"


def index_task_id(case_id: int) -> str:
    """Return the task id of every indexing message of one case (after edits and requeued)."""
    return keyed_task_id(INDEX_KEY, case_id)


@shared_task(base=KeyedTask, key_argument="case_id", key_prefix=INDEX_KEY)
def index_case(case_id: int) -> bool:
    """Refresh one case's full-text search entry (queued after accept, edit, merge, close)."""
    from qinglang.cases.services.lifecycle import refresh_case_index

    return refresh_case_index(case_id)


@shared_task
def requeue_stale_case_index() -> int:
    """Queue the indexing of cases whose search entry is missing or stale; return how many."""
    from qinglang.cases.services.lifecycle import requeue_stale_case_index as requeue

    return requeue()
