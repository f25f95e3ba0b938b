"""Public pages: portal, report form (errors, honeypot, limits), one-time receipt, tracking."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from qinglang.intake import services
from qinglang.intake.models import Report
from tests.intake.factories import evidence_files_on_disk, exe_as_jpg, png_file

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr(services, "enqueue_analysis", lambda report_id: None)


def form_data(**overrides: str) -> dict[str, str]:
    data = {
        "category": "extortion",
        "description": "自称记者的人要求支付五千元“广告费”，否则发布负面报道。",
        "targets-0-url": "https://news.fake-media.cn/a/1",
        "targets-0-account": "某记者",
        "amount_demanded": "5000",
        "payment_channel": "银行转账",
        "occurred_on": "2026-11-01",
        "contact-name": "",
        "contact-phone": "",
        "contact-email": "",
    }
    data.update(overrides)
    return data


def test_portal_explains_what_to_report(world, client: Client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/report/"' in html and 'href="/track/"' in html
    assert "Paid post deletion" in html


def test_form_is_accessible(world, client: Client):
    html = client.get("/report/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert html.count("<fieldset") >= 5 and "<legend" in html
    assert 'for="id_description"' in html and 'aria-describedby="id_description_help' in html
    assert html.count('type="radio" name="category"') == 8
    assert 'name="evidence" multiple' in html
    assert 'name="homepage"' in html and 'tabindex="-1"' in html
    assert "style=" not in html and "<script>" not in html


def test_submit_then_receipt_is_shown_once(world, client: Client):
    response = client.post(
        "/report/", form_data(**{"contact-phone": "13800138000"}) | {"evidence": [png_file()]}
    )
    assert response.status_code == 302 and response["Location"] == "/report/done/"
    report = Report.objects.get()
    assert report.contact_phone == "+8613800138000" and report.channel == "web"
    page = client.get("/report/done/")
    html = page.content.decode()
    assert report.tracking_code in html
    key = re.search(r'id="access-key">([A-Z0-9-]+)<', html).group(1)
    assert report.access_key_hash == services.hash_access_key(key)
    assert "no-store" in page["Cache-Control"]
    again = client.get("/report/done/").content.decode()
    assert report.tracking_code not in again and key not in again


def test_errors_are_summarised_and_linked_to_fields_and_nothing_is_stored(world, client):
    response = client.post(
        "/report/",
        form_data(
            category="",
            description="短",
            occurred_on="2999-01-01",
            **{
                "targets-0-url": "",
                "targets-0-account": "",
                "targets-1-platform": "微信",
                "contact-email": "bad",
            },
        ),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="error-summary"' in html
    for anchor in (
        "#id_category_0",
        "#id_description",
        "#id_occurred_on",
        "#id_targets-1-url",
        "#id_contact-email",
    ):
        assert f'href="{anchor}"' in html, anchor
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_description_help id_description_error"' in html
    assert "The date cannot be in the future." in html
    assert 'value="微信"' in html  # what the reporter typed is kept
    assert Report.objects.count() == 0


def test_bad_file_is_refused_with_the_field_error(world, client):
    response = client.post(
        "/report/", form_data() | {"evidence": [exe_as_jpg()]}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert 'href="#id_evidence"' in response.content.decode()
    assert Report.objects.count() == 0 and evidence_files_on_disk() == []


def test_honeypot_refuses_bots(world, client):
    response = client.post("/report/", form_data(homepage="http://spam.example"))
    assert response.status_code == 400
    assert Report.objects.count() == 0


def test_eleventh_web_submission_in_an_hour_is_refused_with_a_clear_message(
    world, client, frozen_window
):
    for _ in range(10):
        assert client.post("/report/", form_data()).status_code == 302
    response = client.post("/report/", form_data(), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert "Too many reports were sent from your network" in response.content.decode()
    assert Report.objects.count() == 10


def test_form_in_english_and_chinese(world, client):
    en = client.get("/report/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "File a report" in en and 'lang="en"' in en
    zh = client.get("/report/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'lang="zh-CN"' in zh


# --- tracking -----------------------------------------------------------------------------------


def _strip_csrf(html: str) -> str:
    return re.sub(r"[A-Za-z0-9]{64}", "", html)


def test_tracking_page_shows_status(world, client):
    sub = services.submit_report(
        {
            "category": "paid_deletion",
            "description": "删帖中介报价两千元。",
            "targets": [{"icp_number": "京ICP备12345678号"}],
        }
    )
    services.record_decline(
        sub.report,
        reason_code="insufficient_evidence",
        reason_text="请补充聊天记录截图。",
        acting_user=world.beijing_user,
    )
    html = client.post(
        "/track/",
        {"tracking_code": sub.tracking_code.lower(), "access_key": sub.access_key},
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert 'data-status="declined"' in html and "请补充聊天记录截图。" in html
    # The handling office is named once (issue 14: tracking shows it); no staff names.
    assert "t-beijing" not in html and html.count("北京市网信办") == 1


def test_tracking_page_gives_identical_answers_for_unknown_code_and_wrong_key(world, client):
    sub = services.submit_report(
        {
            "category": "paid_deletion",
            "description": "删帖中介报价两千元。",
            "targets": [{"account": "删帖中介"}],
        }
    )
    unknown = client.post(
        "/track/", {"tracking_code": "QL-ZZZZZZZZZZ", "access_key": sub.access_key}
    )
    wrong_key = client.post(
        "/track/", {"tracking_code": sub.tracking_code, "access_key": "AAAAA-AAAAA-AAAAA-AAAAA"}
    )
    assert unknown.status_code == wrong_key.status_code == 200
    # The same page, apart from the echoed code.
    assert _strip_csrf(wrong_key.content.decode()).replace(
        sub.tracking_code, "QL-ZZZZZZZZZZ"
    ) == _strip_csrf(unknown.content.decode())
    assert str(services.NOT_FOUND_MESSAGE) in unknown.content.decode()


def test_tracking_page_is_rate_limited(world, client, frozen_window):
    for _ in range(30):
        client.post("/track/", {"tracking_code": "QL-ZZZZZZZZZZ", "access_key": "x"})
    response = client.post("/track/", {"tracking_code": "QL-ZZZZZZZZZZ", "access_key": "x"})
    assert response.status_code == 429


def test_tracking_form_requires_both_fields(world, client):
    response = client.post(
        "/track/", {"tracking_code": "", "access_key": ""}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'href="#id_tracking_code"' in html and 'href="#id_access_key"' in html


def test_access_key_never_rests_in_the_session_in_plaintext(world, client: Client):
    from django.contrib.sessions.models import Session

    from qinglang.core.sealed import seal, unseal

    response = client.post("/report/", form_data())
    assert response.status_code == 302
    stored = "".join(str(s.get_decoded()) + s.session_data for s in Session.objects.all())
    page = client.get("/report/done/").content.decode()
    key = re.search(r'id="access-key">([A-Z0-9-]+)<', page).group(1)
    assert key not in stored
    assert Report.objects.get().access_key_hash == services.hash_access_key(key)
    # a sealed value expires and cannot be forged
    assert unseal(seal("secret")) == "secret"
    assert unseal(seal("secret"), ttl=-1) is None
    assert unseal("not-a-token") is None
