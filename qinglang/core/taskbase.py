"""The base class of every Celery task: a task that finds SQLite locked is retried with back-off.

On SQLite one writer at a time holds the database; a writer that waits longer than the busy
timeout gets `OperationalError: database is locked` and its transaction is rolled back. That is
a passing condition, not a failure of the task: the task is sent again (same task id, so a
`taskonce.once` receipt rolled back with the work still lets it run) after 1, 2, 4 … s.
"""

from __future__ import annotations

import logging
import random
from typing import Any

import celery
from django.db import OperationalError

log = logging.getLogger(__name__)

# With the 20 s busy timeout on each attempt, the work waits several minutes before giving up.
LOCK_RETRIES = 10
LOCK_BACKOFF_MAX = 60.0


def is_locked(exc: BaseException) -> bool:
    """Return whether `exc` is SQLite's "database is locked" (or a shared-cache table lock)."""
    text = str(exc)
    return isinstance(exc, OperationalError) and (
        "database is locked" in text or "database table is locked" in text
    )


def lock_backoff(retries: int) -> float:
    """Return the seconds to wait before attempt `retries + 1`, with jitter against lockstep."""
    return min(LOCK_BACKOFF_MAX, 2.0**retries) * random.uniform(0.5, 1.0)  # noqa: S311


class Task(celery.Task):
    """A task retried with back-off when the database is locked."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except OperationalError as exc:
            if not is_locked(exc) or self.request.called_directly:
                raise
            countdown = lock_backoff(self.request.retries)
            log.warning(
                "%s[%s] found the database locked; retry %d in %.1f s",
                self.name,
                self.request.id,
                self.request.retries + 1,
                countdown,
            )
            raise self.retry(exc=exc, countdown=countdown, max_retries=LOCK_RETRIES) from exc
