"""API throttles that keep one counter per client and window, never request times.

DRF's own throttles keep every request's timestamp per address in the cache for the whole
period: a list of when an address called, which is more than a limit needs to know about a
reporter, and in the embedded database cache it costs a write transaction per request on the
one SQLite write lock. These count in the `throttle` cache instead (Redis when configured, a
store of its own under QINGLANG_HOME embedded), one atomic increment per request. The address
in a counter's key is a keyed hash, so the throttle store names no reporter's address either.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.core.cache import caches
from rest_framework import throttling


def count_hit(store: Any, key: str, *, timeout: int) -> int:
    """Add one to the counter `key` (created for `timeout` seconds) and return its new value.

    A store with `incr_window` (Redis) does it in one round trip. Otherwise an increment
    first: after the first request of a window that is the only write.
    """
    if (incr_window := getattr(store, "incr_window", None)) is not None:
        return int(incr_window(key, timeout=timeout))
    try:
        return int(store.incr(key))
    except ValueError:  # the window's first request
        if store.add(key, 1, timeout=timeout):
            return 1
    try:
        return int(store.incr(key))  # another process opened the window first
    except ValueError:  # and it expired in between
        store.set(key, 1, timeout=timeout)
        return 1


class CounterRateThrottle(throttling.SimpleRateThrottle):
    """A fixed-window counter: at most `num_requests` per client in each window of `duration`."""

    num_requests: int
    duration: int

    def __init__(self) -> None:
        super().__init__()
        self._wait = 0.0

    @property
    def cache(self) -> Any:  # type: ignore[override]
        return caches["throttle"]

    def get_ident(self, request: Any) -> str:
        """Return the client's address as a keyed hash: counters need to tell callers apart,
        not to know who they are (a reporter's address never rests in the cache)."""
        address = super().get_ident(request) or ""
        key = f"throttle:{settings.SECRET_KEY}".encode()
        return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()[:32]

    def allow_request(self, request: Any, view: Any) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = self.timer()
        window = int(now) // self.duration
        key = f"{self.key}:{window}"
        count = count_hit(self.cache, key, timeout=self.duration)
        if count > self.num_requests:
            self._wait = (window + 1) * self.duration - now
            return False
        return True

    def wait(self) -> float | None:
        return self._wait or None


class ScopedRateThrottle(throttling.ScopedRateThrottle, CounterRateThrottle):
    """DRF's ScopedRateThrottle (rate from the view's `throttle_scope`), counting only."""


class AnonRateThrottle(throttling.AnonRateThrottle, CounterRateThrottle):
    """DRF's AnonRateThrottle (anonymous callers by address), counting only."""


class UserRateThrottle(throttling.UserRateThrottle, CounterRateThrottle):
    """DRF's UserRateThrottle (per account, by address when anonymous), counting only."""
