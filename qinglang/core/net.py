"""The client's address behind trusted reverse proxies, and a DNS lookup with a time limit."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from typing import Any

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


# The longest one lookup may take; a DNS server that never answers must not hold a worker.
RESOLVE_TIMEOUT = 5.0  # as a capture's connect timeout
# Lookups still running in one process at most (stuck ones included); more wait their turn.
MAX_LOOKUPS = 8
_lookups = threading.BoundedSemaphore(MAX_LOOKUPS)


class ResolveTimeoutError(socket.gaierror):
    """The resolver did not answer in time (a socket.gaierror, so callers treat it as one)."""


def resolve(host: str, port: int, *, timeout: float | None = None) -> list[str]:
    """Return the addresses `host` resolves to, in the resolver's order, from ONE lookup.

    Outgoing fetches that must not reach internal addresses (web capture) call this once per
    connection, check every address, and connect to a checked address itself, so a second DNS
    answer (DNS rebinding) cannot change the target. Tests replace this function with a fake
    resolver. Raises socket.gaierror when the name does not resolve, ResolveTimeoutError when
    no answer came within `timeout` seconds (RESOLVE_TIMEOUT).

    getaddrinfo has no timeout of its own and cannot be interrupted, so it runs in a daemon
    thread that is abandoned when the time is up (it ends when the resolver gives up); at most
    MAX_LOOKUPS such threads run at once in a process.
    """
    limit = RESOLVE_TIMEOUT if timeout is None else timeout
    deadline = time.monotonic() + limit
    if not _lookups.acquire(timeout=limit):
        raise ResolveTimeoutError(socket.EAI_AGAIN, f"no resolver answer within {limit:g} s")
    done = threading.Event()
    answers: list[list[Any]] = []
    errors: list[BaseException] = []

    def lookup() -> None:
        try:
            answers.append(socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP))
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
            errors.append(exc)
        finally:
            _lookups.release()
            done.set()

    try:
        threading.Thread(target=lookup, name=f"resolve {host}", daemon=True).start()
    except BaseException:
        _lookups.release()
        raise
    if not done.wait(max(0.0, deadline - time.monotonic())):
        raise ResolveTimeoutError(socket.EAI_AGAIN, f"no resolver answer within {limit:g} s")
    if errors:
        raise errors[0]
    addresses: list[str] = []
    for info in answers[0]:
        address = str(info[4][0])
        if address not in addresses:
            addresses.append(address)
    return addresses
