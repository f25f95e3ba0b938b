"""Staff sessions end after a spell of inactivity and after an absolute lifetime (ASVS V7).

The session records when it was signed in and when it was last used (updated at most once a
minute, so a busy page does not write the session on every request); the same touch updates
the user's `UserSession` row and signs out a session its holder ended elsewhere. Past either
limit the user is signed out and sent to sign in again with a message saying why.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

STARTED, SEEN = "qinglang_session_started", "qinglang_session_seen"


def stamp_session(sender: object, request: HttpRequest, user: object, **kwargs: object) -> None:
    """On sign-in, record when the session started (saved with the login, no extra write)."""
    now = time.time()
    request.session[STARTED] = request.session[SEEN] = now
    from qinglang.core.services_accounts import record_sign_in

    record_sign_in(request, user)  # type: ignore[arg-type]


def idle_limit() -> int:
    return int(settings.QINGLANG_SESSION_IDLE_MINUTES) * 60


def absolute_limit() -> int:
    return int(settings.QINGLANG_SESSION_MAX_HOURS) * 3600


class SessionTimeoutMiddleware:
    """Sign out sessions idle longer than the idle limit or older than the absolute limit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            session = request.session
            started = session.setdefault(STARTED, now)
            seen = session.get(SEEN, now)
            if now - seen > idle_limit() or now - started > absolute_limit():
                idle = now - seen > idle_limit()
                from qinglang.core.services_accounts import mark_signed_out

                mark_signed_out(request, reason="timed_out")
                logout(request)
                messages.info(
                    request,
                    _("You were signed out after %(m)d minutes without activity.")
                    % {"m": idle_limit() // 60}
                    if idle
                    else _("You were signed out: a session lasts at most %(h)d hours.")
                    % {"h": absolute_limit() // 3600},
                )
            elif now - seen >= 60 or SEEN not in session:
                from qinglang.core.services_accounts import touch_session

                if touch_session(request):
                    session[SEEN] = now
                else:  # ended from another session (or by a reset): sign out here too
                    logout(request)
                    messages.info(request, _("This session was ended. Sign in again."))
        return self.get_response(request)
