"""`/api/v1/deadlines/` reads one bounded page of the plan whatever its size: a constant number
of queries, at most a page (plus one) of rows read per kind, and cursors that walk every item
exactly once, soonest first."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from qinglang.cases.api.deadlines import DEFAULT_LIMIT
from qinglang.cases.models import Task, Transfer
from tests.cases.factories import api_client, make_case

pytestmark = pytest.mark.django_db


def _plan_of(world, n: int) -> None:
    """`n` open tasks of Guangdong's and `n` transfers of Shenzhen's, one deadline an hour."""
    now = timezone.now()
    gd_case = make_case(world.guangdong_user, title="广东某网站敲诈")
    sz_case = make_case(world.shenzhen_user, title="深圳某网站敲诈")
    Task.objects.bulk_create(
        Task(
            case=gd_case,
            title=f"核查{i}",
            assignee_organization=world.guangdong_office,
            due_at=now + dt.timedelta(hours=i - n // 2),
            created_at=now,
            created_by=world.guangdong_user,
        )
        for i in range(n)
    )
    Transfer.objects.bulk_create(
        Transfer(
            case=sz_case,
            kind="criminal_referral",
            sender_office=world.shenzhen_office,
            recipient=world.police,
            instructions="请依法查处",
            deadline=now + dt.timedelta(hours=i - n // 2, minutes=30),
            sent_at=now,
            sent_by=world.shenzhen_user,
        )
        for i in range(n)
    )


def _get(client, params: dict | None = None) -> tuple[dict, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/v1/deadlines/", params or {})
    assert response.status_code == 200, response.content
    return response.json(), [q["sql"] for q in captured.captured_queries]


def _item_reads(sqls: list[str], table: str) -> list[str]:
    """The statements reading items (not counting them) from `table`: the plan's page and the
    older lists' (overdue / due soon of the user's own office)."""
    return [
        sql
        for sql in sqls
        if sql.lstrip().upper().startswith("SELECT")
        and re.search(rf'FROM "{table}"', sql)
        and "COUNT(" not in sql.upper()
    ]


@pytest.mark.parametrize("who", ["national_user", "guangdong_user"])
def test_queries_stay_constant_and_rows_read_stay_bounded(world, who):
    client = api_client(getattr(world, who))
    _plan_of(world, 300)
    _get(client)  # the token's first use is written once
    _body, at_300 = _get(client)
    Task.objects.all().delete()
    Transfer.objects.all().delete()
    _plan_of(world, 1000)
    body, at_1000 = _get(client)
    assert len(at_1000) == len(at_300)
    assert len(body["items"]) == DEFAULT_LIMIT and body["next_cursor"]
    assert body["counts"]["total"] == 2000
    with connection.cursor() as cursor:
        for table in ("cases_task", "cases_transfer"):
            reads = _item_reads(at_1000, table)
            assert reads, table
            for sql in reads:
                bound = re.search(r"LIMIT (\d+)$", sql)
                assert bound and int(bound[1]) <= DEFAULT_LIMIT + 1, sql
                cursor.execute(sql)
                assert len(cursor.fetchall()) <= DEFAULT_LIMIT + 1, sql


def test_cursors_walk_every_item_once_soonest_first(world):
    client = api_client(world.national_user)
    _plan_of(world, 250)
    seen: list[tuple[str, str, int]] = []
    body, _sqls = _get(client)
    pages = 1
    while True:
        seen += [(i["deadline"], i["kind"], i["id"]) for i in body["items"]]
        assert body["counts"]["total"] == 500
        if not body["next_cursor"]:
            break
        body, _sqls = _get(client, {"cursor": body["next_cursor"]})
        pages += 1
    assert pages == 3
    assert len(seen) == len(set(seen)) == 500
    keys = [(dt.datetime.fromisoformat(d), k, i) for d, k, i in seen]
    assert keys == sorted(keys)


@pytest.mark.parametrize("limit", ["0", "2001", "x"])
def test_a_bad_limit_is_a_400_naming_it(world, limit):
    _plan_of(world, 3)
    response = api_client(world.national_user).get("/api/v1/deadlines/", {"limit": limit})
    assert response.status_code == 400
    assert "limit" in response.json()
