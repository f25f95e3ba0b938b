"""Shared ground for the SSRF tests of web capture and monitoring (DNS rebinding, redirects).

Two local servers share one port: the "public" one on 127.0.0.2 (counted as public by
`install_rebinding`) and the "private" one on 127.0.0.1, which must never see a request. The
fake resolver answers `rebind.test` with the public address first and the private one after,
`good.test` always with the public one and `inside.test` with the private one.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from qinglang.core import net
from qinglang.evidence import capture

PUBLIC, PRIVATE = "127.0.0.2", "127.0.0.1"


def serve(
    address: str, port: int, handler: type[BaseHTTPRequestHandler], seen: list[str]
) -> ThreadingHTTPServer:
    """Serve `handler` (its `seen` list set) on address:port in a daemon thread."""
    httpd = ThreadingHTTPServer((address, port), type("Handler", (handler,), {"seen": seen}))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


@contextmanager
def public_and_private(
    handler: type[BaseHTTPRequestHandler],
) -> Iterator[tuple[int, list[str], list[str]]]:
    """Yield (port, public requests, private requests): `handler` on both addresses, one port.

    The handler appends each path it serves to its class attribute `seen`.
    """
    public_seen: list[str] = []
    private_seen: list[str] = []
    private = serve(PRIVATE, 0, handler, private_seen)
    port = private.server_address[1]
    public = serve(PUBLIC, port, handler, public_seen)
    try:
        yield port, public_seen, private_seen
    finally:
        for httpd in (public, private):
            httpd.shutdown()
            httpd.server_close()


def install_rebinding(settings: Any, monkeypatch: Any) -> list[str]:
    """Refuse private addresses, count 127.0.0.2 as public, resolve through the fake DNS.

    Return the list of host names looked up, in order.
    """
    settings.QINGLANG_CAPTURE_ALLOW_PRIVATE = False
    real_is_public = capture.is_public_address
    monkeypatch.setattr(
        capture,
        "is_public_address",
        lambda ip: ip == ipaddress.ip_address(PUBLIC) or real_is_public(ip),
    )
    lookups: list[str] = []

    def fake_resolve(host: str, port: int) -> list[str]:
        lookups.append(host)
        if host == "rebind.test":
            return [PUBLIC] if lookups.count(host) == 1 else [PRIVATE]
        if host == "good.test":
            return [PUBLIC]
        if host == "inside.test":
            return [PRIVATE]
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise socket.gaierror(socket.EAI_NONAME, "unknown test host") from None
        return [host]

    monkeypatch.setattr(net, "resolve", fake_resolve)
    return lookups
