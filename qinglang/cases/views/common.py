"""Shared bits of the cases web views: the staff gate and domain-error handling."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from qinglang.core.auth import require_verified
from qinglang.core.forms import add_service_errors
from qinglang.core.keyset import CursorError, KeysetPage, cursor_after, is_descending, keyset_page
from qinglang.core.models import OrganizationKind

PAGE_SIZE = 50


def office_staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let in verified members of a regulator office or of discipline inspection; 403 others."""

    @require_verified
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        org = request.user.organization if request.user.organization_id else None
        if org is None or org.kind not in (
            OrganizationKind.REGULATOR_OFFICE,
            OrganizationKind.DISCIPLINE_INSPECTION,
        ):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


add_domain_errors = add_service_errors  # the one helper lives in core.forms


def paginate(
    request: HttpRequest, queryset: Any, per_page: int = PAGE_SIZE, *, count: int | None = None
) -> Page | KeysetPage:
    """Return the requested page: numbered (`?page=`, out-of-range gives the last one), or by
    keyset (`?cursor=`, no count; a foreign or altered cursor gives the first page).

    A numbered page also carries `next_cursor` (the keyset link to the rows after it) and
    `descending` (whether the order runs newest first, for the links' labels). `count`, when
    the caller already knows how many rows the queryset holds, saves counting them again.
    """
    if "cursor" in request.GET and isinstance(queryset, QuerySet):
        try:
            return keyset_page(queryset, request.GET["cursor"] or None, per_page)
        except CursorError:
            return keyset_page(queryset, None, per_page)
    paginator = Paginator(queryset, per_page)
    if count is not None:
        paginator.count = count  # type: ignore[misc]  # a cached_property, known here
    page = paginator.get_page(request.GET.get("page"))
    rows = page.object_list = list(page.object_list)
    if isinstance(queryset, QuerySet):
        page.next_cursor = cursor_after(queryset, rows[-1]) if rows and page.has_next() else None  # type: ignore[attr-defined]
        page.descending = is_descending(queryset)  # type: ignore[attr-defined]
    return page


def query_without_page(request: HttpRequest) -> str:
    """Return the current filters as a query string, for paging and export links."""
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("cursor", None)
    return params.urlencode()
