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
# Lookups running in one process at most; more wait their turn (no longer than their limit).
MAX_LOOKUPS = 8
# A lookup still running this long after it began is stuck (the C resolver gives up within
# about 30 s): it gives its place back and its thread is left to end whenever it does.
STUCK_AFTER = 60.0
# Stuck lookups' threads left running in one process at most; past it places stay taken.
MAX_STUCK = 32


class _Lookup:
    def __init__(self, started: float) -> None:
        self.started = started
        self.thread: threading.Thread | None = None


class _Places:
    """MAX_LOOKUPS places for lookups in threads; a stuck lookup does not keep its place."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._running: list[_Lookup] = []
        self._stuck: list[threading.Thread] = []

    def take(self, timeout: float) -> _Lookup | None:
        """Return a place within `timeout` seconds, or None."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                now = time.monotonic()
                self._write_off_stuck(now)
                if len(self._running) < MAX_LOOKUPS:
                    lookup = _Lookup(now)
                    self._running.append(lookup)
                    return lookup
                if now >= deadline:
                    return None
                # Woken when a lookup ends, or when the oldest would count as stuck.
                oldest = min(lookup.started for lookup in self._running)
                self._changed.wait(max(0.01, min(deadline, oldest + STUCK_AFTER) - now))

    def give_back(self, lookup: _Lookup) -> None:
        """The lookup ended (or never started): its place, if it still held one, is free."""
        with self._changed:
            if lookup in self._running:
                self._running.remove(lookup)
                self._changed.notify()

    def _write_off_stuck(self, now: float) -> None:
        self._stuck = [thread for thread in self._stuck if thread.is_alive()]
        for lookup in list(self._running):
            if len(self._stuck) >= MAX_STUCK:
                return
            if lookup.thread is not None and now - lookup.started >= STUCK_AFTER:
                self._running.remove(lookup)
                self._stuck.append(lookup.thread)

    def counts(self) -> tuple[int, int]:
        """Return (places taken, stuck lookups' threads still running)."""
        with self._changed:
            self._stuck = [thread for thread in self._stuck if thread.is_alive()]
            return len(self._running), len(self._stuck)


_places = _Places()


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
    MAX_LOOKUPS such threads hold a place at once in a process. One still running after
    STUCK_AFTER seconds gives its place back (up to MAX_STUCK of them), so lookups that never
    end cannot leave every later one waiting out its limit for good.
    """
    limit = RESOLVE_TIMEOUT if timeout is None else timeout
    deadline = time.monotonic() + limit
    place = _places.take(limit)
    if place is None:
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
            _places.give_back(place)
            done.set()

    place.thread = threading.Thread(target=lookup, name=f"resolve {host}", daemon=True)
    try:
        place.thread.start()
    except BaseException:
        _places.give_back(place)
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
