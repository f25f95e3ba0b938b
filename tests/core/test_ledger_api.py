"""Ledger API: latest checkpoint, inclusion proofs, consistency proofs."""

from __future__ import annotations

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from qinglang.core import ledger, merkle
from tests.evidence.factories import FAKE_SUBJECT, allow_subject, api_client


@pytest.fixture(autouse=True)
def _key(settings, tmp_path):
    settings.QINGLANG_LEDGER_KEY_PATH = tmp_path / "ledger.pem"


@pytest.fixture(autouse=True)
def _forget_fake_subject():
    yield
    from qinglang.evidence.access import unregister_subject_resolver

    unregister_subject_resolver(FAKE_SUBJECT)


def add(n: int, start: int = 0):
    with transaction.atomic():
        return [
            ledger.append(("tests.thing", start + i), action="thing.made", actor=None)
            for i in range(n)
        ]


def test_latest_checkpoint_is_public(db):
    assert APIClient().get("/api/v1/ledger/checkpoints/latest/").status_code == 404
    add(3)
    cp = ledger.seal()
    data = APIClient().get("/api/v1/ledger/checkpoints/latest/").json()
    assert data["tree_size"] == 3
    assert data["root_hash"] == cp.root_hash
    message = merkle.checkpoint_message(3, data["root_hash"], data["signed_at"], data["key_id"])
    from qinglang.core import signing

    assert signing.verify(
        bytes.fromhex(data["public_key"]), message, bytes.fromhex(data["signature"])
    )


def test_inclusion_proof(world):
    allow_subject({world.beijing_user.pk})
    with transaction.atomic():
        events = [
            ledger.append((FAKE_SUBJECT, i), action="thing.made", actor=None) for i in range(5)
        ]
    api = api_client(world.beijing_user)
    assert api.get(f"/api/v1/ledger/events/{events[2].pk}/proof/").status_code == 409
    ledger.seal()
    data = api.get(f"/api/v1/ledger/events/{events[2].pk}/proof/").json()
    assert merkle.verify_inclusion(
        bytes.fromhex(data["leaf_hash"]),
        data["leaf_index"],
        data["tree_size"],
        [bytes.fromhex(h) for h in data["audit_path"]],
        bytes.fromhex(data["checkpoint"]["root_hash"]),
    )
    assert api.get("/api/v1/ledger/events/999999/proof/").status_code == 404
    assert APIClient().get(f"/api/v1/ledger/events/{events[2].pk}/proof/").status_code in (401, 403)


def test_no_proof_for_an_event_the_user_may_not_see(world):
    allow_subject({world.beijing_user.pk})
    with transaction.atomic():
        (event,) = [ledger.append((FAKE_SUBJECT, 1), action="thing.made", actor=None)]
        (other,) = add(1, start=9)  # about an object no resolver lets anyone see
    ledger.seal()
    outsider = api_client(world.guangdong_user)
    assert outsider.get(f"/api/v1/ledger/events/{event.pk}/proof/").status_code == 404
    insider = api_client(world.beijing_user)
    assert insider.get(f"/api/v1/ledger/events/{other.pk}/proof/").status_code == 404
    assert insider.get(f"/api/v1/ledger/events/{event.pk}/proof/").status_code == 200


def test_consistency_proof(db):
    add(3)
    first = ledger.seal()
    add(4, start=3)
    second = ledger.seal()
    data = APIClient().get("/api/v1/ledger/consistency/?first=3&second=7").json()
    assert merkle.verify_consistency(
        3,
        7,
        bytes.fromhex(first.root_hash),
        bytes.fromhex(second.root_hash),
        [bytes.fromhex(h) for h in data["proof"]],
    )
    for query in ("first=7&second=3", "first=2&second=7", "first=x&second=7", ""):
        response = APIClient().get(f"/api/v1/ledger/consistency/?{query}")
        assert response.status_code == 400
        assert response.json()["non_field_errors"]


def test_a_report_event_proof_goes_to_exactly_who_sees_the_report(world):
    """The proof is scoped by the report's own selector: same answer as the report's page."""
    from django.urls import reverse

    from tests.cases.factories import make_report

    report = make_report(world.shenzhen_office)
    with transaction.atomic():
        event = ledger.append(report, action="thing.made", actor=None)
    ledger.seal()
    users = [
        world.national_user,
        world.guangdong_user,
        world.shenzhen_user,
        world.beijing_user,
        world.police_user,
        world.website_user,
        world.enterprise_user,
    ]
    seen = []
    for user in users:
        api = api_client(user)
        page = api.get(reverse("api-report-detail", args=[report.pk])).status_code
        proof = api.get(f"/api/v1/ledger/events/{event.pk}/proof/").status_code
        assert (page, proof) in {(200, 200), (404, 404), (403, 404)}, (user, page, proof)
        seen.append(proof == 200)
    assert seen[2] and not seen[3]  # Shenzhen sees its own report, Beijing does not
