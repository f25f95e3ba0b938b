"""A local web server (127.0.0.1, in a thread) whose pages each test sets, and helpers."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

AD_PAGE = """<html><head><title>专业删帖 舆情处理</title></head><body><article>
<h1>网络危机公关 专业删帖</h1>
<p>专业网络危机公关，负面信息删除、百度贴吧删帖、新闻稿撤稿，先删后付，价格优惠。</p>
<p>联系扣扣：3 8 7 - 2 9 1 - 0 4 5 6，24小时在线，本地论坛一条800元。</p>
</article></body></html>"""

RULES_PAGE = """<html><head><title>论坛版规</title></head><body><article>
<h1>本论坛版规</h1>
<p>禁止发布广告、联系方式和违法信息，违者删帖，情节严重者封号处理。</p>
<p>禁止人身攻击，违者删帖并禁言。版主有权删除违规帖子，请大家共同维护论坛秩序。</p>
</article></body></html>"""

LOGIN_PAGE = """<html><head><title>登录</title></head><body>
<form><p>请登录后查看</p><input name="u"><input type="password" name="p"></form></body></html>"""

CAPTCHA_PAGE = """<html><head><title>安全验证</title></head><body>
<div class="g-recaptcha" data-sitekey="x"></div><p>请完成安全验证后继续访问</p></body></html>"""


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    etag: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class LocalSite:
    """Pages by path; counts requests and records conditional headers."""

    def __init__(self) -> None:
        self.pages: dict[str, Page] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def set(self, path: str, body: str | bytes, **kwargs: Any) -> str:
        data = body.encode() if isinstance(body, str) else body
        self.pages[path] = Page(data, **kwargs)
        return self.url(path)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                site.requests.append((self.path, dict(self.headers.items())))
                page = site.pages.get(self.path)
                if page is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                if page.etag and self.headers.get("If-None-Match") == page.etag:
                    self.send_response(304)
                    self.send_header("ETag", page.etag)
                    self.end_headers()
                    return
                if page.delay:
                    time.sleep(page.delay)
                self.send_response(page.status)
                self.send_header("Content-Type", page.content_type)
                self.send_header("Content-Length", str(len(page.body)))
                if page.etag:
                    self.send_header("ETag", page.etag)
                for name, value in page.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(page.body)

        return Handler


@pytest.fixture
def site(settings):
    """Serve pages on 127.0.0.1 with private addresses allowed and no politeness gap."""
    settings.QINGLANG_CAPTURE_ALLOW_PRIVATE = True
    settings.QINGLANG_MONITORING_HOST_GAP_SECONDS = 0.0
    local = LocalSite()
    local.thread.start()
    yield local
    local.server.shutdown()
    local.server.server_close()
