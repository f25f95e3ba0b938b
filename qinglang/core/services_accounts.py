"""State changes of accounts: signed-in sessions, password reset by e-mail, office staff.

Sessions: every sign-in gets a `UserSession` row (coarse device, network, times) so its holder
can see it and end it from anywhere; ending deletes the session from the session store.
Password reset: Django's token machinery (the token depends on the password hash and the last
sign-in, so a link works once); the answer never says whether an address is known, requests
are counted per address and per client, and the mail goes out from the worker after commit.
A new password never signs anyone in: the second factor is still asked at the next sign-in.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from importlib import import_module

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator, default_token_generator
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglang.core import ledger, signin_limits
from qinglang.core.aftercommit import enqueue_after_commit
from qinglang.core.events import (
    USER_INVITED,
    USER_PASSWORD_RESET,
    USER_SESSION_ENDED,
    USER_SIGNED_OUT_EVERYWHERE,
)
from qinglang.core.exceptions import DomainError, NotPermitted
from qinglang.core.models import Organization, SessionEndReason, User, UserSession

SESSION_ROW_KEY = "qinglang_session_row"


class ResetThrottledError(NotPermitted):
    """Too many password-reset requests for this address or from this client."""


class ResetLinkInvalidError(DomainError):
    """The reset link was used already, has expired or was never issued."""


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """Tokens of the "set your password" invitation: their own salt, a longer life."""

    key_salt = "qinglang.core.services_accounts.InvitationTokenGenerator"

    def __init__(self) -> None:
        super().__init__()
        self.timeout = int(settings.QINGLANG_INVITATION_HOURS) * 3600

    def _now(self):  # type: ignore[no-untyped-def]
        return default_token_generator._now()  # one clock for both kinds (and for tests)

    def check_token(self, user, token):  # type: ignore[no-untyped-def]
        # Read the setting at check time, like Django does for PASSWORD_RESET_TIMEOUT.
        self.timeout = int(settings.QINGLANG_INVITATION_HOURS) * 3600
        return super().check_token(user, token)


invitation_token_generator = InvitationTokenGenerator()
TOKEN_GENERATORS: dict[str, PasswordResetTokenGenerator] = {
    "reset": default_token_generator,
    "invitation": invitation_token_generator,
}


# --- Sessions -------------------------------------------------------------------------------

_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def describe_device(user_agent: str) -> str:
    """Return a coarse description ("Chrome on Windows") of a User-Agent; the string is not kept."""
    browser = next((name for token, name in _BROWSERS if token in user_agent), "")
    system = next((name for token, name in _SYSTEMS if token in user_agent), "")
    if re.search(r"HeadlessChrome", user_agent):
        browser = "Chrome"
    if browser and system:
        return f"{browser} / {system}"
    return browser or system or "?"


def coarse_network(address: str | None) -> str:
    """Return the /24 (IPv4) or /48 (IPv6) network of an address, never the address itself."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return ""
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def record_sign_in(request: HttpRequest, user: User) -> UserSession:
    """Record a new signed-in session (called at sign-in, after the session key is final)."""
    from qinglang.core.net import client_ip

    if not request.session.session_key:
        request.session.save()
    now = timezone.now()
    row = UserSession.objects.create(
        user=user,
        session_key=request.session.session_key or "",
        device=describe_device(request.headers.get("User-Agent", ""))[:80],
        network=coarse_network(client_ip(request)),
        signed_in_at=now,
        last_seen_at=now,
    )
    request.session[SESSION_ROW_KEY] = row.pk
    return row


def touch_session(request: HttpRequest) -> bool:
    """Note activity on the signed-in session; return False when it was ended elsewhere."""
    row_id = request.session.get(SESSION_ROW_KEY)
    if row_id is None:
        return True
    row = UserSession.objects.filter(pk=row_id, user_id=request.user.pk or 0).first()
    if row is None or row.ended_at is not None:
        return False
    changes: dict[str, object] = {"last_seen_at": timezone.now()}
    if request.session.session_key and row.session_key != request.session.session_key:
        changes["session_key"] = request.session.session_key  # rotated (password change)
    UserSession.objects.filter(pk=row.pk).update(**changes)
    return True


def mark_signed_out(request: HttpRequest, *, reason: str = SessionEndReason.SIGNED_OUT) -> None:
    """Close the row of a session that is signing out (by its holder, or timed out)."""
    row_id = request.session.get(SESSION_ROW_KEY)
    if row_id is not None:
        UserSession.objects.filter(pk=row_id, ended_at__isnull=True).update(
            ended_at=timezone.now(), end_reason=reason
        )


def _delete_from_store(keys: list[str]) -> None:
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in keys:
        if key:
            store(session_key=key).delete()


@transaction.atomic
def end_session(session: UserSession, *, acting_user: User) -> UserSession:
    """End one of the acting user's own sessions (it is signed out at its next request)."""
    session = UserSession.objects.select_for_update().get(pk=session.pk)
    if session.user_id != acting_user.pk:
        raise NotPermitted(_("You may end only your own sessions."))
    if session.ended_at is None:
        session.ended_at = timezone.now()
        session.end_reason = SessionEndReason.ENDED_BY_USER
        session.save(update_fields=["ended_at", "end_reason"])
        _delete_from_store([session.session_key])
        ledger.append(
            acting_user,
            action=USER_SESSION_ENDED,
            actor=acting_user,
            data={"session": session.pk, "device": session.device},
        )
    return session


@transaction.atomic
def end_all_sessions(user: User, *, acting_user: User | None, reason: str) -> int:
    """End every open session of `user` (sign-out everywhere, reset, deactivation)."""
    open_rows = UserSession.objects.select_for_update().filter(user=user, ended_at__isnull=True)
    keys = list(open_rows.values_list("session_key", flat=True))
    count = open_rows.update(ended_at=timezone.now(), end_reason=reason)
    _delete_from_store(keys)
    return count


@transaction.atomic
def sign_out_everywhere(user: User, *, acting_user: User) -> int:
    """End all of the user's sessions, this one included; return how many were open."""
    if acting_user.pk != user.pk:
        raise NotPermitted(_("You may end only your own sessions."))
    count = end_all_sessions(
        user, acting_user=acting_user, reason=SessionEndReason.SIGNED_OUT_EVERYWHERE
    )
    ledger.append(
        user, action=USER_SIGNED_OUT_EVERYWHERE, actor=acting_user, data={"sessions": count}
    )
    return count


# --- Password reset -------------------------------------------------------------------------

HOUR = 3600


def _count(kind: str, value: str) -> int:
    digest = hashlib.sha256(value.strip().lower().encode("utf-8")).hexdigest()[:32]
    key = f"password-reset:{kind}:{digest}"
    cache.add(key, 0, HOUR)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, HOUR)
        return 1


def users_for_email(email: str) -> list[User]:
    """Return the active accounts with this address (case-insensitive) that may reset."""
    email = (email or "").strip()
    if not email:
        return []
    return list(User.objects.filter(email__iexact=email, is_active=True))


def request_password_reset(email: str, *, client: str, language: str = "") -> None:
    """Mail a reset link to each active account with `email`; the same for unknown addresses.

    Raises ResetThrottledError past the hourly limits (for known and unknown addresses alike).
    """
    per_client = _count("client", client or "-")
    per_email = _count("email", email)
    if (
        per_client > settings.QINGLANG_PASSWORD_RESET_PER_CLIENT
        or per_email > settings.QINGLANG_PASSWORD_RESET_PER_EMAIL
    ):
        raise ResetThrottledError(
            _("Too many password-reset requests. Wait an hour, then try again.")
        )
    from qinglang.core.tasks import send_password_link

    with transaction.atomic():
        for user in users_for_email(email):
            enqueue_after_commit(
                send_password_link, user_id=user.pk, kind="reset", language=language
            )


def user_for_link(uidb64: str, token: str, *, kind: str) -> User:
    """Return the user a reset or invitation link is for, or raise ResetLinkInvalidError."""
    from django.utils.http import urlsafe_base64_decode

    generator = TOKEN_GENERATORS.get(kind)
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, TypeError, UnicodeDecodeError, OverflowError):
        pk = None
    user = User.objects.filter(pk=pk, is_active=True).first() if pk and pk < 2**63 else None
    if generator is None or user is None or not generator.check_token(user, token):
        raise ResetLinkInvalidError(
            _(
                "This link is not valid: it was used already, it has expired, or it was "
                "copied incompletely. Ask for a new one."
            )
        )
    return user


@transaction.atomic
def complete_password_reset(uidb64: str, token: str, *, password: str, kind: str) -> User:
    """Set a new password from a valid link (it then stops working); nobody is signed in."""
    from django.contrib.auth.password_validation import validate_password

    user = user_for_link(uidb64, token, kind=kind)
    user = User.objects.select_for_update().get(pk=user.pk)
    # Checked again under the lock: two tabs submitting the same link get one reset.
    user = user_for_link(uidb64, token, kind=kind)
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    ledger.append(
        user,
        action=USER_PASSWORD_RESET,
        actor=user,
        data={"username": user.username, "kind": kind},
    )
    end_all_sessions(user, acting_user=user, reason=SessionEndReason.PASSWORD_RESET)
    signin_limits.reset(user.username)
    return user


# --- Office staff, managed by the office head --------------------------------------------------


@transaction.atomic
def invite_office_user(
    organization: Organization,
    *,
    acting_user: User,
    username: str,
    email: str,
    role: str,
    display_name: str = "",
    language: str = "",
) -> User:
    """Create a colleague without a password and mail them a link to set one."""
    from qinglang.core.services import create_user
    from qinglang.core.tasks import send_password_link

    if not (email or "").strip():
        raise DomainError({"email": [_("An e-mail address is required for the invitation.")]})
    user = create_user(
        username,
        acting_user=acting_user,
        organization=organization,
        role=role,
        display_name=display_name,
        email=email.strip(),
    )
    ledger.append(user, action=USER_INVITED, actor=acting_user, data={"username": user.username})
    enqueue_after_commit(send_password_link, user_id=user.pk, kind="invitation", language=language)
    return user
