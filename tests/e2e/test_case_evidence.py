"""Browser: evidence where the work is. A Beijing case worker adds a file to a case and orders a
capture of a page (served locally); the capture's progress updates live until it is done."""

from __future__ import annotations

import base64
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.cases.factories import make_case
from tests.e2e.conftest import sign_in

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
ARTICLE = (
    "<html><head><title>删帖服务</title></head><body><article><h1>专业删帖，先删后付</h1>"
    + "".join(f"<p>第{i}段：负面信息处理，价格面议，联系微信 shantie{i}。</p>" for i in range(8))
    + "</article></body></html>"
).encode()
SLOW_SECONDS = 4  # long enough for the page to poll while the capture is running


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # type: ignore[no-untyped-def]
        pass

    def do_GET(self):  # type: ignore[no-untyped-def]
        time.sleep(SLOW_SECONDS)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(ARTICLE)))
        self.end_headers()
        self.wfile.write(ARTICLE)


@pytest.fixture
def site():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture
def worker(monkeypatch, settings):
    """Stand in for the Celery worker: run each queued capture in a thread, a moment later."""
    from django.db import connection

    from qinglang.evidence import tasks

    settings.QINGLANG_CAPTURE_ALLOW_PRIVATE = True  # the page is served from 127.0.0.1
    settings.QINGLANG_CHROMIUM = "/nonexistent/chromium"  # no screenshot inside the test
    threads: list[threading.Thread] = []

    def run(**kwargs):  # type: ignore[no-untyped-def]
        time.sleep(2.5)
        try:
            tasks.capture_page.apply(kwargs=kwargs)
        finally:
            connection.close()

    def delay(**kwargs):  # type: ignore[no-untyped-def]
        thread = threading.Thread(target=run, kwargs=kwargs, daemon=True)
        threads.append(thread)
        thread.start()

    monkeypatch.setattr(tasks.capture_page, "delay", delay)
    yield threads
    for thread in threads:
        thread.join(timeout=30)


def test_upload_and_capture_from_the_case_page(new_page, world, site, worker, console_errors):
    case = make_case(world.beijing_user, title="某论坛有偿删帖", url=f"{site}/t/1")
    page = new_page()
    sign_in(page, world.beijing_user)
    page.goto(f"/cases/{case.pk}/")

    # A file: checked, stored and listed under "uploaded by staff", in Chinese.
    page.set_input_files(
        "#case-evidence-files",
        files=[{"name": "约谈笔录.png", "mimeType": "image/png", "buffer": PNG}],
    )
    page.click("#case-evidence-form button[type=submit]")
    page.wait_for_url(f"**/cases/{case.pk}/#case-evidence")
    uploads = page.inner_text("#case-evidence-upload")
    assert "约谈笔录.png" in uploads
    assert "工作人员上传" in page.inner_text("#case-evidence")

    # A capture: queued, then capturing, then done — the list updates without a reload.
    page.fill("#id_capture-url", f"{site}/article")
    page.click("#case-capture-form button[type=submit]")
    page.wait_for_url(f"**/cases/{case.pk}/#case-evidence")
    row = page.locator("#case-captures li[data-capture]")
    assert row.get_attribute("data-state") == "queued"
    assert "排队" in row.inner_text() or "等待" in row.inner_text()
    seen = []
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        state = page.locator("#case-captures li[data-capture]").get_attribute("data-state")
        if not seen or seen[-1] != state:
            seen.append(state)
        if state in {"done", "failed"}:
            break
        page.wait_for_timeout(300)
    assert seen[-1] == "done", seen
    assert "capturing" in seen, seen
    done = page.inner_text("#case-captures")
    assert "WARC" in done
    assert "HTTP 200" in done
    assert not re.search(r"\b(pending|running|capture_warc|ConnectError)\b", done)
    # The captured files are on the case: reload and find them under web captures.
    page.reload()
    assert ".warc" in page.inner_text("#case-evidence-capture")
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors
