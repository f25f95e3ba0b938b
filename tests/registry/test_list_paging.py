"""Registry lists that used to read and render every row: networks (page and API), exclusions.

Each is paged with the project's pagination (numbered pages, or keyset with `?cursor=` on the
networks' unique number and the exclusions' unique kind and value): the same number of queries
at 10 and at 1,000 rows, one page of rows rendered, page 2 reachable, and a bad cursor or page
answered as the case lists answer it (pages: the first page; API: a 400 naming the parameter).
Rows come from the query-budget factories (tests/dashboard/bulk.py).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qinglang.registry.models import CorrelationExclusion, IntermediaryNetwork
from qinglang.registry.views import PAGE_SIZE
from tests.cases.factories import api_client
from tests.core.auth import login_verified
from tests.dashboard import bulk
from tests.dashboard.bulk import MARK

pytestmark = pytest.mark.django_db

# A marked name is MARK and seven digits (bulk.tag); the networks page names each network's two
# intermediaries and its first identifier (one more occurrence of the first one's name).
MARKED = re.compile(MARK + r"\d{7}")

PAGES = {
    "networks": ("registry:networks", bulk.networks),
    "exclusions": ("registry:exclusions", bulk.exclusions),
}


def _rows_shown(body: str) -> int:
    return len(set(MARKED.findall(body)))


def _get(client, url: str, params: dict | None = None) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return len(ctx.captured_queries), response


def _staff(world) -> Client:
    return login_verified(Client(), world.shenzhen_user)


# Rows a page shows: an exclusion is one marked value; a network two marked intermediaries.
PER_ROW = {"networks": 2, "exclusions": 1}


@pytest.mark.parametrize("name", list(PAGES))
@pytest.mark.parametrize("mode", ["page", "cursor"])
def test_pages_cost_the_same_at_10_and_1000_rows_and_render_one_page(world, name, mode):
    url_name, make = PAGES[name]
    client = _staff(world)
    url = reverse(url_name)
    params = {"cursor": ""} if mode == "cursor" else {}
    make(world, {}, 10)
    _get(client, url, params)  # warm caches (content types, the session)
    small, response = _get(client, url, params)
    assert _rows_shown(response.content.decode()) == 10 * PER_ROW[name]
    make(world, {}, 990)
    large, response = _get(client, url, params)
    assert large == small, f"{name}: {small} queries at 10 rows, {large} at 1,000"
    assert _rows_shown(response.content.decode()) == PAGE_SIZE * PER_ROW[name]
    assert len(response.context["page"].object_list) == PAGE_SIZE
    # the next page is linked: by number, and by cursor
    assert response.context["page"].next_cursor
    body = response.content.decode()
    assert ("page=2" in body) == (mode == "page") and "cursor=" in body


def _first_names(response) -> list[str]:
    return [_key(row) for row in response.context["page"].object_list]


def _key(row) -> str:
    if isinstance(row, IntermediaryNetwork):
        return f"network {row.number}"
    return f"{row.kind}:{row.value}"


@pytest.mark.parametrize("name", list(PAGES))
def test_page_2_by_number_and_by_cursor_continues_the_first(world, name):
    url_name, make = PAGES[name]
    make(world, {}, PAGE_SIZE + 7)
    client = _staff(world)
    url = reverse(url_name)
    _, first = _get(client, url)
    _, second = _get(client, url, {"page": 2})
    assert len(_first_names(second)) == 7
    assert not set(_first_names(first)) & set(_first_names(second))
    _, by_cursor = _get(client, url, {"cursor": first.context["page"].next_cursor})
    assert _first_names(by_cursor) == _first_names(second)
    # and back again
    _, back = _get(client, url, {"cursor": by_cursor.context["page"].previous_cursor})
    assert _first_names(back) == _first_names(first)
    everything = _first_names(first) + _first_names(second)
    if name == "networks":
        expected = [
            f"network {n}" for n in IntermediaryNetwork.objects.values_list("number", flat=True)
        ]
    else:
        expected = [
            f"{k}:{v}"
            for k, v in CorrelationExclusion.objects.order_by("kind", "value").values_list(
                "kind", "value"
            )
        ]
    assert everything == expected  # every row once, in the list's order


@pytest.mark.parametrize("name", list(PAGES))
@pytest.mark.parametrize("cursor", ["garbage", "eyJvIjoiIn0:1abc:xyz", "x" * 3000, "::::"])
def test_a_bad_cursor_on_a_page_shows_the_first_page(world, name, cursor):
    url_name, make = PAGES[name]
    make(world, {}, PAGE_SIZE + 3)
    client = _staff(world)
    _, first = _get(client, reverse(url_name))
    _, response = _get(client, reverse(url_name), {"cursor": cursor})
    assert _first_names(response) == _first_names(first)


def test_a_cursor_of_another_list_shows_the_first_page(world):
    bulk.networks(world, {}, PAGE_SIZE + 3)
    bulk.exclusions(world, {}, PAGE_SIZE + 3)
    client = _staff(world)
    _, networks = _get(client, reverse("registry:networks"))
    _, exclusions = _get(client, reverse("registry:exclusions"))
    foreign = networks.context["page"].next_cursor
    _, response = _get(client, reverse("registry:exclusions"), {"cursor": foreign})
    assert _first_names(response) == _first_names(exclusions)


@pytest.mark.parametrize("name", list(PAGES))
@pytest.mark.parametrize(("page", "which"), [("abc", 1), ("0", 2), ("999", 2), ("-1", 2)])
def test_a_bad_page_number_shows_the_first_or_last_page(world, name, page, which):
    url_name, make = PAGES[name]
    make(world, {}, PAGE_SIZE + 3)
    client = _staff(world)
    _, expected = _get(client, reverse(url_name), {"page": which})
    _, response = _get(client, reverse(url_name), {"page": page})
    assert _first_names(response) == _first_names(expected)


def test_removing_an_exclusion_still_works_from_a_paged_list(world):
    bulk.exclusions(world, {}, PAGE_SIZE + 3)
    client = _staff(world)
    last = CorrelationExclusion.objects.order_by("kind", "value").last()
    _, page2 = _get(client, reverse("registry:exclusions"), {"page": 2})
    assert f'value="{last.pk}"' in page2.content.decode()
    response = client.post(reverse("registry:exclusions"), {"remove": last.pk})
    assert response.status_code == 302
    assert not CorrelationExclusion.objects.filter(pk=last.pk).exists()


# --- the networks API -------------------------------------------------------------------------


def _api(world):
    return api_client(world.shenzhen_user)


def _api_get(client, url: str, params: dict | None = None) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries), response.json()


@pytest.mark.parametrize("mode", ["page", "cursor"])
def test_networks_api_costs_the_same_at_10_and_1000_rows_and_answers_one_page(world, mode):
    client = _api(world)
    url = reverse("registry-networks")
    params = {"cursor": ""} if mode == "cursor" else {}
    bulk.networks(world, {}, 10)
    _api_get(client, url, params)  # warm caches (the token)
    small, body = _api_get(client, url, params)
    assert len(body["results"]) == 10
    bulk.networks(world, {}, 990)
    large, body = _api_get(client, url, params)
    assert large == small, (small, large)
    assert len(body["results"]) == PAGE_SIZE and body["next"]
    assert body["count"] == (1000 if mode == "page" else None)
    first = body["results"][0]
    assert set(first) == {"number", "size", "reports", "intermediaries", "regions", "identifiers"}
    assert first["regions"] == ["深圳市", "北京市"] and len(first["intermediaries"]) == 2


def test_networks_api_page_2_by_number_and_by_cursor(world):
    bulk.networks(world, {}, PAGE_SIZE + 7)
    client = _api(world)
    url = reverse("registry-networks")
    _, first = _api_get(client, url)
    _, second = _api_get(client, url, {"page": 2})
    numbers = [n["number"] for n in first["results"] + second["results"]]
    assert numbers == sorted(IntermediaryNetwork.objects.values_list("number", flat=True))
    _, by_cursor = _api_get(client, url, {"cursor": ""})
    _, after = _api_get(client, by_cursor["next"])
    assert [n["number"] for n in after["results"]] == [n["number"] for n in second["results"]]
    assert after["next"] is None and after["previous"]


@pytest.mark.parametrize("cursor", ["garbage", "eyJvIjoiIn0:1abc:xyz", "x" * 3000, "::::"])
def test_networks_api_bad_cursor_is_a_400_naming_cursor(world, cursor):
    bulk.networks(world, {}, 3)
    response = _api(world).get(reverse("registry-networks"), {"cursor": cursor})
    assert response.status_code == 400 and set(response.json()) == {"cursor"}


def test_networks_api_altered_cursor_or_cursor_with_page_is_a_400(world):
    bulk.networks(world, {}, PAGE_SIZE + 3)
    client = _api(world)
    url = reverse("registry-networks")
    link = client.get(url, {"cursor": ""}).json()["next"]
    raw = parse_qs(urlsplit(link).query)["cursor"][0]
    altered = raw[:-1] + ("A" if raw[-1] != "A" else "B")
    response = client.get(url, {"cursor": altered})
    assert response.status_code == 400 and set(response.json()) == {"cursor"}
    response = client.get(url, {"cursor": raw, "page": 2})
    assert response.status_code == 400 and set(response.json()) == {"cursor"}


@pytest.mark.parametrize("page", ["0", "true", "abc", "-1", "99"])
def test_networks_api_bad_page_answers_as_the_other_registry_lists(world, page):
    bulk.networks(world, {}, 3)
    bulk.websites(world, {}, 3)
    client = _api(world)
    theirs = client.get(reverse("registry-websites"), {"page": page})
    ours = client.get(reverse("registry-networks"), {"page": page})
    assert ours.status_code == theirs.status_code and ours.status_code in (400, 404)
    assert ours.json() == theirs.json() and ours.json()


@pytest.mark.parametrize("size", ["0", "201", "x"])
def test_networks_api_bad_page_size_is_a_400(world, size):
    bulk.networks(world, {}, 3)
    response = _api(world).get(reverse("registry-networks"), {"page_size": size})
    assert response.status_code == 400


def test_networks_stay_staff_only(world):
    bulk.networks(world, {}, 3)
    assert api_client(world.website_user).get(reverse("registry-networks")).status_code == 403
