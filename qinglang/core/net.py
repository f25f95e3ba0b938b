"""The client's address, honouring a fixed number of trusted reverse proxies."""

from __future__ import annotations

import ipaddress
import socket

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """Return the client address for throttles, lockouts and audit logs.

    With QINGLANG_NUM_PROXIES = N > 0, the N-th address from the right of X-Forwarded-For is
    the client (each trusted proxy appends one); anything further left is client-supplied and
    ignored. With 0 (the default) REMOTE_ADDR is used and X-Forwarded-For is never trusted.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = int(getattr(settings, "QINGLANG_NUM_PROXIES", 0) or 0)
    if proxies <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < proxies:
        return remote
    candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def resolve(host: str, port: int) -> list[str]:
    """Return the addresses `host` resolves to, in the resolver's order, from ONE lookup.

    Outgoing fetches that must not reach internal addresses (web capture) call this once per
    connection, check every address, and connect to a checked address itself, so a second DNS
    answer (DNS rebinding) cannot change the target. Tests replace this function with a fake
    resolver. Raises socket.gaierror when the name does not resolve.
    """
    infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    addresses: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in addresses:
            addresses.append(address)
    return addresses
