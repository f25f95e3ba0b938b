"""What stands open on a case when it is decided or closed, and the office's closure policy."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from qinglang.cases.models import (
    PENDING_TRANSFER_STATUSES,
    Case,
    ClosurePolicy,
    OpenWorkOnClose,
    Task,
    TaskStatus,
    Transfer,
)
from qinglang.core.models import Organization


@dataclass
class OpenWork:
    """A case's transfers awaiting an answer and its open tasks."""

    transfers: list[Transfer] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.transfers or self.tasks)

    def describe(self) -> str:
        """Return one line per open item, for messages."""
        lines = [f"{t.get_kind_display()} → {t.recipient.name}" for t in self.transfers]
        return "; ".join(lines + [t.title for t in self.tasks])


def _pending_transfers(case: Case) -> QuerySet[Transfer]:
    return (
        Transfer.objects.filter(case_id=case.pk, status__in=PENDING_TRANSFER_STATUSES)
        .select_related("recipient")
        .order_by("deadline", "pk")
    )


def _open_tasks(case: Case) -> QuerySet[Task]:
    return (
        Task.objects.filter(case_id=case.pk, status=TaskStatus.OPEN)
        .select_related("assignee_user", "assignee_organization")
        .order_by("due_at", "pk")
    )


def open_work_of(case: Case) -> OpenWork:
    """Return the case's pending transfers and open tasks, soonest due first."""
    return OpenWork(transfers=list(_pending_transfers(case)), tasks=list(_open_tasks(case)))


# The case page and its messages name the soonest due few; the rest are on its list pages.
OPEN_WORK_SHOWN = 10


@dataclass
class OpenWorkPreview(OpenWork):
    """The soonest due of a case's open work, with how much is open in all (the case page)."""

    transfer_total: int = 0
    task_total: int = 0

    def __bool__(self) -> bool:
        return bool(self.transfer_total or self.task_total)

    @property
    def more_transfers(self) -> int:
        return self.transfer_total - len(self.transfers)

    @property
    def more_tasks(self) -> int:
        return self.task_total - len(self.tasks)


def open_work_preview(case: Case, n: int) -> OpenWorkPreview:
    """Return the `n` soonest due pending transfers and open tasks, and the totals of each."""
    transfers = list(_pending_transfers(case)[:n])
    tasks = list(_open_tasks(case)[:n])
    return OpenWorkPreview(
        transfers=transfers,
        tasks=tasks,
        transfer_total=len(transfers) if len(transfers) < n else _pending_transfers(case).count(),
        task_total=len(tasks) if len(tasks) < n else _open_tasks(case).count(),
    )


def closure_policy_for(office: Organization) -> str:
    """Return what closing a case of `office` does to open work (default: refuse)."""
    value = (
        ClosurePolicy.objects.filter(office_id=office.pk)
        .values_list("open_work", flat=True)
        .first()
    )
    return value or OpenWorkOnClose.REFUSE
