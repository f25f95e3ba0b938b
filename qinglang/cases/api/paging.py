"""Paging of one case's API lists whose answer is a JSON array (a contract partners parse).

These lists (a case's tasks, transfers and internal notes) answered every row as a bare array.
They now answer one page, still as an array, and take the parameters every other API list
takes (`page`, `page_size` up to 200, `cursor`; `qinglang.core.pagination`). Where the other
lists put `count`, `next` and `previous` in an envelope, these send them as headers: a `Link`
header (RFC 8288, `rel="next"` / `rel="prev"`) and `X-Total-Count` on numbered pages.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from qinglang.core.pagination import MAX_PAGE_SIZE, KeysetPagination


class ArrayPagination(KeysetPagination):
    """KeysetPagination whose answer stays the array of rows, the paging in headers."""

    def get_paginated_response(self, data: Any) -> Response:
        response = Response(data)
        if self.keyset is not None:
            links = {
                "next": self._cursor_link(self.keyset.next_cursor),
                "prev": self._cursor_link(self.keyset.previous_cursor),
            }
        else:
            links = {"next": self.get_next_link(), "prev": self.get_previous_link()}
            response["X-Total-Count"] = str(self.page.paginator.count)
        shown = [f'<{url}>; rel="{rel}"' for rel, url in links.items() if url]
        if shown:
            response["Link"] = ", ".join(shown)
        return response


def paged_array(request: Request, view: Any, rows: Any, serializer: type[Serializer]) -> Response:
    """Answer one page of `rows` as an array of `serializer`, the paging in headers."""
    paginator = ArrayPagination()
    page = paginator.paginate_queryset(rows, request, view)
    return paginator.get_paginated_response(serializer(page, many=True).data)


ARRAY_PAGING = [
    OpenApiParameter(
        "page", OpenApiTypes.INT, description="A page number (default 1).", required=False
    ),
    OpenApiParameter(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
        description=f"Rows per page, 1 to {MAX_PAGE_SIZE} (default 50).",
        required=False,
    ),
    OpenApiParameter(
        "cursor",
        OpenApiTypes.STR,
        description=(
            "An opaque cursor from a `Link` header, or empty for the first page (keyset "
            "paging: no X-Total-Count). A cursor made for another list, or altered, is a 400."
        ),
        required=False,
    ),
    OpenApiParameter(
        "Link",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=True,
        description='The neighbouring pages: `<url>; rel="next"`, `<url>; rel="prev"`.',
    ),
    OpenApiParameter(
        "X-Total-Count",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        response=True,
        description="Rows in the whole list (numbered pages only).",
    ),
]
