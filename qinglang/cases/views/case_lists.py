"""One case's lists in full, a page at a time: its transfers, internal notes and timeline.

The case page shows the newest few of each with the exact total and links here. A guessed id of
a case outside the user's scope is a 404, as on the case page; a bad page or cursor is a 400
with its error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from qinglang.cases.models import Case
from qinglang.cases.selectors.cases import case_timeline_events, get_case_for
from qinglang.cases.selectors.collaboration import case_notes_newest_first
from qinglang.cases.selectors.handling import transfers_for_case
from qinglang.cases.views.common import PAGE_SIZE, office_staff_required, query_without_page
from qinglang.core.pages import PageError, strict_page


def paged(request: HttpRequest, rows: Any, per_page: int = PAGE_SIZE) -> dict[str, Any]:
    """Return the context of one strict page of `rows`: `page`, `query`, and `page_error`."""
    try:
        page: Any = strict_page(request, rows, per_page)
        error = None
    except PageError as exc:
        page, error = None, str(exc)
    return {"page": page, "page_error": error, "query": query_without_page(request)}


def _list(
    request: HttpRequest, pk: int, template: str, rows: Callable[[Case], Any]
) -> HttpResponse:
    case = get_case_for(request.user, pk)
    context = paged(request, rows(case))
    return render(
        request, template, {"case": case, **context}, status=400 if context["page_error"] else 200
    )


@office_staff_required
def case_transfer_list(request: HttpRequest, pk: int) -> HttpResponse:
    """List all of a case's transfers, newest first, a page at a time."""
    return _list(request, pk, "cases/case_transfer_list.html", transfers_for_case)


@office_staff_required
def case_note_list(request: HttpRequest, pk: int) -> HttpResponse:
    """List all of a case's internal notes, newest first, a page at a time."""
    return _list(request, pk, "cases/case_note_list.html", case_notes_newest_first)


@office_staff_required
def case_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    """List a case's whole timeline, oldest first, a page at a time."""
    return _list(request, pk, "cases/case_timeline.html", case_timeline_events)
