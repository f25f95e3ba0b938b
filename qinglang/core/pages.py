"""Strict paging of web lists: a bad `?page=` or `?cursor=` is a clear error, not another page.

Numbered pages (`?page=`) or keyset pages (`?cursor=`, `qinglang.core.keyset`). Unlike the
forgiving pager of the big lists (which shows the first or last page instead), the pages of
one object's rows answer a page number that is not a whole number from 1, a page past the end,
or a tampered, foreign or expired cursor with `PageError`, which the view shows with a 400.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from qinglang.core.keyset import CursorError, KeysetPage, cursor_after, is_descending, keyset_page


class PageError(ValueError):
    """The page or cursor asked for does not name a page of this list."""


def strict_page(request: HttpRequest, rows: QuerySet[Any], per_page: int) -> Page | KeysetPage:
    """Return the page of `rows` that `?page=` or `?cursor=` names, or raise PageError.

    A numbered page carries `next_cursor` and `descending` as the forgiving pager's do, so the
    same pager template links both ways.
    """
    if "cursor" in request.GET:
        if request.GET.get("page"):
            raise PageError(_("Use either page or cursor, not both."))
        try:
            return keyset_page(rows, request.GET["cursor"] or None, per_page)
        except CursorError as exc:
            raise PageError(str(exc)) from None
    raw = request.GET.get("page") or "1"
    if not raw.isdigit() or int(raw) < 1:
        raise PageError(_("Enter a page number: a whole number from 1."))
    paginator = Paginator(rows, per_page)
    number = int(raw)
    if number > paginator.num_pages:
        raise PageError(
            _("There is no page %(n)s: the list has %(pages)s.")
            % {"n": number, "pages": paginator.num_pages}
        )
    page = paginator.page(number)
    shown = page.object_list = list(page.object_list)
    page.next_cursor = cursor_after(rows, shown[-1]) if shown and page.has_next() else None  # type: ignore[attr-defined]
    page.descending = is_descending(rows)  # type: ignore[attr-defined]
    return page
