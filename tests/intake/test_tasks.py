"""Nothing lost: a broker outage loses no report; its analysis runs once the broker is back."""

from __future__ import annotations

import base64
import json
import logging
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from qinglang.core.models import LedgerEvent
from qinglang.evidence import services as evidence_services
from qinglang.evidence.models import CaptureStatus, WebCapture
from qinglang.evidence.selectors import items_for
from qinglang.intake import services, tasks
from qinglang.intake.models import Report
from tests.evidence.factories import finish_pdf
from tests.intake.factories import report_body
from tests.services import DEAD_BROKER, REDIS_URL, queued_task_names

pytestmark = pytest.mark.django_db


def test_report_survives_a_broker_outage_and_is_analysed_once_when_it_is_back(
    world, broker, django_capture_on_commit_callbacks, caplog
):
    point, live = broker
    point(DEAD_BROKER)
    with (
        caplog.at_level(logging.WARNING, logger="qinglang.intake.services"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = APIClient().post("/api/v1/reports/", report_body(), format="json")
    assert response.status_code == 201
    assert "could not enqueue qinglang.intake.tasks.analyse_report" in caplog.text
    report = Report.objects.get(tracking_code=response.json()["tracking_code"])
    assert report.analysed_at is None
    assert LedgerEvent.objects.filter(action="report.received").count() == 1

    point(REDIS_URL)
    assert services.requeue_pending_reports(older_than=timedelta(0)) == 1
    assert queued_task_names(live) == ["qinglang.intake.tasks.analyse_report"]
    message = json.loads(live.lrange("celery", 0, -1)[0])
    assert (
        message["headers"]["argsrepr"] == "()"
        and str(report.pk) in message["headers"]["kwargsrepr"]
    )

    # The worker runs it (twice, as with a duplicate requeue): analysed once.
    assert tasks.analyse_report.run(report_id=report.pk) is True
    assert tasks.analyse_report.run(report_id=report.pk) is False
    report.refresh_from_db()
    assert report.analysed_at is not None
    assert LedgerEvent.objects.filter(action="report.analysed").count() == 1
    assert services.requeue_pending_reports(older_than=timedelta(0)) == 0


def test_the_requeue_job_is_scheduled():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["intake-requeue-pending-reports"]
    assert entry["task"] == tasks.requeue_pending_reports.name


PDF = finish_pdf(
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\n"
)


class _Page(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        body = "<html><body><article><p>专业删帖，先删后付，联系微信。</p></article></body></html>"
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def page_url(settings):
    settings.QINGLANG_CAPTURE_ALLOW_PRIVATE = True
    settings.QINGLANG_CHROMIUM = "/nonexistent/chromium"
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/post/1"
    httpd.shutdown()


def _work_off_queue(live) -> list[str]:
    """Act as the worker: pop each queued message and run its task; return the names run."""
    from qinglang.celery import app

    ran = []
    for queue in ("celery", "io"):  # analyses first, then what waits on the network
        while (raw := live.rpop(queue)) is not None:
            message = json.loads(raw)
            _args, kwargs, _embed = json.loads(base64.b64decode(message["body"]))
            name = message["headers"]["task"]
            app.tasks[name].run(**kwargs)
            ran.append(name)
    return ran


def test_report_with_pdf_keeps_its_receipt_in_an_outage_and_preview_and_capture_run_later(
    world, broker, page_url, django_capture_on_commit_callbacks, caplog
):
    point, live = broker
    point(DEAD_BROKER)
    payload = json.dumps(report_body(targets=[{"url": page_url}]))
    with django_capture_on_commit_callbacks(execute=True):
        response = APIClient().post(
            "/api/v1/reports/",
            {"payload": payload, "evidence": [SimpleUploadedFile("notice.pdf", PDF)]},
            format="multipart",
        )
    assert response.status_code == 201, response.content
    receipt = response.json()
    assert receipt["tracking_code"] and receipt["access_key"]
    assert "could not enqueue qinglang.evidence.tasks.make_preview" in caplog.text
    report = Report.objects.get(tracking_code=receipt["tracking_code"])
    item = items_for(("intake.report", report.pk)).get()
    assert item.media_type == "application/pdf" and item.preview_blob_id is None

    point(REDIS_URL)
    assert services.requeue_pending_reports(older_than=timedelta(0)) == 1
    assert evidence_services.requeue_pending_previews(older_than=timedelta(0)) == 1
    assert queued_task_names(live) == [
        "qinglang.intake.tasks.analyse_report",
        "qinglang.evidence.tasks.make_preview",
    ]
    # The broker fails again while the worker analyses: the capture it requests stays waiting.
    point(DEAD_BROKER)
    taken = json.loads(live.rpop("celery"))  # the worker takes the analysis off the queue
    assert taken["headers"]["task"] == "qinglang.intake.tasks.analyse_report"
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.analyse_report.run(report_id=report.pk) is True
    capture = WebCapture.objects.get(subject_type="intake.report", subject_id=str(report.pk))
    assert capture.status == CaptureStatus.PENDING
    assert "could not enqueue qinglang.evidence.tasks.capture_page" in caplog.text

    point(REDIS_URL)
    assert evidence_services.requeue_pending_captures(older_than=timedelta(0)) == 1
    assert _work_off_queue(live) == [
        "qinglang.evidence.tasks.make_preview",
        "qinglang.evidence.tasks.capture_page",
    ]
    item.refresh_from_db()
    capture.refresh_from_db()
    assert item.preview_blob_id is not None
    assert capture.status == CaptureStatus.DONE and capture.text_item_id is not None
    assert evidence_services.requeue_pending_previews(older_than=timedelta(0)) == 0
    assert evidence_services.requeue_pending_captures(older_than=timedelta(0)) == 0


def test_the_evidence_requeue_jobs_are_scheduled():
    from django.conf import settings

    from qinglang.evidence import tasks as evidence_tasks

    schedule = settings.CELERY_BEAT_SCHEDULE
    assert (
        schedule["evidence-requeue-pending-previews"]["task"]
        == evidence_tasks.requeue_pending_previews.name
    )
    assert (
        schedule["evidence-requeue-pending-captures"]["task"]
        == evidence_tasks.requeue_pending_captures.name
    )


def test_every_analysis_message_carries_the_reports_task_id(monkeypatch):
    import celery

    sent = []
    monkeypatch.setattr(
        celery.Task, "apply_async", lambda self, args, kwargs, task_id, **kw: sent.append(task_id)
    )
    tasks.analyse_report.delay(report_id=7)
    tasks.analyse_report.delay(8)
    tasks.analyse_report.apply_async(kwargs={"report_id": 9}, task_id="given")
    assert sent == ["intake-analyse-7", "intake-analyse-8", "given"]


@pytest.mark.django_db
def test_the_requeue_skips_a_report_whose_analysis_message_still_waits(
    world, monkeypatch, embedded_broker
):
    """Behind a backlog older than the requeue's age, the first message still waits: no copy."""
    monkeypatch.setattr(services, "enqueue_analysis", lambda report_id: None)
    waiting = services.submit_report(report_body()).report
    lost = services.submit_report(report_body()).report
    embedded_broker.send_task(
        tasks.analyse_report.name,
        kwargs={"report_id": waiting.pk},
        task_id=tasks.analysis_task_id(waiting.pk),
    )
    monkeypatch.undo()
    sent: list[int] = []
    monkeypatch.setattr(services, "enqueue_analysis", sent.append)
    older = timedelta(0)
    assert services.requeue_pending_reports(older_than=older) == 1
    assert sent == [lost.pk], "only the report with no message"
    with embedded_broker.connection_for_read() as conn:
        queue = conn.SimpleQueue("celery")
        message = queue.get(timeout=5)  # a worker took it: in flight, still not sent again
        assert services.requeue_pending_reports(older_than=older) == 1
        message.ack()  # done with it, and the report still not analysed (say it failed)
        queue.close()
    assert services.requeue_pending_reports(older_than=older) == 2
    assert sorted(sent[-2:]) == sorted([waiting.pk, lost.pk])
    assert Report.objects.filter(analysed_at__isnull=True).count() == 2  # the requeue writes none
