"""A capture runs once per attempt however many messages name it (requeues overlapping queued
messages, broker redeliveries); its progress reads in words: what happened, whether and when it
will be tried again."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from django.db import transaction
from django.utils import timezone

from qinglang.evidence import capture, services, tasks
from qinglang.evidence.models import CaptureFailure, CaptureStatus, WebCapture
from qinglang.evidence.progress import ProgressState, capture_progress


@pytest.fixture
def cap(world):
    with transaction.atomic():
        return services.request_capture(
            "https://bbs.example-news.cn/t/1",
            subject=("tests.folder", 1),
            requested_by=world.beijing_user,
        )


@pytest.fixture
def fetches(monkeypatch):
    """Count fetches; each raises what the test queues (default: a refused connection)."""
    calls: list[str] = []
    outcomes: list[BaseException] = []

    def fake_fetch(url):
        calls.append(url)
        raise (outcomes.pop(0) if outcomes else httpx.ConnectError("[Errno 111] refused"))

    monkeypatch.setattr(capture, "fetch", fake_fetch)
    return calls, outcomes


def test_a_duplicate_message_for_an_attempt_already_made_does_nothing(cap, fetches):
    calls, _ = fetches
    with pytest.raises(httpx.ConnectError):
        capture.run_capture(cap.pk, attempt=0)
    cap.refresh_from_db()
    assert (cap.status, cap.attempts, cap.failure) == (
        CaptureStatus.PENDING,
        1,
        CaptureFailure.CONNECT,
    )
    assert cap.retry_at is not None
    assert 55 <= (cap.retry_at - timezone.now()).total_seconds() <= 61
    # The requeued twin of the first message arrives: it is for attempt 0, which was made.
    assert capture.run_capture(cap.pk, attempt=0) == CaptureStatus.PENDING
    cap.refresh_from_db()
    assert cap.attempts == 1
    assert len(calls) == 1
    # The retry (attempt 1 made) runs.
    with pytest.raises(httpx.ConnectError):
        capture.run_capture(cap.pk, attempt=1)
    cap.refresh_from_db()
    assert cap.attempts == 2
    assert len(calls) == 2


def test_a_running_capture_is_not_taken_twice(cap):
    first = capture.claim(cap.pk, attempt=0)
    assert first is not None and first.status == CaptureStatus.RUNNING
    assert capture.claim(cap.pk, attempt=0) is None
    assert capture.claim(cap.pk) is None
    cap.refresh_from_db()
    assert cap.attempts == 1


def test_an_abandoned_attempt_is_taken_again(cap):
    capture.claim(cap.pk, attempt=0)
    WebCapture.objects.filter(pk=cap.pk).update(
        started_at=timezone.now() - capture.CAPTURE_LEASE - dt.timedelta(minutes=1)
    )
    again = capture.claim(cap.pk, attempt=0)
    assert again is not None and again.attempts == 2


def test_done_and_refused_captures_are_never_taken(cap):
    for status in (CaptureStatus.DONE, CaptureStatus.REFUSED, CaptureStatus.FAILED):
        WebCapture.objects.filter(pk=cap.pk).update(status=status)
        assert capture.claim(cap.pk) is None
        assert capture.run_capture(cap.pk) == status


def test_requeue_names_the_attempt_so_overlap_is_harmless(cap, monkeypatch, fetches):
    sent = []
    monkeypatch.setattr(tasks.capture_page, "delay", lambda **kw: sent.append(kw))
    assert services.requeue_pending_captures(older_than=dt.timedelta(0)) == 1
    assert sent == [{"capture_id": cap.pk, "attempt": 0}]
    # The original message (no attempt named, first delivery) and the requeued one both arrive.
    calls, outcomes = fetches
    outcomes.append(capture.CaptureRefusedError("no", failure=CaptureFailure.INTERNAL_ADDRESS))
    assert capture.run_capture(cap.pk, attempt=0) == CaptureStatus.REFUSED
    assert capture.run_capture(cap.pk, attempt=sent[0]["attempt"]) == CaptureStatus.REFUSED
    assert len(calls) == 1


def test_requeue_finds_lost_retries_and_abandoned_attempts(cap, monkeypatch, fetches):
    sent = []
    monkeypatch.setattr(tasks.capture_page, "delay", lambda **kw: sent.append(kw))
    with pytest.raises(httpx.ConnectError):
        capture.run_capture(cap.pk, attempt=0)
    assert services.requeue_pending_captures(older_than=dt.timedelta(minutes=10)) == 0
    WebCapture.objects.filter(pk=cap.pk).update(retry_at=timezone.now() - dt.timedelta(hours=1))
    assert services.requeue_pending_captures(older_than=dt.timedelta(minutes=10)) == 1
    assert sent[-1] == {"capture_id": cap.pk, "attempt": 1}
    WebCapture.objects.filter(pk=cap.pk).update(
        status=CaptureStatus.RUNNING, started_at=timezone.now() - dt.timedelta(hours=1)
    )
    assert services.requeue_pending_captures(older_than=dt.timedelta(minutes=10)) == 1
    assert sent[-1] == {"capture_id": cap.pk, "attempt": None}


def test_the_task_passes_the_attempt_and_retries_with_the_next(cap, monkeypatch):
    seen = []

    def fake_run(capture_id, *, attempt=None, final_attempt=None):
        seen.append(attempt)
        raise httpx.ConnectTimeout("timed out")

    retried = {}

    def fake_retry(**kwargs):
        retried.update(kwargs)
        return RuntimeError("retry")

    monkeypatch.setattr(capture, "run_capture", fake_run)
    monkeypatch.setattr(tasks.capture_page, "retry", fake_retry)
    with pytest.raises(RuntimeError):
        tasks.capture_page.run(capture_id=cap.pk, attempt=1)
    assert seen == [1]
    assert retried["kwargs"] == {"capture_id": cap.pk, "attempt": 2}
    assert retried["countdown"] == 120


def test_final_attempt_fails_for_good(cap, fetches):
    for n in range(capture.MAX_ATTEMPTS - 1):
        with pytest.raises(httpx.ConnectError):
            capture.run_capture(cap.pk, attempt=n)
    assert capture.run_capture(cap.pk, attempt=capture.MAX_ATTEMPTS - 1) == CaptureStatus.FAILED
    cap.refresh_from_db()
    assert cap.retry_at is None and cap.completed_at is not None


# --- progress in words ---------------------------------------------------------------------------


def test_progress_words_through_a_capture_life(cap, fetches):
    _, outcomes = fetches
    p = capture_progress(cap)
    assert (p.state, p.label) == (ProgressState.QUEUED, "Queued")
    assert p.detail == "Waiting for a worker to fetch the page."
    assert not p.finished

    capture.claim(cap.pk, attempt=0)
    cap.refresh_from_db()
    p = capture_progress(cap)
    assert (p.state, p.label) == (ProgressState.CAPTURING, "Capturing")
    assert "attempt 1 of 3" in p.detail

    WebCapture.objects.filter(pk=cap.pk).update(status=CaptureStatus.PENDING, attempts=0)
    outcomes.append(httpx.ConnectTimeout("timed out"))
    with pytest.raises(httpx.ConnectTimeout):
        capture.run_capture(cap.pk, attempt=0)
    cap.refresh_from_db()
    p = capture_progress(cap)
    assert p.state == ProgressState.QUEUED and p.will_retry
    assert p.detail.startswith("Attempt 1 failed: The site did not answer in time.")
    assert "It will be tried again at" in p.detail and "(attempt 2 of 3)" in p.detail
    assert "ConnectTimeout" not in p.detail  # the exception stays in the technical detail
    assert "ConnectTimeout" in p.technical

    with pytest.raises(httpx.ConnectError):
        capture.run_capture(cap.pk, attempt=1)
    capture.run_capture(cap.pk, attempt=2)
    cap.refresh_from_db()
    p = capture_progress(cap)
    assert (p.state, p.label) == (ProgressState.FAILED, "Failed")
    assert p.finished and not p.will_retry
    assert "Failed after 3 attempts: The site could not be reached" in p.detail
    assert "It will not be tried again" in p.detail


def test_progress_of_a_refusal_and_of_a_done_capture(cap):
    WebCapture.objects.filter(pk=cap.pk).update(
        status=CaptureStatus.REFUSED,
        failure=CaptureFailure.INTERNAL_ADDRESS,
        error="The address 10.0.0.1 is internal",
    )
    cap.refresh_from_db()
    p = capture_progress(cap)
    assert p.state == ProgressState.FAILED
    assert p.detail == (
        "Refused: The address is internal; it is never fetched. It will not be tried again."
    )
    WebCapture.objects.filter(pk=cap.pk).update(
        status=CaptureStatus.DONE, http_status=200, completed_at=timezone.now(), error=""
    )
    cap.refresh_from_db()
    p = capture_progress(cap)
    assert (p.state, p.label) == (ProgressState.DONE, "Done")
    assert "(HTTP 200): WARC record." in p.detail


def test_dns_failure_is_named(cap, monkeypatch, settings):
    settings.QINGLANG_CAPTURE_ALLOW_PRIVATE = False
    monkeypatch.setattr(
        capture.socket,
        "getaddrinfo",
        lambda *a, **k: (_ for _ in ()).throw(capture.socket.gaierror(-2, "Name not known")),
    )
    with pytest.raises(httpx.ConnectError):
        capture.run_capture(cap.pk, attempt=0)
    cap.refresh_from_db()
    assert cap.failure == CaptureFailure.DNS
    assert "name could not be resolved" in capture_progress(cap).detail
