"""Preserve a web page named in a report: WARC of every request and response, main text, and a
full-page screenshot where Chromium is installed.

SSRF: the address checked is the address connected to. Every connection resolves its host ONCE
(`qinglang.core.net.resolve`), every address must be public (not loopback, private, link-local —
which includes the 169.254.169.254 metadata service — unspecified, multicast or reserved), and the
socket is opened to a checked address by our own network backend (`PinnedBackend`): a second DNS
answer (DNS rebinding) cannot change the target. TLS still verifies the certificate against the
host name (SNI is the host name). Every redirect hop opens its connection the same way, and the
address actually connected to is checked again before the body is read.

Chromium never touches the network: it renders the already-fetched document, and every request
it makes while rendering (subresources, frames, fetch/XHR, workers, prefetches) is intercepted and
either answered through the same pinned, checked fetch or aborted; WebSockets are refused,
service workers blocked, and the browser's own proxy is a dead local port so that anything that
escaped interception (and WebRTC) goes nowhere.

`settings.QINGLANG_CAPTURE_ALLOW_PRIVATE` lifts the address rule (tests use a local server).
"""

from __future__ import annotations

import functools
import io
import ipaddress
import logging
import socket
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from qinglang.core import ledger, net
from qinglang.evidence import services
from qinglang.evidence.models import CaptureFailure, CaptureStatus, EvidenceKind, WebCapture

log = logging.getLogger(__name__)

USER_AGENT = "QinglangCapture/1.0 (evidence preservation for a regulator)"
MAX_REDIRECTS = 5
MAX_ATTEMPTS = 3
TIMEOUT = httpx.Timeout(15.0, connect=5.0)
# An attempt still "capturing" after this long was abandoned (its worker died): claim it again.
CAPTURE_LEASE = timedelta(minutes=15)


def retry_delay(attempt: int) -> int:
    """Return the seconds to wait after failed attempt number `attempt` (1, 2, 4 minutes)."""
    return 60 * 2 ** max(attempt - 1, 0)


class CaptureRefusedError(Exception):
    """The address may not be fetched (SSRF rules, scheme); retrying will not help."""

    failure: str = CaptureFailure.INTERNAL_ADDRESS

    def __init__(self, message: str, *, failure: str | None = None) -> None:
        super().__init__(message)
        if failure is not None:
            self.failure = failure


class CaptureTooLargeError(CaptureRefusedError):
    """The response exceeds the size cap."""

    failure: str = CaptureFailure.TOO_LARGE


class ResolveError(httpx.ConnectError):
    """The host name did not resolve (may be temporary: retried)."""


def failure_of(exc: BaseException) -> str:
    """Return the CaptureFailure that names what went wrong."""
    if isinstance(exc, CaptureRefusedError):
        return exc.failure
    if isinstance(exc, httpx.TimeoutException):
        return CaptureFailure.TIMEOUT
    if isinstance(exc, ResolveError):
        return CaptureFailure.DNS
    if isinstance(exc, httpx.ConnectError):
        return CaptureFailure.CONNECT
    if isinstance(exc, httpx.TransportError):
        return CaptureFailure.NETWORK
    return CaptureFailure.OTHER


def max_bytes() -> int:
    return int(getattr(settings, "QINGLANG_CAPTURE_MAX_BYTES", 10 * 1024 * 1024))


def is_public_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Return whether an address is a public unicast one (what a capture may connect to)."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_unspecified
        or ip.is_multicast
        or ip.is_reserved
        or not ip.is_global
    )


def check_address(value: str) -> None:
    """Raise CaptureRefusedError unless the address is public (or private addresses are allowed)."""
    if settings.QINGLANG_CAPTURE_ALLOW_PRIVATE:
        return
    ip = ipaddress.ip_address(value.split("%", 1)[0])
    if not is_public_address(ip):
        raise CaptureRefusedError(
            _(
                "The address %(ip)s is internal (loopback, private, link-local or reserved); "
                "it is not fetched."
            )
            % {"ip": value}
        )


def _literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """Return the address a host written as an IP literal stands for (also 127.1, 0x7f.1)."""
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        pass
    if host and all(ch in "0123456789abcdefxABCDEFX." for ch in host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def precheck_url(url: str) -> None:
    """Refuse at once what a capture would refuse for sure: other schemes, user info, internal
    addresses written literally and local host names (names are resolved by the worker)."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise CaptureRefusedError(
            _("Only http:// and https:// addresses can be captured."),
            failure=CaptureFailure.SCHEME,
        )
    if parts.username or parts.password:
        raise CaptureRefusedError(
            _("Addresses with a user name or password are not captured."),
            failure=CaptureFailure.SCHEME,
        )
    if settings.QINGLANG_CAPTURE_ALLOW_PRIVATE:
        return
    host = parts.hostname.rstrip(".").lower()
    literal = _literal_address(host)
    if literal is not None:
        check_address(str(literal))
    elif host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        raise CaptureRefusedError(
            _("The host %(host)s is a local name; it is not fetched.") % {"host": host}
        )


def _check_scheme(url: str) -> None:
    """Refuse other schemes than http(s), a missing host and user info in the URL."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise CaptureRefusedError(
            _("Only http:// and https:// addresses can be captured."),
            failure=CaptureFailure.SCHEME,
        )
    if parts.username or parts.password:
        raise CaptureRefusedError(
            _("Addresses with a user name or password are not captured."),
            failure=CaptureFailure.SCHEME,
        )


def checked_addresses(host: str, port: int) -> list[str]:
    """Resolve `host` once and check every address; return them (connect only to these)."""
    try:
        addresses = net.resolve(host, port)
    except (socket.gaierror, UnicodeError) as exc:
        raise ResolveError(f"cannot resolve {host}: {exc}") from exc
    if not addresses:
        raise ResolveError(f"no address for {host}")
    for address in addresses:
        check_address(address)
    return addresses


def check_url(url: str) -> list[str]:
    """Resolve the URL's host and check every address; return the addresses."""
    _check_scheme(url)
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return checked_addresses(str(parts.hostname), port)


class PinnedBackend(httpcore.NetworkBackend):
    """An httpcore network backend that connects only to addresses it resolved and checked.

    httpcore hands us the URL's host name; we resolve it once, check every answer and open the
    socket to a checked address ourselves. TLS is then started on that socket with the host name
    as SNI and for certificate verification (httpcore does this with the origin's host).
    """

    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: object = None,
    ) -> httpcore.NetworkStream:
        error: Exception | None = None
        for address in checked_addresses(host, port):
            try:
                return self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,  # type: ignore[arg-type]
                )
            except httpcore.ConnectError as exc:
                error = exc
        assert error is not None  # noqa: S101 - checked_addresses never returns an empty list
        raise error

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: object = None
    ) -> httpcore.NetworkStream:
        raise CaptureRefusedError(_("Only http:// and https:// addresses can be captured."))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


@functools.cache
def _verifying_context() -> ssl.SSLContext:
    """Return this process's TLS context verifying against the CA bundle, made once.

    Loading the bundle costs about 30 ms of CPU; made per client (twice, by httpx and by us), it
    was most of a capture attempt that fails at once, such as one whose host does not resolve.
    """
    return httpx.create_ssl_context(verify=True, trust_env=False)


def _ssl_context(verify: ssl.SSLContext | bool) -> ssl.SSLContext:
    if verify is True:
        return _verifying_context()
    return httpx.create_ssl_context(verify=verify, trust_env=False)


class PinnedTransport(httpx.HTTPTransport):
    """httpx transport whose connections go through PinnedBackend (no proxy, no environment)."""

    def __init__(self, verify: ssl.SSLContext | bool = True) -> None:
        context = _ssl_context(verify)
        # Given the context, httpx's own pool (replaced below) loads no certificates either.
        super().__init__(verify=context, trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=context,
            max_connections=10,
            max_keepalive_connections=5,
            keepalive_expiry=5.0,
            network_backend=PinnedBackend(),
        )


def pinned_client(*, verify: ssl.SSLContext | bool = True, **kwargs: object) -> httpx.Client:
    """Return an httpx client that connects only to checked, pinned addresses; no redirects.

    TLS verifies the certificate against the URL's host name (`verify`: CA context for tests).
    """
    return httpx.Client(
        transport=PinnedTransport(verify=verify),
        trust_env=False,
        follow_redirects=False,
        **kwargs,  # type: ignore[arg-type]
    )


@dataclass
class Hop:
    url: str
    method: str
    request_headers: list[tuple[str, str]]
    status: int
    reason: str
    http_version: str
    response_headers: list[tuple[str, str]]
    body: bytes
    remote_ip: str | None


@dataclass
class FetchResult:
    hops: list[Hop] = field(default_factory=list)

    @property
    def final(self) -> Hop:
        return self.hops[-1]


def _peer_ip(response: httpx.Response) -> str | None:
    stream = response.extensions.get("network_stream")
    if stream is None:
        return None
    addr = stream.get_extra_info("server_addr")
    return addr[0] if addr else None


def _too_large(limit: int) -> CaptureTooLargeError:
    return CaptureTooLargeError(
        _("The page is larger than %(mb)s MB; not captured.") % {"mb": limit // (1024 * 1024)}
    )


def fetch_one(
    client: httpx.Client,
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    limit: int | None = None,
) -> Hop:
    """Make one request through a pinned client (no redirect followed); the body size-capped."""
    _check_scheme(url)
    limit = max_bytes() if limit is None else limit
    request = client.build_request(method, url, headers=headers)
    response = client.send(request, stream=True)
    try:
        peer = _peer_ip(response)
        if peer:
            check_address(peer)
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise _too_large(limit)
        body = bytearray()
        for chunk in response.iter_raw():
            body.extend(chunk)
            if len(body) > limit:
                raise _too_large(limit)
    finally:
        response.close()
    return Hop(
        url=url,
        method=method,
        request_headers=list(request.headers.items()),
        status=response.status_code,
        reason=response.reason_phrase or "",
        http_version=response.http_version or "HTTP/1.1",
        response_headers=response.headers.multi_items(),
        body=bytes(body),
        remote_ip=peer,
    )


def fetch(url: str) -> FetchResult:
    """GET a URL with bounded redirects, every hop's connection pinned to a checked address."""
    result = FetchResult()
    with pinned_client(
        timeout=TIMEOUT, headers={"User-Agent": USER_AGENT, "Accept": "*/*"}
    ) as client:
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            hop = fetch_one(client, current)
            result.hops.append(hop)
            location = {k.lower(): v for k, v in hop.response_headers}.get("location")
            if hop.status in {301, 302, 303, 307, 308} and location:
                current = urljoin(current, location)
                continue
            return result
    raise CaptureRefusedError(
        _("Too many redirects (more than %(n)s).") % {"n": MAX_REDIRECTS},
        failure=CaptureFailure.REDIRECTS,
    )


def write_warc(result: FetchResult, resources: list[Hop] | None = None) -> bytes:
    """Return a gzipped WARC with a request and a response record for every hop.

    `resources` are what the browser fetched while rendering (styles, images, scripts): kept
    after the page's own hops so the archive replays the page as it was seen, not bare HTML.
    """
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    info = writer.create_warcinfo_record(
        "capture.warc.gz",
        {
            "software": USER_AGENT,
            "format": "WARC File Format 1.1",
        },
    )
    writer.write_record(info)
    for hop in [*result.hops, *(resources or [])]:
        target = urlsplit(hop.url)
        path = target.path or "/"
        if target.query:
            path += "?" + target.query
        date = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        warc_headers = {"WARC-Date": date}
        if hop.remote_ip:
            warc_headers["WARC-IP-Address"] = hop.remote_ip
        req_headers = StatusAndHeaders(
            f"{hop.method} {path} HTTP/1.1", hop.request_headers, is_http_request=True
        )
        request = writer.create_warc_record(
            hop.url, "request", http_headers=req_headers, warc_headers_dict=dict(warc_headers)
        )
        # Bodies are stored as received on the wire (Content-Encoding kept).
        resp_headers = StatusAndHeaders(
            f"{hop.status} {hop.reason}".strip(), hop.response_headers, protocol="HTTP/1.1"
        )
        response = writer.create_warc_record(
            hop.url,
            "response",
            payload=io.BytesIO(hop.body),
            http_headers=resp_headers,
            warc_headers_dict=dict(warc_headers),
        )
        request.rec_headers.add_header(
            "WARC-Concurrent-To", response.rec_headers.get_header("WARC-Record-ID")
        )
        writer.write_record(response)
        writer.write_record(request)
    return out.getvalue()


def _decoded_body(hop: Hop) -> bytes:
    encoding = {k.lower(): v for k, v in hop.response_headers}.get("content-encoding", "")
    if not encoding or encoding == "identity":
        return hop.body
    response = httpx.Response(hop.status, headers=hop.response_headers, content=hop.body)
    try:
        return response.read()
    except httpx.DecodingError:
        return b""


def main_text(hop: Hop) -> str:
    """Return the page's main text (trafilatura), empty if none or not HTML."""
    content_type = {k.lower(): v for k, v in hop.response_headers}.get("content-type", "")
    body = _decoded_body(hop)
    if "html" not in content_type.lower() and b"<html" not in body[:2048].lower():
        return body.decode("utf-8", "replace") if content_type.startswith("text/plain") else ""
    import trafilatura

    return trafilatura.extract(body, url=hop.url, include_comments=False) or ""


# While rendering: at most this many requests, each through the pinned fetch, GET/HEAD only.
MAX_RENDER_REQUESTS = 200
RENDER_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
# Chromium's own network is off: its proxy (added at launch) is a dead local port.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--dns-prefetch-disable",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--webrtc-ip-handling-policy=disable_non_proxied_udp",
]
_FORWARDED_HEADERS = ("accept", "accept-language", "referer", "range")
_NOT_REPLAYED = {"content-encoding", "content-length", "transfer-encoding", "connection"}


def _fulfil_headers(hop: Hop) -> dict[str, str]:
    """Response headers to hand Chromium for a body we already decoded."""
    headers: dict[str, str] = {}
    for name, value in hop.response_headers:
        key = name.lower()
        if key in _NOT_REPLAYED:
            continue
        headers[key] = f"{headers[key]}\n{value}" if key in headers else value
    return headers


def _dead_port() -> socket.socket:
    """Reserve a local port nobody listens on: the browser's proxy, so it can reach nothing."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock


def screenshot(page_hop: Hop, resources: list[Hop] | None = None) -> bytes | None:
    """Return a full-page PNG of the fetched page from headless Chromium, or None.

    The document is the one already fetched (not fetched again). Every request Chromium makes
    while rendering is routed here: answered through the pinned, checked fetch or aborted, and
    each answer is appended to `resources` for the WARC.
    WebSockets are refused, service workers blocked; the browser's proxy is a dead port.
    """
    executable = Path(getattr(settings, "QINGLANG_CHROMIUM", "") or "")
    if not executable.is_file():
        return None
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    state = {"document_served": False, "requests": 0}
    dead = _dead_port()

    def guard(client: httpx.Client, route, request) -> None:  # type: ignore[no-untyped-def]
        if not state["document_served"] and request.is_navigation_request():
            state["document_served"] = True
            route.fulfill(
                status=page_hop.status,
                headers=_fulfil_headers(page_hop),
                body=_decoded_body(page_hop),
            )
            return
        state["requests"] += 1
        scheme = urlsplit(request.url).scheme
        if (
            scheme not in {"http", "https"}
            or request.method not in {"GET", "HEAD"}
            or state["requests"] > MAX_RENDER_REQUESTS
        ):
            route.abort("blockedbyclient")
            return
        headers = {k: v for k, v in request.headers.items() if k.lower() in _FORWARDED_HEADERS}
        try:
            hop = fetch_one(client, request.url, method=request.method, headers=headers)
        except (CaptureRefusedError, httpx.HTTPError, ValueError) as exc:
            log.info("capture render: %s refused: %s", request.url, exc)
            route.abort("blockedbyclient")
            return
        if resources is not None:
            resources.append(hop)
        route.fulfill(status=hop.status, headers=_fulfil_headers(hop), body=_decoded_body(hop))

    def refuse_websocket(ws) -> None:  # type: ignore[no-untyped-def]
        # Never connect_to_server(): the page's socket is closed without reaching anyone.
        # (A dedicated worker's WebSocket is not seen here; the dead proxy stops it.)
        log.info("capture render: WebSocket %s refused", ws.url)
        ws.close(code=1008, reason="refused")

    try:
        with (
            pinned_client(timeout=RENDER_TIMEOUT, headers={"User-Agent": USER_AGENT}) as client,
            sync_playwright() as pw,
        ):
            browser = pw.chromium.launch(
                executable_path=str(executable),
                args=[
                    *CHROMIUM_ARGS,
                    f"--proxy-server=http://127.0.0.1:{dead.getsockname()[1]}",
                    "--proxy-bypass-list=<-loopback>",
                ],
            )
            try:
                context = browser.new_context(
                    user_agent=USER_AGENT,
                    java_script_enabled=True,
                    viewport={"width": 1280, "height": 900},
                    service_workers="block",
                )
                context.route("**/*", lambda route, request: guard(client, route, request))
                context.route_web_socket("**/*", refuse_websocket)
                page = context.new_page()
                page.goto(page_hop.url, wait_until="load", timeout=20000)
                return page.screenshot(full_page=True, type="png", timeout=20000)
            finally:
                browser.close()
    except PlaywrightError as exc:
        log.warning("screenshot of %s failed: %s", page_hop.url, exc)
        return None
    finally:
        dead.close()


def _finish(capture: WebCapture, **fields: object) -> None:
    for name, value in fields.items():
        setattr(capture, name, value)
    capture.save(update_fields=list(fields))


def claim(capture_id: int, *, attempt: int | None = None) -> WebCapture | None:
    """Take a capture for one attempt, atomically; None if another message has it or had it.

    A waiting capture is taken only by the message for its next attempt (`attempt` = attempts
    made so far), so a requeued duplicate of a message still in the queue does nothing; an
    attempt abandoned longer than CAPTURE_LEASE (its worker died) may be taken again.
    """
    now = timezone.now()
    waiting = Q(status=CaptureStatus.PENDING)
    if attempt is not None:
        waiting &= Q(attempts=attempt)
    abandoned = Q(status=CaptureStatus.RUNNING, started_at__lt=now - CAPTURE_LEASE)
    taken = WebCapture.objects.filter(Q(pk=capture_id) & (waiting | abandoned)).update(
        status=CaptureStatus.RUNNING,
        attempts=F("attempts") + 1,
        started_at=now,
        retry_at=None,
        error="",
        failure="",
    )
    return WebCapture.objects.get(pk=capture_id) if taken else None


def run_capture(
    capture_id: int, *, final_attempt: bool | None = None, attempt: int | None = None
) -> str:
    """Fetch and store one capture; return its status. Raises httpx errors to be retried.

    `attempt` is the number of attempts the sending message expects to have been made already
    (the task passes it); without it any waiting capture is taken.
    """
    capture = claim(capture_id, attempt=attempt)
    if capture is None:
        current = WebCapture.objects.filter(pk=capture_id).values_list("status", flat=True).first()
        return current or "missing"
    last = capture.attempts >= MAX_ATTEMPTS if final_attempt is None else final_attempt
    try:
        result = fetch(capture.url)
    except CaptureRefusedError as exc:
        with transaction.atomic():
            _finish(
                capture,
                status=CaptureStatus.REFUSED,
                error=str(exc)[:500],
                failure=exc.failure,
                completed_at=timezone.now(),
            )
            ledger.append(
                capture,
                action="evidence.capture_refused",
                actor=None,
                data={"url": capture.url, "error": str(exc)[:500], "failure": exc.failure},
            )
        return capture.status
    except httpx.HTTPError as exc:
        status = CaptureStatus.FAILED if last else CaptureStatus.PENDING
        now = timezone.now()
        with transaction.atomic():
            _finish(
                capture,
                status=status,
                error=f"{type(exc).__name__}: {exc}"[:500],
                failure=failure_of(exc),
                completed_at=now if last else None,
                retry_at=None if last else now + timedelta(seconds=retry_delay(capture.attempts)),
            )
            if last:
                ledger.append(
                    capture,
                    action="evidence.capture_failed",
                    actor=None,
                    data={
                        "url": capture.url,
                        "error": str(exc)[:500],
                        "failure": failure_of(exc),
                        "attempts": capture.attempts,
                    },
                )
        if last:
            return capture.status
        raise
    resources: list[Hop] = []
    png = screenshot(result.final, resources) if result.final.status < 400 else None
    warc = write_warc(result, resources)
    text = main_text(result.final)
    _store(capture, result, warc, text, png)
    return capture.status


def _store(
    capture: WebCapture, result: FetchResult, warc: bytes, text: str, png: bytes | None
) -> None:
    subject = (capture.subject_type, capture.subject_id)
    label = "capture"
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    with transaction.atomic():
        common = {"added_by": None, "added_by_label": label, "source_url": capture.url[:2000]}
        warc_item = services.store_bytes(
            warc,
            name=f"capture-{capture.pk}-{stamp}.warc.gz",
            media_type="application/warc",
            kind=EvidenceKind.CAPTURE_WARC,
            **common,
        )
        items = {"warc_item": warc_item}
        if text.strip():
            items["text_item"] = services.store_bytes(
                text.encode("utf-8"),
                name=f"capture-{capture.pk}-{stamp}.txt",
                media_type="text/plain",
                kind=EvidenceKind.CAPTURE_TEXT,
                **common,
            )
        if png:
            items["screenshot_item"] = services.store_bytes(
                png,
                name=f"capture-{capture.pk}-{stamp}.png",
                media_type="image/png",
                kind=EvidenceKind.CAPTURE_SCREENSHOT,
                **common,
            )
        for item in items.values():
            services.attach(item, subject=subject, acting_user=None)
        final = result.final
        _finish(
            capture,
            status=CaptureStatus.DONE,
            final_url=final.url[:2000],
            http_status=final.status,
            remote_ip=final.remote_ip,
            completed_at=timezone.now(),
            error="",
            **items,
        )
        ledger.append(
            capture,
            action="evidence.captured",
            actor=None,
            data={
                "url": capture.url,
                "final_url": final.url,
                "http_status": final.status,
                "remote_ip": final.remote_ip,
                "hops": len(result.hops),
                **{name: item.blob.sha256 for name, item in items.items()},
            },
        )
