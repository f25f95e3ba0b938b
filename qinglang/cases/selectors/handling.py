"""Scoped reads of collaborative handling: transfers, tasks, deadlines, escalations.

A recipient sees a transfer and exactly the materials chosen for it, never the rest of the case.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import CharField, Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone

from qinglang.cases.models import (
    PENDING_TRANSFER_STATUSES,
    Case,
    Escalation,
    ExtensionRequest,
    Task,
    TaskComment,
    TaskStatus,
    Transfer,
    TransferFeedback,
)
from qinglang.cases.selectors.cases import cases_visible_to
from qinglang.core import jurisdiction
from qinglang.core.models import LedgerEvent, Organization, User
from qinglang.evidence.models import EvidenceItem
from qinglang.evidence.selectors import items_for, items_for_subjects
from qinglang.intake.models import Report, ReportStatus


def _org_id(user: User | Any) -> int | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.organization_id


# --- materials -------------------------------------------------------------------------------


def case_materials(case: Case) -> QuerySet[EvidenceItem]:
    """Return the evidence of a case and of its reports (what a transfer may carry)."""
    subjects: list[tuple[str, Any]] = [("cases.case", case.pk)]
    subjects += [("intake.report", pk) for pk in case.reports.values_list("pk", flat=True)]
    return items_for_subjects(subjects)


def case_material_ids(case: Case) -> tuple[set[int], set[int]]:
    """Return (evidence item ids, report ids) a transfer of this case may carry."""
    return (
        set(case_materials(case).values_list("pk", flat=True)),
        set(case.reports.values_list("pk", flat=True)),
    )


def transfer_evidence(transfer: Transfer) -> QuerySet[EvidenceItem]:
    """Return the evidence items chosen for a transfer."""
    return items_for(("cases.transfer", transfer.pk))


def transfer_reports(transfer: Transfer) -> QuerySet[Report]:
    """Return the reports chosen for a transfer, with their targets (never contact details)."""
    return transfer.reports.prefetch_related("targets").order_by("id")


def feedback_with_attachments(transfer: Transfer) -> list[tuple[TransferFeedback, list]]:
    """Return each feedback entry of a transfer with its attachments, oldest first."""
    entries = list(transfer.feedback.select_related("submitted_by"))
    items = items_for_subjects([("cases.feedback", f.pk) for f in entries]).prefetch_related(
        "attachments"
    )
    by_feedback: dict[str, list[EvidenceItem]] = {}
    for item in items:
        for link in item.attachments.all():
            if link.subject_type == "cases.feedback":
                by_feedback.setdefault(link.subject_id, []).append(item)
    return [(f, by_feedback.get(str(f.pk), [])) for f in entries]


# --- transfers -------------------------------------------------------------------------------


def _transfer_list(qs: QuerySet[Transfer]) -> QuerySet[Transfer]:
    return (
        qs.select_related("case", "recipient", "sender_office")
        .annotate(pending_extensions=Count("extensions", filter=Q(extensions__status="pending")))
        .order_by("-sent_at", "-id")
    )


def transfers_for_recipient(user: User) -> QuerySet[Transfer]:
    """Return the transfers received by the user's organization (its inbox)."""
    org_id = _org_id(user)
    if org_id is None:
        return Transfer.objects.none()
    return _transfer_list(Transfer.objects.filter(recipient_id=org_id))


def _overseen_transfers_q(user: User) -> Q:
    """Transfers sent or received by a regulator office in the user's jurisdiction (a superior
    oversees its subordinates' transfers), never an internal matter's.

    Without this, a superior could not open a transfer its subordinate sent as co-handling
    office on a case led elsewhere: the dashboard counted it, the lists it drills down to did
    not show it (or linked to a 404).
    """
    if not user.organization.is_regulator:
        return Q(pk__in=[])
    scope = jurisdiction.office_scope_q(user, "sender_office") | jurisdiction.office_scope_q(
        user, "recipient"
    )
    if not scope:  # national: every office (an empty Q would vanish in the OR below)
        scope = Q(pk__isnull=False)
    return scope & Q(case__is_internal=False)


def transfers_sent_by(user: User) -> QuerySet[Transfer]:
    """Return the transfers sent by the user's office, by offices it oversees, or on cases the
    user may see."""
    org_id = _org_id(user)
    if org_id is None:
        return Transfer.objects.none()
    visible = cases_visible_to(user).filter(pk=OuterRef("case_id"))
    return _transfer_list(
        Transfer.objects.filter(
            Q(sender_office_id=org_id) | Exists(visible) | _overseen_transfers_q(user)
        )
    )


def filter_transfers(
    qs: QuerySet[Transfer],
    user: User,
    *,
    status: str = "",
    agency: Organization | None = None,
    pending: bool = False,
) -> QuerySet[Transfer]:
    """Narrow a transfer list by status, by recipient (sent from offices of the user's
    jurisdiction, as the dashboard counts them) and to those awaiting feedback."""
    if status:
        qs = qs.filter(status=status)
    if agency is not None:
        qs = qs.filter(
            jurisdiction.office_scope_q(user, "sender_office"),
            recipient=agency,
            case__is_internal=False,
        )
    if pending:
        qs = qs.filter(status__in=PENDING_TRANSFER_STATUSES)
    return qs


def transfers_visible_to(user: User) -> QuerySet[Transfer]:
    """Return every transfer the user may open (received, sent, or by an office overseen)."""
    org_id = _org_id(user)
    if org_id is None:
        return Transfer.objects.none()
    q = (
        Q(recipient_id=org_id)
        | Q(sender_office_id=org_id)
        | Exists(cases_visible_to(user).filter(pk=OuterRef("case_id")))
        | _overseen_transfers_q(user)
    )
    return Transfer.objects.filter(q)


def get_transfer_for(user: User, pk: Any) -> Transfer:
    """Return a transfer the user may open, or raise Http404."""
    try:
        return (
            transfers_visible_to(user)
            .select_related("case", "recipient", "sender_office", "sent_by", "acknowledged_by")
            .prefetch_related(
                Prefetch(
                    "extensions",
                    queryset=ExtensionRequest.objects.select_related("requested_by", "decided_by"),
                )
            )
            .get(pk=int(pk))
        )
    except (Transfer.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def get_extension_for(user: User, transfer: Transfer, pk: Any) -> ExtensionRequest:
    """Return an extension request of a transfer the user may open, or raise Http404."""
    try:
        return transfer.extensions.get(pk=int(pk))
    except (ExtensionRequest.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def transfers_for_case(case: Case) -> QuerySet[Transfer]:
    """Return a case's transfers (for those who may see the case)."""
    return _transfer_list(case.transfers.all())


# --- tasks -----------------------------------------------------------------------------------


def tasks_visible_to(user: User) -> QuerySet[Task]:
    """Return tasks of cases the user may see, and tasks assigned to the user or their office."""
    org_id = _org_id(user)
    if org_id is None:
        return Task.objects.none()
    q = Q(assignee_user_id=user.pk) | Q(assignee_organization_id=org_id)
    q |= Exists(cases_visible_to(user).filter(pk=OuterRef("case_id")))
    return Task.objects.filter(q)


def get_task_for(user: User, pk: Any) -> Task:
    """Return a task the user may open, or raise Http404."""
    try:
        return (
            tasks_visible_to(user)
            .select_related("case", "assignee_user", "assignee_organization", "created_by")
            .prefetch_related(
                Prefetch(
                    "comments",
                    queryset=TaskComment.objects.select_related("author").prefetch_related(
                        "mentions"
                    ),
                )
            )
            .get(pk=int(pk))
        )
    except (Task.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def tasks_for_case(case: Case) -> QuerySet[Task]:
    """Return a case's tasks with their assignees and comment counts."""
    return (
        case.tasks.select_related("assignee_user", "assignee_organization")
        .annotate(comment_count=Count("comments"))
        .order_by("status", "due_at", "id")
    )


def tasks_for_case_newest_first(case: Case) -> QuerySet[Task]:
    """Return a case's tasks, the newest first (the case page shows the latest few)."""
    return tasks_for_case(case).order_by("-created_at", "-id")


def task_attachments(task: Task) -> QuerySet[EvidenceItem]:
    """Return the files attached to a task and its comments."""
    return items_for(("cases.task", task.pk))


# --- timeline --------------------------------------------------------------------------------


def _ids_as_text(rows: QuerySet[Any]) -> QuerySet[Any]:
    """Return the primary keys of `rows` as text (a ledger event's object_id), as a subquery."""
    return rows.annotate(key=Cast("pk", output_field=CharField())).values("key")


def _handling_q(case: Case) -> Q:
    # Subqueries, not lists of ids: a case with a thousand tasks would pass a thousand
    # parameters (beyond SQLite's limit) and read every id first.
    return Q(
        object_type="cases.transfer", object_id__in=_ids_as_text(case.transfers.order_by())
    ) | Q(object_type="cases.task", object_id__in=_ids_as_text(case.tasks.order_by()))


def handling_events_for_case(case: Case) -> QuerySet[LedgerEvent]:
    """Return the ledger events of a case's transfers and tasks, in order."""
    return (
        LedgerEvent.objects.filter(_handling_q(case))
        .select_related("actor")
        .order_by("occurred_at", "id")
    )


def handling_events_newest_first(case: Case) -> QuerySet[LedgerEvent]:
    """Return the ledger events of a case's transfers and tasks, the newest first."""
    return handling_events_for_case(case).order_by("-occurred_at", "-id")


def cases_due_before(qs: QuerySet[Case], day: dt.date) -> QuerySet[Case]:
    """Narrow cases to those with a pending transfer or open task due before `day` (Shanghai)."""
    from qinglang.core.workdays import SHANGHAI

    cutoff = dt.datetime.combine(day, dt.time.min, tzinfo=SHANGHAI)
    transfers = Transfer.objects.filter(
        case_id=OuterRef("pk"), deadline__lt=cutoff, status__in=PENDING_TRANSFER_STATUSES
    )
    tasks = Task.objects.filter(case_id=OuterRef("pk"), due_at__lt=cutoff, status=TaskStatus.OPEN)
    return qs.filter(Exists(transfers) | Exists(tasks))


# --- deadlines page --------------------------------------------------------------------------


@dataclass
class TriageItem:
    """A report awaiting triage and when it is due."""

    report: Report
    deadline: dt.datetime

    @property
    def is_overdue(self) -> bool:
        return self.deadline < timezone.now()


@dataclass
class DeadlineOverview:
    """What an office must chase: overdue and due soon, plus what was escalated to it."""

    overdue_transfers: list[Transfer] = field(default_factory=list)
    soon_transfers: list[Transfer] = field(default_factory=list)
    overdue_tasks: list[Task] = field(default_factory=list)
    soon_tasks: list[Task] = field(default_factory=list)
    triage: list[TriageItem] = field(default_factory=list)
    escalated_to_us: list[Escalation] = field(default_factory=list)
    escalated_against_us: list[Escalation] = field(default_factory=list)


def deadline_overview(
    user: User, *, now: dt.datetime | None = None, limit: int | None = None
) -> DeadlineOverview:
    """Return the office's overdue and due-soon work and its escalations.

    Agencies and websites get the transfers they must answer; other parties, nothing. `limit`
    bounds each list (soonest first; escalations newest first), for a busy office's API page.
    """
    from qinglang.cases.selectors.deadlines import due_soon_cutoff

    overview = DeadlineOverview()
    org_id = _org_id(user)
    if org_id is None:
        return overview
    now = now or timezone.now()
    soon = due_soon_cutoff(now)
    is_office = user.organization.is_regulator
    mine = Q(recipient_id=org_id) | (Q(sender_office_id=org_id) if is_office else Q(pk__in=[]))
    transfers = (
        Transfer.objects.filter(mine, status__in=PENDING_TRANSFER_STATUSES, deadline__lt=soon)
        .select_related("case", "recipient", "sender_office")
        .order_by("deadline", "id")
    )
    overview.overdue_transfers, overview.soon_transfers = _split_due(
        transfers, "deadline", now, limit
    )
    if not is_office:  # agencies and websites: only what they must answer
        return overview
    task_q = (
        Q(case__lead_office_id=org_id)
        | Q(assignee_organization_id=org_id)
        | Q(assignee_user__organization_id=org_id)
    )
    tasks = (
        Task.objects.filter(task_q, status=TaskStatus.OPEN, due_at__lt=soon)
        .select_related("case", "assignee_user", "assignee_organization")
        .order_by("due_at", "id")
    )
    overview.overdue_tasks, overview.soon_tasks = _split_due(tasks, "due_at", now, limit)
    # The stored deadline (Report.triage_due, indexed with the status): a range in SQL.
    reports = Report.objects.filter(
        office_id=org_id, status=ReportStatus.RECEIVED, is_internal=False, triage_due__lt=soon
    ).order_by("triage_due", "id")
    bound = min(500, limit or 500)
    overview.triage = [TriageItem(r, r.triage_due) for r in reports[:bound] if r.triage_due]
    escalations = Escalation.objects.select_related(
        "case", "responsible_office", "superior_office"
    ).order_by("-created_at", "-id")
    bound = min(200, limit or 200)
    overview.escalated_to_us = list(escalations.filter(superior_office_id=org_id)[:bound])
    overview.escalated_against_us = list(escalations.filter(responsible_office_id=org_id)[:bound])
    return overview


def _split_due(
    rows: QuerySet[Any], due: str, now: dt.datetime, limit: int | None
) -> tuple[list[Any], list[Any]]:
    """Return the rows already overdue and those still to come (each up to `limit`)."""
    if limit is None:
        found = list(rows)
        return (
            [r for r in found if getattr(r, due) < now],
            [r for r in found if getattr(r, due) >= now],
        )
    return (
        list(rows.filter(**{f"{due}__lt": now})[:limit]),
        list(rows.filter(**{f"{due}__gte": now})[:limit]),
    )


# --- evidence access -------------------------------------------------------------------------


def _user_sees_transfer(user: User, transfer_id: str) -> bool:
    return transfers_visible_to(user).filter(pk=transfer_id).exists()


def can_see_transfer_evidence(user: User, subject_id: str) -> bool:
    """Return whether `user` may download evidence transferred with this transfer."""
    return subject_id.isdigit() and _user_sees_transfer(user, subject_id)


def can_see_feedback_evidence(user: User, subject_id: str) -> bool:
    """Return whether `user` may download an attachment of this feedback."""
    if not subject_id.isdigit():
        return False
    transfer_id = (
        TransferFeedback.objects.filter(pk=subject_id).values_list("transfer_id", flat=True).first()
    )
    return transfer_id is not None and _user_sees_transfer(user, str(transfer_id))


def can_see_task_evidence(user: User, subject_id: str) -> bool:
    """Return whether `user` may download a file attached to this task."""
    return subject_id.isdigit() and tasks_visible_to(user).filter(pk=subject_id).exists()


def register_hooks() -> None:
    """Plug handling into case timelines, the case list's deadline filter and evidence access."""
    from qinglang.cases.selectors import cases
    from qinglang.evidence.access import register_subject_resolver

    cases.register_timeline_source(_handling_q)
    cases.register_deadline_filter(cases_due_before)
    register_subject_resolver("cases.transfer", can_see_transfer_evidence)
    register_subject_resolver("cases.feedback", can_see_feedback_evidence)
    register_subject_resolver("cases.task", can_see_task_evidence)
