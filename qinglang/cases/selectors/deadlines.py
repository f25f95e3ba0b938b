"""Every open deadline an office can plan by: its own and its subordinate offices'.

One query per kind of item (reports awaiting triage, transfers, extension requests, tasks) plus
one for the triage policies, whatever the number of items; each item carries its status
(on track / at risk / breached) and the working days left in Asia/Shanghai.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qinglang.cases.models import (
    PENDING_TRANSFER_STATUSES,
    Case,
    Escalation,
    ExtensionRequest,
    ExtensionStatus,
    Task,
    TaskStatus,
    Transfer,
    TransferKind,
)
from qinglang.core import jurisdiction
from qinglang.core.exceptions import DomainError
from qinglang.core.models import Organization, OrganizationKind, User
from qinglang.core.workdays import (
    SHANGHAI,
    add_working_days,
    working_days_left,
)
from qinglang.intake.models import Report, ReportStatus

# A bound per kind, so one national view cannot load the whole database.
MAX_PER_KIND = 2000


class DeadlineKind:
    TRIAGE = "triage"
    TRANSFER = "transfer"
    EXTENSION = "extension"
    TASK = "task"

    choices: tuple[tuple[str, Promise], ...] = (
        (TRIAGE, gettext_lazy("Reports awaiting triage")),
        (TRANSFER, gettext_lazy("Transfers awaiting feedback")),
        (EXTENSION, gettext_lazy("Extension requests awaiting a decision")),
        (TASK, gettext_lazy("Open tasks")),
    )
    values = tuple(v for v, _label in choices)


class DeadlineStatus:
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BREACHED = "breached"

    choices: tuple[tuple[str, Promise], ...] = (
        (ON_TRACK, gettext_lazy("On track")),
        (AT_RISK, gettext_lazy("At risk")),
        (BREACHED, gettext_lazy("Breached")),
    )
    values = tuple(v for v, _label in choices)


STATUS_LABELS = dict(DeadlineStatus.choices)
KIND_LABELS = dict(DeadlineKind.choices)


@dataclass(frozen=True)
class DeadlineFilters:
    """Filters of the deadlines page and API (empty = all)."""

    kind: str = ""
    office: int | None = None  # the office sends, receives, leads or answers the item
    status: str = ""
    responsible: int | None = None  # the item's responsible office (the page's column)
    region: str = ""  # division-code prefix of the responsible office


class _Ref:
    """Equal to the model instance (or ref) of the same row, as the instances it replaces were."""

    __slots__ = ()
    model: type

    @property
    def pk(self) -> int:
        return self.id  # type: ignore[attr-defined,no-any-return]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (type(self), self.model)):
            return bool(self.pk == other.pk)  # type: ignore[attr-defined]
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.model, self.pk))


@dataclass(frozen=True, slots=True, eq=False)
class OfficeRef(_Ref):
    """What a plan shows of an office, read as values (no model instance per item)."""

    model = Organization
    id: int
    name: str
    kind: str = ""

    @property
    def is_regulator(self) -> bool:
        return self.kind == OrganizationKind.REGULATOR_OFFICE

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True, eq=False)
class CaseRef(_Ref):
    """What a plan shows of a case (number and title), read as values."""

    model = Case
    id: int
    number: str
    title: str

    def __str__(self) -> str:
        return self.number


@dataclass
class DeadlineItem:
    """One open piece of work with a deadline."""

    kind: str
    id: int
    title: str
    deadline: dt.datetime
    office: OfficeRef
    status: str = DeadlineStatus.ON_TRACK
    working_days_left: int = 0
    case: CaseRef | None = None
    counterpart: OfficeRef | None = None
    url: str = ""
    offices: frozenset[int] = frozenset()

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])

    @property
    def days_overdue(self) -> int:
        return max(-self.working_days_left, 0)

    @property
    def uid(self) -> str:
        return f"{self.kind}-{self.id}"


@dataclass
class DeadlinePlan:
    """The filtered items, soonest first, and how many there are per status."""

    items: list[DeadlineItem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    # With a limit: the (deadline, kind, id) of the last item when more follow it, else None.
    next_after: tuple[dt.datetime, str, int] | None = None

    def of_kind(self, kind: str) -> list[DeadlineItem]:
        return [i for i in self.items if i.kind == kind]


def deadline_status(
    deadline: dt.datetime, now: dt.datetime, days_left: int | None = None
) -> tuple[str, int]:
    """Return (status, working days left) of a deadline at `now`."""
    left = working_days_left(deadline, now) if days_left is None else days_left
    if deadline < now:
        return DeadlineStatus.BREACHED, left
    if left <= due_soon_working_days():
        return DeadlineStatus.AT_RISK, left
    return DeadlineStatus.ON_TRACK, left


def offices_for_filter(user: User) -> QuerySet[Organization]:
    """Return the offices a user may filter by: their own and those in their jurisdiction."""
    org = _org(user)
    if org is None:
        return Organization.objects.none()
    q = Q(pk=org.pk)
    if org.is_regulator:
        q |= Q(kind=OrganizationKind.REGULATOR_OFFICE, is_active=True) & _in_scope(user, "")
    return Organization.objects.filter(q).order_by("level", "name")


def list_deadlines(
    user: User,
    filters: DeadlineFilters | None = None,
    *,
    now: dt.datetime | None = None,
    limit: int | None = None,
    after: tuple[dt.datetime, str, int] | None = None,
) -> DeadlinePlan:
    """Return the open deadlines the user's organization must meet or chase, filtered.

    Counts are per status after the kind and office filters (before the status filter), so a
    page can offer every status with its number. Filters, order and counts run in SQL: one
    query per kind for its first MAX_PER_KIND items, soonest first, plus a count query when the
    kind holds more or a status filter applies (whatever the number of items). A bad filter
    raises DomainError.

    `limit` bounds the items (all kinds together) and `after` starts after an item's
    (deadline, kind, id), the order items come in: a national plan is read a page at a time
    from the deadline indexes instead of MAX_PER_KIND items per kind. Counts stay the whole
    plan's.
    """
    filters = filters or DeadlineFilters()
    _check(user, filters)
    org = _org(user)
    if org is None:
        return DeadlinePlan(counts=_counts([]))
    now = now or timezone.now()
    risk_cutoff = due_soon_cutoff(now)
    wanted = {filters.kind} if filters.kind else set(DeadlineKind.values)
    kinds: list[tuple[str, Any, str, Any]] = []
    responsible = _responsible_offices(filters)
    if DeadlineKind.TRIAGE in wanted and org.is_regulator:
        triage = _triage_qs(user, filters.office)
        if responsible is not None:
            triage = triage.filter(office__in=responsible)
        kinds.append((DeadlineKind.TRIAGE, triage, "triage_due", _triage_items))
    if DeadlineKind.TRANSFER in wanted:
        transfers = _transfers_qs(user, org, filters.office)
        if responsible is not None:
            transfers = transfers.filter(responsible_for_transfer_q(responsible))
        kinds.append((DeadlineKind.TRANSFER, transfers, "deadline", _transfer_items))
    if DeadlineKind.EXTENSION in wanted:
        extensions = _extensions_qs(user, org, filters.office)
        if responsible is not None:
            extensions = extensions.filter(transfer__sender_office__in=responsible)
        kinds.append((DeadlineKind.EXTENSION, extensions, "transfer__deadline", _extension_items))
    if DeadlineKind.TASK in wanted:
        tasks = _tasks_qs(user, org, filters.office)
        if responsible is not None:
            tasks = tasks.filter(responsible_for_task_q(responsible))
        kinds.append((DeadlineKind.TASK, tasks, "due_at", _task_items))
    counts = dict.fromkeys((*DeadlineStatus.values, "total"), 0)
    items: list[DeadlineItem] = []
    if limit is not None:
        limit = min(limit, MAX_PER_KIND)
    fetch = MAX_PER_KIND if limit is None else limit + 1
    for kind, qs, due, build in kinds:
        page = qs.filter(_status_q(filters.status, due, now, risk_cutoff)) if filters.status else qs
        if after is not None:
            page = page.filter(_after_q(due, kind, after))
        found = build(page.order_by(due, "pk")[:fetch])
        _set_status(found, now)
        items += found
        # Unpaged (the page, up to MAX_PER_KIND a kind), a kind read in full is counted from its
        # items. Paged (the API), one count query per kind whatever the number of items, so a
        # page's queries do not depend on whether a kind happens to fit in it.
        if limit is None and not filters.status and len(found) < fetch:
            for key, n in _counts(found).items():
                counts[key] += n
            continue
        by_status = qs.order_by().aggregate(
            breached=Count("pk", filter=Q(**{f"{due}__lt": now})),
            at_risk=Count("pk", filter=Q(**{f"{due}__gte": now, f"{due}__lt": risk_cutoff})),
            total=Count("pk"),
        )
        by_status[DeadlineStatus.ON_TRACK] = (
            by_status["total"] - by_status["breached"] - by_status["at_risk"]
        )
        for key, n in by_status.items():
            counts[key] += n
    items.sort(key=lambda i: (i.deadline, i.kind, i.id))
    next_after = None
    if limit is not None and len(items) > limit:
        items = items[:limit]
        last = items[-1]
        next_after = (last.deadline, last.kind, last.id)
    return DeadlinePlan(items=items, counts=counts, next_after=next_after)


def _responsible_offices(filters: DeadlineFilters) -> QuerySet[Organization] | None:
    """Return the offices whose items the responsible and region filters keep (None: all)."""
    if filters.responsible is None and not filters.region:
        return None
    offices = Organization.objects.all()
    if filters.responsible is not None:
        offices = offices.filter(pk=filters.responsible)
    if filters.region:
        offices = offices.filter(pk__in=jurisdiction.offices_under(filters.region).values("pk"))
    return offices.values("pk")  # type: ignore[return-value]


def responsible_for_transfer_q(offices: Any, prefix: str = "") -> Q:
    """Transfers whose responsible office (`_transfer_items`) is in `offices`: an office that
    received the transfer answers it; for an agency or a website, the sending office chases."""
    regulator = Q(**{f"{prefix}recipient__kind": OrganizationKind.REGULATOR_OFFICE})
    return (regulator & Q(**{f"{prefix}recipient__in": offices})) | (
        ~regulator & Q(**{f"{prefix}sender_office__in": offices})
    )


def responsible_for_task_q(offices: Any) -> Q:
    """Tasks whose responsible office (`_task_office`) is in `offices`."""
    regulator = OrganizationKind.REGULATOR_OFFICE
    org_answers = Q(assignee_organization__kind=regulator)
    user_office = Q(assignee_user__organization__kind=regulator)
    # Spelt out: NOT (kind = …) is NULL, not true, when the task has no such assignee.
    not_org = Q(assignee_organization__isnull=True) | ~org_answers
    not_user = Q(assignee_user__organization__isnull=True) | ~user_office
    user_answers = not_org & user_office
    lead_answers = not_org & not_user
    return (
        (org_answers & Q(assignee_organization__in=offices))
        | (user_answers & Q(assignee_user__organization__in=offices))
        | (lead_answers & Q(case__lead_office__in=offices))
    )


def _after_q(due: str, kind: str, after: tuple[dt.datetime, str, int]) -> Q:
    """Return the rows of `kind` that come after `after` in (deadline, kind, id) order."""
    deadline, after_kind, after_id = after
    if kind > after_kind:
        return Q(**{f"{due}__gte": deadline})
    if kind < after_kind:
        return Q(**{f"{due}__gt": deadline})
    return Q(**{f"{due}__gt": deadline}) | Q(**{due: deadline, "pk__gt": after_id})


def _set_status(items: list[DeadlineItem], now: dt.datetime) -> None:
    """Set each item's status and working days left, computed once per (day, missed or not):
    the count depends only on the deadline's day and today's (a year of missed deadlines would
    otherwise walk the calendar a year per item)."""
    memo: dict[tuple[dt.date, bool], int] = {}
    for item in items:
        key = (item.deadline.astimezone(SHANGHAI).date(), item.deadline < now)
        if key not in memo:
            memo[key] = working_days_left(item.deadline, now)
        item.status, item.working_days_left = deadline_status(item.deadline, now, memo[key])


def due_soon_working_days() -> int:
    """Return how many working days left still count as due soon (the setting, read per call
    so a changed setting changes every reader at once)."""
    return int(settings.QINGLANG_DUE_SOON_WORKING_DAYS)


def due_soon_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """Return the start (Asia/Shanghai) of the first day no longer due soon.

    The one definition of "due soon" (the deadlines page's and API's "at risk"): not yet missed
    and at most QINGLANG_DUE_SOON_WORKING_DAYS working days left by `working_days_left`, i.e.
    due before this instant. The dashboard's figures (and so /metrics), the daily digest and
    the deadline overview all cut here, so their numbers agree for the same rows.
    """
    day = add_working_days(now or timezone.now(), due_soon_working_days() + 1).date()
    return dt.datetime.combine(day, dt.time.min, tzinfo=SHANGHAI)


def _status_q(status: str, due: str, now: dt.datetime, risk_cutoff: dt.datetime) -> Q:
    if status == DeadlineStatus.BREACHED:
        return Q(**{f"{due}__lt": now})
    if status == DeadlineStatus.AT_RISK:
        return Q(**{f"{due}__gte": now, f"{due}__lt": risk_cutoff})
    return Q(**{f"{due}__gte": risk_cutoff})


def _counts(items: list[DeadlineItem]) -> dict[str, int]:
    by_status = Counter(i.status for i in items)
    return {**{s: by_status.get(s, 0) for s in DeadlineStatus.values}, "total": len(items)}


def _check(user: User, filters: DeadlineFilters) -> None:
    errors: dict[str, list[str]] = {}
    if filters.kind and filters.kind not in DeadlineKind.values:
        errors["kind"] = [
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(DeadlineKind.values)}
        ]
    if filters.status and filters.status not in DeadlineStatus.values:
        errors["status"] = [
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(DeadlineStatus.values)}
        ]
    if (
        filters.office is not None
        and not offices_for_filter(user).filter(pk=filters.office).exists()
    ):
        errors["office"] = [_("No such office in your jurisdiction.")]
    if (
        filters.responsible is not None
        and not offices_for_filter(user).filter(pk=filters.responsible).exists()
    ):
        errors["responsible"] = [_("No such office in your jurisdiction.")]
    if filters.region and not jurisdiction.region_prefix_in_scope(user, filters.region):
        errors["region"] = [
            _("No such region in your jurisdiction: give 2, 4 or 6 digits of a division code.")
        ]
    if errors:
        raise DomainError(errors)


def _org(user: User | Any) -> Organization | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.organization_id:
        return None
    return user.organization


def _in_scope(user: User, prefix: str) -> Q:
    """Offices in the user's jurisdiction, for an Organization field path ("" = the row)."""
    org = _org(user)
    scope = org.scope_prefix if org is not None else None
    if scope is None:
        return Q(pk__in=[])
    if scope == "":
        # Not Q(): an empty Q vanishes when OR-ed with another condition.
        return Q(pk__isnull=False)
    if prefix:
        return jurisdiction.office_scope_q(user, prefix)
    return Q(region__code__startswith=scope)


def _triage_qs(user: User, office: int | None) -> QuerySet[Report]:
    """Reports awaiting triage in scope, by their stored deadline (Report.triage_due)."""
    reports = Report.objects.filter(
        jurisdiction.office_scope_q(user, "office"),
        status=ReportStatus.RECEIVED,
        is_internal=False,
        triage_due__isnull=False,
    )
    if office is not None:
        reports = reports.filter(office_id=office)
    return reports


# A number no object has, reversed once per list: `reverse` per item was a fifth of a
# national plan's time (4,000 items).
_PK_PLACEHOLDER = 987654321987


def _url_for(name: str) -> Any:
    """Return a function from a primary key to the URL `reverse(name, args=[pk])` gives."""
    pattern = reverse(name, args=[_PK_PLACEHOLDER])
    before, after = pattern.split(str(_PK_PLACEHOLDER), 1)
    return lambda pk: f"{before}{pk}{after}"


def _office(row: dict[str, Any], prefix: str) -> OfficeRef:
    return OfficeRef(row[f"{prefix}_id"], row[f"{prefix}__name"], row[f"{prefix}__kind"])


def _office_values(prefix: str) -> tuple[str, ...]:
    return (f"{prefix}_id", f"{prefix}__name", f"{prefix}__kind")


def _case(row: dict[str, Any], prefix: str = "case") -> CaseRef:
    return CaseRef(row[f"{prefix}_id"], row[f"{prefix}__number"], row[f"{prefix}__title"])


def _case_values(prefix: str = "case") -> tuple[str, ...]:
    return (f"{prefix}_id", f"{prefix}__number", f"{prefix}__title")


def _triage_items(reports: Any) -> list[DeadlineItem]:
    rows = reports.values("pk", "tracking_code", "triage_due", *_office_values("office"))
    title = _("Report %(code)s awaiting triage")
    url = _url_for("cases:triage_detail")
    return [
        DeadlineItem(
            kind=DeadlineKind.TRIAGE,
            id=r["pk"],
            title=title % {"code": r["tracking_code"]},
            deadline=r["triage_due"],
            office=_office(r, "office"),
            url=url(r["pk"]),
            offices=frozenset({r["office_id"]}),
        )
        for r in rows
    ]


def _transfer_q(user: User, org: Organization, prefix: str = "") -> Q:
    q = Q(**{f"{prefix}recipient_id": org.pk}) | Q(**{f"{prefix}sender_office_id": org.pk})
    if org.is_regulator:
        q |= _in_scope(user, f"{prefix}sender_office") | _in_scope(user, f"{prefix}recipient")
    return q


def _office_q(office: int | None, prefix: str = "") -> Q:
    if office is None:
        return Q()
    return Q(**{f"{prefix}sender_office_id": office}) | Q(**{f"{prefix}recipient_id": office})


def _not_internal(org: Organization, case: str) -> Q:
    """An office's plan holds no internal matter (discipline inspection's, never counted on the
    dashboard and never shown to an office); other parties' plans are left as they are."""
    return Q(**{f"{case}__is_internal": False}) if org.is_regulator else Q()


def _transfers_qs(user: User, org: Organization, office: int | None) -> QuerySet[Transfer]:
    return Transfer.objects.filter(
        _transfer_q(user, org),
        _office_q(office),
        _not_internal(org, "case"),
        status__in=PENDING_TRANSFER_STATUSES,
    )


def _transfer_items(transfers: Any) -> list[DeadlineItem]:
    rows = transfers.values(
        "id",
        "kind",
        "deadline",
        *_case_values(),
        *_office_values("sender_office"),
        *_office_values("recipient"),
    )
    title = _("%(kind)s: case %(number)s to %(recipient)s")
    kinds = {k: str(label) for k, label in TransferKind.choices}
    url = _url_for("cases:transfer_detail")
    items = []
    for t in rows:
        sender, recipient = _office(t, "sender_office"), _office(t, "recipient")
        # An office that received it answers; for an agency or a website, the sender chases.
        office = recipient if recipient.is_regulator else sender
        items.append(
            DeadlineItem(
                kind=DeadlineKind.TRANSFER,
                id=t["id"],
                title=title
                % {
                    "kind": kinds.get(t["kind"], t["kind"]),
                    "number": t["case__number"],
                    "recipient": recipient.name,
                },
                deadline=t["deadline"],
                office=office,
                counterpart=recipient if office != recipient else sender,
                case=_case(t),
                url=url(t["id"]),
                offices=frozenset({sender.id, recipient.id}),
            )
        )
    return items


def _extensions_qs(user: User, org: Organization, office: int | None) -> QuerySet[ExtensionRequest]:
    """Pending extension requests: the sender must decide before the current deadline."""
    return ExtensionRequest.objects.filter(
        _transfer_q(user, org, "transfer__"),
        _office_q(office, "transfer__"),
        _not_internal(org, "transfer__case"),
        status=ExtensionStatus.PENDING,
        transfer__status__in=PENDING_TRANSFER_STATUSES,
    )


def _extension_items(rows: Any) -> list[DeadlineItem]:
    values = rows.values(
        "id",
        "days",
        "transfer_id",
        "transfer__deadline",
        *_case_values("transfer__case"),
        *_office_values("transfer__sender_office"),
        *_office_values("transfer__recipient"),
    )
    title = _("%(org)s asks %(days)s more working days on case %(number)s")
    url = _url_for("cases:transfer_detail")
    items = []
    for e in values:
        sender = _office(e, "transfer__sender_office")
        recipient = _office(e, "transfer__recipient")
        items.append(
            DeadlineItem(
                kind=DeadlineKind.EXTENSION,
                id=e["id"],
                title=title
                % {
                    "org": recipient.name,
                    "days": e["days"],
                    "number": e["transfer__case__number"],
                },
                deadline=e["transfer__deadline"],
                office=sender,
                counterpart=recipient,
                case=_case(e, "transfer__case"),
                url=url(e["transfer_id"]),
                offices=frozenset({sender.id, recipient.id}),
            )
        )
    return items


def _tasks_qs(user: User, org: Organization, office: int | None) -> QuerySet[Task]:
    q = Q(assignee_user_id=user.pk) | Q(assignee_organization_id=org.pk)
    if org.is_regulator:
        q |= (
            _in_scope(user, "case__lead_office")
            | _in_scope(user, "assignee_organization")
            | _in_scope(user, "assignee_user__organization")
        ) & Q(case__is_internal=False)
    elif org.kind == OrganizationKind.DISCIPLINE_INSPECTION:
        q |= Q(case__lead_office_id=org.pk, case__is_internal=True)
    tasks = Task.objects.filter(q, _not_internal(org, "case"), status=TaskStatus.OPEN)
    if office is not None:
        tasks = tasks.filter(_task_office_q(office))
    return tasks


def _task_office_q(office: int) -> Q:
    """Tasks whose responsible office (`_task_office`) or case's lead office is `office`."""
    regulator = OrganizationKind.REGULATOR_OFFICE
    org_answers = Q(assignee_organization__kind=regulator)
    # Spelt out: NOT (kind = …) is NULL, not true, when the task has no office assigned.
    user_answers = (Q(assignee_organization__isnull=True) | ~org_answers) & Q(
        assignee_user__organization__kind=regulator
    )
    return (
        Q(case__lead_office_id=office)
        | (org_answers & Q(assignee_organization_id=office))
        | (user_answers & Q(assignee_user__organization_id=office))
    )


def _task_items(tasks: Any) -> list[DeadlineItem]:
    rows = tasks.values(
        "id",
        "title",
        "due_at",
        *_case_values(),
        *_office_values("case__lead_office"),
        *_office_values("assignee_organization"),
        *_office_values("assignee_user__organization"),
    )
    title = _("Task %(title)s in case %(number)s")
    url = _url_for("cases:task_detail")
    items = []
    for task in rows:
        office = _task_office(task)
        items.append(
            DeadlineItem(
                kind=DeadlineKind.TASK,
                id=task["id"],
                title=title % {"title": task["title"], "number": task["case__number"]},
                deadline=task["due_at"],
                office=office,
                case=_case(task),
                url=url(task["id"]),
                offices=frozenset({office.id, task["case__lead_office_id"]}),
            )
        )
    return items


def _task_office(task: dict[str, Any]) -> OfficeRef:
    """The assigned office if a regulator office, else the assignee's, else the lead office."""
    for prefix in ("assignee_organization", "assignee_user__organization"):
        if task[f"{prefix}_id"] is not None and task[f"{prefix}__kind"] == (
            OrganizationKind.REGULATOR_OFFICE
        ):
            return _office(task, prefix)
    return _office(task, "case__lead_office")


def with_deadline_status(transfers: Any, *, now: dt.datetime | None = None) -> list[Transfer]:
    """Return the transfers with `deadline_state` set (blank when no answer is awaited)."""
    now = now or timezone.now()
    rows = list(transfers)
    for t in rows:
        pending = t.status in PENDING_TRANSFER_STATUSES
        t.deadline_state = deadline_status(t.deadline, now)[0] if pending else ""  # type: ignore[attr-defined]
    return rows


def escalations_for(user: User, *, limit: int = 200) -> tuple[list[Escalation], list[Escalation]]:
    """Return (escalated to the user's office, the office's own items escalated upwards)."""
    org = _org(user)
    if org is None:
        return [], []
    rows = Escalation.objects.select_related(
        "case", "responsible_office", "superior_office"
    ).order_by("-created_at", "-id")
    return (
        list(rows.filter(superior_office_id=org.pk)[:limit]),
        list(rows.filter(responsible_office_id=org.pk)[:limit]),
    )
