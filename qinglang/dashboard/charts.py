"""The dashboard's charts: each one a table (columns, rows), a drill-down link per row, a kind."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qinglang.cases.models import CaseStatus
from qinglang.core.models import Organization, OrganizationKind, User
from qinglang.core.workdays import SHANGHAI
from qinglang.dashboard import selectors
from qinglang.dashboard.models import Dimension
from qinglang.intake.models import ReportCategory, channel_label


@dataclass
class Chart:
    """One chart's data: also its table on the page and its CSV download."""

    name: str
    title: str
    kind: str  # "line", "bar", "map" or "table"
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    series: list[int] = field(default_factory=lambda: [1])  # columns drawn as series
    codes: list[str] = field(default_factory=list)  # a map's division code per row
    map: dict[str, str] = field(default_factory=dict)  # a map's ECharts name and shape file

    @property
    def table(self) -> list[tuple[list[Any], str]]:
        """Return each row with its drill-down link ("" when none)."""
        return [
            (row, self.links[i] if i < len(self.links) else "") for i, row in enumerate(self.rows)
        ]

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "kind": self.kind,
            "columns": self.columns,
            "rows": self.rows,
            "links": self.links,
            "series": self.series,
            "codes": self.codes,
            "map": self.map,
        }


def _url(name: str, **params: Any) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{reverse(name)}?{query}" if query else reverse(name)


def _today() -> dt.date:
    return timezone.now().astimezone(SHANGHAI).date()


def _window(days: int) -> tuple[str, str]:
    today = _today()
    return (today - dt.timedelta(days=days - 1)).isoformat(), today.isoformat()


STAGE_LABELS = {"triage": gettext_lazy("Awaiting triage"), **dict(CaseStatus.choices)}


def intake(user: User, days: int) -> Chart:
    rows = selectors.intake_per_day(user, days)
    return Chart(
        name="intake",
        title=_("Reports received per day"),
        kind="line",
        columns=[_("Date"), _("Reports")],
        rows=[[r["date"], r["count"]] for r in rows],
        links=[
            _url("cases:triage_list", status="", date_from=r["date"], date_to=r["date"])
            for r in rows
        ],
    )


def channels(user: User, days: int) -> Chart:
    rows = selectors.intake_by_channel(user, days)
    totals: dict[str, int] = {}
    for r in rows:
        totals[r["channel"]] = totals.get(r["channel"], 0) + r["count"]
    date_from, date_to = _window(days)
    ordered = sorted(totals.items(), key=lambda kv: -kv[1])
    return Chart(
        name="channels",
        title=_("Reports received by channel"),
        kind="bar",
        columns=[_("Channel"), _("Reports")],
        rows=[[channel_label(k), v] for k, v in ordered],
        links=[
            _url("cases:triage_list", status="", date_from=date_from, date_to=date_to)
            for _k, _v in ordered
        ],
    )


def backlog(user: User, days: int) -> Chart:
    rows = selectors.backlog_by_stage(user)
    return Chart(
        name="backlog",
        title=_("Backlog by stage"),
        kind="bar",
        columns=[_("Stage"), _("Count")],
        rows=[[str(STAGE_LABELS.get(r["stage"], r["stage"])), r["count"]] for r in rows],
        links=[
            _url("cases:triage_list")
            if r["stage"] == "triage"
            else _url("cases:case_list", status=r["stage"])
            for r in rows
        ],
    )


def overdue(user: User, days: int) -> Chart:
    rows = selectors.overdue_by_office(user)
    today = _today().isoformat()
    return Chart(
        name="overdue",
        title=_("Overdue and due soon by office"),
        kind="bar",
        columns=[_("Office"), _("Overdue"), _("Due soon")],
        rows=[[r["office"], r["overdue"], r["due_soon"]] for r in rows],
        links=[_url("cases:case_list", office=r["office_id"], due_before=today) for r in rows],
        series=[1, 2],
    )


def categories(user: User, days: int) -> Chart:
    rows = selectors.by_category(user, days)
    labels = dict(ReportCategory.choices)
    date_from, date_to = _window(days)
    return Chart(
        name="categories",
        title=_("Reports received by category"),
        kind="bar",
        columns=[_("Category"), _("Reports")],
        rows=[[str(labels.get(r["category"], r["category"])), r["count"]] for r in rows],
        links=[
            _url(
                "cases:triage_list",
                status="",
                category=r["category"],
                date_from=date_from,
                date_to=date_to,
            )
            for r in rows
        ],
    )


def _queue_links(rows: list[dict[str, Any]], days: int, **office_filter: Any) -> list[str]:
    """Link each {code} row to the triage queue of the regulator office of that region."""
    offices = dict(
        Organization.objects.filter(
            kind=OrganizationKind.REGULATOR_OFFICE,
            region__code__in=[r["code"] for r in rows if r["code"]],
            **office_filter,
        ).values_list("region__code", "pk")
    )
    date_from, date_to = _window(days)
    return [
        _url(
            "cases:triage_list",
            status="",
            office=offices.get(r["code"]),
            date_from=date_from,
            date_to=date_to,
        )
        for r in rows
    ]


def regions(user: User, days: int) -> Chart:
    rows = selectors.by_region(user, days)
    return Chart(
        name="regions",
        title=_("Reports received by province"),
        kind="bar",
        columns=[_("Region"), _("Reports")],
        rows=[[r["region"] or _("National pool"), r["count"]] for r in rows],
        links=_queue_links(rows, days, level="provincial"),
    )


def region_map(user: User, days: int) -> Chart:
    """Reports per province on a map of China, or per prefecture on a provincial office's map."""
    view, rows = selectors.by_area(user, days)
    return Chart(
        name="region_map",
        title=(
            _("Reports received by prefecture") if view.province else _("Map of reports received")
        ),
        kind="map",
        columns=[_("Region"), _("Reports")],
        rows=[[r["region"], r["count"]] for r in rows],
        codes=[r["code"] for r in rows],
        map={"name": view.name, "src": static(view.path)},
        links=_queue_links(rows, days),
    )


def identifiers(user: User, days: int) -> Chart:
    rows = selectors.top_identifiers(user)
    return Chart(
        name="identifiers",
        title=_("Most correlated identifiers"),
        kind="bar",
        columns=[_("Identifier"), _("Occurrences")],
        rows=[[f"{r['kind']}: {r['value']}", r["count"]] for r in rows],
        links=[
            reverse("registry:identifier", kwargs={"kind": r["kind"], "value": r["value"]})
            for r in rows
        ],
    )


def networks(user: User, days: int) -> Chart:
    rows = selectors.networks_in_scope(user)
    return Chart(
        name="networks",
        title=_("Intermediary networks"),
        kind="bar",
        columns=[_("Network"), _("Sources linked")],
        rows=[[f"#{r['network']} {r['label']}", r["size"]] for r in rows],
        links=[reverse("registry:networks") for _r in rows],
    )


def agencies(user: User, days: int) -> Chart:
    rows = selectors.agencies_awaiting_feedback(user)
    return Chart(
        name="agencies",
        title=_("Transfers awaiting feedback by agency"),
        kind="bar",
        columns=[_("Agency"), _("Awaiting feedback"), _("Overdue")],
        rows=[[r["agency"], r["pending"], r["overdue"]] for r in rows],
        links=[_url("cases:transfer_list", direction="sent") for _r in rows],
        series=[1, 2],
    )


MEASURES = ("first_action", "stage:new", "stage:investigating", "stage:awaiting_feedback")
MEASURE_LABELS = {
    "first_action": gettext_lazy("Hours to first action"),
    "stage:new": gettext_lazy("Hours new"),
    "stage:investigating": gettext_lazy("Hours investigating"),
    "stage:awaiting_feedback": gettext_lazy("Hours awaiting feedback"),
    "stage:decided": gettext_lazy("Hours decided before closing"),
    "close": gettext_lazy("Hours to close"),
}


def _durations(user: User, dimension: str, name: str, title: str, first: str) -> Chart:
    rows = selectors.durations(user, dimension)
    measures = list(MEASURE_LABELS)
    labels = dict(ReportCategory.choices)

    def label(entry: dict[str, Any]) -> str:
        if dimension == Dimension.CATEGORY:
            return str(labels.get(entry["key"], entry["key"]))
        return entry["label"]

    return Chart(
        name=name,
        title=title,
        kind="table",
        columns=[first, *[str(MEASURE_LABELS[m]) for m in measures]],
        rows=[
            [label(e), *[e["measures"].get(m, {}).get("hours", "") for m in measures]] for e in rows
        ],
        links=[
            _url("cases:case_list", office=e["key"]) if dimension == Dimension.OFFICE else ""
            for e in rows
        ],
        series=[],
    )


def durations_office(user: User, days: int) -> Chart:
    return _durations(
        user, Dimension.OFFICE, "durations_office", _("Handling time by office"), _("Office")
    )


def durations_handler(user: User, days: int) -> Chart:
    return _durations(
        user, Dimension.HANDLER, "durations_handler", _("Handling time by handler"), _("Handler")
    )


def durations_category(user: User, days: int) -> Chart:
    return _durations(
        user,
        Dimension.CATEGORY,
        "durations_category",
        _("Handling time by category"),
        _("Category"),
    )


CHARTS: dict[str, Callable[[User, int], Chart]] = {
    "overdue": overdue,
    "intake": intake,
    "channels": channels,
    "backlog": backlog,
    "categories": categories,
    "region_map": region_map,
    "regions": regions,
    "agencies": agencies,
    "identifiers": identifiers,
    "networks": networks,
    "durations_office": durations_office,
    "durations_handler": durations_handler,
    "durations_category": durations_category,
}
