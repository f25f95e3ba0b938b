"""A database or vault that is briefly gone answers 503 with Retry-After, never a bare 500.

When PostgreSQL restarts, the request in flight fails with OperationalError; its transaction
rolled back, so nothing was accepted and the client may simply send it again. The broken
connection is closed here so that the retry opens a fresh one. A full evidence disk is the same
kind of fault (`TemporarilyUnavailableError`): nothing was stored, try again later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _

from qinglang.core.exceptions import TemporarilyUnavailableError

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


class FaultMiddleware:
    """Turn database and storage outages into a clear 503 (JSON for the API, a page otherwise)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, TemporarilyUnavailableError):
            message = str(exception.message)
        elif isinstance(exception, OperationalError | InterfaceError):
            log.warning(
                "database unavailable during %s %s: %s",
                request.method,
                request.path,
                type(exception).__name__,
            )
            for conn in connections.all(initialized_only=True):
                conn.close_if_unusable_or_obsolete()
            message = _(
                "The service is briefly unavailable and nothing was saved. "
                "Please send it again in a moment."
            )
        else:
            return None
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse(
                {"detail": message, "retry_after": RETRY_AFTER_SECONDS}, status=503
            )
        else:
            # Rendered without the request context: the session and user need the database.
            response = HttpResponse(
                loader.get_template("503.html").render({"message": message}), status=503
            )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
