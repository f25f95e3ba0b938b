"""Web capture against a local server: WARC, main text, screenshot, redirects, SSRF refusal."""

from __future__ import annotations

import gzip
import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from django.db import transaction
from warcio.archiveiterator import ArchiveIterator

from qinglang.core.exceptions import DomainError
from qinglang.core.models import LedgerEvent
from qinglang.evidence import capture, services, vault
from qinglang.evidence.models import CaptureStatus, EvidenceItem, WebCapture
from qinglang.evidence.selectors import items_for
from tests.services import require_chromium

ARTICLE = (
    "<html><head><title>删帖服务</title></head><body><nav>首页 | 关于</nav>"
    "<article><h1>专业删帖，先删后付</h1>"
    + "".join(
        f"<p>第{i}段：负面信息处理，价格面议，联系微信 shantie{i}。本公司承诺效果。</p>"
        for i in range(12)
    )
    + "</article><footer>版权所有</footer></body></html>"
).encode()


STYLE = b"h1 { color: rgb(200, 0, 0); } /* qinglang-style-sentinel */"


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # silence
        pass

    def do_GET(self):
        if self.path == "/article":
            self._send(200, ARTICLE, "text/html; charset=utf-8")
        elif self.path == "/gz":
            self._send(
                200,
                gzip.compress(ARTICLE),
                "text/html; charset=utf-8",
                extra={"Content-Encoding": "gzip"},
            )
        elif self.path == "/redirect":
            self._send(302, b"", "text/plain", extra={"Location": "/article"})
        elif self.path.startswith("/loop"):
            n = int(self.path[5:] or 0)
            self._send(302, b"", "text/plain", extra={"Location": f"/loop{n + 1}"})
        elif self.path == "/styled":
            page = b'<html><head><link rel="stylesheet" href="/style.css"></head><body>'
            self._send(200, page + b"<h1>\xe5\x88\xa0\xe5\xb8\x96</h1></body></html>", "text/html")
        elif self.path == "/style.css":
            self._send(200, STYLE, "text/css")
        elif self.path == "/big":
            self._send(200, b"x" * 5000, "text/plain")
        else:
            self._send(404, b"not found", "text/plain")

    def _send(self, status, body, ctype, extra=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture
def allow_private(settings):
    settings.QINGLANG_CAPTURE_ALLOW_PRIVATE = True
    settings.QINGLANG_CHROMIUM = "/nonexistent/chromium"


def request(url: str, world) -> WebCapture:
    with transaction.atomic():
        return services.request_capture(
            url, subject=("tests.folder", 1), requested_by=world.beijing_user
        )


def test_request_capture_queues_after_commit(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(
        "qinglang.evidence.tasks.capture_page.delay", lambda **kw: queued.append(kw)
    )
    with django_capture_on_commit_callbacks(execute=True):
        cap = request("https://example.cn/post/1", world)
    assert queued == [{"capture_id": cap.pk}]
    assert cap.status == CaptureStatus.PENDING
    assert LedgerEvent.objects.filter(action="evidence.capture_requested").count() == 1


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.cn/x",
        "javascript:alert(1)",
        "http://",
        "http://user:pw@example.cn/",
        "file:///etc/passwd",
    ],
)
def test_request_capture_refuses_bad_urls(world, url):
    with pytest.raises(DomainError):
        request(url, world)
    assert not WebCapture.objects.exists()


def test_capture_writes_warc_text_and_ledger(world, server, allow_private):
    cap = request(f"{server}/redirect", world)
    assert capture.run_capture(cap.pk) == CaptureStatus.DONE
    cap.refresh_from_db()
    assert cap.http_status == 200
    assert cap.final_url.endswith("/article")
    assert cap.remote_ip == "127.0.0.1"
    warc = io.BytesIO(vault.read_blob(cap.warc_item.blob.storage_name))
    records = {
        (r.rec_type, r.rec_headers.get_header("WARC-Target-URI")): r.content_stream().read()
        for r in ArchiveIterator(warc)
    }
    assert ("response", f"{server}/redirect") in records
    assert ("request", f"{server}/article") in records
    assert records[("response", f"{server}/article")] == ARTICLE
    text = vault.read_blob(cap.text_item.blob.storage_name).decode()
    assert "先删后付" in text
    assert "版权所有" not in text
    assert set(items_for(("tests.folder", 1))) == {cap.warc_item, cap.text_item}
    assert cap.screenshot_item is None  # Chromium not configured: skipped cleanly
    event = LedgerEvent.objects.get(action="evidence.captured")
    assert event.data["warc_item"] == cap.warc_item.blob.sha256


def test_gzip_body_kept_raw_text_decoded(world, server, allow_private):
    cap = request(f"{server}/gz", world)
    capture.run_capture(cap.pk)
    cap.refresh_from_db()
    assert "先删后付" in vault.read_blob(cap.text_item.blob.storage_name).decode()


def test_redirect_loop_is_refused(world, server, allow_private):
    cap = request(f"{server}/loop0", world)
    assert capture.run_capture(cap.pk) == CaptureStatus.REFUSED
    cap.refresh_from_db()
    assert "redirects" in cap.error
    assert not EvidenceItem.objects.exists()


def test_size_cap(world, server, allow_private, settings):
    settings.QINGLANG_CAPTURE_MAX_BYTES = 1000
    cap = request(f"{server}/big", world)
    assert capture.run_capture(cap.pk) == CaptureStatus.REFUSED
    cap.refresh_from_db()
    assert "larger" in cap.error


def test_local_server_refused_without_setting(world, server, settings):
    settings.QINGLANG_CAPTURE_ALLOW_PRIVATE = False
    cap = request(f"{server}/article", world)
    assert capture.run_capture(cap.pk) == CaptureStatus.REFUSED
    cap.refresh_from_db()
    assert "127.0.0.1" in cap.error
    assert cap.warc_item is None
    assert LedgerEvent.objects.filter(action="evidence.capture_refused").exists()


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "0.0.0.0",  # noqa: S104
        "224.0.0.1",
        "240.0.0.1",
        "100.64.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "::",
        "ff02::1",
    ],
)
def test_internal_addresses_refused(settings, address):
    settings.QINGLANG_CAPTURE_ALLOW_PRIVATE = False
    with pytest.raises(capture.CaptureRefusedError):
        capture.check_address(address)


def test_public_address_allowed(settings):
    settings.QINGLANG_CAPTURE_ALLOW_PRIVATE = False
    capture.check_address("202.108.22.5")
    capture.check_address("2400:da00::6666")


def test_hostname_resolving_to_metadata_is_refused(settings, monkeypatch):
    settings.QINGLANG_CAPTURE_ALLOW_PRIVATE = False
    monkeypatch.setattr(
        capture.socket, "getaddrinfo", lambda *a, **k: [(2, 1, 6, "", ("169.254.169.254", 80))]
    )
    with pytest.raises(capture.CaptureRefusedError):
        capture.check_url("http://innocent.example.cn/")


def test_network_failure_retries_then_fails(world, settings):
    settings.QINGLANG_CAPTURE_ALLOW_PRIVATE = True
    cap = request("http://127.0.0.1:9/unreachable", world)
    with pytest.raises(httpx.HTTPError):
        capture.run_capture(cap.pk, final_attempt=False)
    cap.refresh_from_db()
    assert cap.status == CaptureStatus.PENDING
    assert cap.error
    assert capture.run_capture(cap.pk, final_attempt=True) == CaptureStatus.FAILED
    cap.refresh_from_db()
    assert cap.attempts == 2
    assert LedgerEvent.objects.filter(action="evidence.capture_failed").exists()


def test_screenshot_with_chromium(world, server, settings):
    require_chromium()
    settings.QINGLANG_CAPTURE_ALLOW_PRIVATE = True
    settings.QINGLANG_CHROMIUM = "/usr/bin/chromium"
    cap = request(f"{server}/article", world)
    capture.run_capture(cap.pk)
    cap.refresh_from_db()
    png = vault.read_blob(cap.screenshot_item.blob.storage_name)
    assert png.startswith(b"\x89PNG")
    assert cap.screenshot_item.media_type == "image/png"


def test_warc_keeps_what_the_browser_fetched_while_rendering(world, server, settings):
    require_chromium()
    settings.QINGLANG_CAPTURE_ALLOW_PRIVATE = True
    settings.QINGLANG_CHROMIUM = "/usr/bin/chromium"
    cap = request(f"{server}/styled", world)
    assert capture.run_capture(cap.pk) == CaptureStatus.DONE
    cap.refresh_from_db()
    warc = io.BytesIO(vault.read_blob(cap.warc_item.blob.storage_name))
    records = {
        (r.rec_type, r.rec_headers.get_header("WARC-Target-URI")): r.content_stream().read()
        for r in ArchiveIterator(warc)
    }
    # The page replays with its style sheet, fetched once through the guarded client.
    assert records[("response", f"{server}/style.css")] == STYLE
    assert ("request", f"{server}/style.css") in records
    assert ("response", f"{server}/styled") in records
    assert cap.screenshot_item is not None
