"""Two-factor gate for staff pages and the API: a session counts only once OTP verified it.

Use one of:
- `@require_verified` on a function view,
- `VerifiedRequiredMixin` first in a class-based view's bases,
- nothing, for pages under `STAFF_PATH_PREFIXES`: `VerifiedStaffMiddleware` guards them anyway.
The API accepts bearer tokens, or a session only when it is OTP-verified
(`VerifiedSessionAuthentication`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import SessionAuthentication

# Every page under these prefixes is for signed-in, OTP-verified users only.
STAFF_PATH_PREFIXES: tuple[str, ...] = ("/staff/", "/cases/", "/registry/", "/evidence/", "/admin/")
# The sign-in steps themselves (and sign-out) must stay reachable.
OPEN_PATH_PREFIXES: tuple[str, ...] = ("/staff/login/", "/staff/logout/")


def is_verified(user: Any) -> bool:
    """Return whether `user` is signed in and verified by a second factor in this session."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def _to_sign_in(request: HttpRequest) -> HttpResponse:
    response = redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
    if request.headers.get("HX-Request"):
        # htmx would swap the sign-in page into a fragment; send the whole page there.
        response["HX-Redirect"] = response["Location"]
    return response


def require_verified(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Send anyone not signed in with two factors to the sign-in page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_verified(request.user):
            return _to_sign_in(request)
        return view(request, *args, **kwargs)

    return wrapped


class VerifiedRequiredMixin:
    """Class-based-view counterpart of `require_verified` (put it first in the bases)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_verified(request.user):
            return _to_sign_in(request)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class VerifiedStaffMiddleware:
    """Refuse staff areas to sessions without a verified second factor (defence in depth)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if (
            path.startswith(STAFF_PATH_PREFIXES)
            and not path.startswith(OPEN_PATH_PREFIXES)
            and not is_verified(request.user)
        ):
            return _to_sign_in(request)
        return self.get_response(request)


class VerifiedSessionAuthentication(SessionAuthentication):
    """Session authentication for the API that ignores sessions not verified by OTP."""

    def authenticate(self, request):  # type: ignore[no-untyped-def]
        result = super().authenticate(request)
        if result is None or not is_verified(result[0]):
            return None
        return result


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Describe `Authorization: Bearer <token>` in the OpenAPI schema."""

    target_class = "qinglang.core.api_auth.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):  # type: ignore[no-untyped-def]
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Token from `qinglang token create USERNAME`.",
        }


class VerifiedSessionScheme(OpenApiAuthenticationExtension):
    """Describe the OTP-verified session cookie in the OpenAPI schema."""

    target_class = "qinglang.core.auth.VerifiedSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):  # type: ignore[no-untyped-def]
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "Session after two-factor sign-in at /staff/login/.",
        }
