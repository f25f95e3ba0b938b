"""The API's default paging: numbered pages as before, or signed cursors (`?cursor=`).

`?page=` answers `{"count", "next", "previous", "results"}` exactly as DRF's
PageNumberPagination does (partner clients rely on it); a view whose `known_count()` returns
the list's size (from a tally) spares the COUNT(*). `?cursor=` pages by keyset
(`qinglang.core.keyset`): no count (`count` is null), and `next` / `previous` carry cursors,
so a page deep in a national list costs what the first page costs. `?cursor=` left empty asks
the first page in cursor mode. `page_size` is at most `MAX_PAGE_SIZE`; a larger, zero or
non-numeric value is a 400 naming `page_size`.

Web pages use `page_of` (numbered pages, `?page=` or a parameter of their own when one page
shows several lists) with the `core/_pager.html` navigation.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from qinglang.core.keyset import CursorError, KeysetPage, cursor_after, is_descending, keyset_page

MAX_PAGE_SIZE = 200
WEB_PAGE_SIZE = 50


def page_of(
    request: HttpRequest, queryset: Any, per_page: int = WEB_PAGE_SIZE, *, param: str = "page"
) -> Page:
    """Return the numbered page `?<param>=` of a web list, its rows read once (a list).

    As on every paged page of the site, a page number that is not a number gives the first
    page and one past the end the last: a stale link still shows rows, and changes nothing.
    """
    page = Paginator(queryset, per_page).get_page(request.GET.get(param))
    page.object_list = list(page.object_list)
    return page


class KnownCountPaginator(Paginator):
    """Django's paginator told the list's size, instead of running COUNT(*) over it."""

    def __init__(self, object_list: Any, per_page: int, *, count: int, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.__dict__["count"] = count  # `count` is a cached_property


class KeysetPagination(PageNumberPagination):
    """Numbered pages (`page`), or keyset pages (`cursor`); `page_size` up to 200."""

    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    cursor_query_param = "cursor"
    keyset: KeysetPage | None = None

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw in (None, ""):
            return int(self.page_size or 50)
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("Enter a whole number from 1 to %(max)d.") % {"max": MAX_PAGE_SIZE}
                    ]
                }
            )
        return int(raw)

    def paginate_queryset(
        self, queryset: Any, request: Request, view: Any = None
    ) -> list[Any] | None:
        self.keyset = None
        self.request = request
        size = self.get_page_size(request)
        cursor = request.query_params.get(self.cursor_query_param)
        if cursor is None:
            known = getattr(view, "known_count", None)
            count = known() if callable(known) else None
            if count is not None:
                # a class in DRF's annotation; any callable building a Paginator will do
                self.django_paginator_class = partial(KnownCountPaginator, count=count)  # type: ignore[assignment]
            return super().paginate_queryset(queryset, request, view)
        if request.query_params.get(self.page_query_param):
            raise ValidationError({"cursor": [_("Use either page or cursor, not both.")]})
        if not isinstance(queryset, QuerySet):
            raise ValidationError({"cursor": [_("This list cannot be paged with a cursor.")]})
        try:
            self.keyset = keyset_page(queryset, cursor or None, size)
        except CursorError as exc:
            raise ValidationError(exc.detail()) from None
        return self.keyset.rows

    def _cursor_link(self, cursor: str | None) -> str | None:
        if cursor is None:
            return None
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        return replace_query_param(url, self.cursor_query_param, cursor)

    def get_paginated_response(self, data: Any) -> Response:
        if self.keyset is None:
            return super().get_paginated_response(data)
        return Response(
            {
                "count": None,
                "next": self._cursor_link(self.keyset.next_cursor),
                "previous": self._cursor_link(self.keyset.previous_cursor),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        answer = super().get_paginated_response_schema(schema)
        answer["properties"]["count"] = {
            "type": "integer",
            "nullable": True,
            "minimum": 0,
            "description": "Rows in the list (numbered pages); null with a cursor.",
        }
        return answer

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        params = super().get_schema_operation_parameters(view)
        for param in params:
            if param["name"] == self.page_size_query_param:
                param["schema"] = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}
                param["description"] = (
                    f"Results per page, 1 to {MAX_PAGE_SIZE} (default {self.page_size or 50})."
                )
        params.append(
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": (
                    "An opaque cursor from a `next` or `previous` link, or empty for the first "
                    "page (keyset paging: `count` is null). A cursor made for another ordering, "
                    "or altered, is a 400."
                ),
                "schema": {"type": "string"},
            }
        )
        return params


def paginate(
    request: HttpRequest, queryset: Any, per_page: int = 50, *, count: int | None = None
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
