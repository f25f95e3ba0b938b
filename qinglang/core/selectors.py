"""Careful reads in core."""

from __future__ import annotations

from django.db.models import QuerySet

from qinglang.core.models import Notification, Organization, OrganizationKind, User


def list_organizations(*, kind: str | None = None) -> QuerySet[Organization]:
    """Return active organizations (the directory every signed-in party may read)."""
    qs = Organization.objects.filter(is_active=True).select_related("region")
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("kind", "name")


def list_regulator_offices() -> QuerySet[Organization]:
    return list_organizations(kind=OrganizationKind.REGULATOR_OFFICE)


def list_notifications_for(user: User) -> QuerySet[Notification]:
    """Return the user's inbox: personal messages and those to their organization."""
    from django.db.models import Q

    q = Q(recipient_user=user)
    if user.organization_id:
        q |= Q(recipient_organization_id=user.organization_id)
    return Notification.objects.filter(q).order_by("-created_at")
