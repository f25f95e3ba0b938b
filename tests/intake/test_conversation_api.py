"""The reporter's side over the API: receipt files, tracking, questions, replies, review."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from qinglang.core.models import LedgerEvent
from qinglang.core.sealed import unseal_at_rest
from qinglang.evidence.selectors import items_for
from qinglang.intake import services, tasks
from qinglang.intake.models import NoticeAddress, Report, ReportMessage, ReviewRequest
from tests.cases.factories import api_client, make_report
from tests.intake.factories import evidence_files_on_disk, exe_as_jpg, png_file, report_body

pytestmark = pytest.mark.django_db
SUBMIT, TRACK = "/api/v1/reports/", "/api/v1/reports/track/"
REPLY, REVIEW = "/api/v1/reports/track/reply/", "/api/v1/reports/track/review/"
KEY = "ABCDE-FGHJK-LMNPQ-RSTUV"


def questions(pk: int) -> str:
    return f"/api/v1/reports/{pk}/questions/"


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr(services, "enqueue_analysis", lambda report_id: None)


@pytest.fixture
def mails(monkeypatch):
    """Run the news-notice task in process when it is enqueued (after commit)."""
    monkeypatch.setattr(tasks.send_news_notice, "delay", lambda **kw: tasks.send_news_notice(**kw))
    return mail.outbox


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def shenzhen_report(world) -> Report:
    """Return a received Shenzhen report whose access key is KEY."""
    report = make_report(world.shenzhen_office)
    report.access_key_hash = services.hash_access_key(KEY)
    report.save(update_fields=["access_key_hash"])
    return report


def creds(report: Report) -> dict[str, str]:
    return {"tracking_code": report.tracking_code, "access_key": KEY}


def events(report: Report, action: str) -> int:
    return LedgerEvent.objects.filter(
        object_type="intake.report", object_id=str(report.pk), action=action
    ).count()


# --- receipt --------------------------------------------------------------------------------


def test_receipt_lists_every_file_with_size_and_sha256(world, api):
    files = [png_file(), png_file("b.png", "green")]
    expected = [(f.name, f.size) for f in files]
    response = api.post(
        SUBMIT, {"payload": json.dumps(report_body()), "evidence": files}, format="multipart"
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert [(f["name"], f["size"]) for f in data["files"]] == expected
    report = Report.objects.get(tracking_code=data["tracking_code"])
    stored = {i.blob.sha256 for i in items_for(("intake.report", report.pk))}
    assert {f["sha256"] for f in data["files"]} == stored and len(stored) == 2


def test_notice_email_at_submission_is_stored_encrypted(world, api):
    response = api.post(SUBMIT, report_body(notice_email="me@example.cn"), format="json")
    assert response.status_code == 201
    notice = NoticeAddress.objects.get()
    assert "me@example.cn" not in notice.sealed_email
    assert unseal_at_rest(notice.sealed_email) == "me@example.cn"


def test_bad_notice_email_at_submission_is_a_400_and_nothing_stored(world, api):
    response = api.post(SUBMIT, report_body(notice_email="not-an-address"), format="json")
    assert response.status_code == 400
    assert "notice_email" in response.json()
    assert not Report.objects.exists() and not NoticeAddress.objects.exists()


# --- questions (staff) ----------------------------------------------------------------------


def test_staff_question_is_201_on_the_ledger_and_in_tracking(world, api):
    report = shenzhen_report(world)
    response = api_client(world.shenzhen_user).post(
        questions(report.pk), {"text": "请补充对方的微信号截图。"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["from"] == "staff"
    assert events(report, "report.question_asked") == 1
    data = api.post(TRACK, creds(report), format="json").json()
    assert data["office"] == world.shenzhen_office.name
    assert [(m["from"], m["text"], m["files"]) for m in data["messages"]] == [
        ("staff", "请补充对方的微信号截图。", [])
    ]
    assert "question" in [e["event"] for e in data["timeline"]]
    labels = [e["label"] for e in data["timeline"]]
    assert "report.question_asked" not in labels  # words, never raw codes


@pytest.mark.parametrize("text", ["", "   ", None, "x" * 5001])
def test_empty_or_overlong_question_is_400_and_nothing_stored(world, text):
    report = shenzhen_report(world)
    response = api_client(world.shenzhen_user).post(
        questions(report.pk), {"text": text}, format="json"
    )
    assert response.status_code == 400
    assert "text" in response.json()
    assert not ReportMessage.objects.exists() and events(report, "report.question_asked") == 0


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ("beijing_user", 404),  # other region: a guessed id learns nothing
        ("police_user", 404),
        ("inspector", 404),
        ("guangdong_user", 403),  # sees the report (superior office) but does not handle it
    ],
)
def test_question_by_staff_who_do_not_handle_the_report(world, who, code):
    report = shenzhen_report(world)
    response = api_client(getattr(world, who)).post(
        questions(report.pk), {"text": "问题"}, format="json"
    )
    assert response.status_code == code
    assert not ReportMessage.objects.exists() and events(report, "report.question_asked") == 0


def test_question_to_a_guessed_id_is_404(world):
    response = api_client(world.shenzhen_user).post(questions(999999), {"text": "问题"})
    assert response.status_code == 404


def test_anonymous_cannot_ask(world, api):
    report = shenzhen_report(world)
    assert api.post(questions(report.pk), {"text": "问题"}, format="json").status_code in {
        401,
        403,
    }
    assert not ReportMessage.objects.exists()


# --- replies (reporter) ---------------------------------------------------------------------


def test_json_reply_is_201_and_in_the_conversation(world, api):
    report = shenzhen_report(world)
    response = api.post(REPLY, {**creds(report), "text": "对方微信号是 abc123。"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["from"] == "reporter" and response.json()["files"] == []
    assert events(report, "report.reply_received") == 1
    event = LedgerEvent.objects.get(action="report.reply_received")
    assert "abc123" not in json.dumps(event.data)  # the ledger keeps a digest, not the text
    data = api.post(TRACK, creds(report), format="json").json()
    assert data["messages"][-1]["text"] == "对方微信号是 abc123。"


def test_multipart_reply_stores_files_in_the_vault_like_report_files(world, api):
    report = shenzhen_report(world)
    payload = json.dumps({**creds(report), "text": "补充截图两张。"})
    response = api.post(
        REPLY,
        {"payload": payload, "files": [png_file(), png_file("b.png", "blue")]},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    files = response.json()["files"]
    assert [f["name"] for f in files] == ["shot.png", "b.png"]
    stored = {i.blob.sha256 for i in items_for(("intake.report", report.pk))}
    assert {f["sha256"] for f in files} == stored
    event = LedgerEvent.objects.get(action="report.reply_received")
    assert sorted(event.data["evidence"]) == sorted(stored)
    assert ReportMessage.objects.get().files == files


def _reply_multipart(api, report, files, text="看附件"):
    payload = json.dumps({**creds(report), "text": text})
    return api.post(REPLY, {"payload": payload, "files": files}, format="multipart")


def test_disguised_file_in_a_reply_is_400_and_nothing_stored(world, api):
    report = shenzhen_report(world)
    response = _reply_multipart(api, report, [png_file(), exe_as_jpg()])
    assert response.status_code == 400
    assert "files" in response.json()
    assert evidence_files_on_disk() == []
    assert not ReportMessage.objects.exists() and events(report, "report.reply_received") == 0


def test_oversized_file_in_a_reply_is_400_and_nothing_stored(world, api, settings):
    settings.QINGLANG_EVIDENCE_MAX_FILE_BYTES = 32
    report = shenzhen_report(world)
    response = _reply_multipart(api, report, [png_file()])
    assert response.status_code == 400 and "files" in response.json()
    assert evidence_files_on_disk() == [] and not ReportMessage.objects.exists()


@pytest.mark.parametrize("text", ["", "  ", None, ["a"]])
def test_empty_reply_is_400_and_nothing_stored(world, api, text):
    report = shenzhen_report(world)
    response = api.post(REPLY, {**creds(report), "text": text}, format="json")
    assert response.status_code == 400 and "text" in response.json()
    assert not ReportMessage.objects.exists() and events(report, "report.reply_received") == 0


def test_wrong_key_or_unknown_code_gives_the_same_404_as_tracking(world, api):
    report = shenzhen_report(world)
    answers = set()
    for body in (
        {"tracking_code": report.tracking_code, "access_key": "AAAAA-BBBBB"},
        {"tracking_code": "QL-ZZZZZZZZZZ", "access_key": KEY},
        {},
    ):
        for url, extra in ((TRACK, {}), (REPLY, {"text": "你好"}), (REVIEW, {"reasons": "理由"})):
            response = api.post(url, {**body, **extra}, format="json")
            answers.add((response.status_code, response.content))
    # Bad files with a wrong key: still the same 404 (nothing in the request is looked at).
    bad = {"tracking_code": report.tracking_code, "access_key": "AAAAA-BBBBB", "text": "x"}
    response = api.post(
        REPLY, {"payload": json.dumps(bad), "files": [exe_as_jpg()]}, format="multipart"
    )
    answers.add((response.status_code, response.content))
    assert len(answers) == 1 and next(iter(answers))[0] == 404
    assert not ReportMessage.objects.exists() and not ReviewRequest.objects.exists()
    assert evidence_files_on_disk() == []


# --- review of a decline ----------------------------------------------------------------------


def _decline(world, report: Report) -> None:
    services.record_decline(
        report,
        reason_code="out_of_scope",
        reason_text="不属于受理范围。",
        acting_user=world.shenzhen_user,
    )


def test_review_only_once_and_only_for_a_declined_report(world, api):
    report = shenzhen_report(world)
    body = {**creds(report), "reasons": "对方确有索要钱财，有聊天记录为证。"}
    assert api.post(REVIEW, body, format="json").status_code == 409  # not declined
    assert not ReviewRequest.objects.exists()
    _decline(world, report)
    response = api.post(REVIEW, body, format="json")
    assert response.status_code == 201, response.content
    assert api.post(REVIEW, body, format="json").status_code == 409
    assert ReviewRequest.objects.get().reasons == body["reasons"]
    assert events(report, "report.review_requested") == 1
    data = api.post(TRACK, creds(report), format="json").json()
    assert data["review"]["reasons"] == body["reasons"]
    assert "review_requested" in [e["event"] for e in data["timeline"]]


def test_review_without_reasons_is_400_and_nothing_stored(world, api):
    report = shenzhen_report(world)
    _decline(world, report)
    response = api.post(REVIEW, {**creds(report), "reasons": " "}, format="json")
    assert response.status_code == 400 and "reasons" in response.json()
    assert not ReviewRequest.objects.exists() and events(report, "report.review_requested") == 0


def test_review_after_the_window_is_409(world, api):
    report = shenzhen_report(world)
    _decline(world, report)
    Report.objects.filter(pk=report.pk).update(decided_at=timezone.now() - dt.timedelta(days=31))
    response = api.post(REVIEW, {**creds(report), "reasons": "理由"}, format="json")
    assert response.status_code == 409 and not ReviewRequest.objects.exists()


# --- news notices -----------------------------------------------------------------------------


def _with_notice(report: Report, email: str = "me@example.cn") -> None:
    from qinglang.core.sealed import seal_at_rest

    NoticeAddress.objects.create(report=report, sealed_email=seal_at_rest(email))


def test_a_question_sends_a_contentless_notice_with_the_absolute_tracking_url(
    world, mails, settings, django_capture_on_commit_callbacks
):
    settings.QINGLANG_BASE_URL = "https://jubao.example.gov.cn"
    report = shenzhen_report(world)
    _with_notice(report)
    with django_capture_on_commit_callbacks(execute=True):
        api_client(world.shenzhen_user).post(
            questions(report.pk), {"text": "请补充截图。"}, format="json"
        )
    assert len(mails) == 1
    message = mails[0]
    assert message.to == ["me@example.cn"]
    assert "https://jubao.example.gov.cn/track/" in message.body
    for secret in ("请补充截图", report.tracking_code, world.shenzhen_office.name):
        assert secret not in message.body and secret not in message.subject


def test_no_notice_without_an_address(world, mails, django_capture_on_commit_callbacks):
    report = shenzhen_report(world)
    with django_capture_on_commit_callbacks(execute=True):
        api_client(world.shenzhen_user).post(questions(report.pk), {"text": "问题"}, format="json")
    assert mails == []


def test_the_address_is_deleted_when_the_case_closes(
    world, mails, django_capture_on_commit_callbacks
):
    report = shenzhen_report(world)
    _with_notice(report)
    services.record_acceptance(report, case=None, acting_user=world.shenzhen_user)
    with django_capture_on_commit_callbacks(execute=True):
        services.record_result(report, public_result="已处理。", acting_user=world.shenzhen_user)
    assert not NoticeAddress.objects.exists()
    assert len(mails) == 1  # the closing news still reaches the reporter
    assert events(report, "report.notice_address_deleted") == 1


def test_the_address_of_a_decline_is_deleted_once_the_review_window_is_over(world):
    report = shenzhen_report(world)
    _with_notice(report)
    _decline(world, report)
    assert tasks.forget_notice_addresses() == 0  # still within the window
    Report.objects.filter(pk=report.pk).update(decided_at=timezone.now() - dt.timedelta(days=31))
    assert tasks.forget_notice_addresses() == 1
    assert not NoticeAddress.objects.exists()


# --- cost ---------------------------------------------------------------------------------------


def test_tracking_makes_the_same_statements_for_one_or_many_messages(world, api):
    report = shenzhen_report(world)
    client = api_client(world.shenzhen_user)
    client.post(questions(report.pk), {"text": "问题一"}, format="json")
    with CaptureQueriesContext(connection) as one:
        api.post(TRACK, creds(report), format="json")
    for n in range(4):
        client.post(questions(report.pk), {"text": f"问题{n}"}, format="json")
        api.post(REPLY, {**creds(report), "text": f"回答{n}"}, format="json")
    with CaptureQueriesContext(connection) as many:
        api.post(TRACK, creds(report), format="json")
    assert len(many.captured_queries) == len(one.captured_queries)
