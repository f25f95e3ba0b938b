"""Pickers and quick search: small scoped JSON endpoints, and Ctrl-K's jump to a case or report."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from qinglang.cases.selectors.pickers import find_exact, pick_cases, pick_offices
from qinglang.cases.views.common import office_staff_required


def _q(request: HttpRequest) -> str:
    return (request.GET.get("q") or "").strip()[:200]


@office_staff_required
def case_picker(request: HttpRequest) -> JsonResponse:
    """Return up to 20 visible open cases matching a number or text (`exclude`: not this one)."""
    exclude = request.GET.get("exclude", "")
    rows = pick_cases(
        request.user, _q(request), exclude=int(exclude) if exclude.isdigit() else None
    )
    return JsonResponse(
        {"results": [{"id": c.pk, "number": c.number, "title": c.title} for c in rows]}
    )


@office_staff_required
def office_picker(request: HttpRequest) -> JsonResponse:
    """Return up to 20 active regulator offices by name, never the user's own."""
    return JsonResponse(
        {"results": [{"id": o.pk, "name": o.name} for o in pick_offices(request.user, _q(request))]}
    )


@office_staff_required
def quick_search(request: HttpRequest) -> HttpResponse:
    """Open the case or report named by number or tracking code, else search identifiers."""
    q = _q(request)
    found = find_exact(request.user, q) if q else None
    if found is not None:
        return redirect(found)
    return redirect(reverse("registry:search") + "?" + urlencode({"q": q}))
