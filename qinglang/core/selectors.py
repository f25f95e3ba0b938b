"""Careful reads in core."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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


def notifications_awaiting_mail(
    *, older_than: dt.timedelta, within: dt.timedelta
) -> QuerySet[Notification]:
    """Return notifications made between `within` and `older_than` ago whose e-mail never went.

    Reads the partial index `notification_unmailed` (only unmailed rows are in it).
    """
    now = timezone.now()
    return Notification.objects.filter(
        mailed_at__isnull=True, created_at__lte=now - older_than, created_at__gt=now - within
    ).order_by("created_at")


def count_unread_notifications_for(user: User) -> int:
    return list_notifications_for(user).filter(read_at__isnull=True).count()


def get_notification_for(user: User, pk: int) -> Notification:
    """Return one notification from the user's inbox (another's is a 404)."""
    note = list_notifications_for(user).filter(pk=pk).first()
    if note is None:
        raise Http404
    return note


class NotificationCategory(models.TextChoices):
    """What a message is about, for the inbox filters (derived from its verb)."""

    NEW_REPORT = "new_report", _("New reports")
    ASSIGNMENT = "assignment", _("Assignments")
    MENTION = "mention", _("Mentions")
    FEEDBACK = "feedback", _("Feedback")
    DEADLINE = "deadline", _("Deadlines")
    ESCALATION = "escalation", _("Escalations")


CATEGORY_VERBS: dict[str, tuple[str, ...]] = {
    NotificationCategory.NEW_REPORT: ("report.received", "report.rerouted"),
    NotificationCategory.ASSIGNMENT: ("case.assigned", "task.assigned", "supervision.assigned"),
    NotificationCategory.MENTION: ("case.mentioned", "task.mentioned"),
    NotificationCategory.FEEDBACK: ("transfer.answered", "transfer.acknowledged", "task.completed"),
    NotificationCategory.DEADLINE: ("digest", "overdue", "protection.measure_expiring"),
    NotificationCategory.ESCALATION: ("escalation",),
}


def filter_notifications(
    notifications: QuerySet[Notification], *, unread: bool = False, category: str = ""
) -> QuerySet[Notification]:
    """Narrow an inbox to unread messages and/or one category (an unknown category: nothing)."""
    if unread:
        notifications = notifications.filter(read_at__isnull=True)
    if category:
        notifications = notifications.filter(verb__in=CATEGORY_VERBS.get(category, ()))
    return notifications


def count_unread_by_category(user: User) -> dict[str, int]:
    """Return {category: unread count} of the user's inbox, every category present."""
    rows = (
        list_notifications_for(user)
        .filter(read_at__isnull=True)
        .values("verb")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_verb = {r["verb"]: r["n"] for r in rows}
    return {cat: sum(by_verb.get(v, 0) for v in verbs) for cat, verbs in CATEGORY_VERBS.items()}
