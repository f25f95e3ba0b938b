"""One identifier seen thousands of times (a shared payment account): bounded reads, exact counts.

The summary's counts come from the identifier's tallies (kept by `index_identifiers`), its
details are the `DETAIL_LIMIT` most recent occurrences in the user's scope, and every
occurrence in scope is a page away (`registry:occurrences`, `registry-occurrences`).
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from qinglang.registry import selectors, services
from qinglang.registry.models import Identifier, IdentifierOccurrence, IdentifierTally
from qinglang.registry.selectors import DETAIL_LIMIT
from tests.cases.factories import api_client
from tests.core.auth import login_verified

pytestmark = pytest.mark.django_db

ACCOUNT = ("bank_card", "6222020200112233446")


def _index(pk, office, region_code, source_type="intake.report", identifiers=(ACCOUNT,)):
    return services.index_identifiers(
        source=(source_type, pk),
        identifiers=list(identifiers),
        office_id=office.pk if office is not None else None,
        region_code=region_code,
    )


def _identifier() -> Identifier:
    return Identifier.objects.get(kind=ACCOUNT[0])


_serial = {"n": 100000}


def _bulk(identifier, n, office, region_code, source_type="intake.report") -> None:
    """Add `n` occurrences in a few statements, then recount the tallies (as the seed does)."""
    now = timezone.now()
    start = _serial["n"]
    _serial["n"] += n
    IdentifierOccurrence.objects.bulk_create(
        IdentifierOccurrence(
            identifier=identifier,
            source_type=source_type,
            source_id=str(start + i),
            office=office,
            region_code=region_code,
            seen_at=now - dt.timedelta(minutes=start + i),
        )
        for i in range(n)
    )
    services.recount_identifier_tallies()


def _brute_force() -> list[tuple]:
    return sorted(
        (r["identifier_id"], r["source_type"], r["office_id"] or 0, r["region_code"], r["n"])
        for r in IdentifierOccurrence.objects.values(
            "identifier_id", "source_type", "office_id", "region_code"
        )
        .annotate(n=Count("id"))
        .order_by()
    )


def _tallies() -> list[tuple]:
    return sorted(
        IdentifierTally.objects.values_list(
            "identifier_id", "source_type", "office_key", "region_code", "total"
        )
    )


def _spread(world) -> None:
    """Beijing: 3 reports; Guangdong: 2 reports; Shenzhen: a report and a case."""
    for pk in (1, 2, 3):
        _index(pk, world.beijing_office, "110000")
    for pk in (4, 5):
        _index(pk, world.guangdong_office, "440000")
    _index(6, world.shenzhen_office, "440300")
    _index(7, world.shenzhen_office, "440300", source_type="cases.case")


# --- the tallies ------------------------------------------------------------------------------


def test_indexing_keeps_the_tallies_equal_to_the_occurrences(world):
    _spread(world)
    _index(8, None, "", identifiers=[ACCOUNT, ("qq", "2876543210")])
    assert _tallies() == _brute_force()
    before = _tallies()
    _index(4, world.guangdong_office, "440000")  # the same source again: nothing new
    assert _tallies() == before
    services.recount_identifier_tallies()
    assert _tallies() == before


def test_excluded_values_are_still_counted(world):
    services.add_exclusion(
        kind="qq", value="10000", reason="客服号码", acting_user=world.national_user
    )
    _index(1, world.beijing_office, "110000", identifiers=[("qq", "10000")])
    _index(2, world.guangdong_office, "440000", identifiers=[("qq", "10000")])
    summary = selectors.identifier_summary(world.national_user, "qq", "10000")
    assert summary.excluded and summary.sources == 2 and summary.regions == 2


# --- counts exact, scope respected ------------------------------------------------------------


def test_counts_are_exact_for_a_national_user(world):
    _spread(world)
    summary = selectors.identifier_summary(world.national_user, *ACCOUNT)
    assert (summary.sources, summary.reports, summary.regions) == (7, 6, 2)
    assert summary.visible_total == 7 and summary.hidden == 0
    assert summary.by_source_type == {"cases.case": 1, "intake.report": 6}
    assert summary.by_region == [
        {"region_code": "110000", "count": 3},
        {"region_code": "440000", "count": 2},
        {"region_code": "440300", "count": 2},
    ]
    assert len(summary.visible) == 7


def test_a_guangdong_user_never_sees_beijing_in_the_details_or_the_scoped_counts(world):
    _spread(world)
    summary = selectors.identifier_summary(world.guangdong_user, *ACCOUNT)
    # the counts over every region stay as they were (the "also seen elsewhere" hint)...
    assert (summary.sources, summary.reports, summary.regions, summary.hidden) == (7, 6, 2, 3)
    # ...and everything else is Guangdong's alone
    assert summary.visible_total == 4
    assert summary.by_source_type == {"cases.case": 1, "intake.report": 3}
    assert summary.by_region == [
        {"region_code": "440000", "count": 2},
        {"region_code": "440300", "count": 2},
    ]
    assert {v["source_id"] for v in summary.visible} == {"4", "5", "6", "7"}
    body = api_client(world.guangdong_user).get(reverse("registry-identifier", args=ACCOUNT))
    assert body.status_code == 200
    answer = body.json()
    assert answer["visible_total"] == 4 and answer["hidden"] == 3
    assert "110000" not in json.dumps(answer["visible"]) + json.dumps(answer["by_region"])
    page = login_verified(Client(), world.guangdong_user).get(
        reverse("registry:identifier", args=ACCOUNT)
    )
    assert "110000" not in page.content.decode()


def test_a_city_user_sees_only_the_city(world):
    _spread(world)
    summary = selectors.identifier_summary(world.shenzhen_user, *ACCOUNT)
    assert summary.visible_total == 2 and summary.hidden == 5
    assert summary.by_region == [{"region_code": "440300", "count": 2}]


def test_the_pages_own_source_is_left_out_of_its_counts(world):
    _spread(world)
    summary = selectors.identifier_summary(
        world.guangdong_user, *ACCOUNT, exclude_source=("intake.report", "4")
    )
    assert (summary.sources, summary.reports, summary.visible_total, summary.hidden) == (
        6,
        5,
        3,
        3,
    )
    assert summary.by_region[0] == {"region_code": "440000", "count": 1}
    assert "4" not in {v["source_id"] for v in summary.visible}
    outside = selectors.identifier_summary(
        world.guangdong_user, *ACCOUNT, exclude_source=("intake.report", "1")
    )
    assert (outside.sources, outside.visible_total, outside.hidden) == (6, 4, 2)


def test_no_user_or_a_non_staff_user_sees_no_details_and_no_scoped_counts(world):
    _spread(world)
    for user in (None, world.website_user):
        summary = selectors.identifier_summary(user, *ACCOUNT)
        assert summary.visible == [] and summary.visible_total == 0
        assert summary.by_source_type == {} and summary.by_region == [] and summary.hidden == 7


# --- capped details ---------------------------------------------------------------------------


def test_details_are_capped_to_the_most_recent_with_exact_totals(world):
    _index(1, world.guangdong_office, "440000")
    identifier = _identifier()
    _bulk(identifier, 1000, world.guangdong_office, "440000")
    _bulk(identifier, 300, world.beijing_office, "110000")
    summary = selectors.identifier_summary(world.guangdong_user, *ACCOUNT)
    assert len(summary.visible) == DETAIL_LIMIT
    assert summary.visible_total == 1001 and summary.hidden == 300 and summary.sources == 1301
    newest = (
        IdentifierOccurrence.objects.filter(identifier=identifier, region_code="440000")
        .order_by("-seen_at", "-id")
        .values_list("source_id", flat=True)[:DETAIL_LIMIT]
    )
    assert [v["source_id"] for v in summary.visible] == list(newest)
    assert summary.occurrences_url == reverse("registry:occurrences", args=ACCOUNT)
    page = login_verified(Client(), world.guangdong_user).get(
        reverse("registry:identifier", args=ACCOUNT)
    )
    body = page.content.decode()
    assert summary.occurrences_url in body and "1001" in body
    assert "<td>Report</td><td>1001</td>" in body  # the scoped count by source type, in words
    assert len(re.findall(r'href="/cases/triage/\d+/"', body)) == DETAIL_LIMIT


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries)


def test_queries_are_constant_at_10_and_1000_occurrences(world):
    _index(1, world.guangdong_office, "440000")
    identifier = _identifier()
    page = login_verified(Client(), world.guangdong_user)
    api = api_client(world.guangdong_user)
    urls = [
        (page, reverse("registry:identifier", args=ACCOUNT)),
        (page, reverse("registry:occurrences", args=ACCOUNT)),
        (page, reverse("registry:occurrences", args=ACCOUNT) + "?cursor="),
        (api, reverse("registry-identifier", args=ACCOUNT)),
        (api, reverse("registry-occurrences", args=ACCOUNT)),
        (api, reverse("registry-occurrences", args=ACCOUNT) + "?cursor="),
    ]

    def selector() -> int:
        with CaptureQueriesContext(connection) as ctx:
            selectors.identifier_summary(
                world.guangdong_user, *ACCOUNT, exclude_source=("intake.report", "1")
            )
        return len(ctx.captured_queries)

    _bulk(identifier, 5, world.guangdong_office, "440000")
    _bulk(identifier, 4, world.beijing_office, "110000")
    for client, url in urls:
        _queries(client, url)  # warm caches (sessions, tokens)
    small = [selector()] + [_queries(c, u) for c, u in urls]
    _bulk(identifier, 600, world.guangdong_office, "440000")
    _bulk(identifier, 390, world.beijing_office, "110000", source_type="cases.case")
    large = [selector()] + [_queries(c, u) for c, u in urls]
    assert large == small


# --- the paged list of every occurrence -------------------------------------------------------


def test_occurrence_pages_list_only_the_scope_newest_first(world):
    _index(1, world.guangdong_office, "440000")
    identifier = _identifier()
    _bulk(identifier, 59, world.shenzhen_office, "440300")
    _bulk(identifier, 30, world.beijing_office, "110000")
    client = login_verified(Client(), world.guangdong_user)
    url = reverse("registry:occurrences", args=ACCOUNT)
    first = client.get(url)
    second = client.get(url, {"page": 2})
    rows = list(first.context["page"].object_list) + list(second.context["page"].object_list)
    assert len(first.context["page"].object_list) == 50 and len(rows) == 60
    assert all(o.region_code.startswith("44") for o in rows)
    assert [o.seen_at for o in rows] == sorted((o.seen_at for o in rows), reverse=True)
    assert first.context["page"].paginator.count == 60
    assert "110000" not in first.content.decode() + second.content.decode()
    by_cursor = client.get(url, {"cursor": first.context["page"].next_cursor})
    assert list(by_cursor.context["page"].object_list) == list(second.context["page"].object_list)
    # a bad cursor shows the first page, as on the case lists
    garbage = client.get(url, {"cursor": "garbage"})
    assert list(garbage.context["page"].object_list) == list(first.context["page"].object_list)


def test_occurrence_api_pages_with_the_exact_count_and_cursors(world):
    _index(1, world.guangdong_office, "440000")
    identifier = _identifier()
    _bulk(identifier, 59, world.shenzhen_office, "440300")
    _bulk(identifier, 30, world.beijing_office, "110000")
    client = api_client(world.guangdong_user)
    url = reverse("registry-occurrences", args=ACCOUNT)
    body = client.get(url).json()
    assert body["count"] == 60 and len(body["results"]) == 50 and body["next"]
    assert set(body["results"][0]) == {
        "source_type",
        "source_id",
        "region_code",
        "seen_at",
        "label",
        "url",
    }
    rest = client.get(body["next"]).json()["results"]
    seen = [r["source_id"] for r in body["results"] + rest]
    assert len(seen) == len(set(seen)) == 60
    assert all(r["region_code"].startswith("44") for r in body["results"] + rest)
    by_cursor = client.get(url, {"cursor": ""}).json()
    after = client.get(by_cursor["next"]).json()
    assert [r["source_id"] for r in after["results"]] == [r["source_id"] for r in rest]
    assert client.get(url, {"cursor": "garbage"}).status_code == 400
    assert set(client.get(url, {"cursor": "garbage"}).json()) == {"cursor"}


def test_unknown_identifier_and_non_staff_get_nothing(world):
    _index(1, world.beijing_office, "110000")
    unknown = ("bank_card", "6222020200199999992")
    page = login_verified(Client(), world.guangdong_user)
    assert page.get(reverse("registry:occurrences", args=unknown)).status_code == 404
    api = api_client(world.guangdong_user)
    assert api.get(reverse("registry-occurrences", args=unknown)).status_code == 404
    outsider = api_client(world.website_user)
    assert outsider.get(reverse("registry-occurrences", args=ACCOUNT)).status_code == 403
    # nothing in scope: an empty list, not Beijing's rows
    body = api.get(reverse("registry-occurrences", args=ACCOUNT)).json()
    assert body["count"] == 0 and body["results"] == []
