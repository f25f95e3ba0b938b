"""Deadlines in working days, and escalation (督办) of overdue work to the superior office."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from qinglang.cases.events import DEADLINE_POLICY_DELETED, DEADLINE_POLICY_SAVED
from qinglang.cases.models import (
    PENDING_TRANSFER_STATUSES,
    DeadlinePolicy,
    DeadlineStage,
    DeadlineUnit,
    Escalation,
    EscalationItem,
    Task,
    TaskStatus,
    Transfer,
)
from qinglang.cases.selectors.deadlines import due_soon_cutoff
from qinglang.core import jurisdiction, ledger
from qinglang.core.exceptions import DomainError
from qinglang.core.messages import message
from qinglang.core.models import Organization, User
from qinglang.core.services import ensure_can_administer, notify
from qinglang.core.workdays import SHANGHAI, add_calendar_days, add_working_days
from qinglang.intake.models import Report, ReportStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeadlineRule:
    """How long a stage may take: `amount` working or calendar days."""

    amount: int
    unit: str

    def due_from(self, start: dt.datetime) -> dt.datetime:
        """Return the deadline for work starting at `start`."""
        if self.unit == DeadlineUnit.CALENDAR_DAYS:
            return add_calendar_days(start, self.amount)
        return add_working_days(start, self.amount)


def rule_for(stage: str, *, category: str = "", urgency: str = "") -> DeadlineRule:
    """Return the most specific policy for a stage (category and urgency, else defaults)."""
    policies = {
        (p.category, p.urgency): p
        for p in DeadlinePolicy.objects.filter(
            stage=stage, category__in=["", category], urgency__in=["", urgency]
        )
    }
    for key in ((category, urgency), (category, ""), ("", urgency), ("", "")):
        if key in policies:
            return DeadlineRule(policies[key].amount, policies[key].unit)
    return DeadlineRule(settings.QINGLANG_DEADLINE_DEFAULTS[stage], DeadlineUnit.WORKING_DAYS)


@transaction.atomic
def save_deadline_policy(
    policy: DeadlinePolicy | None,
    *,
    stage: str,
    amount: int,
    unit: str = DeadlineUnit.WORKING_DAYS,
    category: str = "",
    urgency: str = "",
    acting_user: User | None,
) -> DeadlinePolicy:
    """Create (policy None) or change how long a stage may take; the ledger keeps each version."""
    ensure_can_administer(
        acting_user, "cases.add_deadlinepolicy" if policy is None else "cases.change_deadlinepolicy"
    )
    if stage not in DeadlineStage.values:
        raise DomainError({"stage": [_("Unknown stage.")]})
    if unit not in DeadlineUnit.values:
        raise DomainError({"unit": [_("Unknown unit.")]})
    if not isinstance(amount, int) or amount < 1:
        raise DomainError({"amount": [_("Enter a whole number of days, at least 1.")]})
    clash = DeadlinePolicy.objects.filter(stage=stage, category=category, urgency=urgency)
    if policy is not None:
        clash = clash.exclude(pk=policy.pk)
    if clash.exists():
        raise DomainError(_("A policy for this stage, category and urgency exists already."))
    if policy is None:
        policy = DeadlinePolicy()
    else:
        policy = DeadlinePolicy.objects.select_for_update().get(pk=policy.pk)
    policy.stage, policy.category, policy.urgency = stage, category, urgency
    previous = (policy.stage, policy.category) if policy.pk else None
    policy.amount, policy.unit = amount, unit
    policy.save()
    if previous is not None and previous[0] == DeadlineStage.TRIAGE:
        refresh_triage_due(category=previous[1])
    if stage == DeadlineStage.TRIAGE:
        refresh_triage_due(category=category)
    ledger.append(
        policy,
        action=DEADLINE_POLICY_SAVED,
        actor=acting_user,
        data={
            "stage": stage,
            "category": category,
            "urgency": urgency,
            "amount": amount,
            "unit": unit,
        },
    )
    return policy


@transaction.atomic
def delete_deadline_policy(policy: DeadlinePolicy, *, acting_user: User | None) -> None:
    """Remove a policy (the defaults apply again); the ledger keeps what it said."""
    ensure_can_administer(acting_user, "cases.delete_deadlinepolicy")
    ledger.append(
        policy,
        action=DEADLINE_POLICY_DELETED,
        actor=acting_user,
        data={"stage": policy.stage, "category": policy.category, "urgency": policy.urgency},
    )
    stage, category = policy.stage, policy.category
    policy.delete()
    if stage == DeadlineStage.TRIAGE:
        refresh_triage_due(category=category)


def deadline_for(
    stage: str, *, start: dt.datetime, category: str = "", urgency: str = ""
) -> dt.datetime:
    """Return when work of this stage, started at `start`, is due."""
    return rule_for(stage, category=category, urgency=urgency).due_from(start)


def new_report_triage_due(report: Report) -> dt.datetime:
    """Return a new report's triage deadline from the cached policies (no statement)."""
    from qinglang.cases.selectors.triage import cached_triage_rules

    return cached_triage_rules()(report.category).due_from(report.submitted_at)  # type: ignore[no-any-return]


def triage_deadline(report: Report, rules: dict[str, DeadlineRule] | None = None) -> dt.datetime:
    """Return when a report must be accepted or declined."""
    rule = (rules or {}).get(report.category) or rule_for(
        DeadlineStage.TRIAGE, category=report.category
    )
    return rule.due_from(report.submitted_at)


REFRESH_BATCH = 1000


def refresh_triage_due(*, category: str | None = None, report_ids: Any = None) -> int:
    """Recompute the stored triage deadline of reports awaiting triage; return how many changed.

    `category` "" (the default policy) or None means every category; `report_ids` narrows to
    some reports. The policies are read once; the rows are written in batches.
    """
    from qinglang.cases.selectors.triage import triage_rules

    rules = triage_rules()
    reports = Report.objects.filter(status=ReportStatus.RECEIVED)
    if category:
        reports = reports.filter(category=category)
    if report_ids is not None:
        reports = reports.filter(pk__in=list(report_ids))
    batch: list[Report] = []
    changed = 0
    rows = reports.only("pk", "category", "submitted_at", "triage_due").order_by("pk")
    for report in rows.iterator(chunk_size=REFRESH_BATCH):
        due = rules(report.category).due_from(report.submitted_at)
        if report.triage_due != due:
            report.triage_due = due
            batch.append(report)
        if len(batch) >= REFRESH_BATCH:
            changed += len(batch)
            Report.objects.bulk_update(batch, ["triage_due"])
            batch = []
    if batch:
        changed += len(batch)
        Report.objects.bulk_update(batch, ["triage_due"])
    return changed


def local_date(value: dt.datetime) -> dt.date:
    """Return the Asia/Shanghai calendar date of an instant."""
    return value.astimezone(SHANGHAI).date()


# --- escalation -----------------------------------------------------------------------------


def _responsible_for_transfer(transfer: Transfer) -> Organization:
    """An office answering is itself responsible; for agencies and websites, the sender chases."""
    return transfer.recipient if transfer.recipient.is_regulator else transfer.sender_office


def _responsible_for_task(task: Task) -> Organization:
    if task.assignee_organization_id and task.assignee_organization.is_regulator:
        return task.assignee_organization
    user_org = task.assignee_user.organization if task.assignee_user_id else None
    if user_org is not None and user_org.is_regulator:
        return user_org
    return task.case.lead_office


def _next_step(
    key: tuple[str, int],
    responsible: Organization,
    history: dict[tuple[str, int], Escalation],
    now: dt.datetime,
) -> tuple[int, Organization] | None:
    """Return (level, office) to escalate to now, or None.

    Level 1 goes to the responsible office's superior; while the item stays overdue, every
    QINGLANG_ESCALATION_REPEAT_WORKING_DAYS it climbs one level further up.
    """
    previous = history.get(key)
    if previous is None:
        superior = jurisdiction.superior_office(responsible)
        return (1, superior) if superior is not None else None
    repeat = settings.QINGLANG_ESCALATION_REPEAT_WORKING_DAYS
    if add_working_days(previous.created_at, repeat) >= now:
        return None
    superior = jurisdiction.superior_office(previous.superior_office)
    return (previous.level + 1, superior) if superior is not None else None


def _history(item_type: str, ids: list[int]) -> dict[tuple[str, int], Escalation]:
    """Return the highest escalation of each item so far."""
    rows = (
        Escalation.objects.filter(item_type=item_type, item_id__in=ids)
        .select_related("superior_office", "superior_office__parent", "superior_office__region")
        .order_by("level")
    )
    return {(r.item_type, r.item_id): r for r in rows}


def _record(
    *,
    item_type: str,
    item_id: int,
    subject: tuple[str, int],
    action: str,
    case_id: int | None,
    responsible: Organization,
    deadline: dt.datetime,
    title: str,
    link: str,
    history: dict[tuple[str, int], Escalation],
    now: dt.datetime,
    also_notify: Organization | None = None,
) -> Escalation | None:
    """Escalate one item one level if it is due to; return the new row, or None."""
    step = _next_step((item_type, item_id), responsible, history, now)
    if step is None:
        return None
    level, superior = step
    if Escalation.objects.filter(item_type=item_type, item_id=item_id, level=level).exists():
        return None
    previous = history.get((item_type, item_id))
    try:
        with transaction.atomic():
            escalation = Escalation.objects.create(
                item_type=item_type,
                item_id=item_id,
                level=level,
                case_id=case_id,
                responsible_office=responsible,
                superior_office=superior,
                deadline=deadline,
                title=title[:300],
                created_at=now,
            )
            ledger.append(
                subject,
                action=action,
                actor=None,
                actor_label="system",
                data={
                    "escalation": escalation.pk,
                    "level": level,
                    "responsible_office": responsible.pk,
                    "superior_office": superior.pk,
                    "deadline": deadline.isoformat(),
                },
            )
            body = message(
                gettext_noop("%(title)s was due %(deadline)s and is overdue."),
                title=title,
                deadline=timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M"),
            )
            notify(
                organization=superior,
                verb="escalation",
                link=link,
                body=body,
                title=message(gettext_noop("Escalated to you: %(title)s"), **{"title": title}),
            )
            notify(
                organization=responsible,
                verb="escalation",
                link=link,
                body=body,
                title=message(
                    gettext_noop("Overdue, escalated to %(office)s: %(title)s"),
                    **{"office": superior.name, "title": title},
                ),
            )
            others = [previous.superior_office if previous else None, also_notify]
            for org in {o.pk: o for o in others if o is not None}.values():
                if org.pk not in {responsible.pk, superior.pk}:
                    notify(
                        organization=org,
                        verb="overdue",
                        link=link,
                        body=body,
                        title=message(gettext_noop("Overdue: %(title)s"), **{"title": title}),
                    )
    except IntegrityError:  # another run escalated it in the meantime
        return None
    return escalation


def escalate_overdue(*, now: dt.datetime | None = None) -> list[Escalation]:
    """Escalate overdue transfers, tasks and untriaged reports up one level each, when due.

    Idempotent: at most one escalation per item and level (a database constraint too).
    """
    now = now or timezone.now()
    created: list[Escalation] = []
    transfers = list(
        Transfer.objects.filter(status__in=PENDING_TRANSFER_STATUSES, deadline__lt=now)
        .select_related(
            "case",
            "recipient",
            "sender_office",
            "recipient__parent",
            "sender_office__parent",
            "recipient__region",
            "sender_office__region",
        )
        .order_by("deadline", "id")
    )
    history = _history(EscalationItem.TRANSFER, [t.pk for t in transfers])
    for transfer in transfers:
        row = _record(
            item_type=EscalationItem.TRANSFER,
            item_id=transfer.pk,
            subject=("cases.transfer", transfer.pk),
            action="transfer.escalated",
            case_id=transfer.case_id,
            responsible=_responsible_for_transfer(transfer),
            deadline=transfer.deadline,
            title=_("Transfer of case %(number)s to %(recipient)s")
            % {"number": transfer.case.number, "recipient": transfer.recipient.name},
            link=transfer.get_absolute_url(),
            history=history,
            also_notify=transfer.recipient,
            now=now,
        )
        if row:
            created.append(row)
    tasks = list(
        Task.objects.filter(status=TaskStatus.OPEN, due_at__lt=now)
        .select_related(
            "case", "case__lead_office", "assignee_organization", "assignee_user__organization"
        )
        .order_by("due_at", "id")
    )
    history = _history(EscalationItem.TASK, [t.pk for t in tasks])
    for task in tasks:
        row = _record(
            item_type=EscalationItem.TASK,
            item_id=task.pk,
            subject=("cases.task", task.pk),
            action="task.escalated",
            case_id=task.case_id,
            responsible=_responsible_for_task(task),
            deadline=task.due_at,
            title=_("Task %(title)s in case %(number)s")
            % {"title": task.title, "number": task.case.number},
            link=task.get_absolute_url(),
            history=history,
            now=now,
        )
        if row:
            created.append(row)
    created += _escalate_triage(now=now)
    return created


def _escalate_triage(*, now: dt.datetime) -> list[Escalation]:
    """Escalate reports still awaiting triage after their deadline (regulator offices only)."""
    created: list[Escalation] = []
    # The stored deadline the queue shows (kept current when policies change), read as a range
    # in SQL instead of every waiting report's deadline worked out in Python; a report stored
    # without one falls back to its policy (at least a calendar day after submission).
    overdue = Q(triage_due__lt=now) | Q(
        triage_due__isnull=True, submitted_at__lt=now - dt.timedelta(days=1)
    )
    reports = list(
        Report.objects.filter(
            overdue,
            status=ReportStatus.RECEIVED,
            office__kind="regulator_office",
            is_internal=False,
        )
        .select_related("office", "office__parent", "office__region")
        .order_by("submitted_at", "id")
    )
    history = _history(EscalationItem.REPORT, [r.pk for r in reports])
    rules: dict[str, DeadlineRule] = {}
    for report in reports:
        if report.category not in rules and report.triage_due is None:
            rules[report.category] = rule_for(DeadlineStage.TRIAGE, category=report.category)
        deadline = report.triage_due or triage_deadline(report, rules)
        if deadline >= now:
            continue
        row = _record(
            item_type=EscalationItem.REPORT,
            item_id=report.pk,
            subject=("intake.report", report.pk),
            action="report.triage_escalated",
            case_id=None,
            responsible=report.office,
            deadline=deadline,
            title=_("Report %(code)s awaiting triage") % {"code": report.tracking_code},
            link="",
            history=history,
            now=now,
        )
        if row:
            created.append(row)
    return created


# --- daily digest ----------------------------------------------------------------------------


def _line(label: str, deadline: dt.datetime, now: dt.datetime) -> str:
    when = timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M")
    flag = _("overdue") if deadline < now else _("due")
    return f"- {label} ({flag} {when})"


def send_daily_digest(*, now: dt.datetime | None = None) -> int:
    """Send each organization one message listing what it has due soon or overdue; return count.

    Idempotent per Shanghai calendar day: an organization gets at most one digest a day.
    """
    from qinglang.core.models import Notification

    now = now or timezone.now()
    soon = due_soon_cutoff(now)
    today = local_date(now)
    day_start = dt.datetime.combine(today, dt.time.min, tzinfo=SHANGHAI)
    lines: dict[int, list[str]] = {}
    orgs: dict[int, Organization] = {}

    def add(org: Organization, text: str) -> None:
        orgs[org.pk] = org
        lines.setdefault(org.pk, []).append(text)

    transfers = (
        Transfer.objects.filter(status__in=PENDING_TRANSFER_STATUSES, deadline__lt=soon)
        .select_related("case", "recipient", "sender_office")
        .order_by("deadline", "id")
    )
    for t in transfers:
        add(
            t.recipient,
            _line(
                _("Answer %(kind)s on case %(number)s")
                % {"kind": t.get_kind_display(), "number": t.case.number},
                t.deadline,
                now,
            ),
        )
        add(
            t.sender_office,
            _line(
                _("Feedback from %(org)s on case %(number)s")
                % {"org": t.recipient.name, "number": t.case.number},
                t.deadline,
                now,
            ),
        )
    tasks = (
        Task.objects.filter(status=TaskStatus.OPEN, due_at__lt=soon)
        .select_related(
            "case", "case__lead_office", "assignee_organization", "assignee_user__organization"
        )
        .order_by("due_at", "id")
    )
    for task in tasks:
        add(
            _responsible_for_task(task),
            _line(
                _("Task %(title)s in case %(number)s")
                % {"title": task.title, "number": task.case.number},
                task.due_at,
                now,
            ),
        )
    reports = (
        Report.objects.filter(
            Q(triage_due__lt=soon) | Q(triage_due__isnull=True),
            status=ReportStatus.RECEIVED,
            is_internal=False,
            office__kind="regulator_office",
        )
        .select_related("office")
        .order_by("submitted_at", "id")
    )
    rules: dict[str, DeadlineRule] = {}
    for report in reports:
        if report.category not in rules and report.triage_due is None:
            rules[report.category] = rule_for(DeadlineStage.TRIAGE, category=report.category)
        deadline = report.triage_due or triage_deadline(report, rules)
        if deadline < soon:
            add(
                report.office,
                _line(_("Triage report %(code)s") % {"code": report.tracking_code}, deadline, now),
            )
    already = set(
        Notification.objects.filter(
            verb="digest",
            created_at__gte=day_start,
            recipient_organization_id__in=list(lines),
        ).values_list("recipient_organization_id", flat=True)
    )
    sent = 0
    for org_id, items in lines.items():
        if org_id in already:
            continue
        with transaction.atomic():
            notify(
                organization=orgs[org_id],
                verb="digest",
                title=message(
                    gettext_noop("Due on %(day)s: %(n)s items"),
                    **{"day": today.isoformat(), "n": len(items)},
                ),
                body="\n".join(items),
                link=reverse("cases:deadline_list"),
            )
        sent += 1
    return sent
