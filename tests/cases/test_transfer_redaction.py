"""Redaction on the way out: a website never learns who reported it; partners read as written."""

from __future__ import annotations

import re

import pytest

from qinglang.analysis import pii
from qinglang.cases.models import Transfer
from qinglang.core.models import LedgerEvent
from qinglang.disclosure import services as disclosure
from qinglang.intake.models import Report
from tests.cases.factories import api_client
from tests.cases.handling_factories import CaseWithMaterials, send

pytestmark = pytest.mark.django_db

NAME, PHONE, EMAIL = "陈红", "13800000000", "chenhong@example.com"
ID_NUMBER = "11010519491231002X"
INSTRUCTIONS = f"举报人{NAME}（电话{PHONE}，邮箱{EMAIL}）反映贵网站收费删帖，请限期整改。"


@pytest.fixture
def cwm(world):
    materials = CaseWithMaterials(world)
    Report.objects.filter(pk=materials.report_a.pk).update(
        contact_name=NAME,
        contact_email=EMAIL,
        description=f"我是{NAME}，身份证{ID_NUMBER}，对方要价五千元删帖。",
    )
    materials.report_a.refresh_from_db()
    return materials


def order(world, cwm, **kwargs):
    return send(
        world,
        cwm.case,
        kind="rectification_order",
        instructions=INSTRUCTIONS,
        measures=[f"向{NAME}女士说明处理结果", "删除违规帖子"],
        report_ids=[cwm.report_a.pk],
        **kwargs,
    )


def assert_no_reporter(text: str) -> None:
    for detail in (NAME, PHONE, EMAIL, ID_NUMBER):
        assert detail not in text


def test_outsider_redaction_is_shared_with_disclosure():
    text = f"举报人{NAME}，电话138 0000 0000，身份证{ID_NUMBER}。"
    redacted, counts = pii.redact_for_outsiders(text, known=[NAME, PHONE])
    masked = pii.MASKS[pii.KNOWN]
    assert redacted == f"举报人{masked}，电话{masked}，身份证{pii.MASKS[pii.IDENTITY]}。"
    assert counts == {pii.KNOWN: 2, pii.IDENTITY: 1}
    assert disclosure.redact_text(text, known=[NAME, PHONE]) == (redacted, counts)


def test_rectification_order_is_stored_redacted_and_the_original_kept_for_staff(world, cwm):
    transfer = order(world, cwm)
    assert_no_reporter(transfer.instructions)
    assert "〔个人信息已隐去〕" in transfer.instructions
    assert "请限期整改" in transfer.instructions
    assert transfer.instructions_original == INSTRUCTIONS
    assert_no_reporter(" ".join(transfer.measures))
    assert transfer.measures[1] == "删除违规帖子"
    assert transfer.measures_original[0] == f"向{NAME}女士说明处理结果"
    event = LedgerEvent.objects.get(action="transfer.sent", object_id=str(transfer.pk))
    assert event.data["redacted"] == {pii.KNOWN: 4}
    assert_no_reporter(str(event.data))


def test_partner_agency_receives_the_text_as_written(world, cwm):
    transfer = send(world, cwm.case, instructions=INSTRUCTIONS, report_ids=[cwm.report_a.pk])
    assert transfer.instructions == INSTRUCTIONS
    assert transfer.instructions_original == ""
    client = api_client(world.police_user)
    body = client.get(f"/api/v1/transfers/{transfer.pk}/").json()
    assert body["instructions"] == INSTRUCTIONS
    assert body["materials"]["reports"][0]["description"] == cwm.report_a.description
    assert "as_written" not in body


def test_website_page_and_api_show_only_the_redacted_materials(world, cwm, verified_client):
    transfer = order(world, cwm)
    page = verified_client(world.website_user).get(f"/cases/transfers/{transfer.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert_no_reporter(html)
    assert "请限期整改" in html and "对方要价五千元删帖" in html
    assert 'id="transfer-as-written"' not in html

    api = api_client(world.website_user)
    detail = api.get(f"/api/v1/transfers/{transfer.pk}/")
    assert detail.status_code == 200
    assert_no_reporter(detail.content.decode())
    assert "as_written" not in detail.json()
    inbox = api.get("/api/v1/transfers/")
    assert inbox.status_code == 200 and str(transfer.pk) in inbox.content.decode()
    assert_no_reporter(inbox.content.decode())


def test_staff_still_see_the_original(world, cwm, verified_client):
    transfer = order(world, cwm)
    html = verified_client(world.beijing_user).get(f"/cases/transfers/{transfer.pk}/")
    text = html.content.decode()
    assert 'id="transfer-as-written"' in text and PHONE in text and NAME in text
    body = api_client(world.beijing_user).get(f"/api/v1/transfers/{transfer.pk}/").json()
    assert body["as_written"]["instructions"] == INSTRUCTIONS
    assert_no_reporter(body["instructions"])


def form_data(world, cwm, **extra):
    return {
        "kind": "rectification_order",
        "recipient": world.website_operator.pk,
        "instructions": INSTRUCTIONS,
        "measures": "删除违规帖子",
        "reports": [cwm.report_a.pk],
        **extra,
    }


def test_sender_previews_the_redaction_before_sending(world, cwm, verified_client):
    client = verified_client(world.beijing_user)
    url = f"/cases/{cwm.case.pk}/transfers/new/"
    preview = client.post(url, form_data(world, cwm))
    assert preview.status_code == 200
    html = preview.content.decode()
    assert 'id="transfer-preview"' in html
    marked = re.findall(r'<mark class="pii"[^>]*>([^<]*)</mark>', html)
    assert NAME in marked and PHONE in marked and EMAIL in marked and ID_NUMBER in marked
    sent_part = html.split('id="preview-redacted"')[1].split("</span>")[0]
    assert_no_reporter(sent_part)
    assert not Transfer.objects.exists()  # nothing sent before the sender saw the preview

    digest = re.search(r'name="previewed" value="([0-9a-f]{64})"', html).group(1)
    changed = client.post(url, form_data(world, cwm, instructions="改过的文字。", previewed=digest))
    assert changed.status_code == 200 and 'id="transfer-preview"' in changed.content.decode()
    assert not Transfer.objects.exists()  # a changed text is previewed again

    sent = client.post(url, form_data(world, cwm, previewed=digest))
    transfer = Transfer.objects.get()
    assert sent.status_code == 302 and sent["Location"] == transfer.get_absolute_url()
    assert transfer.instructions == re.sub(r"\s+", " ", sent_part.split(">", 1)[1]).strip()
    assert transfer.instructions_original == INSTRUCTIONS


def test_partner_agency_form_sends_without_preview(world, cwm, verified_client):
    client = verified_client(world.beijing_user)
    response = client.post(
        f"/cases/{cwm.case.pk}/transfers/new/",
        {"kind": "criminal_referral", "recipient": world.police.pk, "instructions": INSTRUCTIONS},
    )
    assert response.status_code == 302
    assert Transfer.objects.get().instructions == INSTRUCTIONS


def test_empty_instructions_are_refused_and_nothing_stored(world, cwm, verified_client):
    client = verified_client(world.beijing_user)
    response = client.post(
        f"/cases/{cwm.case.pk}/transfers/new/", form_data(world, cwm, instructions="  ")
    )
    assert response.status_code == 400
    assert 'id="transfer-preview"' not in response.content.decode()
    api = api_client(world.beijing_user).post(
        f"/api/v1/cases/{cwm.case.pk}/transfers/",
        {
            "recipient": world.website_operator.pk,
            "kind": "rectification_order",
            "instructions": "",
            "measures": ["删除违规帖子"],
        },
        format="json",
    )
    assert api.status_code == 400 and "instructions" in api.json()
    assert not Transfer.objects.exists()


def test_another_region_gets_404_and_nothing_stored(world, cwm, verified_client):
    client = verified_client(world.guangdong_user)
    response = client.post(f"/cases/{cwm.case.pk}/transfers/new/", form_data(world, cwm))
    assert response.status_code == 404
    assert NAME not in response.content.decode()
    api = api_client(world.guangdong_user).post(
        f"/api/v1/cases/{cwm.case.pk}/transfers/",
        {
            "recipient": world.website_operator.pk,
            "kind": "rectification_order",
            "instructions": INSTRUCTIONS,
            "measures": ["删除违规帖子"],
        },
        format="json",
    )
    assert api.status_code == 404
    assert not Transfer.objects.exists()


def test_api_sender_reads_what_the_website_received(world, cwm):
    response = api_client(world.beijing_user).post(
        f"/api/v1/cases/{cwm.case.pk}/transfers/",
        {
            "recipient": world.website_operator.pk,
            "kind": "rectification_order",
            "instructions": INSTRUCTIONS,
            "measures": ["删除违规帖子"],
            "materials": {"reports": [cwm.report_a.pk]},
        },
        format="json",
    )
    assert response.status_code == 201
    detail = api_client(world.beijing_user).get(f"/api/v1/transfers/{response.json()['id']}/")
    body = detail.json()
    assert_no_reporter(body["instructions"] + str(body["materials"]["reports"]))
    assert body["as_written"]["instructions"] == INSTRUCTIONS
    assert Transfer.objects.get().instructions_original == INSTRUCTIONS


def test_migration_redacts_orders_already_sent_and_reverses(world, cwm):
    from importlib import import_module

    from django.apps import apps

    transfer = order(world, cwm)
    Transfer.objects.filter(pk=transfer.pk).update(
        instructions=INSTRUCTIONS, measures=[f"联系{PHONE}"], instructions_original=""
    )
    police = send(world, cwm.case, instructions=INSTRUCTIONS)
    migration = import_module("qinglang.cases.migrations.0011_redact_website_transfers")
    migration.redact_sent(apps, None)
    transfer.refresh_from_db()
    assert_no_reporter(transfer.instructions + str(transfer.measures))
    assert transfer.instructions_original == INSTRUCTIONS
    assert Transfer.objects.get(pk=police.pk).instructions == INSTRUCTIONS
    migration.restore_originals(apps, None)
    transfer.refresh_from_db()
    assert transfer.instructions == INSTRUCTIONS and transfer.measures == [f"联系{PHONE}"]


def test_extension_decision_note_to_a_website_is_stored_redacted(world, cwm):
    from qinglang.cases.services import transfers
    from qinglang.core.models import Notification

    transfer = order(world, cwm)
    ext = transfers.request_extension(
        transfer, days=3, reason="需要核查服务器日志", acting_user=world.website_user
    )
    transfers.decide_extension(
        ext,
        approve=True,
        acting_user=world.beijing_user,
        note=f"同意延期，请同时联系举报人{NAME}（{PHONE}）核实。",
    )
    ext.refresh_from_db()
    assert_no_reporter(ext.decision_note)
    assert "同意延期" in ext.decision_note and "〔个人信息已隐去〕" in ext.decision_note
    notices = list(Notification.objects.filter(verb="transfer.extension_approved"))
    assert notices
    for n in notices:
        assert_no_reporter(f"{n.title} {n.body}")
    event = LedgerEvent.objects.get(action="transfer.extension_approved")
    assert event.data["note_redacted"] is True  # the staff-only ledger keeps what was written


def test_extension_decision_note_to_a_partner_agency_is_kept_as_written(world, cwm):
    from qinglang.cases.services import transfers

    transfer = send(world, cwm.case, instructions=INSTRUCTIONS, report_ids=[cwm.report_a.pk])
    ext = transfers.request_extension(
        transfer, days=3, reason="需要调取记录", acting_user=world.police_user
    )
    note = f"同意，举报人{NAME}可配合。"
    transfers.decide_extension(ext, approve=False, acting_user=world.beijing_user, note=note)
    ext.refresh_from_db()
    assert ext.decision_note == note
