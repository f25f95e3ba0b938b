"""Scoped reads of reports: offices see their jurisdiction; internal matters only inspection."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from qinglang.core.jurisdiction import office_scope_q
from qinglang.core.models import OrganizationKind, User
from qinglang.intake.models import Report


def reports_visible_to(user: User | Any) -> QuerySet[Report]:
    """Return the reports `user` may see, ready for a list page (fixed number of queries)."""
    base = Report.objects.select_related("office", "office__region").prefetch_related("targets")
    if user is None or not user.is_authenticated or not user.is_active:
        return base.none()
    org = user.organization
    if org is None or not org.is_active:
        return base.none()
    if org.kind == OrganizationKind.DISCIPLINE_INSPECTION:
        return base.filter(is_internal=True, office=org)
    if org.kind != OrganizationKind.REGULATOR_OFFICE:
        return base.none()
    # Internal matters never reach an office, not even the national one, nor its counts.
    return base.filter(office_scope_q(user, "office") & Q(is_internal=False))


def get_report_for(user: User | Any, pk: Any) -> Report:
    """Return one report in `user`'s scope, or raise Http404 (a guessed id learns nothing)."""
    try:
        return reports_visible_to(user).get(pk=int(pk))
    except (Report.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc


def can_view_report(user: User | Any, report_id: Any) -> bool:
    """Return whether `user` may see a report (evidence access resolver for intake.report)."""
    try:
        return reports_visible_to(user).filter(pk=int(report_id)).exists()
    except (TypeError, ValueError):
        return False
