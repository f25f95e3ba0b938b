"""Transfer API: the partners' contract, scoping (404), roles (403), bad input (400)."""

from __future__ import annotations

import json

import pytest

from qinglang.cases.models import ExtensionRequest, Transfer, TransferFeedback, TransferStatus
from qinglang.evidence.models import EvidenceItem
from tests.cases.factories import api_client
from tests.cases.handling_factories import CaseWithMaterials, png_upload, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def cwm(world):
    return CaseWithMaterials(world)


def counts() -> tuple[int, int, int, int]:
    return (
        Transfer.objects.count(),
        TransferFeedback.objects.count(),
        ExtensionRequest.objects.count(),
        EvidenceItem.objects.count(),
    )


def test_create_transfer_contract(world, cwm):
    client = api_client(world.beijing_user)
    response = client.post(
        f"/api/v1/cases/{cwm.case.pk}/transfers/",
        {
            "recipient": world.police.pk,
            "kind": "criminal_referral",
            "instructions": "涉嫌敲诈勒索，请立案侦查。",
            "materials": {"evidence": [cwm.item_a.pk], "reports": [cwm.report_a.pk]},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "deadline", "status"}
    assert body["status"] == "sent"
    transfer = Transfer.objects.get(pk=body["id"])
    assert transfer.deadline.isoformat().startswith(body["deadline"][:10])


def test_rectification_order_with_measures(world, cwm):
    client = api_client(world.beijing_user)
    response = client.post(
        f"/api/v1/cases/{cwm.case.pk}/transfers/",
        {
            "recipient": world.website_operator.pk,
            "kind": "rectification_order",
            "instructions": "责令整改。",
            "measures": ["删除违规帖子", "公示删帖渠道"],
            "deadline_days": 3,
        },
        format="json",
    )
    assert response.status_code == 201
    assert Transfer.objects.get().measures == ["删除违规帖子", "公示删帖渠道"]


def test_rectification_order_as_the_contract_documents_it(world, cwm):
    """recipient, kind and instructions suffice: the instructions are the required measures."""
    response = api_client(world.beijing_user).post(
        f"/api/v1/cases/{cwm.case.pk}/transfers/",
        {
            "recipient": world.website_operator.pk,
            "kind": "rectification_order",
            "instructions": "删除违规帖子并公示删帖渠道。",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    transfer = Transfer.objects.get(pk=response.json()["id"])
    assert transfer.measures == []
    assert transfer.instructions == "删除违规帖子并公示删帖渠道。"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "criminal_referral", "instructions": "x"}, "recipient"),
        ({"recipient": "police", "kind": "criminal_referral", "instructions": "x"}, "recipient"),
        ({"recipient": 0, "kind": "exile", "instructions": "x"}, "kind"),
        ({"recipient": 0, "kind": "criminal_referral"}, "instructions"),
        (
            {"recipient": 0, "kind": "criminal_referral", "instructions": "x", "deadline_days": 0},
            "deadline_days",
        ),
        (
            {
                "recipient": 0,
                "kind": "criminal_referral",
                "instructions": "x",
                "materials": {"evidence": ["a"]},
            },
            "materials",
        ),
        ({"recipient": "telecom", "kind": "criminal_referral", "instructions": "x"}, "recipient"),
        ({"recipient": 0, "kind": "rectification_order", "instructions": "x"}, "recipient"),
        (
            {
                "recipient": "website",
                "kind": "rectification_order",
                "instructions": "x",
                "measures": ["x" * 501],
            },
            "measures",
        ),
    ],
)
def test_create_bad_input_400_per_field(world, cwm, payload, field):
    ids = {
        "police": world.police.pk,
        "telecom": world.telecom.pk,
        "website": world.website_operator.pk,
    }
    if payload.get("recipient") == 0:
        payload = {**payload, "recipient": world.police.pk}
    elif payload.get("recipient") in {"telecom", "website"}:
        payload = {**payload, "recipient": ids[payload["recipient"]]}
    before = counts()
    response = api_client(world.beijing_user).post(
        f"/api/v1/cases/{cwm.case.pk}/transfers/", payload, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert counts() == before


def test_create_out_of_scope_404_and_wrong_role_403(world, cwm):
    url = f"/api/v1/cases/{cwm.case.pk}/transfers/"
    payload = {"recipient": world.police.pk, "kind": "criminal_referral", "instructions": "x"}
    for user in (world.guangdong_user, world.police_user, world.website_user):
        assert api_client(user).post(url, payload, format="json").status_code == 404
    assert (
        api_client(world.beijing_user)
        .post("/api/v1/cases/999999/transfers/", payload, format="json")
        .status_code
        == 404
    )
    clerk = world.beijing_user.__class__.objects.create(
        username="bj-clerk", organization=world.beijing_office, role="supervisor"
    )
    assert api_client(clerk).post(url, payload, format="json").status_code == 403
    assert not Transfer.objects.exists()


def test_inbox_sees_only_own_transfers_and_only_the_materials(world, cwm):
    t_police = send(world, cwm.case, evidence_ids=[cwm.item_a.pk], report_ids=[cwm.report_a.pk])
    send(world, cwm.case, kind="rectification_order")
    police = api_client(world.police_user)
    inbox = police.get("/api/v1/transfers/").json()
    assert [t["id"] for t in inbox["results"]] == [t_police.pk]
    detail = police.get(f"/api/v1/transfers/{t_police.pk}/").json()
    assert [e["id"] for e in detail["materials"]["evidence"]] == [cwm.item_a.pk]
    assert [r["id"] for r in detail["materials"]["reports"]] == [cwm.report_a.pk]
    text = json.dumps(detail, ensure_ascii=False)
    assert "13800000000" not in text  # the reporter's contact never travels
    assert cwm.report_b.description not in text
    assert cwm.item_case.original_name not in text
    # The rest of the case stays out of reach.
    assert police.get(f"/api/v1/cases/{cwm.case.pk}/").status_code == 404
    assert police.get(f"/api/v1/cases/{cwm.case.pk}/transfers/").status_code == 404
    # The website sees its order, not the police referral.
    website = api_client(world.website_user)
    assert website.get(f"/api/v1/transfers/{t_police.pk}/").status_code == 404
    assert len(website.get("/api/v1/transfers/").json()["results"]) == 1


def test_sender_sees_sent_direction(world, cwm):
    transfer = send(world, cwm.case)
    sent = api_client(world.beijing_user).get("/api/v1/transfers/?direction=sent").json()
    assert [t["id"] for t in sent["results"]] == [transfer.pk]
    assert api_client(world.beijing_user).get("/api/v1/transfers/").json()["results"] == []
    assert (
        api_client(world.guangdong_user).get("/api/v1/transfers/?direction=sent").json()["results"]
        == []
    )
    # The superior office sees its subordinate's transfers.
    national = api_client(world.national_user).get("/api/v1/transfers/?direction=sent").json()
    assert [t["id"] for t in national["results"]] == [transfer.pk]


def test_full_recipient_flow(world, cwm):
    transfer = send(world, cwm.case)
    police = api_client(world.police_user)
    response = police.post(f"/api/v1/transfers/{transfer.pk}/acknowledge/")
    assert response.status_code == 200 and response.json()["status"] == "acknowledged"
    assert police.post(f"/api/v1/transfers/{transfer.pk}/acknowledge/").status_code == 400
    response = police.post(
        f"/api/v1/transfers/{transfer.pk}/extension/",
        {"days": 5, "reason": "需调取银行流水"},
        format="json",
    )
    assert response.status_code == 201
    sender = api_client(world.beijing_user)
    assert (
        police.post(
            f"/api/v1/transfers/{transfer.pk}/extension/decide/", {"approve": True}, format="json"
        ).status_code
        == 403
    )
    response = sender.post(
        f"/api/v1/transfers/{transfer.pk}/extension/decide/",
        {"approve": True, "note": "同意"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["status"] == "approved"
    response = police.post(
        f"/api/v1/transfers/{transfer.pk}/feedback/",
        {
            "payload": json.dumps({"summary": "已立案侦查，嫌疑人已到案。"}),
            "attachments": [png_upload("立案决定书.png")],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert response.json()["attachments"][0]["name"] == "立案决定书.png"
    detail = sender.get(f"/api/v1/transfers/{transfer.pk}/").json()
    assert detail["status"] == "answered"
    assert detail["feedback"][0]["summary"] == "已立案侦查，嫌疑人已到案。"
    assert sender.post(f"/api/v1/transfers/{transfer.pk}/close/").json()["status"] == "closed"


def test_feedback_json_and_bad_input(world, cwm):
    transfer = send(world, cwm.case)
    police = api_client(world.police_user)
    url = f"/api/v1/transfers/{transfer.pk}/feedback/"
    before = counts()
    assert "summary" in police.post(url, {"summary": ""}, format="json").json()
    assert "payload" in police.post(url, {"payload": "{not json"}, format="multipart").json()
    response = police.post(
        url,
        {"payload": json.dumps({"summary": "已处理"}), "attachments": [png_upload("x.exe")]},
        format="multipart",
    )
    assert response.status_code == 400
    from django.core.files.uploadedfile import SimpleUploadedFile

    exe = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00" + b"\x00" * 100)
    response = police.post(
        url,
        {"payload": json.dumps({"summary": "已处理"}), "attachments": [exe]},
        format="multipart",
    )
    assert response.status_code == 400 and "attachments" in response.json()
    assert counts() == before
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.SENT
    # Wrong party: the sender cannot answer its own transfer; other recipients cannot see it.
    assert (
        api_client(world.beijing_user).post(url, {"summary": "x"}, format="json").status_code == 403
    )
    assert (
        api_client(world.telecom_user).post(url, {"summary": "x"}, format="json").status_code == 404
    )
    response = police.post(url, {"summary": "已处理"}, format="json")
    assert response.status_code == 201


def test_extension_bad_input(world, cwm):
    transfer = send(world, cwm.case)
    police = api_client(world.police_user)
    url = f"/api/v1/transfers/{transfer.pk}/extension/"
    for payload, field in [
        ({"days": "x", "reason": "r"}, "days"),
        ({"days": 3}, "reason"),
        ({"days": 0, "reason": "r"}, "days"),
        ({"days": 99, "reason": "r"}, "days"),
    ]:
        response = police.post(url, payload, format="json")
        assert response.status_code == 400 and field in response.json(), payload
    assert not ExtensionRequest.objects.exists()
    sender = api_client(world.beijing_user)
    response = sender.post(
        f"/api/v1/transfers/{transfer.pk}/extension/decide/", {"approve": True}, format="json"
    )
    assert response.status_code == 400 and "extension" in response.json()


def test_guessed_ids_are_404(world, cwm):
    transfer = send(world, cwm.case)
    for user in (world.telecom_user, world.guangdong_user, world.enterprise_user):
        client = api_client(user)
        assert client.get(f"/api/v1/transfers/{transfer.pk}/").status_code == 404
        assert client.post(f"/api/v1/transfers/{transfer.pk}/acknowledge/").status_code == 404
    assert api_client(world.police_user).get("/api/v1/transfers/999999/").status_code == 404


def test_anonymous_is_refused(client, world, cwm):
    transfer = send(world, cwm.case)
    assert client.get("/api/v1/transfers/").status_code in {401, 403}
    assert client.post(f"/api/v1/transfers/{transfer.pk}/acknowledge/").status_code in {401, 403}


def test_inbox_query_count_is_fixed(world, cwm, django_assert_max_num_queries):
    for i in range(3):
        send(world, CaseWithMaterials(world, url=f"https://forum{i}.cn/t/1").case)
    police = api_client(world.police_user)
    with django_assert_max_num_queries(8):
        small = police.get("/api/v1/transfers/")
    for i in range(3, 15):
        send(world, CaseWithMaterials(world, url=f"https://forum{i}.cn/t/1").case)
    with django_assert_max_num_queries(8):
        large = police.get("/api/v1/transfers/")
    assert len(small.json()["results"]) == 3 and len(large.json()["results"]) == 15
