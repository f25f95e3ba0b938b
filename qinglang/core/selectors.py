"""Careful reads in core."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from qinglang.core.models import Notification, Organization, User


def list_organizations(*, kind: str | None = None) -> QuerySet[Organization]:
    """Return active organizations (the directory every signed-in party may read)."""
    qs = Organization.objects.filter(is_active=True).select_related("region")
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("kind", "name")


def list_notifications_for(user: User) -> QuerySet[Notification]:
    """Return the user's inbox: personal messages and those to their organization."""
    q = Q(recipient_user=user)
    if user.organization_id:
        q |= Q(recipient_organization_id=user.organization_id)
    return Notification.objects.filter(q).order_by("-created_at", "-pk")


def count_unread_notifications_for(user: User) -> int:
    return list_notifications_for(user).filter(read_at__isnull=True).count()


def get_notification_for(user: User, pk: int) -> Notification:
    """Return one notification from the user's inbox (another's is a 404)."""
    note = list_notifications_for(user).filter(pk=pk).first()
    if note is None:
        raise Http404
    return note
