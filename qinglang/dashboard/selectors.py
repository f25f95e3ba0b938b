"""Scoped reads of the dashboard's aggregate tables (what a user's jurisdiction covers)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from qinglang.core import jurisdiction
from qinglang.core.models import Organization, OrganizationKind, Region, User
from qinglang.core.workdays import SHANGHAI
from qinglang.dashboard.maps import MapView, map_for_prefix
from qinglang.dashboard.models import Dimension, DurationFigure, Figure, Metric, Refresh

STAGES = ("triage", "new", "investigating", "awaiting_feedback", "decided")
DEFAULT_DAYS = 30
MAX_DAYS = 366


def can_view_dashboard(user: User | Any) -> bool:
    """Return whether `user` works in a regulator office (the dashboards are theirs)."""
    org = getattr(user, "organization", None) if getattr(user, "is_authenticated", False) else None
    return org is not None and org.is_regulator and org.is_active


def figures_visible_to(user: User, metric: str) -> QuerySet[Figure]:
    """Return one metric's figures for the offices in the user's jurisdiction."""
    if not can_view_dashboard(user):
        return Figure.objects.none()
    return Figure.objects.filter(
        jurisdiction.office_scope_q(user, "office"), metric=metric, office__isnull=False
    )


def _region_scope(user: User) -> Q:
    prefix = user.organization.scope_prefix if can_view_dashboard(user) else None
    if prefix is None:
        return Q(pk__in=[])
    return Q() if prefix == "" else Q(region_code__startswith=prefix)


def _since(days: int) -> dt.date:
    return timezone.now().astimezone(SHANGHAI).date() - dt.timedelta(days=days - 1)


def _window(days: int) -> Q:
    """Return the figures of the last `days` days, both ends named.

    The upper end changes no answer (no figure is dated after today) but lets SQLite's planner,
    which has no statistics on the days, see a bounded range of the (metric, day) index rather
    than read every day of the metric in region order.
    """
    since = _since(days)
    return Q(day__gte=since, day__lte=since + dt.timedelta(days=days - 1))


@dataclass
class Summary:
    """What the summary API and the dashboard's head show."""

    intake: list[dict[str, Any]] = field(default_factory=list)
    intake_by_channel: list[dict[str, Any]] = field(default_factory=list)
    backlog: list[dict[str, Any]] = field(default_factory=list)
    overdue_by_office: list[dict[str, Any]] = field(default_factory=list)
    within_deadline_share: float = 1.0
    by_region: list[dict[str, Any]] = field(default_factory=list)
    by_category: list[dict[str, Any]] = field(default_factory=list)
    refreshed_at: dt.datetime | None = None


def intake_per_day(user: User, days: int = DEFAULT_DAYS) -> list[dict[str, Any]]:
    """Return [{date, count}] for every day of the window (zero days included)."""
    since = _since(days)
    rows = (
        figures_visible_to(user, Metric.INTAKE)
        .filter(_window(days))
        .values("day")
        .annotate(n=Sum("count"))
        .order_by()
    )
    counts = {r["day"]: r["n"] for r in rows}
    return [
        {
            "date": (since + dt.timedelta(days=i)).isoformat(),
            "count": counts.get(since + dt.timedelta(days=i), 0),
        }
        for i in range(days)
    ]


def intake_by_channel(user: User, days: int = DEFAULT_DAYS) -> list[dict[str, Any]]:
    """Return [{date, channel, count}] over the window (non-zero cells only)."""
    rows = (
        figures_visible_to(user, Metric.INTAKE)
        .filter(_window(days))
        .values("day", "key")
        .annotate(n=Sum("count"))
        .order_by("day", "key")
    )
    return [{"date": r["day"].isoformat(), "channel": r["key"], "count": r["n"]} for r in rows]


def backlog_by_stage(user: User) -> list[dict[str, Any]]:
    """Return [{stage, count}] in the lifecycle's order, every stage listed."""
    rows = (
        figures_visible_to(user, Metric.BACKLOG).values("key").annotate(n=Sum("count")).order_by()
    )
    counts = {r["key"]: r["n"] for r in rows}
    return [{"stage": s, "count": counts.get(s, 0)} for s in STAGES]


def overdue_by_office(user: User) -> list[dict[str, Any]]:
    """Return [{office, office_id, overdue, due_soon}] per office in scope (own office first)."""
    if not can_view_dashboard(user):
        return []
    offices = _offices_in_scope(user)
    counts: dict[int, dict[str, int]] = {o.pk: {"overdue": 0, "due_soon": 0} for o in offices}
    for metric, name in ((Metric.OVERDUE, "overdue"), (Metric.DUE_SOON, "due_soon")):
        rows = (
            figures_visible_to(user, metric).values("office_id").annotate(n=Sum("count")).order_by()
        )
        for r in rows:
            counts.setdefault(r["office_id"], {"overdue": 0, "due_soon": 0})[name] = r["n"]
    names = {o.pk: o for o in offices}
    own = user.organization_id
    ordered = sorted(
        counts,
        key=lambda pk: (pk != own, -counts[pk]["overdue"], names[pk].name if pk in names else ""),
    )
    return [
        {
            "office": names[pk].name if pk in names else str(pk),
            "office_id": pk,
            "overdue": counts[pk]["overdue"],
            "due_soon": counts[pk]["due_soon"],
        }
        for pk in ordered
        if pk in names
    ]


def _offices_in_scope(user: User) -> list[Organization]:
    """Return the regulator offices the user oversees: its own and its subordinates'."""
    org = user.organization
    prefix = org.scope_prefix
    qs = Organization.objects.filter(kind=OrganizationKind.REGULATOR_OFFICE, is_active=True)
    if prefix:
        qs = qs.filter(region__code__startswith=prefix)
    elif prefix is None:
        return []
    return list(qs.select_related("region").order_by("level", "name"))


def deadline_share(user: User, days: int = DEFAULT_DAYS) -> float | None:
    """Return the share of work completed in the window that met its deadline; None if none."""
    done = (
        figures_visible_to(user, Metric.COMPLETED).filter(_window(days)).aggregate(n=Sum("count"))
    )
    if not done["n"]:
        return None
    ok = figures_visible_to(user, Metric.ON_TIME).filter(_window(days)).aggregate(n=Sum("count"))
    return round((ok["n"] or 0) / done["n"], 4)


def within_deadline_share(user: User, days: int = DEFAULT_DAYS) -> float:
    """Return `deadline_share`, 1.0 when nothing was completed (the API's number, never null)."""
    share = deadline_share(user, days)
    return 1.0 if share is None else share


def by_region(user: User, days: int = DEFAULT_DAYS) -> list[dict[str, Any]]:
    """Return [{region, code, count}] of reports received per province (national pool as "")."""
    rows = (
        figures_visible_to(user, Metric.INTAKE)
        .filter(_window(days))
        .values("region_code")
        .annotate(n=Sum("count"))
        .order_by()
    )
    provinces: dict[str, int] = {}
    for r in rows:
        code = (r["region_code"][:2] + "0000") if r["region_code"] else ""
        provinces[code] = provinces.get(code, 0) + r["n"]
    names = dict(
        Region.objects.filter(code__in=[c for c in provinces if c]).values_list("code", "name")
    )
    out = [
        {"region": names.get(code, code) if code else "", "code": code, "count": n}
        for code, n in provinces.items()
    ]
    return sorted(out, key=lambda r: (-r["count"], r["code"]))


def by_area(
    user: User, days: int = DEFAULT_DAYS, metric: str = Metric.INTAKE
) -> tuple[MapView, list[dict[str, Any]]]:
    """Return the user's map and [{region, code, count}] of a metric per area drawn on it.

    A national user sees provinces; a provincial or city office sees its province by prefecture
    (municipalities by district). Work of the national pool (no region) is left out. Intake is
    counted over the window; overdue and due-soon work as of the last refresh.
    """
    view = map_for_prefix(user.organization.scope_prefix if can_view_dashboard(user) else None)
    figures = figures_visible_to(user, metric).exclude(region_code="")
    if metric == Metric.INTAKE:
        figures = figures.filter(_window(days))
    rows = figures.values("region_code").annotate(n=Sum("count")).order_by()
    areas: dict[str, int] = {}
    for r in rows:
        if view.province and not r["region_code"].startswith(view.province):
            continue
        code = view.area_code(r["region_code"])
        areas[code] = areas.get(code, 0) + r["n"]
    names = dict(Region.objects.filter(code__in=list(areas)).values_list("code", "name"))
    out = [{"region": names.get(code, code), "code": code, "count": n} for code, n in areas.items()]
    return view, sorted(out, key=lambda r: (-r["count"], r["code"]))


def work_by_area(user: User, days: int = DEFAULT_DAYS) -> tuple[MapView, list[dict[str, Any]]]:
    """Return the user's map and [{region, code, overdue, due_soon, reports}] per area on it.

    Overdue and due-soon work as of the last refresh (by the responsible office's region),
    reports received over the window; two figure queries and one for the areas' names.
    """
    view = map_for_prefix(user.organization.scope_prefix if can_view_dashboard(user) else None)
    if not can_view_dashboard(user):
        return view, []
    names_of: dict[str, str] = {
        Metric.OVERDUE: "overdue",
        Metric.DUE_SOON: "due_soon",
        Metric.INTAKE: "reports",
    }
    # Two reads, each bounded by its index: current metrics by metric, intake by (metric, day).
    # One OR-ed read made SQLite scan a whole index.
    scoped = Figure.objects.filter(
        jurisdiction.office_scope_q(user, "office"), office__isnull=False
    ).exclude(region_code="")
    rows = [
        *scoped.filter(metric__in=[Metric.OVERDUE, Metric.DUE_SOON])
        .values("metric", "region_code")
        .annotate(n=Sum("count"))
        .order_by(),
        *scoped.filter(_window(days), metric=Metric.INTAKE)
        .values("metric", "region_code")
        .annotate(n=Sum("count"))
        .order_by(),
    ]
    areas: dict[str, dict[str, Any]] = {}
    for r in rows:
        if view.province and not r["region_code"].startswith(view.province):
            continue
        code = view.area_code(r["region_code"])
        entry = areas.setdefault(code, {"code": code, "overdue": 0, "due_soon": 0, "reports": 0})
        entry[names_of[r["metric"]]] += r["n"]
    names = dict(Region.objects.filter(code__in=list(areas)).values_list("code", "name"))
    for code, entry in areas.items():
        entry["region"] = names.get(code, code)
    ordered = sorted(
        areas.values(), key=lambda a: (-a["overdue"], -a["due_soon"], -a["reports"], a["code"])
    )
    return view, ordered


def national_pool_offices() -> list[int]:
    """Return the regulator offices without a region (their work is the national pool)."""
    return list(
        Organization.objects.filter(
            kind=OrganizationKind.REGULATOR_OFFICE, region__isnull=True
        ).values_list("pk", flat=True)
    )


def by_category(user: User, days: int = DEFAULT_DAYS) -> list[dict[str, Any]]:
    """Return [{category, count}] of reports received in the window, largest first."""
    rows = (
        figures_visible_to(user, Metric.CATEGORY)
        .filter(_window(days))
        .values("key")
        .annotate(n=Sum("count"))
        .order_by("-n", "key")
    )
    return [{"category": r["key"], "count": r["n"]} for r in rows]


def agencies_awaiting_feedback(user: User) -> list[dict[str, Any]]:
    """Return [{agency, agency_id, pending, overdue}] of transfers sent from offices in scope."""
    pending = (
        figures_visible_to(user, Metric.AGENCY_PENDING)
        .values("key", "label")
        .annotate(n=Sum("count"))
        .order_by()
    )
    late = {
        r["key"]: r["n"]
        for r in figures_visible_to(user, Metric.AGENCY_OVERDUE)
        .values("key")
        .annotate(n=Sum("count"))
        .order_by()
    }
    rows = [
        {
            "agency": r["label"],
            "agency_id": int(r["key"]),
            "pending": r["n"],
            "overdue": late.get(r["key"], 0),
        }
        for r in pending
    ]
    return sorted(rows, key=lambda r: (-r["overdue"], -r["pending"], r["agency"]))


def top_identifiers(user: User, limit: int = 10) -> list[dict[str, Any]]:
    """Return the identifiers seen most often in the user's jurisdiction (shared ≥ 2 times)."""
    rows = (
        figures_visible_to(user, Metric.IDENTIFIER)
        .values("key")
        .annotate(n=Sum("count"))
        .order_by("-n", "key")[:limit]
    )
    out = []
    for r in rows:
        kind, _sep, value = r["key"].partition(":")
        out.append({"kind": kind, "value": value, "count": r["n"]})
    return out


def networks_in_scope(user: User, limit: int = 10) -> list[dict[str, Any]]:
    """Return intermediary networks touching the user's jurisdiction, largest first."""
    if not can_view_dashboard(user):
        return []
    rows = (
        Figure.objects.filter(_region_scope(user), metric=Metric.NETWORK)
        .values("key", "label", "count")
        .distinct()
        .order_by("-count", "key")[:limit]
    )
    return [{"network": int(r["key"]), "label": r["label"], "size": r["count"]} for r in rows]


def durations(user: User, dimension: str = Dimension.OFFICE) -> list[dict[str, Any]]:
    """Return average hours per measure for each office / handler / category in scope."""
    if not can_view_dashboard(user) or dimension not in Dimension.values:
        return []
    rows = (
        DurationFigure.objects.filter(
            jurisdiction.office_scope_q(user, "office"), dimension=dimension
        )
        .values("key", "label", "measure")
        .annotate(n=Sum("count"), s=Sum("seconds"))
        .order_by("key", "measure")
    )
    names: dict[str, str] = {}
    if dimension == Dimension.OFFICE:
        names = {
            str(pk): n
            for pk, n in Organization.objects.filter(
                pk__in={int(r["key"]) for r in rows}
            ).values_list("pk", "name")
        }
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        entry = out.setdefault(
            r["key"],
            {
                "key": r["key"],
                "label": names.get(r["key"]) or r["label"] or r["key"],
                "measures": {},
            },
        )
        entry["measures"][r["measure"]] = {
            "count": r["n"],
            "hours": round(r["s"] / r["n"] / 3600, 1),
        }
    return list(out.values())


def national_deadline_totals() -> dict[tuple[str, str], int]:
    """Return {(overdue|due_soon, kind): count} over every office (for /metrics)."""
    rows = (
        Figure.objects.filter(metric__in=[Metric.OVERDUE, Metric.DUE_SOON])
        .values("metric", "key")
        .annotate(n=Sum("count"))
        .order_by()
    )
    return {(r["metric"], r["key"]): r["n"] for r in rows}


def last_refresh() -> Refresh | None:
    """Return the newest aggregate run (None before the first)."""
    return Refresh.objects.order_by("-finished_at").first()


def summary_for(user: User, days: int = DEFAULT_DAYS) -> Summary:
    """Return the dashboard head for the user's jurisdiction over the last `days` days."""
    refresh = last_refresh()
    return Summary(
        intake=intake_per_day(user, days),
        intake_by_channel=intake_by_channel(user, days),
        backlog=backlog_by_stage(user),
        overdue_by_office=overdue_by_office(user),
        within_deadline_share=within_deadline_share(user, days),
        by_region=by_region(user, days),
        by_category=by_category(user, days),
        refreshed_at=refresh.finished_at if refresh else None,
    )
