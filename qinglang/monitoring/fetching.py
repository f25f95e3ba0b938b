"""Polite, conditional, capped fetching of watched sources through the capture SSRF guard.

Every hop goes through the capture's guarded, address-pinned client
(`qinglang.evidence.capture.pinned_client`): the host is resolved once per connection, every
answer must be public, and the socket is opened to that checked address, so a second DNS answer
(DNS rebinding) cannot change the target; the address connected to is checked again before the
body is read. Private addresses are refused unless QINGLANG_CAPTURE_ALLOW_PRIVATE is set.
Responses are capped in size and in total time; the result is a capture `FetchResult`, so the
same bytes can be written as a WARC for evidence.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglang.evidence.capture import (
    MAX_REDIRECTS,
    CaptureRefusedError,
    CaptureTooLargeError,
    FetchResult,
    Hop,
    check_address,
    pinned_client,
    precheck_url,
)
from qinglang.monitoring.models import HostSlot

USER_AGENT = "QinglangMonitor/1.0 (regulator monitoring; polite, conditional requests)"


class FetchTimeoutError(httpx.TimeoutException):
    """The whole fetch took longer than the time cap."""


class HostBusyError(Exception):
    """Another request to the host runs, or the minimum gap has not passed; retry later."""

    def __init__(self, wait_seconds: float) -> None:
        self.wait_seconds = wait_seconds
        super().__init__(f"host busy, retry in {wait_seconds:.1f} s")


def size_cap() -> int:
    return int(settings.QINGLANG_MONITORING_MAX_BYTES)


def time_cap() -> float:
    return float(settings.QINGLANG_MONITORING_TIMEOUT_SECONDS)


def host_gap() -> float:
    return float(settings.QINGLANG_MONITORING_HOST_GAP_SECONDS)


def host_key(url: str) -> str:
    parts = urlsplit(url)
    return f"{(parts.hostname or '').lower()}:{parts.port or ''}"[:300]


def _acquire(host: str) -> None:
    """Take the host's lease, or raise HostBusyError with how long to wait."""
    now = timezone.now()
    with transaction.atomic():
        HostSlot.objects.get_or_create(host=host)
        slot = HostSlot.objects.select_for_update().get(host=host)
        waits = [
            (moment - now).total_seconds()
            for moment in (slot.leased_until, slot.next_allowed_at)
            if moment is not None and moment > now
        ]
        if waits:
            raise HostBusyError(max(waits))
        slot.leased_until = now + timedelta(seconds=time_cap() * 2 + 5)
        slot.save(update_fields=["leased_until"])


def _release(host: str) -> None:
    HostSlot.objects.filter(host=host).update(
        leased_until=None, next_allowed_at=timezone.now() + timedelta(seconds=host_gap())
    )


@contextmanager
def host_slot(url: str, *, wait: bool = False) -> Iterator[None]:
    """Hold the host for one request; with `wait`, sleep (bounded) until it is free."""
    host = host_key(url)
    deadline = time.monotonic() + time_cap()
    while True:
        try:
            _acquire(host)
            break
        except HostBusyError as exc:
            if not wait or time.monotonic() + exc.wait_seconds > deadline:
                raise
            time.sleep(min(exc.wait_seconds, 5.0) + 0.01)
    try:
        yield
    finally:
        _release(host)


def _peer_ip(response: httpx.Response) -> str | None:
    stream = response.extensions.get("network_stream")
    if stream is None:
        return None
    addr = stream.get_extra_info("server_addr")
    return addr[0] if addr else None


def _too_large(limit: int) -> CaptureTooLargeError:
    return CaptureTooLargeError(
        _("The response is larger than %(kb)s KB; not read.") % {"kb": max(1, limit // 1024)}
    )


def fetch(url: str, *, etag: str = "", last_modified: str = "") -> FetchResult:
    """GET `url` (conditional when validators are given) with every hop SSRF-checked."""
    limit, cap = size_cap(), time_cap()
    started = time.monotonic()
    headers = {"User-Agent": USER_AGENT, "Accept": "*/*", "Accept-Encoding": "gzip, deflate"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    result = FetchResult()
    timeout = httpx.Timeout(cap, connect=min(5.0, cap))
    with pinned_client(timeout=timeout, headers=headers) as client:
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            precheck_url(current)
            request = client.build_request("GET", current)
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
                    if time.monotonic() - started > cap:
                        raise FetchTimeoutError(_("The source took too long to answer."))
            finally:
                response.close()
            result.hops.append(
                Hop(
                    url=current,
                    method="GET",
                    request_headers=list(request.headers.items()),
                    status=response.status_code,
                    reason=response.reason_phrase or "",
                    http_version=response.http_version or "HTTP/1.1",
                    response_headers=response.headers.multi_items(),
                    body=bytes(body),
                    remote_ip=peer,
                )
            )
            location = response.headers.get("location")
            if response.is_redirect and location:
                current = urljoin(current, location)
                continue
            return result
    raise CaptureRefusedError(_("Too many redirects (more than %(n)s).") % {"n": MAX_REDIRECTS})


def header(hop: Hop, name: str) -> str:
    """Return a response header of a hop ('' when absent)."""
    wanted = name.lower()
    return next((v for k, v in hop.response_headers if k.lower() == wanted), "")


def decoded_body(hop: Hop) -> bytes:
    """Return the hop's body with gzip/deflate undone, never more than the size cap."""
    encoding = header(hop, "content-encoding").lower().strip()
    if not encoding or encoding == "identity":
        return hop.body
    if encoding not in {"gzip", "x-gzip", "deflate"}:
        return b""
    wbits = zlib.MAX_WBITS | 32 if "gzip" in encoding else zlib.MAX_WBITS
    limit = size_cap()
    try:
        inflater = zlib.decompressobj(wbits)
        out = inflater.decompress(hop.body, limit + 1)
    except zlib.error:
        try:
            out = zlib.decompressobj(-zlib.MAX_WBITS).decompress(hop.body, limit + 1)
        except zlib.error:
            return b""
    if len(out) > limit:
        raise _too_large(limit)
    return out
