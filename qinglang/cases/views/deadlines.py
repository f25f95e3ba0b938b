"""The office's "overdue and due soon" page, with what was escalated to it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from qinglang.cases.selectors.handling import deadline_overview
from qinglang.core.auth import require_verified


@require_verified
def deadline_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "cases/deadline_list.html", {"overview": deadline_overview(request.user)}
    )
