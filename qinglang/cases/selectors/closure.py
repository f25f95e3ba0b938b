"""What stands open on a case when it is decided or closed, and the office's closure policy."""

from __future__ import annotations

from dataclasses import dataclass, field

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


def open_work_of(case: Case) -> OpenWork:
    """Return the case's pending transfers and open tasks, soonest due first."""
    return OpenWork(
        transfers=list(
            Transfer.objects.filter(case_id=case.pk, status__in=PENDING_TRANSFER_STATUSES)
            .select_related("recipient")
            .order_by("deadline", "pk")
        ),
        tasks=list(
            Task.objects.filter(case_id=case.pk, status=TaskStatus.OPEN)
            .select_related("assignee_user", "assignee_organization")
            .order_by("due_at", "pk")
        ),
    )


def closure_policy_for(office: Organization) -> str:
    """Return what closing a case of `office` does to open work (default: refuse)."""
    value = (
        ClosurePolicy.objects.filter(office_id=office.pk)
        .values_list("open_work", flat=True)
        .first()
    )
    return value or OpenWorkOnClose.REFUSE
