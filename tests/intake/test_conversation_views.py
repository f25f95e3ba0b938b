"""The reporter's side on the web: receipt with files, tracking page conversation, staff page."""

from __future__ import annotations

import urllib.parse

import pytest
from django.test import Client

from qinglang.evidence.selectors import items_for
from qinglang.intake import services
from qinglang.intake.models import NoticeAddress, Report, ReportMessage, ReviewRequest
from tests.core.auth import login_verified
from tests.intake.factories import evidence_files_on_disk, exe_as_jpg, png_file
from tests.intake.test_conversation_api import KEY, shenzhen_report
from tests.intake.test_views import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr(services, "enqueue_analysis", lambda report_id: None)


def _tracked(client: Client, report: Report) -> None:
    response = client.post("/track/", {"tracking_code": report.tracking_code, "access_key": KEY})
    assert response.status_code == 200 and b'id="reply-form"' in response.content


def test_receipt_lists_files_and_can_be_printed_or_saved(world, client: Client):
    shot = png_file()
    response = client.post(
        "/report/", {**form_data(), "evidence": [shot], "notice_email": "me@example.cn"}
    )
    assert response.status_code == 302
    page = client.get("/report/done/").content.decode()
    report = Report.objects.get()
    sha = items_for(("intake.report", report.pk)).get().blob.sha256
    assert "shot.png" in page and sha in page
    assert "intake/print.css" in page and 'id="print-receipt"' in page
    saved = page.split('id="save-receipt"', 1)[1].split('href="', 1)[1].split('"', 1)[0]
    text = urllib.parse.unquote(saved.removeprefix("data:text/plain;charset=utf-8,"))
    assert report.tracking_code in text and sha in text and "shot.png" in text
    assert NoticeAddress.objects.filter(report=report).exists()


def test_receipt_without_files_says_so(world, client: Client):
    client.post("/report/", form_data())
    page = client.get("/report/done/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No files were attached" in page


def test_tracking_page_shows_office_and_conversation(world, client: Client):
    report = shenzhen_report(world)
    from qinglang.intake.conversation import ask_question

    ask_question(report, text="请说明对方的联系方式。", acting_user=world.shenzhen_user)
    response = client.post("/track/", {"tracking_code": report.tracking_code, "access_key": KEY})
    page = response.content.decode()
    assert world.shenzhen_office.name in page and "请说明对方的联系方式。" in page
    assert KEY not in page  # the key stays sealed in the session, never in the page


def test_reply_with_a_file_on_the_tracking_page(world, client: Client):
    report = shenzhen_report(world)
    _tracked(client, report)
    response = client.post("/track/reply/", {"text": "对方QQ 12345。", "files": [png_file()]})
    assert response.status_code == 200
    assert "对方QQ 12345。" in response.content.decode()
    message = ReportMessage.objects.get()
    assert message.author == "reporter" and message.files[0]["name"] == "shot.png"
    assert items_for(("intake.report", report.pk)).count() == 1


def test_reply_with_a_disguised_file_keeps_the_text_and_stores_nothing(world, client: Client):
    report = shenzhen_report(world)
    _tracked(client, report)
    response = client.post("/track/reply/", {"text": "看附件", "files": [exe_as_jpg()]})
    assert response.status_code == 400
    assert ">看附件</textarea>" in response.content.decode()
    assert not ReportMessage.objects.exists() and evidence_files_on_disk() == []


def test_empty_reply_is_400(world, client: Client):
    report = shenzhen_report(world)
    _tracked(client, report)
    response = client.post("/track/reply/", {"text": "  "})
    assert response.status_code == 400 and not ReportMessage.objects.exists()


def test_reply_without_having_tracked_is_refused(world, client: Client):
    shenzhen_report(world)
    response = client.post("/track/reply/", {"text": "你好"})
    assert response.status_code == 400 and not ReportMessage.objects.exists()


def test_a_reply_typed_after_the_page_expired_comes_back_to_be_copied(
    world, client: Client, monkeypatch
):
    from qinglang.intake import views

    report = shenzhen_report(world)
    _tracked(client, report)
    monkeypatch.setattr(views, "TRACK_SESSION_SECONDS", -1)  # sealed longer ago than allowed
    long_text = "对方又打来电话，要求我再付三千元。" * 40
    response = client.post("/track/reply/", {"text": long_text})
    page = response.content.decode()
    assert response.status_code == 400 and 'id="track-failure"' in page
    assert 'id="id_unsent"' in page and long_text in page
    assert not ReportMessage.objects.exists()


def test_review_and_notice_forms_on_the_tracking_page(world, client: Client):
    report = shenzhen_report(world)
    services.record_decline(
        report, reason_code="other", reason_text="线索不足。", acting_user=world.shenzhen_user
    )
    _tracked(client, report)
    response = client.post("/track/review/", {"reasons": "有新的证据。"})
    assert response.status_code == 200 and b'id="review-requested"' in response.content
    assert client.post("/track/review/", {"reasons": "再次"}).status_code == 409
    assert ReviewRequest.objects.get().reasons == "有新的证据。"
    assert client.post("/track/notice/", {"notice_email": "bad"}).status_code == 400
    assert not NoticeAddress.objects.exists()
    assert client.post("/track/notice/", {"notice_email": "me@example.cn"}).status_code == 200
    assert NoticeAddress.objects.filter(report=report).exists()
    assert client.post("/track/notice/", {"notice_email": ""}).status_code == 200
    assert not NoticeAddress.objects.exists()


# --- staff page -----------------------------------------------------------------------------


def test_staff_asks_on_the_report_page_and_sees_the_conversation(world, client: Client):
    report = shenzhen_report(world)
    login_verified(client, world.shenzhen_user)
    page = client.get(f"/cases/triage/{report.pk}/").content.decode()
    assert 'id="question-form"' in page
    response = client.post(f"/cases/triage/{report.pk}/question/", {"text": "请补充截图。"})
    assert response.status_code == 302
    page = client.get(f"/cases/triage/{report.pk}/").content.decode()
    assert "请补充截图。" in page


def test_staff_empty_question_is_400_and_other_region_is_404(world, client: Client):
    report = shenzhen_report(world)
    login_verified(client, world.shenzhen_user)
    assert client.post(f"/cases/triage/{report.pk}/question/", {"text": ""}).status_code == 400
    other = Client()
    login_verified(other, world.beijing_user)
    response = other.post(f"/cases/triage/{report.pk}/question/", {"text": "问题"})
    assert response.status_code == 404
    assert not ReportMessage.objects.exists()


def test_staff_see_the_review_request(world, client: Client):
    report = shenzhen_report(world)
    services.record_decline(
        report, reason_code="other", reason_text="线索不足。", acting_user=world.shenzhen_user
    )
    ReviewRequest.objects.create(report=report, reasons="请复核，有新证据。")
    login_verified(client, world.shenzhen_user)
    page = client.get(f"/cases/triage/{report.pk}/").content.decode()
    assert "请复核，有新证据。" in page
    queue = client.get("/cases/triage/?status=declined").content.decode()
    assert "badge text-bg-warning" in queue
