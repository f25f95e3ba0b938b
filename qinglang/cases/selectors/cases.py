"""Scoped reads of cases: visibility, permission predicates, lists and the timeline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from qinglang.cases.models import Case, CaseTarget
from qinglang.core import jurisdiction
from qinglang.core.models import LedgerEvent, OrganizationKind, Role, User

# Roles that may work cases in a regulator office (and inspectors for internal matters).
HANDLING_ROLES = frozenset({Role.TRIAGE_OFFICER, Role.CASE_HANDLER, Role.OFFICE_HEAD})


def _org(user: User | Any) -> Any:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.organization if user.organization_id else None


def cases_visible_to(user: User) -> QuerySet[Case]:
    """Return the cases an office (or discipline inspection) user may see.

    Regulator offices: lead office within their jurisdiction, or co-handling office; never an
    internal matter. Discipline inspection: its own internal matters only.
    """
    org = _org(user)
    if org is None:
        return Case.objects.none()
    if org.kind == OrganizationKind.DISCIPLINE_INSPECTION:
        return Case.objects.filter(is_internal=True, lead_office=org)
    if not org.is_regulator:
        return Case.objects.none()
    through = Case.co_offices.through
    q = jurisdiction.office_scope_q(user, "lead_office") & Q(
        lead_office__kind=OrganizationKind.REGULATOR_OFFICE
    )
    q |= Exists(through.objects.filter(case_id=OuterRef("pk"), organization_id=org.pk))
    return Case.objects.filter(q, is_internal=False)


def get_case_for(user: User, pk: Any) -> Case:
    """Return one case the user may see, or raise Http404 (a guessed id looks missing)."""
    try:
        return (
            cases_visible_to(user)
            .select_related("lead_office", "lead_office__region")
            .get(pk=int(pk))
        )
    except (Case.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def get_case_detail_for(user: User, pk: Any) -> Case:
    """Return one case the user may see with what its detail page shows, or raise Http404."""
    try:
        return (
            cases_visible_to(user)
            .select_related("lead_office", "lead_office__region", "merged_into", "created_by")
            .prefetch_related("co_offices", "targets", "reports")
            .get(pk=int(pk))
        )
    except (Case.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def can_handle_case(user: User, case: Case) -> bool:
    """Return whether `user` may change this case (lead office, its superiors, co-handlers)."""
    org = _org(user)
    if org is None:
        return False
    if case.is_internal:
        return org.pk == case.lead_office_id and user.role == Role.INSPECTOR
    if not org.is_regulator or user.role not in HANDLING_ROLES:
        return False
    if jurisdiction.can_oversee(user, case.lead_office):
        return True
    return case.co_offices.filter(pk=org.pk).exists()


def can_lead_case(user: User, case: Case) -> bool:
    """Return whether `user` may decide, close, reopen, merge or split (lead office side)."""
    org = _org(user)
    if org is None:
        return False
    if case.is_internal:
        return org.pk == case.lead_office_id and user.role == Role.INSPECTOR
    return (
        org.is_regulator
        and user.role in HANDLING_ROLES
        and jurisdiction.can_oversee(user, case.lead_office)
    )


def can_create_case(user: User) -> bool:
    """Return whether `user` may open a case directly."""
    org = _org(user)
    if org is None:
        return False
    if org.kind == OrganizationKind.DISCIPLINE_INSPECTION:
        return user.role == Role.INSPECTOR
    return org.is_regulator and user.role in HANDLING_ROLES


@dataclass(frozen=True)
class CaseFilters:
    """Filters of the case list (all optional)."""

    status: str = ""
    category: str = ""
    office: int | None = None
    region: str = ""  # division-code prefix of the lead office (checked by the form)
    due_before: dt.date | None = None
    target: str = ""
    assignee: str = ""  # "me": cases the user owns or is assigned to
    ordering: str = ""  # received_at, deadline or risk; "-" first for descending


# HANDLING registers the deadline filter: fn(queryset, date) -> queryset of cases due before.
_deadline_filter: list[Callable[[QuerySet[Case], dt.date], QuerySet[Case]]] = []


def register_deadline_filter(fn: Callable[[QuerySet[Case], dt.date], QuerySet[Case]]) -> None:
    """Register how "due before" narrows the case list (deadlines live with HANDLING)."""
    _deadline_filter[:] = [fn]


def list_cases(user: User, filters: CaseFilters | None = None) -> QuerySet[Case]:
    """Return the user's visible cases, filtered, with what a list row shows prefetched."""
    filters = filters or CaseFilters()
    qs = _countable_cases(user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.office:
        qs = qs.filter(lead_office_id=filters.office)
    if filters.region:
        qs = qs.filter(lead_office__in=jurisdiction.offices_under(filters.region).values("pk"))
    if filters.target:
        text = filters.target.strip()
        qs = qs.filter(
            Exists(
                CaseTarget.objects.filter(
                    Q(label__icontains=text)
                    | Q(url__icontains=text)
                    | Q(domain__icontains=text)
                    | Q(account__icontains=text),
                    case_id=OuterRef("pk"),
                )
            )
        )
    if filters.assignee == "me":
        from qinglang.cases.selectors.collaboration import cases_assigned_to

        qs = cases_assigned_to(user, qs)
    if filters.due_before:
        qs = _deadline_filter[0](qs, filters.due_before) if _deadline_filter else qs.none()
    qs = (
        qs.select_related("lead_office")
        .prefetch_related(
            Prefetch("targets", queryset=CaseTarget.objects.order_by("id")),
            "co_offices",
        )
        .order_by("-created_at", "-id")
    )
    return order_cases(qs, filters.ordering) if filters.ordering else qs


def count_cases(user: User, filters: CaseFilters | None = None) -> int | None:
    """Return how many cases `list_cases(user, filters)` holds, from the tally; None when a
    filter the tally does not key (category, target, assignee, deadline) makes the list count
    its rows itself.

    Cases led within the scope are summed from `CaseTally` (a few hundred rows, not every case
    of the country); cases the office co-handles that are led elsewhere are counted directly,
    through the co-handling table. Together they are exactly `cases_visible_to(user)`.
    """
    from django.db.models import Sum

    from qinglang.cases.models import CaseTally

    filters = filters or CaseFilters()
    if filters.category or filters.target or filters.assignee or filters.due_before:
        return None
    if filters.region:
        return None
    org = _org(user)
    if org is None:
        return 0
    narrow = Q(status=filters.status) if filters.status else Q()
    if filters.office:
        narrow &= Q(lead_office_id=filters.office)
    if org.kind == OrganizationKind.DISCIPLINE_INSPECTION:
        led = Q(is_internal=True, lead_office=org)
        co_handled = 0
    elif org.is_regulator:
        scope = jurisdiction.office_scope_q(user, "lead_office") & Q(
            lead_office__kind=OrganizationKind.REGULATOR_OFFICE
        )
        led = scope & Q(is_internal=False)
        through = Case.co_offices.through
        co_handled = (
            Case.objects.filter(narrow, is_internal=False)
            .filter(Exists(through.objects.filter(case_id=OuterRef("pk"), organization_id=org.pk)))
            .exclude(scope)
            .count()
        )
    else:
        return 0
    total = CaseTally.objects.filter(led, narrow).aggregate(n=Sum("n"))["n"] or 0
    return int(total) + co_handled


# Up to this many co-handled cases are named by id in a list's filter; beyond, a subquery.
CO_HANDLED_LITERAL_MAX = 1000


def _countable_cases(user: User) -> QuerySet[Case]:
    """Return `cases_visible_to(user)` shaped so a list below national is counted from indexes.

    The scope's offices and the cases the office co-handles are read first (two small queries)
    and named as values, so PostgreSQL answers `lead office in (…) or id in (…)` with two index
    scans; as subqueries OR-ed together it read every case to count a province's (0.5 s at
    1,000,000 reports). National users and very busy co-handlers keep the plain filter.
    """
    org = _org(user)
    if org is None or org.kind != OrganizationKind.REGULATOR_OFFICE or not org.scope_prefix:
        return cases_visible_to(user)
    offices = list(jurisdiction.offices_under(org.scope_prefix).values_list("pk", flat=True))
    co_handled = list(
        Case.co_offices.through.objects.filter(organization_id=org.pk)
        .order_by()
        .values_list("case_id", flat=True)[: CO_HANDLED_LITERAL_MAX + 1]
    )
    if len(co_handled) > CO_HANDLED_LITERAL_MAX:
        return cases_visible_to(user)
    q = Q(lead_office_id__in=offices)
    if co_handled:
        q |= Q(pk__in=co_handled)
    return Case.objects.filter(q, is_internal=False)


CASE_ORDERINGS = ("received_at", "deadline", "risk")


def order_cases(qs: QuerySet[Case], ordering: str) -> QuerySet[Case]:
    """Return cases by creation time, earliest open deadline or severity ("-": descending)."""
    from django.db.models import Case as DbCase
    from django.db.models import F, IntegerField, Min, Subquery, Value, When
    from django.db.models.functions import Least

    from qinglang.cases.models import (
        PENDING_TRANSFER_STATUSES,
        Severity,
        Task,
        TaskStatus,
        Transfer,
    )

    descending = ordering.startswith("-")
    key = ordering.lstrip("-")
    if key == "deadline":
        transfer_due = (
            Transfer.objects.filter(case_id=OuterRef("pk"), status__in=PENDING_TRANSFER_STATUSES)
            .order_by()
            .values("case_id")
            .annotate(d=Min("deadline"))
            .values("d")
        )
        task_due = (
            Task.objects.filter(case_id=OuterRef("pk"), status=TaskStatus.OPEN)
            .order_by()
            .values("case_id")
            .annotate(d=Min("due_at"))
            .values("d")
        )
        qs = qs.annotate(t_due=Subquery(transfer_due), k_due=Subquery(task_due))
        # Least() is NULL on SQLite when one side is NULL: fall back to whichever exists.
        qs = qs.annotate(
            next_due=DbCase(
                When(t_due__isnull=True, then=F("k_due")),
                When(k_due__isnull=True, then=F("t_due")),
                default=Least("t_due", "k_due"),
            )
        )
        field = (
            F("next_due").desc(nulls_last=True)
            if descending
            else F("next_due").asc(nulls_last=True)
        )
        return qs.order_by(field, "id")
    if key == "risk":
        rank = DbCase(
            *(When(severity=s, then=Value(i)) for i, s in enumerate(Severity.values)),
            default=Value(0),
            output_field=IntegerField(),
        )
        qs = qs.annotate(severity_rank=rank)
        return qs.order_by("-severity_rank" if descending else "severity_rank", "-created_at", "id")
    return qs.order_by("-created_at", "-id") if descending else qs.order_by("created_at", "id")


def open_cases_naming(
    user: User, *, urls: set[str], domains: set[str], accounts: set[tuple[str, str]], internal: bool
) -> QuerySet[Case]:
    """Return open visible cases with a target naming one of these URLs, domains or accounts."""
    q = Q(pk__in=[])
    if urls:
        q |= Q(url__in=urls)
    if domains:
        q |= Q(domain__in=domains)
    for platform, account in accounts:
        q |= Q(account=account, platform=platform)
    targets = CaseTarget.objects.filter(q, case_id=OuterRef("pk"))
    return (
        cases_visible_to(user)
        .filter(
            Exists(targets),
            merged_into__isnull=True,
            is_internal=internal,
            status__in=["new", "investigating", "awaiting_feedback"],
        )
        .order_by("-created_at", "-id")
    )


def case_timeline(case: Case) -> list[LedgerEvent]:
    """Return the ledger events of the case, the cases merged into it and its reports, in order."""
    return list(case_timeline_events(case))


def case_timeline_events(case: Case) -> QuerySet[LedgerEvent]:
    """Return the timeline's events as a queryset (oldest first), for pages of it."""
    case_ids, frontier = [case.pk], [case.pk]
    while frontier:  # cases merged into this one, and those merged into them
        frontier = list(
            Case.objects.filter(merged_into_id__in=frontier).values_list("pk", flat=True)
        )
        case_ids.extend(frontier)
    report_ids = [str(pk) for pk in case.reports.values_list("pk", flat=True)]
    q = Q(object_type="cases.case", object_id__in=[str(pk) for pk in case_ids])
    if report_ids:
        q |= Q(object_type="intake.report", object_id__in=report_ids)
    for extra in _timeline_extensions:
        q |= extra(case)
    return LedgerEvent.objects.filter(q).select_related("actor").order_by("occurred_at", "id")


def case_timeline_newest_first(case: Case) -> QuerySet[LedgerEvent]:
    """Return the timeline's events, the newest first (the case page shows the latest)."""
    return case_timeline_events(case).order_by("-occurred_at", "-id")


@dataclass(frozen=True)
class Latest:
    """The newest rows of one of a case's lists, and how many the whole list holds."""

    rows: list[Any]
    total: int

    @property
    def more(self) -> bool:
        return self.total > len(self.rows)


def latest_of(rows: QuerySet[Any], n: int) -> Latest:
    """Return the first `n` rows of `rows` (ordered newest first) and the list's exact total.

    Two queries at most: the rows, and a COUNT only when `n` rows came back.
    """
    shown = list(rows[:n])
    return Latest(shown, len(shown) if len(shown) < n else rows.count())


# HANDLING adds its objects (transfers, feedback, tasks) to a case's timeline: a Q on LedgerEvent.
_timeline_extensions: list[Callable[[Case], Q]] = []


def register_timeline_source(fn: Callable[[Case], Q]) -> None:
    """Register `fn(case) -> Q` selecting further ledger events shown on the case timeline."""
    if fn not in _timeline_extensions:
        _timeline_extensions.append(fn)


def count_cases_by_status(user: User) -> dict[str, int]:
    """Return {status: count} over the user's visible cases (internal matters never counted)."""
    from django.db.models import Count

    rows = cases_visible_to(user).values("status").annotate(n=Count("id")).order_by()
    return {r["status"]: r["n"] for r in rows}


def can_see_case_subject(user: User, subject_id: str) -> bool:
    """Evidence access resolver for ("cases.case", id): the case is visible to the user."""
    try:
        return cases_visible_to(user).filter(pk=int(subject_id)).exists()
    except (TypeError, ValueError):
        return False


def case_package_subjects(identifier: str, user: User | None) -> tuple[str, list[tuple[str, str]]]:
    """Return (title, subjects) of a case's evidence package: the case, its reports, transfers,
    transfer answers and tasks (see selectors.evidence.case_package).

    `identifier` is a case number or id; with a user, only a case visible to them.
    """
    from qinglang.cases.selectors.evidence import case_package

    source = case_package(identifier, user)
    return source.title, source.subjects
