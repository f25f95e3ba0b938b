"""PostgreSQL plans: the case list, the registry lookup by identifier and the dashboard's reads
are answered from indexes, with tables large enough (and ANALYZEd) that the planner would
rather read the whole table if no index served the query.

Each test runs the real selector, captures its SQL, and EXPLAINs every statement that reads the
big table: none may read it by a sequential scan, and the main read names the expected index.
The planner is left alone (no `enable_seqscan = off`): the statistics decide.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from qinglang.cases.models import Case
from qinglang.core import keyset
from qinglang.dashboard.models import Figure, Metric
from qinglang.registry.models import Identifier, IdentifierOccurrence
from qinglang.registry.services.correlation import recount_identifier_tallies

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgres,
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="EXPLAIN of PostgreSQL"),
]
_serial = itertools.count(1)


def _analyze(*tables: str) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {table}")


def _plans(read: Callable[[], Any]) -> list[tuple[str, str]]:
    """Run `read`; return (sql, plan) for each SELECT it ran."""
    with CaptureQueriesContext(connection) as captured:
        read()
    out = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN " + sql)
            out.append((sql, "\n".join(row[0] for row in cursor.fetchall())))
    return out


def _reading(plans: list[tuple[str, str]], table: str) -> list[tuple[str, str]]:
    touching = [(sql, plan) for sql, plan in plans if f'"{table}"' in sql]
    assert touching, f"no statement read {table}"
    for sql, plan in touching:
        assert f"Seq Scan on {table}" not in plan, f"{sql}\n{plan}"
    return touching


def _indexes_on(table: str, first_column: str) -> set[str]:
    """Return the names of the indexes (unique ones included) whose first column is given."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    names = {
        name
        for name, c in constraints.items()
        if (c["index"] or c["unique"])
        and not c["primary_key"]
        and c["columns"][:1] == [first_column]
    }
    assert names, f"no index on {table} begins with {first_column}"
    return names


def _uses_one_of(plan: str, names: set[str]) -> bool:
    return any(name in plan for name in names)


# --- the case list ------------------------------------------------------------------------------


def _many_cases(world, n: int) -> None:
    """`n` cases over a year, most led in the provinces, a national share."""
    offices = [
        world.beijing_office,
        world.guangdong_office,
        world.shenzhen_office,
        world.national_office,
    ]
    Case.objects.bulk_create(
        (
            Case(
                number=f"QP-{next(_serial):08d}",
                title="有偿删帖",
                category=("paid_deletion", "extortion")[i % 2],
                lead_office=offices[i % len(offices)],
                severity=("low", "medium", "high")[i % 3],
            )
            for i in range(n)
        ),
        batch_size=2000,
    )
    # auto_now_add gave them all one instant: spread them over the year in one statement.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_case SET created_at = now() - id * interval '17 minutes'")
    _analyze("cases_case")


@pytest.mark.parametrize("who", ["national_user", "guangdong_user"])
def test_case_list_pages_read_the_creation_index(world, who):
    from qinglang.cases.selectors.cases import list_cases

    _many_cases(world, 20000)
    user = getattr(world, who)
    index = _indexes_on("cases_case", "created_at")
    qs = list_cases(user)
    first = list(qs[:50])
    assert len(first) == 50
    for _sql, plan in _reading(_plans(lambda: list(qs[:50])), "cases_case"):
        assert _uses_one_of(plan, index), plan
    # The next page starts the index scan at the cursor's row.
    after = keyset.cursor_after(qs, first[-1])
    page, _keys, _position = keyset.keyset_query(qs, after)
    for _sql, plan in _reading(_plans(lambda: list(page[:51])), "cases_case"):
        assert _uses_one_of(plan, index), plan
        assert "Index Cond: (created_at <=" in plan or "Index Cond: (created_at >=" in plan, plan


# --- the registry: lookup by identifier ----------------------------------------------------------


def _many_identifiers(world, n: int) -> None:
    now = timezone.now()
    kinds = ("qq", "wechat", "phone")
    identifiers = Identifier.objects.bulk_create(
        (Identifier(kind=kinds[j % 3], value=f"{kinds[j % 3]}-{j:09d}") for j in range(n)),
        batch_size=5000,
    )
    offices = [world.beijing_office, world.guangdong_office, world.shenzhen_office]
    IdentifierOccurrence.objects.bulk_create(
        (
            IdentifierOccurrence(
                identifier=identifier,
                source_type="intake.report",
                source_id=str(j * 3 + k),
                office=offices[(j + k) % 3],
                region_code=offices[(j + k) % 3].region.code,
                seen_at=now - dt.timedelta(minutes=j),
            )
            for j, identifier in enumerate(identifiers)
            for k in range(3)
        ),
        batch_size=5000,
    )
    recount_identifier_tallies()  # bulk rows bypass index_identifiers, which keeps the tallies
    _analyze("registry_identifier", "registry_identifieroccurrence", "registry_identifiertally")


@pytest.mark.parametrize("who", ["national_user", "guangdong_user"])
def test_registry_lookup_by_identifier_reads_the_unique_indexes(world, who):
    from qinglang.registry.selectors import identifier_summary

    _many_identifiers(world, 10000)
    user = getattr(world, who)
    summary = identifier_summary(user, "wechat", "wechat-000001234")
    assert summary is not None and summary.sources == 3
    plans = _plans(lambda: identifier_summary(user, "wechat", "wechat-000001234"))
    by_value = _indexes_on("registry_identifier", "kind")
    for _sql, plan in _reading(plans, "registry_identifier"):
        assert _uses_one_of(plan, by_value), plan
    by_identifier = _indexes_on("registry_identifieroccurrence", "identifier_id")
    for _sql, plan in _reading(plans, "registry_identifieroccurrence"):
        assert _uses_one_of(plan, by_identifier), plan
    tallies = _indexes_on("registry_identifiertally", "identifier_id")
    for _sql, plan in _reading(plans, "registry_identifiertally"):
        assert _uses_one_of(plan, tallies), plan


# --- the dashboard's figures ---------------------------------------------------------------------


def _many_figures(world, days: int) -> None:
    """A year of figures per office and day: intake by channel, categories, deadlines."""
    today = timezone.now().date()
    offices = [
        world.national_office,
        world.beijing_office,
        world.guangdong_office,
        world.shenzhen_office,
    ]
    rows = []
    for d in range(days):
        day = today - dt.timedelta(days=d)
        for office in offices:
            code = office.region.code if office.region_id else ""
            for channel in ("web", "api", "enterprise", "monitoring"):
                rows.append(
                    Figure(
                        metric=Metric.INTAKE,
                        office=office,
                        region_code=code,
                        day=day,
                        key=channel,
                        count=d % 7 + 1,
                    )
                )
            for category in ("paid_deletion", "extortion", "other"):
                rows.append(
                    Figure(
                        metric=Metric.CATEGORY,
                        office=office,
                        region_code=code,
                        day=day,
                        key=category,
                        count=d % 5 + 1,
                    )
                )
            for metric in (Metric.COMPLETED, Metric.ON_TIME):
                rows.append(Figure(metric=metric, office=office, day=day, count=d % 3 + 1))
    Figure.objects.bulk_create(rows, batch_size=5000)
    _analyze("dashboard_figure")


@pytest.mark.parametrize("who", ["national_user", "guangdong_user"])
def test_dashboard_reads_use_the_figure_indexes(world, who):
    from qinglang.dashboard import selectors

    _many_figures(world, 400)
    user = getattr(world, who)

    def read() -> None:
        selectors.intake_per_day(user)
        selectors.intake_by_channel(user)
        selectors.backlog_by_stage(user)
        selectors.overdue_by_office(user)
        selectors.within_deadline_share(user)
        selectors.by_region(user)
        selectors.by_area(user)
        selectors.by_category(user)
        selectors.agencies_awaiting_feedback(user)
        selectors.top_identifiers(user)

    assert sum(r["count"] for r in selectors.intake_per_day(user)) > 0
    figure_indexes = _indexes_on("dashboard_figure", "metric")
    assert {"dashboard_fig_metric_office", "dashboard_fig_metric_region"} <= figure_indexes
    for _sql, plan in _reading(_plans(read), "dashboard_figure"):
        assert _uses_one_of(plan, figure_indexes), plan


# --- the national user's reads: every figure read, no office filter ------------------------------

# Reads of a range of days; without an office filter only (metric, day) bounds them.
NATIONAL_DAY_READS = (
    "intake_per_day",
    "intake_by_channel",
    "within_deadline_share",
    "by_region",
    "by_area",
    "by_category",
)
# Reads of every office's current figures (no day): the metric alone bounds them.
NATIONAL_CURRENT_READS = (
    "backlog_by_stage",
    "overdue_by_office",
    "work_by_area",
    "agencies_awaiting_feedback",
    "top_identifiers",
    "networks_in_scope",
    "national_deadline_totals",
)


def national_scene(world, days: int = 400) -> None:
    """`_many_figures` plus every other metric's rows and a large duration table."""
    from qinglang.dashboard.models import Dimension, DurationFigure

    _many_figures(world, days)
    offices = [world.beijing_office, world.guangdong_office, world.shenzhen_office]
    current = []
    for office in offices:
        for metric in (Metric.OVERDUE, Metric.DUE_SOON, Metric.BACKLOG):
            for key in ("triage", "transfer", "task", "new"):
                current.append(
                    Figure(metric=metric, office=office, region_code=office.region.code, key=key)
                )
        current.append(Figure(metric=Metric.AGENCY_PENDING, office=office, key="1", label="公安"))
        current.append(Figure(metric=Metric.IDENTIFIER, office=office, key="qq:1", count=3))
    current += [
        Figure(metric=Metric.NETWORK, key=str(n), region_code="440000", count=n) for n in range(50)
    ]
    Figure.objects.bulk_create(current)
    DurationFigure.objects.bulk_create(
        (
            DurationFigure(
                office=offices[i % 3],
                dimension=(Dimension.HANDLER, Dimension.CATEGORY)[i % 2],
                key=str(i),
                measure="close",
                count=1,
                seconds=3600,
            )
            for i in range(20000)
        ),
        batch_size=5000,
    )
    DurationFigure.objects.bulk_create(
        DurationFigure(
            office=office,
            dimension=Dimension.OFFICE,
            key=str(office.pk),
            measure="close",
            count=1,
            seconds=60,
        )
        for office in offices
    )
    with connection.cursor() as cursor:
        for table in ("dashboard_figure", "dashboard_durationfigure"):
            cursor.execute(f"ANALYZE {table}")


def national_read(name: str, user) -> Callable[[], Any]:
    """Return a call of the named dashboard selector as the national user makes it."""
    from qinglang.dashboard import selectors

    if name == "national_deadline_totals":
        return selectors.national_deadline_totals
    return lambda: getattr(selectors, name)(user)


@pytest.mark.parametrize("name", NATIONAL_DAY_READS)
def test_national_day_reads_use_the_metric_day_index(world, name):
    national_scene(world)
    read = national_read(name, world.national_user)
    read()
    for _sql, plan in _reading(_plans(read), "dashboard_figure"):
        assert "dashboard_fig_metric_day" in plan, plan
        assert "day >=" in plan, plan  # the window bounds the index scan, not a filter after it


@pytest.mark.parametrize("name", NATIONAL_CURRENT_READS)
def test_national_current_reads_use_a_figure_index(world, name):
    national_scene(world)
    read = national_read(name, world.national_user)
    read()
    figure_indexes = _indexes_on("dashboard_figure", "metric")
    for _sql, plan in _reading(_plans(read), "dashboard_figure"):
        assert _uses_one_of(plan, figure_indexes), plan


def test_national_durations_use_the_dimension_index(world):
    from qinglang.dashboard import selectors

    national_scene(world)
    user = world.national_user
    assert selectors.durations(user)
    plans = _plans(lambda: selectors.durations(user))
    for _sql, plan in _reading(plans, "dashboard_durationfigure"):
        assert "dashboard_dur_dim_office" in plan, plan
