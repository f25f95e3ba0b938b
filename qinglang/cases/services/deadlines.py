"""Deadlines in working days, and escalation (督办) of overdue work to the superior office."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

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
from qinglang.core import jurisdiction, ledger
from qinglang.core.models import Organization
from qinglang.core.services import notify
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


def deadline_for(stage: str, *, start: dt.datetime, category: str = "",
                 urgency: str = "") -> dt.datetime:
    """Return when work of this stage, started at `start`, is due."""
    return rule_for(stage, category=category, urgency=urgency).due_from(start)


def triage_deadline(report: Report, rules: dict[str, DeadlineRule] | None = None) -> dt.datetime:
    """Return when a report must be accepted or declined."""
    rule = (rules or {}).get(report.category) or rule_for(
        DeadlineStage.TRIAGE, category=report.category
    )
    return rule.due_from(report.submitted_at)


def due_soon_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """Return the end of the "due soon" window (a few working days ahead)."""
    return add_working_days(now or timezone.now(), settings.QINGLANG_DUE_SOON_WORKING_DAYS)


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


def _record(
    *, item_type: str, item_id: int, subject: tuple[str, int], action: str, case_id: int | None,
    responsible: Organization, deadline: dt.datetime, title: str, link: str,
    also_notify: Organization | None = None, now: dt.datetime,
) -> Escalation | None:
    """Escalate one item once (level 1); return the new row, or None if already escalated."""
    superior = jurisdiction.superior_office(responsible)
    if superior is None:
        return None
    if Escalation.objects.filter(item_type=item_type, item_id=item_id, level=1).exists():
        return None
    try:
        with transaction.atomic():
            escalation = Escalation.objects.create(
                item_type=item_type, item_id=item_id, level=1, case_id=case_id,
                responsible_office=responsible, superior_office=superior, deadline=deadline,
                title=title[:300], created_at=now,
            )
            ledger.append(subject, action=action, actor=None, actor_label="system", data={
                "escalation": escalation.pk, "level": 1, "responsible_office": responsible.pk,
                "superior_office": superior.pk, "deadline": deadline.isoformat(),
            })
            body = _("%(title)s was due %(deadline)s and is overdue.") % {
                "title": title, "deadline": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M"),
            }
            notify(organization=superior, verb="escalation", link=link, body=body,
                   title=_("Escalated to you: %(title)s") % {"title": title})
            notify(organization=responsible, verb="escalation", link=link, body=body,
                   title=_("Overdue, escalated to %(office)s: %(title)s")
                   % {"office": superior.name, "title": title})
            if also_notify is not None and also_notify.pk not in {responsible.pk, superior.pk}:
                notify(organization=also_notify, verb="overdue", link=link, body=body,
                       title=_("Overdue: %(title)s") % {"title": title})
    except IntegrityError:  # another run escalated it in the meantime
        return None
    return escalation


def escalate_overdue(*, now: dt.datetime | None = None) -> list[Escalation]:
    """Escalate every overdue transfer, task and untriaged report once; return the new rows."""
    now = now or timezone.now()
    created: list[Escalation] = []
    done = {
        (t, i) for t, i in Escalation.objects.filter(level=1).values_list("item_type", "item_id")
    }
    transfers = (
        Transfer.objects.filter(status__in=PENDING_TRANSFER_STATUSES, deadline__lt=now)
        .select_related("case", "recipient", "sender_office", "recipient__parent",
                        "sender_office__parent", "recipient__region", "sender_office__region")
        .order_by("deadline", "id")
    )
    for transfer in transfers:
        if (EscalationItem.TRANSFER, transfer.pk) in done:
            continue
        responsible = _responsible_for_transfer(transfer)
        row = _record(
            item_type=EscalationItem.TRANSFER, item_id=transfer.pk,
            subject=("cases.transfer", transfer.pk), action="transfer.escalated",
            case_id=transfer.case_id, responsible=responsible, deadline=transfer.deadline,
            title=_("Transfer of case %(number)s to %(recipient)s")
            % {"number": transfer.case.number, "recipient": transfer.recipient.name},
            link=transfer.get_absolute_url(),
            also_notify=transfer.recipient, now=now,
        )
        if row:
            created.append(row)
    tasks = (
        Task.objects.filter(status=TaskStatus.OPEN, due_at__lt=now)
        .select_related("case", "case__lead_office", "assignee_organization",
                        "assignee_user__organization")
        .order_by("due_at", "id")
    )
    for task in tasks:
        if (EscalationItem.TASK, task.pk) in done:
            continue
        row = _record(
            item_type=EscalationItem.TASK, item_id=task.pk, subject=("cases.task", task.pk),
            action="task.escalated", case_id=task.case_id, responsible=_responsible_for_task(task),
            deadline=task.due_at,
            title=_("Task %(title)s in case %(number)s")
            % {"title": task.title, "number": task.case.number},
            link=task.get_absolute_url(), now=now,
        )
        if row:
            created.append(row)
    created += _escalate_triage(now=now, done=done)
    return created


def _escalate_triage(*, now: dt.datetime, done: set[tuple[str, int]]) -> list[Escalation]:
    """Escalate reports still awaiting triage after their deadline (regulator offices only)."""
    created: list[Escalation] = []
    # A deadline is at least one calendar day away, so younger reports cannot be overdue yet.
    reports = (
        Report.objects.filter(status=ReportStatus.RECEIVED,
                              submitted_at__lt=now - dt.timedelta(days=1),
                              office__kind="regulator_office", is_internal=False)
        .select_related("office", "office__parent", "office__region")
        .order_by("submitted_at", "id")
    )
    rules: dict[str, DeadlineRule] = {}
    for report in reports:
        if (EscalationItem.REPORT, report.pk) in done:
            continue
        if report.category not in rules:
            rules[report.category] = rule_for(DeadlineStage.TRIAGE, category=report.category)
        deadline = triage_deadline(report, rules)
        if deadline >= now:
            continue
        row = _record(
            item_type=EscalationItem.REPORT, item_id=report.pk,
            subject=("intake.report", report.pk), action="report.triage_escalated",
            case_id=None, responsible=report.office, deadline=deadline,
            title=_("Report %(code)s awaiting triage") % {"code": report.tracking_code},
            link="", now=now,
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

    transfers = (Transfer.objects.filter(status__in=PENDING_TRANSFER_STATUSES, deadline__lt=soon)
                 .select_related("case", "recipient", "sender_office").order_by("deadline", "id"))
    for t in transfers:
        add(t.recipient, _line(_("Answer %(kind)s on case %(number)s") % {
            "kind": t.get_kind_display(), "number": t.case.number}, t.deadline, now))
        add(t.sender_office, _line(_("Feedback from %(org)s on case %(number)s") % {
            "org": t.recipient.name, "number": t.case.number}, t.deadline, now))
    tasks = (Task.objects.filter(status=TaskStatus.OPEN, due_at__lt=soon)
             .select_related("case", "case__lead_office", "assignee_organization",
                             "assignee_user__organization").order_by("due_at", "id"))
    for task in tasks:
        add(_responsible_for_task(task), _line(_("Task %(title)s in case %(number)s") % {
            "title": task.title, "number": task.case.number}, task.due_at, now))
    reports = (Report.objects.filter(status=ReportStatus.RECEIVED, is_internal=False,
                                     office__kind="regulator_office")
               .select_related("office").order_by("submitted_at", "id"))
    rules: dict[str, DeadlineRule] = {}
    for report in reports:
        if report.category not in rules:
            rules[report.category] = rule_for(DeadlineStage.TRIAGE, category=report.category)
        deadline = triage_deadline(report, rules)
        if deadline < soon:
            add(report.office, _line(_("Triage report %(code)s") % {
                "code": report.tracking_code}, deadline, now))
    already = set(Notification.objects.filter(
        verb="digest", created_at__gte=day_start, recipient_organization_id__in=list(lines),
    ).values_list("recipient_organization_id", flat=True))
    sent = 0
    for org_id, items in lines.items():
        if org_id in already:
            continue
        with transaction.atomic():
            notify(organization=orgs[org_id], verb="digest",
                   title=_("Due on %(day)s: %(n)s items") % {"day": today.isoformat(),
                                                            "n": len(items)},
                   body="\n".join(items), link=reverse("cases:deadline_list"))
        sent += 1
    return sent
