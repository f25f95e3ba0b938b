"""Request hygiene: refuse malformed input before any view; keep private answers out of caches."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.html import escape

from qinglang.core.inputs import UnsafeInputError, check_query_and_path, check_text, decode_utf8


class InputSafetyMiddleware:
    """A 400 naming the field for invalid UTF-8, NUL or lone surrogates, never a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            raw_path = request.META.get("PATH_INFO", "").encode("latin-1", "replace")
            check_query_and_path(raw_path, request.META.get("QUERY_STRING", ""))
            if request.content_type == "application/x-www-form-urlencoded" and request.body:
                for pair in request.body.split(b"&"):
                    key, _sep, value = pair.partition(b"=")
                    name = unquote_to_bytes(key.replace(b"+", b" ")).decode("utf-8", "replace")
                    check_text(name, decode_utf8(name, unquote_to_bytes(value.replace(b"+", b" "))))
        except UnsafeInputError as exc:
            if request.path.startswith("/api/"):
                return JsonResponse(exc.detail(), status=400)
            page = f"<!doctype html><title>400</title><p>{escape(exc.field)}: {escape(exc.message)}"
            return HttpResponseBadRequest(page)
        return self.get_response(request)


PRIVATE_PREFIXES = (
    "/api/",
    "/staff/",
    "/cases/",
    "/registry/",
    "/evidence/",
    "/admin/",
    "/report/",
    "/track/",
)


class NoStoreMiddleware:
    """`Cache-Control: no-store` on staff pages, identity views, the API and the reporting zone.

    A response that chose its own caching (public, cacheable pages and feeds) keeps it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or request.path.startswith(PRIVATE_PREFIXES):
            response["Cache-Control"] = "no-store"
        return response
