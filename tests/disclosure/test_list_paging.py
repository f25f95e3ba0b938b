"""A batch's entries, a page at a time: the staff batch page and the batch's entries API.

At 10 and at 1,000 entries the batch page and `GET api-disclosure-batch-entries` cost the same
number of queries and show one page of entries with the exact total; page 2 is reachable by
number and by cursor; a bad page or cursor is a clear 400 (404 past the end in the API, as
every API list) and changes nothing; another office is a 404 and a partner agency is refused;
a statement on a later page is still reviewed from the page and an entry still corrected.
Factories: tests/dashboard/bulk.py (each entry's current version names a marked website).
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qinglang.core.models import LedgerEvent
from qinglang.disclosure.models import Entry, EntryVersion, Statement
from qinglang.disclosure.views import BATCH_ENTRIES_PER_PAGE
from tests.cases.factories import api_client
from tests.core.auth import login_verified
from tests.dashboard import bulk
from tests.dashboard.bulk import MARK

pytestmark = pytest.mark.django_db

ENTRY = re.compile(r'id="entry-(\d+)"')


def _get(client, url: str):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    return response, len(ctx.captured_queries)


def _shown(response) -> list[str]:
    return ENTRY.findall(response.content.decode())


def _counts() -> tuple[int, int, int, int]:
    pending = Statement.objects.filter(status="pending").count()
    return Entry.objects.count(), EntryVersion.objects.count(), pending, LedgerEvent.objects.count()


@pytest.fixture
def ctx(world):
    return {"batch": bulk.batches(world, {}, 1)[0]}


@pytest.fixture
def staff(world):
    return login_verified(Client(), world.shenzhen_user)


def _page_url(ctx) -> str:
    return reverse("disclosure_staff:batch", args=[ctx["batch"].pk])


def _api_url(ctx) -> str:
    return reverse("api-disclosure-batch-entries", args=[ctx["batch"].pk])


def test_batch_page_shows_one_page_of_entries_with_the_total(world, ctx, staff):
    url = _page_url(ctx)
    bulk.entries(world, ctx, 10)
    staff.get(url)
    small, queries_small = _get(staff, url)
    assert small.status_code == 200 and len(_shown(small)) == 10
    bulk.entries(world, ctx, 990)
    large, queries_large = _get(staff, url)
    assert large.status_code == 200
    assert queries_large == queries_small
    first = _shown(large)
    assert len(first) == BATCH_ENTRIES_PER_PAGE
    html = large.content.decode()
    assert 'id="entry-total">本批次共 1000 条' in html
    # page 2 by number, and the rows after page 1 by its cursor link
    second = staff.get(url + "?page=2")
    assert second.status_code == 200
    assert len(_shown(second)) == BATCH_ENTRIES_PER_PAGE and not set(_shown(second)) & set(first)
    cursor = re.search(r'data-cursor="next" href="\?cursor=([^"]+)"', html).group(1)
    by_cursor, queries_cursor = _get(staff, url + f"?cursor={cursor}")
    assert _shown(by_cursor) == _shown(second)
    assert queries_cursor <= queries_small
    last = staff.get(url + f"?page={1000 // BATCH_ENTRIES_PER_PAGE}")
    assert last.status_code == 200 and len(_shown(last)) == BATCH_ENTRIES_PER_PAGE


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("page=x", "请输入页码"),
        ("page=-1", "请输入页码"),
        ("page=9", "没有第 9 页"),
        ("cursor=forged", "游标无效"),
        ("page=1&cursor=", "page 与 cursor"),
    ],
)
def test_bad_page_or_cursor_is_a_clear_error_and_changes_nothing(world, ctx, staff, query, error):
    bulk.entries(world, ctx, 3)
    before = _counts()
    response = staff.get(_page_url(ctx) + "?" + query)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="page-error"' in html and error in html
    assert not _shown(response) and MARK not in html.split('id="page-error"')[1]
    assert _counts() == before


def test_scope_and_roles_are_as_before(world, ctx):
    bulk.entries(world, ctx, 3)
    url, api = _page_url(ctx), _api_url(ctx)
    assert login_verified(Client(), world.beijing_user).get(url).status_code == 404
    assert login_verified(Client(), world.police_user).get(url).status_code == 403
    assert login_verified(Client(), world.guangdong_user).get(url).status_code == 200
    assert login_verified(Client(), world.beijing_user).get(url + "?page=2").status_code == 404
    assert api_client(world.beijing_user).get(api).status_code == 404
    assert api_client(world.police_user).get(api).status_code == 403
    assert api_client(world.guangdong_user).get(api).status_code == 200
    missing = reverse("api-disclosure-batch-entries", args=[999_999])
    assert api_client(world.shenzhen_user).get(missing).status_code == 404


def test_actions_on_entries_of_a_later_page_still_work(world, ctx, staff):
    bulk.entries(world, ctx, BATCH_ENTRIES_PER_PAGE + 5)
    entry = Entry.objects.filter(batch=ctx["batch"]).order_by("-id").first()
    statement = entry.statements.get()
    Statement.objects.filter(pk=statement.pk).update(status="pending")
    page2 = staff.get(_page_url(ctx) + "?page=2").content.decode()
    review = reverse("disclosure_staff:statement_review", args=[statement.pk])
    assert f'action="{review}"' in page2
    assert f'action="{review}"' not in staff.get(_page_url(ctx)).content.decode()
    response = staff.post(review, {"show": "0"})
    assert response.status_code == 302
    statement.refresh_from_db()
    assert statement.status != "pending"
    # an open correction of the same entry through the API: a new version
    response = api_client(world.shenzhen_user).post(
        reverse("api-disclosure-entry-corrections", args=[entry.pk]),
        {"change_note": "更正网站名称", "summary": "有偿删帖，已责令整改"},
        format="json",
    )
    assert response.status_code == 201, response.content
    entry.refresh_from_db()
    assert entry.current_version == 3


def test_entries_api_is_paged_as_every_api_list(world, ctx):
    client = api_client(world.shenzhen_user)
    url = _api_url(ctx)
    bulk.entries(world, ctx, 10)
    client.get(url)
    small, queries_small = _get(client, url)
    assert small.status_code == 200
    body = small.json()
    assert set(body) == {"count", "next", "previous", "results"} and body["count"] == 10
    assert set(body["results"][0]) == {
        "id", "case", "status", "version", "website_name", "summary", "measure",
    }  # fmt: skip
    assert body["results"][0]["website_name"].startswith(MARK)
    assert body["results"][0]["version"] == 2
    bulk.entries(world, ctx, 990)
    large, queries_large = _get(client, url)
    assert queries_large == queries_small
    body = large.json()
    assert body["count"] == 1000 and len(body["results"]) == 50
    second = client.get(body["next"]).json()
    assert len(second["results"]) == 50
    assert not {r["id"] for r in body["results"]} & {r["id"] for r in second["results"]}
    by_cursor = client.get(url + "?cursor=&page_size=200").json()
    assert by_cursor["count"] is None and len(by_cursor["results"]) == 200
    after, queries_cursor = _get(client, by_cursor["next"])
    assert len(after.json()["results"]) == 200 and queries_cursor <= queries_small
    ids = [r["id"] for r in by_cursor["results"] + after.json()["results"]]
    assert ids == sorted(ids) and len(set(ids)) == 400


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("page_size=0", 400, "page_size"),
        ("page_size=500", 400, "page_size"),
        ("cursor=forged", 400, "cursor"),
        ("cursor=&page=1", 400, "cursor"),
        ("page=9", 404, "detail"),
    ],
)
def test_entries_api_bad_paging_is_refused_and_changes_nothing(world, ctx, query, status, field):
    bulk.entries(world, ctx, 3)
    client = api_client(world.shenzhen_user)
    assert client.get(_api_url(ctx)).status_code == 200  # the token's first use, recorded once
    before = _counts()
    response = client.get(_api_url(ctx) + "?" + query)
    assert response.status_code == status
    assert field in response.json()
    assert _counts() == before
