"""Calendar feeds: a secret address per user for their deadlines in any calendar program."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglang.cases.events import CALENDAR_FEED_ISSUED
from qinglang.cases.models import CalendarFeed
from qinglang.core import ledger
from qinglang.core.exceptions import NotPermitted
from qinglang.core.models import User


def token_digest(raw: str) -> str:
    """Return the stored form of a feed token."""
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def issue_calendar_feed(user: User, *, acting_user: User) -> str:
    """Create the user's feed address, or replace it (the old address stops working).

    Return the new token: shown once, stored only as its digest.
    """
    if not (
        acting_user.is_authenticated
        and acting_user.is_active
        and acting_user.pk == user.pk
        and user.organization_id
    ):
        raise NotPermitted(
            _("Only members of an organization get a calendar feed, for themselves.")
        )
    raw = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
    rotated = feed is not None
    if feed is None:
        feed = CalendarFeed(user=user)
    feed.digest, feed.prefix, feed.created_at = token_digest(raw), raw[:8], timezone.now()
    feed.save()
    ledger.append(
        feed,
        action=CALENDAR_FEED_ISSUED,
        actor=acting_user,
        data={"user": user.username, "prefix": feed.prefix, "rotated": rotated},
    )
    return raw


def feed_user(raw: str) -> User | None:
    """Return the active user a feed token belongs to, or None."""
    if not raw or len(raw) > 200:
        return None
    feed = (
        CalendarFeed.objects.select_related(
            "user", "user__organization", "user__organization__region"
        )
        .filter(digest=token_digest(raw))
        .first()
    )
    if feed is None or not feed.user.is_active or not feed.user.organization_id:
        return None
    return feed.user
