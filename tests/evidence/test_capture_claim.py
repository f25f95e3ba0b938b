"""A capture runs once per attempt however many messages name it (requeues overlapping queued
messages, broker redeliveries); its progress reads in words: what happened, whether and when it
will be tried again."""

from __future__ import annotations

import datetime as dt
import socket
import ssl

import httpx
import pytest
from django.db import transaction
from django.utils import timezone

from qinglang.core import net
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


# --- a host that does not resolve ----------------------------------------------------------------


@pytest.fixture
def no_dns(monkeypatch):
    """Every host name fails to resolve (as in a sandbox without DNS); count the lookups."""
    lookups: list[str] = []

    def unresolvable(host, port):
        lookups.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(net, "resolve", unresolvable)
    return lookups


@pytest.fixture
def bundle_loads(monkeypatch):
    """Count how often a TLS context loads the CA bundle (about 30 ms of CPU each time)."""
    loads: list[object] = []
    real = ssl.SSLContext.load_verify_locations

    def counting(self, *args, **kwargs):
        loads.append(args or kwargs)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", counting)
    capture._verifying_context.cache_clear()
    yield loads
    capture._verifying_context.cache_clear()


def test_an_unresolvable_host_is_retried_later_by_message_not_by_waiting(
    cap, monkeypatch, no_dns, bundle_loads
):
    retried = []

    def fake_retry(**kwargs):
        retried.append(kwargs)
        return RuntimeError("retry")

    monkeypatch.setattr(tasks.capture_page, "retry", fake_retry)
    # The pool process is not held: the attempt ends at once and the wait is the message's.
    monkeypatch.setattr("time.sleep", lambda seconds: pytest.fail(f"slept {seconds} s"))
    for attempt in range(capture.MAX_ATTEMPTS - 1):
        with pytest.raises(RuntimeError, match="retry"):
            tasks.capture_page.run(capture_id=cap.pk, attempt=attempt)
        cap.refresh_from_db()
        assert (cap.status, cap.attempts, cap.failure) == (
            CaptureStatus.PENDING,
            attempt + 1,
            CaptureFailure.DNS,
        )
        assert cap.error.startswith("ResolveError: cannot resolve bbs.example-news.cn")
        delay = capture.retry_delay(attempt + 1)
        assert retried[-1]["countdown"] == delay
        assert retried[-1]["kwargs"] == {"capture_id": cap.pk, "attempt": attempt + 1}
        assert delay - 2 <= (cap.retry_at - timezone.now()).total_seconds() <= delay
    assert tasks.capture_page.run(capture_id=cap.pk, attempt=capture.MAX_ATTEMPTS - 1) == (
        CaptureStatus.FAILED
    )
    cap.refresh_from_db()
    assert (cap.failure, cap.attempts, cap.retry_at) == (
        CaptureFailure.DNS,
        capture.MAX_ATTEMPTS,
        None,
    )
    assert no_dns == ["bbs.example-news.cn"] * capture.MAX_ATTEMPTS
    assert len(retried) == capture.MAX_ATTEMPTS - 1
    # The CA bundle is read once in the process, not by every attempt (nor twice per client).
    assert len(bundle_loads) == 1


def test_clients_share_the_verifying_context_but_not_a_given_one(bundle_loads):
    with capture.pinned_client() as first, capture.pinned_client() as second:
        contexts = {id(client._transport._pool._ssl_context) for client in (first, second)}
    assert len(contexts) == 1
    assert len(bundle_loads) == 1
    own = ssl.create_default_context()
    loaded = len(bundle_loads)
    with capture.pinned_client(verify=own) as client:
        assert client._transport._pool._ssl_context is own
    assert len(bundle_loads) == loaded


def test_every_message_of_a_capture_carries_the_captures_task_id(cap, monkeypatch):
    import celery

    sent = []
    monkeypatch.setattr(
        celery.Task, "apply_async", lambda self, args, kwargs, task_id, **kw: sent.append(task_id)
    )
    tasks.capture_page.delay(capture_id=cap.pk)
    tasks.capture_page.apply_async(kwargs={"capture_id": cap.pk, "attempt": 1}, countdown=60)
    tasks.capture_page.apply_async(kwargs={"capture_id": cap.pk}, task_id="given")
    assert sent == [f"evidence-capture-{cap.pk}"] * 2 + ["given"]


def test_requeue_skips_a_capture_whose_message_is_still_queued(
    cap, monkeypatch, embedded_broker, tmp_path
):
    """Behind a backlog older than the requeue's age, the first message still waits: no copy."""
    other = services.request_capture(
        "https://bbs.example-news.cn/t/2", subject=("tests.folder", 1), requested_by=None
    )
    sent = []
    monkeypatch.setattr(tasks.capture_page, "delay", lambda **kw: sent.append(kw))
    embedded_broker.send_task(
        tasks.capture_page.name,
        kwargs={"capture_id": cap.pk},
        task_id=tasks.capture_task_id(cap.pk),
    )
    embedded_broker.send_task(tasks.capture_page.name, kwargs={"capture_id": 999}, task_id="x-1")
    older = dt.timedelta(0)
    assert services.requeue_pending_captures(older_than=older) == 1
    assert sent == [{"capture_id": other.pk, "attempt": 0}], "only the one with no message"
    # A worker takes the message (in flight until acknowledged): still not sent again.
    with embedded_broker.connection_for_read() as conn:
        queue = conn.SimpleQueue("celery")
        message = queue.get(timeout=5)
        assert message.headers["id"] == tasks.capture_task_id(cap.pk)
        assert services.requeue_pending_captures(older_than=older) == 1
        assert len(sent) == 2 and sent[-1]["capture_id"] == other.pk
        message.ack()  # done with it, and the capture still waits (say its row was not saved)
        queue.close()
    assert services.requeue_pending_captures(older_than=older) == 2
    assert sorted(kw["capture_id"] for kw in sent[-2:]) == sorted([cap.pk, other.pk])
    assert WebCapture.objects.get(pk=cap.pk).attempts == 0, "a requeue changes no row"


def test_requeue_with_another_broker_sends_as_before(cap, monkeypatch, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    sent = []
    monkeypatch.setattr(tasks.capture_page, "delay", lambda **kw: sent.append(kw))
    assert services.requeue_pending_captures(older_than=dt.timedelta(0)) == 1
    assert sent == [{"capture_id": cap.pk, "attempt": 0}]


def test_a_dns_server_that_never_answers_does_not_hold_the_worker(cap, monkeypatch, settings):
    """The lookup is given up after its limit: the attempt fails as DNS and is retried later."""
    import threading
    import time

    settings.QINGLANG_CAPTURE_ALLOW_PRIVATE = False
    release = threading.Event()

    def silent(*args, **kwargs):
        release.wait(60)
        raise socket.gaierror(socket.EAI_AGAIN, "released")

    monkeypatch.setattr(socket, "getaddrinfo", silent)
    monkeypatch.setattr(net, "RESOLVE_TIMEOUT", 0.3)
    started = time.monotonic()
    try:
        with pytest.raises(capture.ResolveError, match=r"no resolver answer within 0\.3 s"):
            capture.run_capture(cap.pk, attempt=0)
    finally:
        release.set()
    assert time.monotonic() - started < 5
    cap.refresh_from_db()
    assert (cap.status, cap.failure, cap.attempts) == (CaptureStatus.PENDING, CaptureFailure.DNS, 1)
    assert cap.retry_at is not None
