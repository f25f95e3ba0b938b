"""Checks shared by the list-paging tests: one page of rows at 10 and 1,000, page 2, bad pages.

A `Paged` names one paged list of a page: its URL, who reads it, the bulk maker of its rows
(tests/dashboard/bulk.py), the context key and query parameter of its page, and the page size.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qinglang.core.models import LedgerEvent, User
from tests.core.auth import login_verified
from tests.dashboard.bulk import MARK

MARKED = re.compile(MARK + r"\d{7}")


@dataclass(frozen=True)
class Paged:
    """One paged list: where it is, who reads it, how its rows are made and paged."""

    id: str
    make: Callable[[Any, dict, int], Any]
    url: str
    who: str  # an attribute of the world, or "ctx" for ctx["user"]
    key: str  # the page in the template context
    per_page: int
    param: str = "page"
    setup: Callable[[Any], dict] | None = None
    pattern: re.Pattern[str] = MARKED  # what each row shows (a marked name by default)
    count: Callable[[], int] | None = None  # rows of the list's model, to see nothing changed


def reader(world: Any, spec: Paged) -> tuple[Client, dict]:
    """Return a signed-in client of the list's reader and the spec's context."""
    ctx = spec.setup(world) if spec.setup else {}
    user = ctx["user"] if spec.who == "ctx" else getattr(world, spec.who)
    return login_verified(Client(), User.objects.get(pk=user.pk)), ctx


def get(client: Client, url: str, query: dict | None = None) -> tuple[int, Any]:
    """Return the number of queries of a GET and its (200) response."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, query or {})
    assert response.status_code == 200, (url, query, response.status_code)
    return len(ctx.captured_queries), response


def shown(spec: Paged, response: Any) -> set[str]:
    """Return the distinct marked strings the page shows."""
    return set(spec.pattern.findall(response.content.decode()))


def ids(response: Any, spec: Paged) -> list[int]:
    """Return the ids of the rows on the page."""
    return [row.pk for row in response.context[spec.key]]


def check_one_page_at_10_and_1000(world: Any, spec: Paged) -> None:
    """Check the same queries at 10 and 1,000 rows, and only one page of rows shown at 1,000."""
    client, ctx = reader(world, spec)
    url = reverse(spec.url)
    spec.make(world, ctx, 10)
    get(client, url)  # warm caches (content types, the session's activity stamp)
    small, response = get(client, url)
    at_ten = shown(spec, response)
    assert len(at_ten) >= 10, f"{spec.id}: {len(at_ten)} marked rows shown at 10"
    assert len(response.context[spec.key]) >= 10
    spec.make(world, ctx, 990)
    large, response = get(client, url)
    page = response.context[spec.key]
    assert large == small, f"{spec.id}: {small} queries at 10 rows, {large} at 1,000"
    assert len(page) == spec.per_page and page.paginator.count >= 1000
    # One page of rows: as many marked strings per row as at 10 rows, never the other 950.
    per_row = len(at_ten) / 10
    assert len(shown(spec, response)) <= per_row * spec.per_page + 2, spec.id
    assert (
        f"{page.paginator.count:,}" in response.content.decode()
        or str(page.paginator.count) in response.content.decode()
    ), f"{spec.id}: the total is not shown"


def check_page_two(world: Any, spec: Paged) -> None:
    """Check the first page links to the second, which shows the next rows."""
    client, ctx = reader(world, spec)
    url = reverse(spec.url)
    spec.make(world, ctx, spec.per_page + 3)
    _, first = get(client, url)
    assert f"{spec.param}=2" in first.content.decode(), f"{spec.id}: no link to page 2"
    _, second = get(client, url, {spec.param: "2"})
    page = second.context[spec.key]
    assert page.number == 2 and len(page) >= 3
    assert not set(ids(first, spec)) & set(ids(second, spec))
    assert shown(spec, second) - shown(spec, first), f"{spec.id}: page 2 shows no new rows"


def check_bad_pages(world: Any, spec: Paged) -> None:
    """Check a page that is not a number gives the first page, one past the end the last (as
    every paged list of the site does), and that nothing changed."""
    client, ctx = reader(world, spec)
    url = reverse(spec.url)
    spec.make(world, ctx, spec.per_page + 3)
    _, first = get(client, url)
    events = LedgerEvent.objects.count()
    rows = spec.count() if spec.count else None
    for bad in ("abc", "0x2", "", "%00", "1.5", "2 OR 1=1"):
        _, response = get(client, url, {spec.param: bad})
        assert response.context[spec.key].number == 1, (spec.id, bad)
        assert ids(response, spec) == ids(first, spec), (spec.id, bad)
    for beyond in ("3", "999999", "-1", "0"):
        _, response = get(client, url, {spec.param: beyond})
        page = response.context[spec.key]
        assert page.number == page.paginator.num_pages == 2, (spec.id, beyond)
    assert LedgerEvent.objects.count() == events
    if spec.count is not None:
        assert spec.count() == rows
