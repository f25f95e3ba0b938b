"""Reference data kept per process for a short while: read at most once per `ttl` seconds.

Routing offices and triage policies are read by every public submission; keeping them for a
minute makes the submission cost no statement for them. A save or delete in this process drops
the value at once (a signal receiver calls `forget`); other processes see the change within
`ttl` seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class ProcessMemo(Generic[T]):
    """`load()`'s value, kept in this process until `ttl` seconds pass or `forget` is called."""

    def __init__(self, load: Callable[[], T], *, ttl: float) -> None:
        self._load = load
        self.ttl = ttl
        # One tuple, replaced whole: a thread reads either the old pair or the new one.
        self._kept: tuple[float, T] | None = None

    def get(self) -> T:
        """Return the kept value, loading it first when there is none or it is older than ttl."""
        now = time.monotonic()
        kept = self._kept
        if kept is not None and kept[0] > now:
            return kept[1]
        value = self._load()
        self._kept = (now + self.ttl, value)
        return value

    def forget(self, **_kwargs: Any) -> None:
        """Drop the kept value (usable as a signal receiver)."""
        self._kept = None
