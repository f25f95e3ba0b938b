"""A fresh second factor for the most sensitive actions (ASVS V7: re-authentication).

Revealing a reporter's identity or approving a publication needs a code entered in the last
`QINGLANG_FRESH_SECOND_FACTOR_MINUTES` (15). The sign-in stamps the time of its code; the
prompt at `core:reverify` stamps it again. An action whose code is stale sends the user to the
prompt, which brings them back to the page of the action (`next`): nothing was done or logged.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

FRESH_SESSION_KEY = "qinglang_2fa_at"


def stamp_second_factor(request: HttpRequest) -> None:
    """Record that the user just entered a valid second-factor code in this session."""
    request.session[FRESH_SESSION_KEY] = time.time()


def fresh_window() -> int:
    return int(settings.QINGLANG_FRESH_SECOND_FACTOR_MINUTES) * 60


def has_fresh_second_factor(request: HttpRequest) -> bool:
    """Return whether this session's last code is younger than the fresh window."""
    at = request.session.get(FRESH_SESSION_KEY)
    return isinstance(at, int | float) and 0 <= time.time() - at <= fresh_window()


def ask_for_fresh_code(request: HttpRequest, *, return_to: str) -> HttpResponse | None:
    """Return a redirect to the code prompt when the code is stale, else None (go ahead)."""
    if has_fresh_second_factor(request):
        return None
    url = f"{reverse('core:reverify')}?{urlencode({'next': return_to})}"
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url  # the whole page goes to the prompt, not a fragment
        return response
    return redirect(url)


def require_fresh_second_factor(
    return_to: Callable[..., str],
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorate a view: with a stale code, prompt and come back to `return_to(request, **kw)`.

    Put it below the decorators (and after the lookups) that answer 403/404, so only someone who
    may act is asked for a code.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            prompt = ask_for_fresh_code(request, return_to=return_to(request, *args, **kwargs))
            return prompt or view(request, *args, **kwargs)

        return wrapped

    return decorator


def ensure_fresh_for_session_api(request: Any) -> None:
    """Refuse (403) an API call made with a browser session whose code is stale.

    Bearer tokens are machine credentials issued by an administrator and have no second factor
    to refresh; a signed-in person using the API through their session does.
    """
    from django.utils.translation import gettext as _

    from qinglang.core.auth import VerifiedSessionAuthentication
    from qinglang.core.exceptions import NotPermitted

    if isinstance(
        getattr(request, "successful_authenticator", None), VerifiedSessionAuthentication
    ) and not has_fresh_second_factor(request):
        raise NotPermitted(
            _("This action needs a second-factor code entered in the last %(m)d minutes.")
            % {"m": fresh_window() // 60}
        )
