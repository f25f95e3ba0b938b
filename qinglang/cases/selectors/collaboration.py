"""Scoped reads of collaboration: who may be assigned or mentioned, whose cases are whose."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from qinglang.cases.models import Case, CaseNote
from qinglang.cases.selectors.cases import HANDLING_ROLES, cases_visible_to
from qinglang.core import jurisdiction
from qinglang.core.models import Organization, OrganizationKind, Role, User


def _working_roles(case: Case) -> frozenset[str]:
    return frozenset({Role.INSPECTOR}) if case.is_internal else HANDLING_ROLES


def list_assignable_users(case: Case) -> QuerySet[User]:
    """Return the active people of the case's lead and co-handling offices who work cases."""
    offices = [case.lead_office_id, *case.co_offices.values_list("pk", flat=True)]
    return (
        User.objects.filter(
            organization_id__in=offices, is_active=True, role__in=_working_roles(case)
        )
        .select_related("organization")
        .order_by("organization_id", "username")
    )


def cases_assigned_to(user: User, cases: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """Narrow `cases` (default: those visible to the user) to the user's own: owner or assignee."""
    cases = cases_visible_to(user) if cases is None else cases
    through = Case.assignees.through
    mine = Exists(through.objects.filter(case_id=OuterRef("pk"), user_id=user.pk))
    return cases.filter(Q(owner_id=user.pk) | mine)


def count_open_cases_assigned_to(user: User) -> int:
    """Return how many open cases the user owns or is assigned to (the workbench entry)."""
    return (
        cases_assigned_to(user)
        .filter(status__in=["new", "investigating", "awaiting_feedback"])
        .count()
    )


def list_case_notes(case: Case) -> QuerySet[CaseNote]:
    """Return a case's internal notes, oldest first, with author and mentions."""
    return (
        CaseNote.objects.filter(case=case)
        .select_related("author")
        .prefetch_related("mentions")
        .order_by("created_at", "id")
    )


def case_notes_newest_first(case: Case) -> QuerySet[CaseNote]:
    """Return a case's internal notes, the newest first (the case page and its notes page)."""
    return list_case_notes(case).order_by("-created_at", "-id")


def colleague_offices_for(user: User) -> QuerySet[Organization]:
    """Return the offices whose people `user` may pick: own office, subordinates, case partners.

    Case partners are the lead and co-handling offices of the cases the user sees.
    """
    org = user.organization if getattr(user, "organization_id", None) else None
    if org is None or not (org.is_regulator or org.kind == OrganizationKind.DISCIPLINE_INSPECTION):
        return Organization.objects.none()
    visible = cases_visible_to(user)
    through = Case.co_offices.through
    q = Q(pk=org.pk) | Q(pk__in=visible.values("lead_office_id"))
    q |= Q(pk__in=through.objects.filter(case__in=visible).values("organization_id"))
    if org.is_regulator:
        q |= jurisdiction.scope_q(user, "region") & Q(kind=OrganizationKind.REGULATOR_OFFICE)
    return Organization.objects.filter(q, is_active=True)


def list_colleagues(user: User, organization_id: Any) -> QuerySet[User] | None:
    """Return the active case workers of one office the user may pick from, or None (unseen)."""
    if not colleague_offices_for(user).filter(pk=organization_id).exists():
        return None
    return (
        User.objects.filter(
            organization_id=organization_id,
            is_active=True,
            role__in=[*HANDLING_ROLES, Role.INSPECTOR],
        )
        .select_related("organization")
        .order_by("username")
    )
