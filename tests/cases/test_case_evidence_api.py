"""Case evidence over the API and on the case page: uploads, captures with live progress, bad
input (disguised, oversized, internal addresses, other regions, wrong roles) changing nothing."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from qinglang.core.models import LedgerEvent
from qinglang.evidence.models import CaptureStatus, EvidenceItem, WebCapture
from qinglang.evidence.services import attach, store_upload
from tests.cases.factories import api_client as _api_client
from tests.cases.factories import make_report
from tests.cases.handling_factories import CaseWithMaterials, png_bytes, png_upload, send


@pytest.fixture
def cwm(world):
    return CaseWithMaterials(world)


@pytest.fixture(autouse=True)
def _english(client):
    """Requests in English (the interface is Chinese first), to assert on the msgids."""
    from django.conf import settings
    from django.utils import translation

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def api_client(user):
    api = _api_client(user)
    api.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return api


def disguised() -> SimpleUploadedFile:
    """A ZIP archive named like a picture."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("a.png", png_bytes())
    return SimpleUploadedFile("photo.png", out.getvalue(), content_type="image/png")


def counts() -> tuple[int, int, int]:
    return (
        EvidenceItem.objects.count(),
        WebCapture.objects.count(),
        LedgerEvent.objects.filter(
            action__in=["case.evidence_added", "case.capture_requested"]
        ).count(),
    )


# --- API: uploads -------------------------------------------------------------------------------


def test_api_upload_answers_201_with_the_stored_files(world, cwm):
    api = api_client(world.beijing_user)
    response = api.post(
        f"/api/v1/cases/{cwm.case.pk}/evidence/",
        {"files": [png_upload("现场.png", "red"), png_upload("回执.png", "white")]},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    files = response.json()["files"]
    assert [f["name"] for f in files] == ["现场.png", "回执.png"]
    stored = EvidenceItem.objects.get(pk=files[0]["id"])
    assert files[0]["sha256"] == stored.blob.sha256
    assert files[0]["size"] == len(png_bytes("red"))
    listing = api.get(f"/api/v1/cases/{cwm.case.pk}/evidence/").json()
    by_source = {s["source"]: [f["name"] for f in s["files"]] for s in listing["sources"]}
    assert by_source["upload"] == ["internal-note.txt", "现场.png", "回执.png"]
    assert by_source["report"] == ["chat-a.txt", "chat-b.txt"]
    assert listing["count"] == 5


def test_api_evidence_list_shows_feedback_and_has_fixed_queries(
    world, cwm, django_assert_max_num_queries
):
    from qinglang.cases.services import transfers

    def answer(i):
        transfer = send(world, cwm.case)
        transfers.acknowledge_transfer(transfer, acting_user=world.police_user)
        transfers.submit_feedback(
            transfer,
            summary="已处理",
            acting_user=world.police_user,
            attachments=[png_upload(f"回执{i}.png", (i * 50, 0, 0))],
        )

    answer(0)
    api = api_client(world.beijing_user)
    url = f"/api/v1/cases/{cwm.case.pk}/evidence/"
    with django_assert_max_num_queries(40) as first:
        api.get(url)
    for i in range(1, 3):
        answer(i)
    with django_assert_max_num_queries(len(first.captured_queries)):
        listing = api.get(url).json()
    feedback = next(s for s in listing["sources"] if s["source"] == "feedback")
    assert sorted(f["name"] for f in feedback["files"]) == ["回执0.png", "回执1.png", "回执2.png"]
    assert feedback["label"] == "From transfer answers"


def test_api_disguised_file_is_400_and_nothing_is_stored(world, cwm):
    before = counts()
    response = api_client(world.beijing_user).post(
        f"/api/v1/cases/{cwm.case.pk}/evidence/",
        {"files": [png_upload("ok.png"), disguised()]},
        format="multipart",
    )
    assert response.status_code == 400
    assert "photo.png" in " ".join(response.json()["files"])
    assert counts() == before


def test_api_oversized_file_is_413(world, cwm, settings):
    settings.QINGLANG_EVIDENCE_MAX_FILE_BYTES = 64
    before = counts()
    response = api_client(world.beijing_user).post(
        f"/api/v1/cases/{cwm.case.pk}/evidence/", {"files": [png_upload()]}, format="multipart"
    )
    assert response.status_code == 413
    assert "too large" in " ".join(response.json()["files"])
    assert counts() == before


def test_api_upload_without_files_is_400(world, cwm):
    before = counts()
    response = api_client(world.beijing_user).post(
        f"/api/v1/cases/{cwm.case.pk}/evidence/", {}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["files"]
    assert counts() == before


@pytest.mark.parametrize(
    ("who", "code"),
    [("guangdong_user", 404), ("police_user", 403), ("website_user", 403), ("inspector", 404)],
)
def test_api_upload_by_others_is_refused(world, cwm, who, code):
    before = counts()
    response = api_client(getattr(world, who)).post(
        f"/api/v1/cases/{cwm.case.pk}/evidence/", {"files": [png_upload()]}, format="multipart"
    )
    assert response.status_code == code
    assert counts() == before


def test_api_guessed_case_id_is_404(world, cwm):
    other = CaseWithMaterials(world, url="https://x.example.cn/")
    from qinglang.cases.models import Case

    Case.objects.filter(pk=other.case.pk).update(lead_office=world.shenzhen_office)
    before = counts()
    api = api_client(world.beijing_user)
    assert api.get(f"/api/v1/cases/{other.case.pk}/evidence/").status_code == 404
    assert api.get(f"/api/v1/cases/{other.case.pk}/captures/").status_code == 404
    response = api.post(
        f"/api/v1/cases/{other.case.pk}/captures/", {"url": "https://a.example.cn/"}, format="json"
    )
    assert response.status_code == 404
    assert api.get("/api/v1/cases/999999/evidence/").status_code == 404
    assert counts() == before


# --- API: captures ------------------------------------------------------------------------------


def test_api_capture_is_accepted_and_listed_with_progress(world, cwm, monkeypatch):
    monkeypatch.setattr("qinglang.evidence.tasks.capture_page.delay", lambda **kw: None)
    api = api_client(world.beijing_user)
    response = api.post(
        f"/api/v1/cases/{cwm.case.pk}/captures/",
        {"url": "https://bbs.example-news.cn/t/1"},
        format="json",
    )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "pending"
    assert body["progress"]["state"] == "queued"
    assert body["progress"]["label"] == "Queued"
    capture = WebCapture.objects.get(pk=body["id"])
    assert (capture.subject_type, capture.subject_id) == ("cases.case", str(cwm.case.pk))
    WebCapture.objects.filter(pk=capture.pk).update(
        status=CaptureStatus.PENDING,
        attempts=1,
        failure="timeout",
        error="ConnectTimeout: timed out",
        retry_at=timezone.now() + timezone.timedelta(minutes=2),
    )
    [listed] = api.get(f"/api/v1/cases/{cwm.case.pk}/captures/").json()
    assert listed["id"] == capture.pk
    assert listed["progress"]["will_retry"] is True
    assert listed["progress"]["detail"].startswith("Attempt 1 failed: The site did not answer")


def test_api_capture_list_has_fixed_queries(world, cwm, monkeypatch, django_assert_max_num_queries):
    from qinglang.cases.services.evidence import request_case_capture

    monkeypatch.setattr("qinglang.evidence.tasks.capture_page.delay", lambda **kw: None)
    api = api_client(world.beijing_user)
    url = f"/api/v1/cases/{cwm.case.pk}/captures/"
    request_case_capture(cwm.case, url="https://a.example.cn/1", acting_user=world.beijing_user)
    with django_assert_max_num_queries(30) as first:
        api.get(url)
    for i in range(5):
        request_case_capture(
            cwm.case, url=f"https://a.example.cn/{i}", acting_user=world.beijing_user
        )
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert len(api.get(url).json()) == 6


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/",
        "http://10.1.2.3/",
        "http://172.16.0.1/",
        "http://192.168.0.1/",
        "http://169.254.169.254/",
        "http://[::1]/",
        "http://localhost/",
    ],
)
def test_api_capture_of_internal_address_is_refused(world, cwm, settings, url):
    settings.QINGLANG_CAPTURE_ALLOW_PRIVATE = False
    before = counts()
    response = api_client(world.beijing_user).post(
        f"/api/v1/cases/{cwm.case.pk}/captures/", {"url": url}, format="json"
    )
    assert response.status_code == 400
    message = " ".join(response.json()["url"])
    assert "internal" in message or "local name" in message
    assert counts() == before


@pytest.mark.parametrize(
    "payload", [{}, {"url": ""}, {"url": "x" * 2001}, {"url": "javascript:alert(1)"}, []]
)
def test_api_capture_malformed_is_400(world, cwm, payload):
    before = counts()
    response = api_client(world.beijing_user).post(
        f"/api/v1/cases/{cwm.case.pk}/captures/", payload, format="json"
    )
    assert response.status_code == 400
    assert counts() == before


@pytest.mark.parametrize("who", ["police_user", "website_user", "enterprise_user"])
def test_api_agencies_and_websites_may_not_order_captures(world, cwm, who):
    transfer = send(world, cwm.case)  # the agency can see the transfer, not order captures
    before = counts()
    api = api_client(getattr(world, who))
    response = api.post(
        f"/api/v1/cases/{cwm.case.pk}/captures/", {"url": "https://a.example.cn/"}, format="json"
    )
    assert response.status_code == 403
    generic = api.post(
        "/api/v1/evidence/captures/",
        {
            "url": "https://a.example.cn/",
            "subject_type": "cases.transfer",
            "subject_id": transfer.pk,
        },
        format="json",
    )
    assert generic.status_code == 403
    assert counts() == before


# --- the case page ------------------------------------------------------------------------------


def test_page_shows_evidence_of_every_source_in_words(world, cwm, verified_client):
    from qinglang.cases.services import transfers

    transfer = send(world, cwm.case)
    transfers.acknowledge_transfer(transfer, acting_user=world.police_user)
    transfers.submit_feedback(
        transfer,
        summary="已立案",
        acting_user=world.police_user,
        attachments=[png_upload("立案回执.png", "blue")],
    )
    page = verified_client(world.beijing_user).get(f"/cases/{cwm.case.pk}/").content.decode()
    assert 'id="case-evidence"' in page
    assert "From reports" in page and "From transfer answers" in page
    assert "Uploaded by staff" in page
    assert "立案回执.png" in page and "Answer from 北京市公安局" in page
    assert f"Report {cwm.report_a.tracking_code}" in page
    assert 'id="case-evidence-form"' in page and 'id="case-capture-form"' in page


def test_page_upload_redirects_and_lists_the_file(world, cwm, verified_client):
    client = verified_client(world.beijing_user)
    response = client.post(
        f"/cases/{cwm.case.pk}/evidence/add/", {"files": [png_upload("现场照片.png", "yellow")]}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/cases/{cwm.case.pk}/#case-evidence")
    page = client.get(f"/cases/{cwm.case.pk}/").content.decode()
    assert "现场照片.png" in page
    assert EvidenceItem.objects.filter(original_name="现场照片.png").count() == 1


def test_page_disguised_upload_is_400_with_the_reason(world, cwm, verified_client):
    before = counts()
    response = verified_client(world.beijing_user).post(
        f"/cases/{cwm.case.pk}/evidence/add/", {"files": [disguised()]}
    )
    assert response.status_code == 400
    assert "photo.png" in response.content.decode()
    assert counts() == before


def test_page_oversized_upload_is_413(world, cwm, verified_client, settings):
    settings.QINGLANG_EVIDENCE_MAX_FILE_BYTES = 64
    before = counts()
    response = verified_client(world.beijing_user).post(
        f"/cases/{cwm.case.pk}/evidence/add/", {"files": [png_upload()]}
    )
    assert response.status_code == 413
    assert "too large" in response.content.decode()
    assert counts() == before


def test_page_capture_request_and_polling_fragment(world, cwm, verified_client, monkeypatch):
    monkeypatch.setattr("qinglang.evidence.tasks.capture_page.delay", lambda **kw: None)
    client = verified_client(world.beijing_user)
    response = client.post(
        f"/cases/{cwm.case.pk}/captures/add/", {"capture-url": "https://bbs.example-news.cn/t/1"}
    )
    assert response.status_code == 302
    capture = WebCapture.objects.get()
    fragment = client.get(f"/cases/{cwm.case.pk}/captures/").content.decode()
    assert 'hx-trigger="every 2s"' in fragment
    assert 'data-state="queued"' in fragment and "Waiting for a worker" in fragment
    WebCapture.objects.filter(pk=capture.pk).update(
        status=CaptureStatus.FAILED, attempts=3, failure="connect", error="ConnectError: refused"
    )
    fragment = client.get(f"/cases/{cwm.case.pk}/captures/").content.decode()
    assert "hx-trigger" not in fragment  # finished: polling stops
    assert 'data-state="failed"' in fragment
    assert "It will not be tried again" in fragment


def test_page_capture_of_internal_address_is_400_in_words(world, cwm, verified_client, settings):
    settings.QINGLANG_CAPTURE_ALLOW_PRIVATE = False
    before = counts()
    response = verified_client(world.beijing_user).post(
        f"/cases/{cwm.case.pk}/captures/add/", {"capture-url": "http://127.0.0.1:8000/admin/"}
    )
    assert response.status_code == 400
    assert "127.0.0.1 is internal" in response.content.decode()
    assert counts() == before


@pytest.mark.parametrize(
    ("who", "code"),
    [("guangdong_user", 404), ("police_user", 403), ("website_user", 403)],
)
def test_page_actions_by_others_are_refused(world, cwm, verified_client, who, code):
    before = counts()
    client = verified_client(getattr(world, who))
    upload = client.post(f"/cases/{cwm.case.pk}/evidence/add/", {"files": [png_upload()]})
    capture = client.post(
        f"/cases/{cwm.case.pk}/captures/add/", {"capture-url": "https://a.example.cn/"}
    )
    fragment = client.get(f"/cases/{cwm.case.pk}/captures/")
    assert (upload.status_code, capture.status_code, fragment.status_code) == (code, code, code)
    assert counts() == before


def test_report_and_case_pages_flag_identical_files(world, cwm, verified_client):
    shot = png_bytes("purple")
    for report in (cwm.report_a, cwm.report_b):
        item = store_upload(SimpleUploadedFile("同一截图.png", shot), added_by=None)
        attach(item, subject=("intake.report", report.pk), acting_user=None)
    elsewhere = make_report(world.guangdong_office)
    item = store_upload(SimpleUploadedFile("别处.png", shot), added_by=None)
    attach(item, subject=("intake.report", elsewhere.pk), acting_user=None)
    client = verified_client(world.beijing_user)
    for report in (cwm.report_a, cwm.report_b):
        page = client.get(f"/cases/triage/{report.pk}/").content.decode()
        assert 'id="report-duplicates"' in page
        assert "the same bytes were received in 3 reports" in page
        assert cwm.report_a.tracking_code in page and cwm.report_b.tracking_code in page
        assert elsewhere.tracking_code not in page
        assert "and 1 outside your jurisdiction" in page
    case_page = client.get(f"/cases/{cwm.case.pk}/").content.decode()
    assert 'id="case-duplicates"' in case_page
    assert "Identical bytes received in 3 reports." in case_page


def test_report_page_says_capture_failures_in_words(world, cwm, verified_client):
    WebCapture.objects.create(
        url="https://gone.example.cn/t/1",
        subject_type="intake.report",
        subject_id=str(cwm.report_a.pk),
        status=CaptureStatus.FAILED,
        attempts=3,
        failure="dns",
        error="ResolveError: cannot resolve gone.example.cn",
    )
    page = verified_client(world.beijing_user).get(f"/cases/triage/{cwm.report_a.pk}/")
    html = page.content.decode()
    assert "Failed after 3 attempts: The site&#x27;s name could not be resolved." in html
    assert "It will not be tried again" in html
    # The exception text is kept, folded away as a technical detail.
    assert html.index("ResolveError") > html.index("<summary>Technical detail</summary>")
