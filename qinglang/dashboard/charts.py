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
from qinglang.core.models import User
from qinglang.core.workdays import SHANGHAI
from qinglang.dashboard import selectors
from qinglang.dashboard.models import Dimension
from qinglang.intake.models import CHANNEL_LABELS, ReportCategory, channel_label


@dataclass
class Chart:
    """One chart's data: also its table on the page and its CSV download."""

    name: str
    title: str
    kind: str  # "line", "bar", "map" or "table"
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # per row: the list behind the whole row
    series: list[int] = field(default_factory=lambda: [1])  # columns drawn as series
    codes: list[str] = field(default_factory=list)  # a map's division code per row
    map: dict[str, str] = field(default_factory=dict)  # a map's ECharts name and shape file
    # Per column (index) and row: the list behind one number, where it differs from the row's.
    column_links: dict[int, list[str]] = field(default_factory=dict)
    stack: bool = False  # series stacked (a day's channels add up to its intake)

    def link(self, row: int, column: int) -> str:
        """Return the drill-down link of one cell ("" when none)."""
        links = self.column_links.get(column, self.links if column == 0 else [])
        return links[row] if row < len(links) else ""

    @property
    def series_labels(self) -> list[tuple[int, str]]:
        """Return (column, heading) of each series (a map's choices of what it shows)."""
        return [(c, self.columns[c]) for c in self.series]

    @property
    def table(self) -> list[list[tuple[Any, str]]]:
        """Return each row as (value, drill-down link or "") per cell."""
        return [
            [(value, self.link(i, c)) for c, value in enumerate(row)]
            for i, row in enumerate(self.rows)
        ]

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "kind": self.kind,
            "columns": self.columns,
            "rows": self.rows,
            "links": self.links,
            "column_links": {str(c): links for c, links in self.column_links.items()},
            "series": self.series,
            "stack": self.stack,
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


def _received(**params: Any) -> str:
    """Return the triage queue of reports received (any status) matching `params`."""
    return _url("cases:triage_list", status="", **params)


def _scope_region(user: User) -> str | None:
    """Return the region filter naming the user's jurisdiction (None for the national office)."""
    return user.organization.scope_prefix or None


STAGE_LABELS = {"triage": gettext_lazy("Awaiting triage"), **dict(CaseStatus.choices)}


def _channels_in(cells: list[dict[str, Any]]) -> list[str]:
    present = {c["channel"] for c in cells}
    return [c for c in CHANNEL_LABELS if c in present] + sorted(present - set(CHANNEL_LABELS))


def intake(user: User, days: int) -> Chart:
    """Reports received per day, stacked by channel; each cell opens that day's channel."""
    cells = selectors.intake_by_channel(user, days)
    channels = _channels_in(cells)
    counts = {(c["date"], c["channel"]): c["count"] for c in cells}
    first = dt.date.fromisoformat(_window(days)[0])
    dates = [(first + dt.timedelta(days=i)).isoformat() for i in range(days)]
    rows = []
    for date in dates:
        per_channel = [counts.get((date, ch), 0) for ch in channels]
        rows.append([date, *per_channel, sum(per_channel)])
    day_links = [_received(date_from=d, date_to=d) for d in dates]
    column_links = {  # an unknown channel code (old data) has no filter to open
        i + 1: [_received(channel=ch, date_from=d, date_to=d) for d in dates]
        if ch in CHANNEL_LABELS
        else []
        for i, ch in enumerate(channels)
    }
    column_links[len(channels) + 1] = day_links
    return Chart(
        name="intake",
        title=_("Reports received per day by channel"),
        kind="line",
        columns=[_("Date"), *[channel_label(ch) for ch in channels], _("Total")],
        rows=rows,
        links=day_links,
        column_links=column_links,
        series=list(range(1, len(channels) + 1)) or [1],
        stack=bool(channels),
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
            _received(channel=k, date_from=date_from, date_to=date_to)
            if k in CHANNEL_LABELS
            else ""
            for k, _v in ordered
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
            # Cases led in the jurisdiction (the list adds those the office co-handles).
            else _url("cases:case_list", status=r["stage"], region=_scope_region(user))
            for r in rows
        ],
    )


def _deadlines(**params: Any) -> str:
    """Return the deadlines page filtered like the overdue figures (responsible office)."""
    return _url("cases:deadline_list", **params)


def overdue(user: User, days: int) -> Chart:
    rows = selectors.overdue_by_office(user)
    overdue_links = [_deadlines(responsible=r["office_id"], status="breached") for r in rows]
    soon_links = [_deadlines(responsible=r["office_id"], status="at_risk") for r in rows]
    return Chart(
        name="overdue",
        title=_("Overdue and due soon by office"),
        kind="bar",
        columns=[_("Office"), _("Overdue"), _("Due soon")],
        rows=[[r["office"], r["overdue"], r["due_soon"]] for r in rows],
        links=overdue_links,
        column_links={1: overdue_links, 2: soon_links},
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


def regions(user: User, days: int) -> Chart:
    rows = selectors.by_region(user, days)
    date_from, date_to = _window(days)
    pool = selectors.national_pool_offices() if any(not r["code"] for r in rows) else []

    def link(code: str) -> str:
        if code:
            return _received(region=code[:2], date_from=date_from, date_to=date_to)
        if len(pool) == 1:  # the national pool: work of the office without a region
            return _received(office=pool[0], date_from=date_from, date_to=date_to)
        return ""

    return Chart(
        name="regions",
        title=_("Reports received by province"),
        kind="bar",
        columns=[_("Region"), _("Reports")],
        rows=[[r["region"] or _("National pool"), r["count"]] for r in rows],
        links=[link(r["code"]) for r in rows],
    )


def region_map(user: User, days: int) -> Chart:
    """Overdue and due-soon work and reports received per area on a map; overdue first.

    Provinces for the nation, prefectures (districts in a municipality) for a provincial or
    city office. Each area opens the list of its overdue (due-soon, received) items.
    """
    view, rows = selectors.work_by_area(user, days)
    date_from, date_to = _window(days)
    prefixes = [view.area_prefix(r["code"]) for r in rows]
    overdue_links = [_deadlines(region=p, status="breached") for p in prefixes]
    return Chart(
        name="region_map",
        title=(_("Overdue work by prefecture") if view.province else _("Map of overdue work")),
        kind="map",
        columns=[_("Region"), _("Overdue"), _("Due soon"), _("Reports received")],
        rows=[[r["region"], r["overdue"], r["due_soon"], r["reports"]] for r in rows],
        codes=[r["code"] for r in rows],
        map={"name": view.name, "src": static(view.path)},
        links=overdue_links,
        column_links={
            1: overdue_links,
            2: [_deadlines(region=p, status="at_risk") for p in prefixes],
            3: [_received(region=p, date_from=date_from, date_to=date_to) for p in prefixes],
        },
        series=[1, 2, 3],
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
        links=[
            _url("cases:transfer_list", direction="sent", agency=r["agency_id"], pending="yes")
            for r in rows
        ],
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


def _duration_link(dimension: str, key: str) -> str:
    """Return the cases an average was taken over: an office's or a category's (no list of
    another handler's cases exists)."""
    if dimension == Dimension.OFFICE:
        return _url("cases:case_list", office=key)
    if dimension == Dimension.CATEGORY:
        return _url("cases:case_list", category=key)
    return ""


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
        links=[_duration_link(dimension, e["key"]) for e in rows],
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
