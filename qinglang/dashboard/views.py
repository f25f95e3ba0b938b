"""Dashboard pages: every chart with its table, drill-down links and CSV, for office staff."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from qinglang.core.auth import require_verified
from qinglang.dashboard import selectors
from qinglang.dashboard.charts import CHARTS
from qinglang.dashboard.forms import PeriodForm


def _days(request: HttpRequest) -> int:
    if not selectors.can_view_dashboard(request.user):
        raise PermissionDenied
    form = PeriodForm(request.GET or None)
    return form.cleaned_data["days"] if form.is_valid() else selectors.DEFAULT_DAYS


@require_verified
def dashboard(request: HttpRequest) -> HttpResponse:
    """Show the charts of the user's jurisdiction, each with its table and downloads."""
    days = _days(request)
    charts = [build(request.user, days) for build in CHARTS.values()]
    return render(
        request,
        "dashboard/dashboard.html",
        {
            "charts": charts,
            "chart_data": [c.as_json() for c in charts if c.kind != "table"],
            "days": days,
            "form": PeriodForm(initial={"days": days}),
            "share": selectors.deadline_share(request.user, days),
            "refresh": selectors.last_refresh(),
        },
    )


def _chart(request: HttpRequest, chart: str) -> Any:
    build = CHARTS.get(chart)
    if build is None:
        raise Http404
    return build(request.user, _days(request))


@require_verified
def chart_csv(request: HttpRequest, chart: str) -> HttpResponse:
    """Download one chart's table as CSV (UTF-8 with BOM, so spreadsheets read Chinese)."""
    data = _chart(request, chart)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(data.columns)
    writer.writerows(data.rows)
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="qinglang-{chart}.csv"'
    return response


@require_verified
def chart_json(request: HttpRequest, chart: str) -> JsonResponse:
    """Return one chart's data (columns, rows, drill-down links) as JSON."""
    return JsonResponse(_chart(request, chart).as_json())
