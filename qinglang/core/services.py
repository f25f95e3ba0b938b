"""State changes in core: reference data, tokens, notifications, identity-access audit."""

from __future__ import annotations

import hashlib
import logging
import secrets

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglang.core import ledger
from qinglang.core.aftercommit import enqueue_after_commit
from qinglang.core.exceptions import NotPermitted
from qinglang.core.models import (
    ApiToken,
    IdentityAccessLog,
    Notification,
    Organization,
    Region,
    RegionLevel,
    Role,
    User,
)
from qinglang.core.regions import PROVINCE_ABBREVIATIONS, load_divisions

audit_log = logging.getLogger("qinglang.audit")


@transaction.atomic
def load_regions() -> int:
    """Create or update all provinces and prefecture-level divisions; return how many exist."""
    existing = {r.code: r for r in Region.objects.all()}
    for division in load_divisions():
        parent = existing.get(division.parent_code) if division.parent_code else None
        defaults = {
            "name": division.name,
            "level": division.level,
            "parent": parent,
            "abbreviation": PROVINCE_ABBREVIATIONS.get(division.code[:2], "")
            if division.level == RegionLevel.PROVINCE
            else "",
        }
        region = existing.get(division.code)
        if region is None:
            existing[division.code] = Region.objects.create(code=division.code, **defaults)
        elif any(getattr(region, k) != v for k, v in defaults.items()):
            for key, value in defaults.items():
                setattr(region, key, value)
            region.save()
    return len(existing)


@transaction.atomic
def create_api_token(user: User, *, name: str = "", acting_user: User | None = None) -> str:
    """Create a bearer token for a staff user and return it (shown once, stored as a digest).

    Citizen supervisors belong to no organization but file reports through the API too.
    """
    member = user.organization_id is not None or user.role == Role.CITIZEN_SUPERVISOR
    if not member or not user.is_active:
        raise NotPermitted(_("API tokens are issued only to active members of an organization."))
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, digest=hashlib.sha256(raw.encode()).hexdigest(), prefix=raw[:8]
    )
    ledger.append(
        token,
        action="api_token.created",
        actor=acting_user,
        data={"user": user.username, "prefix": token.prefix, "name": name},
    )
    return raw


def notify(
    *,
    title: str,
    verb: str,
    body: str = "",
    link: str = "",
    user: User | None = None,
    organization: Organization | None = None,
) -> Notification:
    """Put a message in an inbox; e-mail goes out after commit for organizations with an address."""
    note = Notification.objects.create(
        recipient_user=user,
        recipient_organization=organization,
        verb=verb,
        title=title,
        body=body,
        link=link,
    )
    if organization is not None or user is not None:
        from qinglang.core.tasks import send_notification_email

        enqueue_after_commit(send_notification_email, notification_id=note.pk)
    return note


def log_identity_access(
    *,
    user: User,
    object_type: str,
    object_id: str | int,
    purpose: str = "",
    ip_address: str | None = None,
) -> IdentityAccessLog:
    """Record that `user` viewed someone's identity details (invariant 5)."""
    entry = IdentityAccessLog.objects.create(
        user=user,
        object_type=object_type,
        object_id=str(object_id),
        purpose=purpose,
        ip_address=ip_address,
    )
    audit_log.info("identity viewed by %s: %s:%s", user.username, object_type, object_id)
    return entry


def mark_notifications_read(notifications: QuerySet[Notification], *, acting_user: User) -> int:
    """Mark messages from the acting user's inbox read; return how many changed."""
    from qinglang.core.selectors import list_notifications_for

    inbox = list_notifications_for(acting_user).filter(read_at__isnull=True)
    return inbox.filter(pk__in=notifications.values("pk")).update(read_at=timezone.now())
