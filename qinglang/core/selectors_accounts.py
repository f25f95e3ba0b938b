"""Reads of accounts: one's own sessions and sign-ins, an office head's colleagues."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglang.core.exceptions import NotPermitted
from qinglang.core.middleware_sessions import absolute_limit, idle_limit
from qinglang.core.models import User, UserSession
from qinglang.core.office_users import is_office_head

RECENT_SIGN_INS = 20


def list_open_sessions_for(user: User) -> QuerySet[UserSession]:
    """Return the user's sessions still signed in (not ended, within the idle and age limits)."""
    now = timezone.now()
    # Activity is noted once a minute: allow that minute before calling a session idle.
    idle = dt.timedelta(seconds=idle_limit() + 60)
    return UserSession.objects.filter(
        user=user,
        ended_at__isnull=True,
        last_seen_at__gte=now - idle,
        signed_in_at__gte=now - dt.timedelta(seconds=absolute_limit()),
    ).order_by("-last_seen_at", "-pk")


def list_recent_sign_ins_for(user: User) -> QuerySet[UserSession]:
    """Return the user's latest sign-ins, open or ended, newest first."""
    return UserSession.objects.filter(user=user).order_by("-signed_in_at", "-pk")[:RECENT_SIGN_INS]


def get_open_session_for(user: User, pk: int) -> UserSession:
    """Return one of the user's own open sessions; anyone else's (or an ended one) is a 404."""
    session = list_open_sessions_for(user).filter(pk=pk).first()
    if session is None:
        raise Http404
    return session


def _ensure_head(head: User) -> None:
    if not is_office_head(head):
        raise NotPermitted(_("Only the head of an office manages its users."))


def list_office_users_for(head: User) -> QuerySet[User]:
    """Return the members of the head's own office (403 for anyone not an office head)."""
    _ensure_head(head)
    return User.objects.filter(organization_id=head.organization_id or 0).order_by(
        "-is_active", "role", "username"
    )


def get_office_user_for(head: User, pk: int) -> User:
    """Return one member of the head's office; a user of any other office is a 404."""
    member = list_office_users_for(head).filter(pk=pk).first()
    if member is None:
        raise Http404
    return member
