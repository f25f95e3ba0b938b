"""The issue's acceptance: broker phone flagged and seen by Beijing only; puid idempotent;
audit sample reproducible; evaluation explains its score."""

from __future__ import annotations

import pytest

from qinglang.compliance.models import DeletionRequest
from qinglang.core.models import LedgerEvent
from tests.cases.factories import api_client
from tests.compliance.factories import broker, payload, website_of

pytestmark = pytest.mark.django_db

URL = "/api/v1/compliance/deletion-requests/"


def test_broker_phone_is_flagged_and_only_beijing_sees_it(world):
    website = website_of(world)
    broker()
    body = payload(requester={"kind": "agent", "name": "刘某", "phone": "138-0013-8000"})
    response = api_client(world.website_user).post(URL, body, format="json")
    assert response.status_code == 201, response.content
    codes = [f["code"] for f in response.json()["flags"]]
    assert codes == ["broker_contact"]
    assert "intermediary 某某舆情公关工作室" in response.json()["flags"][0]["message"]
    request_id = response.json()["id"]

    beijing = api_client(world.beijing_user).get(URL, {"flagged": 1}).json()["results"]
    assert [r["id"] for r in beijing] == [request_id]
    assert beijing[0]["flags"][0]["code"] == "broker_contact"
    assert beijing[0]["website"] == website.pk
    guangdong = api_client(world.guangdong_user).get(URL, {"flagged": 1}).json()["results"]
    assert guangdong == []
    own = api_client(world.website_user).get(URL, {"flagged": 1}).json()["results"]
    assert [r["id"] for r in own] == [request_id]


def test_same_puid_twice_stores_one_entry(world):
    website_of(world)
    client = api_client(world.website_user)
    body = payload(puid="dsa-0001")
    first = client.post(URL, body, format="json")
    events = LedgerEvent.objects.count()
    second = client.post(URL, body, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert DeletionRequest.objects.filter(puid="dsa-0001").count() == 1
    assert LedgerEvent.objects.count() == events

    changed = client.post(URL, {**body, "decision": "refuse"}, format="json")
    assert changed.status_code == 409
    assert changed.json()["conflicts"] == [{"puid": "dsa-0001", "id": first.json()["id"]}]
    assert DeletionRequest.objects.get(puid="dsa-0001").decision == "delete"


def test_audit_sample_is_reproducible(world):
    website = website_of(world)
    client = api_client(world.website_user)
    items = [payload() for _ in range(30)]
    assert client.post(URL, {"items": items}, format="json").status_code == 201
    office = api_client(world.beijing_user)
    body = {
        "website": website.pk,
        "period_start": "2026-11-01",
        "period_end": "2026-11-30",
        "size": 5,
        "seed": 20261102,
    }
    first = office.post("/api/v1/compliance/audits/", body, format="json")
    second = office.post("/api/v1/compliance/audits/", body, format="json")
    assert first.status_code == second.status_code == 201
    assert first.json()["sample"] == second.json()["sample"]
    assert len(first.json()["sample"]) == 5
    other = office.post("/api/v1/compliance/audits/", {**body, "seed": 7}, format="json")
    assert other.json()["sample"] != first.json()["sample"]
    ids = set(DeletionRequest.objects.values_list("pk", flat=True))
    assert set(first.json()["sample"]) <= ids
    outside = api_client(world.guangdong_user).post(
        "/api/v1/compliance/audits/", body, format="json"
    )
    assert outside.status_code == 404


def test_evaluation_explains_its_score(world):
    from qinglang.compliance.services import compute_evaluation

    website = website_of(world)
    client = api_client(world.website_user)
    items = [payload(), payload(money_involved="3000"), payload(legal_basis="")]
    assert client.post(URL, {"items": items}, format="json").status_code == 201
    compute_evaluation(website, period="2026-11", acting_user=world.beijing_user)
    rows = (
        api_client(world.beijing_user)
        .get("/api/v1/compliance/evaluations/", {"website": website.pk})
        .json()
    )
    assert len(rows) == 1
    row = rows[0]
    assert row["period"] == "2026-11"
    by_key = {c["key"]: c for c in row["components"]}
    assert by_key["money_involved"]["value"] == -5.0
    assert by_key["money_involved"]["weight"] == 5.0
    assert "1 requests recorded money" in by_key["money_involved"]["explanation"]
    # 1 of 3 requests passed every check: 20 × (1 − 1/3) = 13.3 deducted.
    assert by_key["check_compliance"]["value"] == -13.3
    assert "1 of 3 requests passed every check" in by_key["check_compliance"]["explanation"]
    assert row["score"] == pytest.approx(100 - 5 - 13.3)
    assert all({"name", "value", "weight", "explanation"} <= set(c) for c in row["components"])
    assert "minus 18.3 in deductions" in row["explanation"]
    assert (
        api_client(world.guangdong_user)
        .get("/api/v1/compliance/evaluations/", {"website": website.pk})
        .status_code
        == 404
    )
