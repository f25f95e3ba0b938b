"""Per-IP limits for the public web pages, in the shared `throttle` cache (counters only)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest

from qinglang.core.net import client_ip as core_client_ip
from qinglang.core.throttling import count_hit

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _now() -> float:
    return time.time()


def parse_rate(rate: str) -> tuple[int, int]:
    """Return (requests, seconds) for a DRF-style rate such as "10/hour"."""
    count, period = rate.split("/")
    return int(count), _PERIODS[period[0]]


def client_ip(request: HttpRequest) -> str:
    """Return the address the request came from (trusted proxies: QINGLANG_NUM_PROXIES)."""
    return core_client_ip(request) or "unknown"


class Limiter:
    """A fixed-window counter per scope and client, using the DRF throttle rate of the scope."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        self.limit, self.window = parse_rate(
            settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope]
        )

    def _key(self, ident: str) -> str:
        return f"ql:limit:{self.scope}:{ident}:{int(_now()) // self.window}"

    def exceeded(self, ident: str) -> bool:
        """Return whether `ident` has used up this window."""
        return int(caches["throttle"].get(self._key(ident), 0)) >= self.limit

    def hit(self, ident: str) -> None:
        """Count one use by `ident` (atomic where the cache supports incr)."""
        count_hit(caches["throttle"], self._key(ident), timeout=self.window)
