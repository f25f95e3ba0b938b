"""Scoped reads behind the pickers: cases by number or text, offices by name."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.urls import reverse

from qinglang.cases.models import OPEN_STATUSES, Case
from qinglang.cases.selectors.cases import cases_visible_to
from qinglang.core.models import Organization, OrganizationKind, User

LIMIT = 20


def pick_cases(user: User, q: str, *, exclude: int | None = None) -> list[Case]:
    """Return open visible cases (not merged) whose number or title contains `q`."""
    qs = cases_visible_to(user).filter(status__in=OPEN_STATUSES, merged_into__isnull=True)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(title__icontains=q) | Q(summary__icontains=q))
    return list(qs.only("pk", "number", "title").order_by("-created_at", "-id")[:LIMIT])


def pick_offices(user: User, q: str) -> QuerySet[Organization]:
    """Return active regulator offices by name, never the user's own organization."""
    qs = Organization.objects.filter(kind=OrganizationKind.REGULATOR_OFFICE, is_active=True)
    if user.organization_id:
        qs = qs.exclude(pk=user.organization_id)
    if q:
        qs = qs.filter(name__icontains=q)
    return qs.only("pk", "name").order_by("level", "name")[:LIMIT]


def find_case_by_number(user: User, value: str) -> Case | None:
    """Return the visible case with this number (or, typed as digits, this id)."""
    cases = cases_visible_to(user)
    found = cases.filter(number__iexact=value).first()
    if found is None and value.isdigit():
        found = cases.filter(pk=int(value)).first()
    return found


def find_exact(user: User, q: str) -> str | None:
    """Return the page of the visible case (number) or report (tracking code) named `q`."""
    from qinglang.intake.selectors import reports_visible_to
    from qinglang.intake.services import _lookup_code, normalize_code

    case_id = cases_visible_to(user).filter(number__iexact=q).values_list("pk", flat=True).first()
    if case_id is not None:
        return reverse("cases:case_detail", args=[case_id])
    codes = {q.strip().upper(), _lookup_code(normalize_code(q))}
    report_id = (
        reports_visible_to(user)
        .filter(tracking_code__in=codes)
        .values_list("pk", flat=True)
        .first()
    )
    if report_id is not None:
        return reverse("cases:triage_detail", args=[report_id])
    return None
