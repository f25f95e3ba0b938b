"""The recipients' portal (web): inbox, detail with only the transferred materials, answers."""

from __future__ import annotations

import pytest

from qinglang.cases.models import ExtensionRequest, Transfer, TransferFeedback, TransferStatus
from qinglang.cases.selectors import handling
from qinglang.cases.services import transfers
from tests.cases.handling_factories import CaseWithMaterials, png_upload, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def cwm(world):
    return CaseWithMaterials(world)


def test_portal_needs_two_factor_sign_in(client, world, cwm):
    transfer = send(world, cwm.case)
    client.force_login(world.police_user)  # password only
    response = client.get(f"/cases/transfers/{transfer.pk}/")
    assert response.status_code == 302 and "/staff/login/" in response["Location"]


def test_inbox_and_detail_show_only_what_was_transferred(world, cwm, verified_client):
    transfer = send(
        world,
        cwm.case,
        evidence_ids=[cwm.item_a.pk],
        report_ids=[cwm.report_a.pk],
        instructions="请对涉嫌敲诈勒索的人员立案侦查。",
    )
    other = send(world, cwm.case, kind="rectification_order")
    client = verified_client(world.police_user)
    inbox = client.get("/cases/transfers/").content.decode()
    assert f"/cases/transfers/{transfer.pk}/" in inbox
    assert f"/cases/transfers/{other.pk}/" not in inbox
    body = client.get(f"/cases/transfers/{transfer.pk}/").content.decode()
    assert "请对涉嫌敲诈勒索的人员立案侦查。" in body
    assert cwm.item_a.original_name in body and cwm.report_a.description in body
    assert cwm.item_b.original_name not in body  # evidence not chosen
    assert cwm.item_case.original_name not in body
    assert cwm.report_b.description not in body  # report not chosen
    assert "13800000000" not in body  # reporter contact never shown
    assert cwm.report_a.tracking_code not in body
    assert f"/cases/{cwm.case.pk}/" not in body  # no link into the case
    assert client.get(f"/cases/transfers/{other.pk}/").status_code == 404
    response = client.get(f"/cases/{cwm.case.pk}/")
    assert response.status_code in {403, 404}
    assert cwm.case.number not in response.content.decode()
    assert client.get(f"/cases/{cwm.case.pk}/tasks/").status_code == 404


def test_acknowledge_answer_and_extension_in_the_portal(world, cwm, verified_client):
    transfer = send(world, cwm.case, kind="rectification_order")
    client = verified_client(world.website_user)
    base = f"/cases/transfers/{transfer.pk}/"
    assert "删除违规帖子" in client.get(base).content.decode()
    assert client.post(base + "acknowledge/").status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.ACKNOWLEDGED
    response = client.post(base + "extension/", {"days": "3", "reason": "需技术排查"})
    assert response.status_code == 302
    response = client.post(base + "extension/", {"days": "3", "reason": "再次申请"})
    assert response.status_code == 400 and ExtensionRequest.objects.count() == 1
    response = client.post(base + "feedback/", {"summary": ""})
    assert response.status_code == 400 and not TransferFeedback.objects.exists()
    response = client.post(
        base + "feedback/",
        {"summary": "已删除违规帖子并关闭删帖渠道。", "attachments": [png_upload("整改报告.png")]},
    )
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.ANSWERED
    assert "整改报告.png" in client.get(base).content.decode()
    # The website cannot decide on its own extension or close the transfer.
    ext = ExtensionRequest.objects.get()
    assert (
        client.post(base + f"extension/{ext.pk}/decide/", {"decision": "approve"}).status_code
        == 403
    )
    ext.refresh_from_db()
    assert ext.status == "pending"
    assert client.post(base + "close/").status_code == 403
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.ANSWERED


def test_sender_decides_and_closes(world, cwm, verified_client):
    transfer = send(world, cwm.case)
    ext = ExtensionRequest.objects.create(
        transfer=transfer,
        days=2,
        reason="需要时间",
        requested_by=world.police_user,
        requested_at=transfer.sent_at,
        previous_deadline=transfer.deadline,
    )
    client = verified_client(world.beijing_user)
    base = f"/cases/transfers/{transfer.pk}/"
    assert (
        client.post(base + f"extension/{ext.pk}/decide/", {"decision": "approve"}).status_code
        == 302
    )
    ext.refresh_from_db()
    assert ext.status == "approved"
    assert client.post(base + "extension/999/decide/", {"decision": "deny"}).status_code == 404
    sent = client.get("/cases/transfers/?direction=sent").content.decode()
    assert base in sent


def test_create_transfer_page(world, cwm, verified_client):
    client = verified_client(world.beijing_user)
    url = f"/cases/{cwm.case.pk}/transfers/new/"
    page = client.get(url).content.decode()
    assert cwm.item_case.original_name in page and world.police.name in page
    response = client.post(
        url,
        {"kind": "criminal_referral", "recipient": world.telecom.pk, "instructions": "请核查。"},
    )
    assert response.status_code == 400 and not Transfer.objects.exists()
    response = client.post(
        url,
        {
            "kind": "criminal_referral",
            "recipient": world.police.pk,
            "instructions": "请核查。",
            "evidence": [cwm.item_b.pk],
            "reports": [cwm.report_b.pk],
        },
    )
    assert response.status_code == 302
    transfer = Transfer.objects.get()
    assert list(transfer.reports.all()) == [cwm.report_b]
    assert verified_client(world.police_user).get(url).status_code == 404


def test_inbox_page_query_count(world, verified_client, django_assert_max_num_queries):
    for i in range(3):
        send(world, CaseWithMaterials(world, url=f"https://f{i}.cn/").case)
    client = verified_client(world.police_user)
    with django_assert_max_num_queries(14):
        assert client.get("/cases/transfers/").status_code == 200
    for i in range(3, 20):
        send(world, CaseWithMaterials(world, url=f"https://f{i}.cn/").case)
    with django_assert_max_num_queries(14):
        body = client.get("/cases/transfers/").content.decode()
    assert body.count("/cases/transfers/") >= 20


def test_recipient_downloads_only_transferred_evidence(world, cwm, verified_client):
    transfer = send(world, cwm.case, evidence_ids=[cwm.item_a.pk])
    client = verified_client(world.police_user)
    body = client.get(f"/cases/transfers/{transfer.pk}/").content.decode()
    assert f"/evidence/items/{cwm.item_a.pk}/download/" in body
    assert client.get(f"/evidence/items/{cwm.item_a.pk}/download/").status_code == 200
    assert client.get(f"/evidence/items/{cwm.item_b.pk}/download/").status_code == 404
    assert client.get(f"/evidence/items/{cwm.item_case.pk}/download/").status_code == 404
    # Feedback attachments: the sender may download them, another agency may not.
    transfers.submit_feedback(
        transfer,
        summary="见附件",
        acting_user=world.police_user,
        attachments=[png_upload("回执.png")],
    )
    [(_entry, [item])] = handling.feedback_with_attachments(transfer)
    assert (
        verified_client(world.beijing_user).get(f"/evidence/items/{item.pk}/download/").status_code
        == 200
    )
    assert (
        verified_client(world.telecom_user).get(f"/evidence/items/{item.pk}/download/").status_code
        == 404
    )
