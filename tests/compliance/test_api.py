"""The deletion-request API: contract, bad input changes nothing, bulk in constant queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qinglang.compliance.models import DeletionRequest, Flag
from qinglang.core.models import LedgerEvent
from tests.cases.factories import api_client
from tests.compliance.factories import payload, website_of

pytestmark = pytest.mark.django_db

URL = "/api/v1/compliance/deletion-requests/"


def _unchanged(before):
    return (DeletionRequest.objects.count(), LedgerEvent.objects.count()) == before


def _counts():
    return DeletionRequest.objects.count(), LedgerEvent.objects.count()


def test_single_object_contract(world):
    website_of(world)
    response = api_client(world.website_user).post(URL, payload(puid="a-1"), format="json")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "puid", "created", "flags"}
    assert body["puid"] == "a-1" and body["flags"] == []
    event = LedgerEvent.objects.get(action="compliance.deletion_request.filed")
    assert event.object_id == str(body["id"])
    assert event.data["puid"] == "a-1"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"decision": "hide"}, "decision"),
        ({"decision": None}, "decision"),
        ({"puid": "has space"}, "puid"),
        ({"puid": "x" * 501}, "puid"),
        ({"received_at": "yesterday"}, "received_at"),
        ({"received_at": "2030-01-01T00:00:00+08:00"}, "received_at"),
        ({"decided_at": "2026-10-01T00:00:00+08:00"}, "decided_at"),
        ({"channel": "pigeon"}, "channel"),
        ({"content_urls": []}, "content_urls"),
        ({"content_urls": ["javascript:alert(1)"]}, "content_urls"),
        ({"content_urls": [f"https://a.cn/{i}" for i in range(21)]}, "content_urls"),
        ({"requester": {"kind": "robot", "name": "x"}}, "requester.kind"),
        ({"requester": {"kind": "person", "name": ""}}, "requester.name"),
        ({"requester": {"kind": "person", "name": "x", "phone": "12"}}, "requester.phone"),
        ({"requester": {"kind": "person", "name": "x", "email": "no-at"}}, "requester.email"),
        ({"requester": "张三"}, "requester"),
        ({"on_behalf_of": {"name": "某公司", "uscc": "91440300MA5F1X2Y35"}}, "on_behalf_of.uscc"),
        ({"money_involved": -1}, "money_involved"),
        ({"money_involved": True}, "money_involved"),
        ({"money_involved": "lots"}, "money_involved"),
        ({"reason": ""}, "reason"),
        ({"reason": "长" * 5001}, "reason"),
        ({"received_by": ""}, "received_by"),
        ({"category": "gossip"}, "category"),
        ({"acceptance_conditions": ["bribe"]}, "acceptance_conditions"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(world, change, field):
    website_of(world)
    client = api_client(world.website_user)
    before = _counts()
    response = client.post(URL, payload(**change), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert _unchanged(before)


def test_bulk_error_names_item_and_field_and_stores_nothing(world):
    website_of(world)
    client = api_client(world.website_user)
    before = _counts()
    items = [payload(), payload(decision="erase"), payload()]
    response = client.post(URL, {"items": items}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["items[1].decision"]
    assert _unchanged(before)


def test_bulk_same_puid_different_content_in_one_call(world):
    website_of(world)
    client = api_client(world.website_user)
    before = _counts()
    items = [payload(puid="p1"), payload(puid="p1", decision="refuse")]
    response = client.post(URL, {"items": items}, format="json")
    assert response.status_code == 400
    assert "items[1].puid" in response.json()
    assert _unchanged(before)


def test_bulk_over_the_limit_is_refused(world, monkeypatch):
    from qinglang.compliance import services

    monkeypatch.setattr(services, "MAX_BATCH", 3)
    website_of(world)
    response = api_client(world.website_user).post(
        URL, {"items": [payload() for _ in range(4)]}, format="json"
    )
    assert response.status_code == 400 and "items" in response.json()
    assert DeletionRequest.objects.count() == 0


def test_bulk_returns_items_in_order_and_is_idempotent(world):
    website_of(world)
    client = api_client(world.website_user)
    items = [payload(), payload(legal_basis=""), payload()]
    first = client.post(URL, {"items": items}, format="json")
    assert first.status_code == 201
    answered = first.json()["items"]
    assert [i["puid"] for i in answered] == [i["puid"] for i in items]
    assert [f["code"] for f in answered[1]["flags"]] == ["no_legal_basis"]
    again = client.post(URL, {"items": items}, format="json")
    assert again.status_code == 200
    assert [i["id"] for i in again.json()["items"]] == [i["id"] for i in answered]
    assert [f["code"] for f in again.json()["items"][1]["flags"]] == ["no_legal_basis"]
    assert not any(i["created"] for i in again.json()["items"])
    mixed = client.post(URL, {"items": [*items, payload()]}, format="json")
    assert mixed.status_code == 201
    assert [i["created"] for i in mixed.json()["items"]] == [False, False, False, True]
    assert DeletionRequest.objects.count() == 4


def _queries_for(client, n):
    items = [payload(legal_basis="", money_involved=100) for _ in range(n)]
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(URL, {"items": items}, format="json")
    assert response.status_code == 201
    return len(ctx.captured_queries)


def test_bulk_uses_a_constant_number_of_queries(world):
    website_of(world)
    client = api_client(world.website_user)
    _queries_for(client, 1)  # the token's last use is written at most once a minute: warm it
    small = _queries_for(client, 3)
    large = _queries_for(client, 30)
    assert large == small
    # SQLite splits an INSERT at 999 parameters: a few more statements, never one per item.
    assert _queries_for(client, 300) < small + 40
    assert Flag.objects.count() == 334 * 2  # 1 + 3 + 30 + 300 items, two flags each


def test_only_website_officers_file_and_only_for_their_own_site(world):
    website = website_of(world)
    other = website_of(world, name="别人的网站")
    other.operator_organization = None
    other.save()
    office, enterprise, own = (
        api_client(world.beijing_user),
        api_client(world.enterprise_user),
        api_client(world.website_user),
    )
    before = _counts()
    assert office.post(URL, payload(), format="json").status_code == 403
    assert enterprise.post(URL, payload(), format="json").status_code == 403
    guessed = own.post(f"{URL}?website={other.pk}", payload(), format="json")
    assert guessed.status_code == 404
    assert _unchanged(before)
    ok = api_client(world.website_user).post(
        f"{URL}?website={website.pk}", payload(), format="json"
    )
    assert ok.status_code == 201


def test_list_filters_and_scope(world, django_assert_max_num_queries):
    website = website_of(world)
    client = api_client(world.website_user)
    client.post(
        URL, {"items": [payload(legal_basis="") for _ in range(5)] + [payload()]}, format="json"
    )
    office = api_client(world.beijing_user)
    with django_assert_max_num_queries(8):
        flagged = office.get(URL, {"flagged": 1}).json()
    assert flagged["count"] == 5
    assert office.get(URL, {"flagged": 0}).json()["count"] == 1
    assert office.get(URL, {"flag": "no_legal_basis", "website": website.pk}).json()["count"] == 5
    assert office.get(URL, {"month": "2026-11"}).json()["count"] == 6
    assert office.get(URL, {"month": "2026-10"}).json()["count"] == 0
    assert office.get(URL, {"flagged": "yes"}).status_code == 400
    assert office.get(URL, {"decision": "hide"}).status_code == 400
    assert api_client(world.shenzhen_user).get(URL).json()["count"] == 0
    assert api_client(world.national_user).get(URL).json()["count"] == 6
    assert api_client(world.guangdong_user).get(URL, {"website": website.pk}).status_code == 404
    assert api_client(world.police_user).get(URL).json()["count"] == 0
    listed = office.get(URL).json()["results"][0]
    assert "phone" not in listed["requester"]


def test_audit_api_bad_input(world):
    website = website_of(world)
    office = api_client(world.beijing_user)
    base = {
        "website": website.pk,
        "period_start": "2026-11-01",
        "period_end": "2026-11-30",
        "size": 5,
        "seed": 1,
    }
    for change, field in [
        ({"size": 0}, "size"),
        ({"size": 1001}, "size"),
        ({"seed": -1}, "seed"),
        ({"period_end": "2026-10-01"}, "period_end"),
        ({"period_start": "soon"}, "period_start"),
        ({"website": None}, "website"),
    ]:
        response = office.post("/api/v1/compliance/audits/", {**base, **change}, format="json")
        assert response.status_code == 400 and field in response.json(), (change, response.json())
    assert (
        office.post(
            "/api/v1/compliance/audits/", {**base, "website": 99999}, format="json"
        ).status_code
        == 404
    )
    assert (
        api_client(world.website_user)
        .post("/api/v1/compliance/audits/", base, format="json")
        .status_code
        == 403
    )
    from qinglang.compliance.models import Audit

    assert Audit.objects.count() == 0


def test_schema_documents_the_contract(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for text in (
        "/api/v1/compliance/deletion-requests/",
        "/api/v1/compliance/audits/",
        "/api/v1/compliance/evaluations/",
        "DeletionRequestBody",
        "PuidConflict",
        "EnterpriseCategoryEnum",
    ):
        assert text in schema


def test_large_bulk_with_distinct_contacts(world):
    from tests.compliance.factories import broker

    website_of(world)
    broker(phone="13800138000")
    items = [
        payload(requester={"kind": "person", "name": f"人{i}", "email": f"p{i}@example.cn"})
        for i in range(1500)
    ]
    items.append(payload(requester={"kind": "agent", "name": "刘某", "phone": "13800138000"}))
    response = api_client(world.website_user).post(URL, {"items": items}, format="json")
    assert response.status_code == 201
    answered = response.json()["items"]
    assert len(answered) == 1501
    assert [f["code"] for f in answered[-1]["flags"]] == ["broker_contact"]
    assert DeletionRequest.objects.count() == 1501


def test_the_list_pages_by_cursor_as_the_other_lists_do(world, django_assert_max_num_queries):
    website_of(world)
    api_client(world.website_user).post(
        URL, {"items": [payload(puid=f"c-{i}") for i in range(7)]}, format="json"
    )
    office = api_client(world.beijing_user)
    numbered = [row["id"] for row in office.get(URL, {"page_size": 50}).json()["results"]]
    assert len(numbered) == 7
    seen: list[int] = []
    page = office.get(URL, {"cursor": "", "page_size": 3}).json()
    while True:
        assert page["count"] is None
        seen += [row["id"] for row in page["results"]]
        if not page["next"]:
            break
        with django_assert_max_num_queries(8):
            page = office.get(page["next"]).json()
    assert seen == numbered  # the same rows in the same order, none twice
    back = office.get(page["previous"]).json()
    assert [row["id"] for row in back["results"]] == numbered[3:6]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"cursor": "forged"}, "cursor"),
        ({"cursor": "", "page": 2}, "cursor"),
        ({"page_size": 0}, "page_size"),
        ({"page_size": 201}, "page_size"),
        ({"page_size": "many"}, "page_size"),
    ],
)
def test_a_bad_cursor_or_page_size_is_a_400_naming_it(world, query, field):
    website_of(world)
    api_client(world.website_user).post(URL, payload(puid="p-1"), format="json")
    office = api_client(world.beijing_user)
    before = _counts()
    response = office.get(URL, query)
    assert response.status_code == 400
    assert response.json()[field]
    assert _counts() == before
