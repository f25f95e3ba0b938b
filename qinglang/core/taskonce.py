"""Exactly-once work for tasks that are acknowledged late (a redelivered message does nothing).

A worker that dies after doing a task's work but before acknowledging its message leaves the
message to be delivered again, with the same task id. `once` writes a receipt keyed on that id in
the transaction that does the work: the first delivery does the work and commits the receipt
with it; a later delivery finds the receipt and returns at once. Work that fails rolls the receipt
back with everything else, so a retry (same task id) or a redelivery does it again.

Mail cannot be rolled back: it is sent inside the transaction, so a worker lost between sending
and committing sends it again (at least once, never twice for a delivery that completed).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone

from qinglang.core.models import TaskReceipt

log = logging.getLogger(__name__)

T = TypeVar("T")

# Far longer than any message can wait unacknowledged (the broker's visibility timeout).
RECEIPT_DAYS = 14


def once(task: Any, work: Callable[[], T], *, default: T, part: str = "") -> T:
    """Run `work` once for this task message (and `part` of it); return `default` if done."""
    task_id = getattr(task.request, "id", None)
    if not task_id:  # called as a function, not delivered by the broker
        return work()
    key = f"{task_id}:{part}"[:300]
    with transaction.atomic():
        _receipt, created = TaskReceipt.objects.get_or_create(
            key=key, defaults={"task_name": task.name[:200]}
        )
        if not created:
            log.info("%s %s was delivered again; its work is done", task.name, key)
            return default
        return work()


def forget_receipts(*, days: int = RECEIPT_DAYS) -> int:
    """Delete receipts older than `days`; return how many were deleted."""
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _by_model = TaskReceipt.objects.filter(done_at__lt=cutoff).delete()
    return deleted
