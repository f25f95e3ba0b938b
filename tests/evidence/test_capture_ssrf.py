"""Web capture SSRF: the address checked is the address connected to (DNS rebinding), on every
redirect hop and for every request Chromium makes while rendering (fetch, WebSocket, worker,
prefetch, frames, beacons).

The two servers on one port and the fake resolver (`qinglang.core.net.resolve`) come from
`tests.ssrf` (shared with monitoring's SSRF tests).
"""

from __future__ import annotations

import time
from http.server import BaseHTTPRequestHandler

import httpx
import pytest
from django.db import transaction

from qinglang.core import net
from qinglang.core.models import LedgerEvent
from qinglang.evidence import capture, services, vault
from qinglang.evidence.models import CaptureStatus, EvidenceItem, WebCapture
from tests.services import require_chromium
from tests.ssrf import PRIVATE, PUBLIC, install_rebinding, public_and_private, serve

ARTICLE = (
    "<html><head><title>删帖</title></head><body><article><h1>专业删帖</h1>"
    + "".join(f"<p>第{i}段：负面信息处理，价格面议，联系微信。</p>" for i in range(8))
    + "</article></body></html>"
).encode()


def hostile_page(port: int) -> bytes:
    """A page that tries every way a browser can reach the private server while rendering."""
    private = f"http://{PRIVATE}:{port}"
    return f"""<html><head><title>反弹</title>
<link rel="prefetch" href="{private}/prefetch">
<link rel="preload" as="script" href="{private}/preload">
<link rel="preconnect" href="{private}">
<link rel="stylesheet" href="http://inside.test:{port}/css">
</head><body><h1>页面</h1>
<img src="http://good.test:{port}/pixel">
<img src="{private}/img">
<iframe src="{private}/frame"></iframe>
<script>
fetch("{private}/fetch").catch(() => {{}});
fetch("/again").catch(() => {{}});
try {{ new WebSocket("ws://{PRIVATE}:{port}/ws"); }} catch (e) {{}}
try {{ new WebSocket("ws://good.test:{port}/ws-public"); }} catch (e) {{}}
try {{ navigator.sendBeacon("{private}/beacon", "x"); }} catch (e) {{}}
try {{
  const code = 'fetch("{private}/worker").catch(() => {{}});'
    + 'try {{ new WebSocket("ws://{PRIVATE}:{port}/worker-ws"); }} catch (e) {{}}';
  new Worker(URL.createObjectURL(new Blob([code], {{type: "text/javascript"}})));
}} catch (e) {{}}
try {{ navigator.serviceWorker.register("/sw.js").catch(() => {{}}); }} catch (e) {{}}
const x = new XMLHttpRequest(); x.open("GET", "{private}/xhr"); x.send();
</script>
<img src="http://good.test:{port}/slow">
</body></html>""".encode()


class Recorder(BaseHTTPRequestHandler):
    seen: list[str]

    def log_message(self, *args):  # silence
        pass

    def do_GET(self):
        self.seen.append(self.path)
        port = self.server.server_address[1]
        if self.path == "/article":
            self._send(200, ARTICLE, "text/html; charset=utf-8")
        elif self.path == "/page":
            self._send(200, hostile_page(port), "text/html; charset=utf-8")
        elif self.path == "/slow":
            time.sleep(1.0)  # keeps the load event back while scripts and workers run
            self._send(200, b"GIF89a", "image/gif")
        elif self.path == "/to-private":
            self._send(302, b"", "text/plain", {"Location": f"http://{PRIVATE}:{port}/article"})
        elif self.path == "/to-inside":
            self._send(302, b"", "text/plain", {"Location": f"http://inside.test:{port}/article"})
        elif self.path == "/to-rebind":
            self._send(302, b"", "text/plain", {"Location": f"http://rebind.test:{port}/article"})
        else:
            self._send(200, b"ok", "text/plain")

    do_POST = do_GET  # noqa: N815 - the http.server handler name

    def _send(self, status, body, ctype, extra=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def servers():
    """(port, public requests, private requests); both servers on the same port."""
    with public_and_private(Recorder) as found:
        yield found


@pytest.fixture
def rebinding(settings, monkeypatch):
    """Private addresses refused, 127.0.0.2 counted as public, and the fake resolver."""
    settings.QINGLANG_CHROMIUM = "/nonexistent/chromium"
    return install_rebinding(settings, monkeypatch)


def request(url: str, world) -> WebCapture:
    with transaction.atomic():
        return services.request_capture(
            url, subject=("tests.folder", 1), requested_by=world.beijing_user
        )


def test_rebinding_host_is_fetched_from_the_first_answer_only(world, servers, rebinding):
    port, public_seen, private_seen = servers
    cap = request(f"http://rebind.test:{port}/article", world)
    assert capture.run_capture(cap.pk) == CaptureStatus.DONE
    cap.refresh_from_db()
    assert cap.remote_ip == PUBLIC
    assert public_seen == ["/article"]
    assert private_seen == []
    assert rebinding.count("rebind.test") == 1  # resolved once, and that answer was used


def test_pinned_backend_connects_to_the_checked_address(servers, rebinding):
    port, public_seen, private_seen = servers
    with capture.pinned_client() as client:
        first = capture.fetch_one(client, f"http://rebind.test:{port}/article")
    with capture.pinned_client() as client, pytest.raises(capture.CaptureRefusedError):
        capture.fetch_one(client, f"http://rebind.test:{port}/article")  # now answers private
    assert first.remote_ip == PUBLIC
    assert public_seen == ["/article"]
    assert private_seen == []


@pytest.mark.parametrize("path", ["/to-private", "/to-inside"])
def test_redirect_to_private_address_is_refused(world, servers, rebinding, path):
    port, public_seen, private_seen = servers
    cap = request(f"http://good.test:{port}{path}", world)
    assert capture.run_capture(cap.pk) == CaptureStatus.REFUSED
    cap.refresh_from_db()
    assert PRIVATE in cap.error
    assert public_seen == [path]
    assert private_seen == []
    assert not EvidenceItem.objects.exists()
    assert LedgerEvent.objects.filter(action="evidence.capture_refused").exists()


def test_redirect_to_rebinding_host_never_reaches_private(world, servers, rebinding):
    port, public_seen, private_seen = servers
    cap = request(f"http://rebind.test:{port}/to-rebind", world)
    # The second hop either reuses the pinned connection or resolves again and is refused.
    capture.run_capture(cap.pk)
    assert private_seen == []
    assert public_seen[0] == "/to-rebind"


def test_rendering_reaches_nothing_private(world, servers, rebinding, settings, monkeypatch):
    settings.QINGLANG_CHROMIUM = require_chromium()
    # Chromium's own Local Network Access checks would stop a public page from reaching
    # 127.0.0.1; they are turned off so that the test shows our guard, not Chromium's.
    monkeypatch.setattr(
        capture,
        "CHROMIUM_ARGS",
        [
            *capture.CHROMIUM_ARGS,
            "--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests,"
            "PrivateNetworkAccessSendPreflights,PrivateNetworkAccessRespectPreflightResults",
        ],
    )
    port, public_seen, private_seen = servers
    cap = request(f"http://rebind.test:{port}/page", world)
    assert capture.run_capture(cap.pk) == CaptureStatus.DONE
    time.sleep(0.5)  # anything still in flight would have arrived by now
    cap.refresh_from_db()
    assert private_seen == []
    # The document is rendered from the fetch, not fetched again; subresources on a public
    # address go through the guarded fetch (so the guard is really in the path).
    assert public_seen.count("/page") == 1
    assert "/pixel" in public_seen
    assert "/slow" in public_seen
    # Every WebSocket is refused, service workers are blocked, and the same-host fetch, whose
    # name now resolves to the private address, is refused.
    assert "/ws-public" not in public_seen
    assert "/sw.js" not in public_seen
    assert "/again" not in public_seen
    png = vault.read_blob(cap.screenshot_item.blob.storage_name)
    assert png.startswith(b"\x89PNG")


def _tls_server(tmp_path, port_seen: list[str]):
    """An HTTPS server on the public address with a certificate for good.test only."""
    import datetime
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "good.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("good.test")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    (tmp_path / "cert.pem").write_bytes(cert_pem)
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    httpd = serve(PUBLIC, 0, Recorder, port_seen)
    httpd.socket = server_ctx.wrap_socket(httpd.socket, server_side=True)
    client_ctx = ssl.create_default_context(cadata=cert_pem.decode())
    return httpd, client_ctx


def test_tls_verifies_the_host_name_on_the_pinned_address(tmp_path, rebinding, monkeypatch):
    seen: list[str] = []
    httpd, client_ctx = _tls_server(tmp_path, seen)
    port = httpd.server_address[1]
    real_resolve = net.resolve
    monkeypatch.setattr(
        net, "resolve", lambda host, p: [PUBLIC] if host == "other.test" else real_resolve(host, p)
    )
    try:
        with capture.pinned_client(verify=client_ctx) as client:
            hop = capture.fetch_one(client, f"https://good.test:{port}/article")
        assert hop.status == 200
        assert hop.remote_ip == PUBLIC
        # Same address, another name: the certificate is checked against the name, not the IP.
        with (
            capture.pinned_client(verify=client_ctx) as client,
            pytest.raises(httpx.ConnectError, match=r"CERTIFICATE_VERIFY_FAILED|match"),
        ):
            capture.fetch_one(client, f"https://other.test:{port}/article")
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert seen == ["/article"]
