"""SQLite plans of the national user's dashboard reads: each is a SEARCH through a figure
index (the window of days inside the index for the day reads), never a SCAN of the table.

The same scene and reads as the PostgreSQL EXPLAIN tests in `test_query_plans`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.dashboard.test_query_plans import (
    NATIONAL_CURRENT_READS,
    NATIONAL_DAY_READS,
    national_read,
    national_scene,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("connection.vendor != 'sqlite'", reason="EXPLAIN QUERY PLAN of SQLite"),
]


def _plans(read: Callable[[], Any], table: str) -> list[tuple[str, list[str]]]:
    """Run `read`; return (sql, plan lines) for each SELECT it ran that reads `table`."""
    with CaptureQueriesContext(connection) as captured:
        read()
    out = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT") or f'"{table}"' not in sql:
                continue
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            out.append((sql, [row[-1] for row in cursor.fetchall()]))
    assert out, f"no statement read {table}"
    for sql, lines in out:
        assert not any(line.startswith(f"SCAN {table}") for line in lines), (sql, lines)
    return out


@pytest.mark.parametrize("name", NATIONAL_DAY_READS)
def test_national_day_reads_search_the_metric_day_index(world, name):
    national_scene(world)
    for sql, lines in _plans(national_read(name, world.national_user), "dashboard_figure"):
        assert any("INDEX dashboard_fig_metric_day (metric=? AND day>" in line for line in lines), (
            sql,
            lines,
        )


@pytest.mark.parametrize("name", NATIONAL_CURRENT_READS)
def test_national_current_reads_search_a_figure_index(world, name):
    national_scene(world)
    for sql, lines in _plans(national_read(name, world.national_user), "dashboard_figure"):
        assert any(
            line.startswith("SEARCH dashboard_figure USING") and "INDEX dashboard_fig_" in line
            for line in lines
        ), (sql, lines)


def test_national_durations_search_the_dimension_index(world):
    from qinglang.dashboard import selectors

    national_scene(world)
    user = world.national_user
    for sql, lines in _plans(lambda: selectors.durations(user), "dashboard_durationfigure"):
        assert any("INDEX dashboard_dur_dim_office (dimension=?)" in line for line in lines), (
            sql,
            lines,
        )
