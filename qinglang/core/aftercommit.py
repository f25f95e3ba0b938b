"""The one path for side effects after commit: enqueue by id, never fail the request.

A service that wants background work calls `enqueue_after_commit(task, key=value)` inside its
transaction. Once the transaction commits, the task is sent with keyword arguments (ids, never
objects). If the broker is unreachable the failure is logged and swallowed: the row the service
wrote stays in a state ("analysis pending", "preview pending", "capture waiting") that a
scheduled requeue job finds and sends again, so nothing accepted is ever lost (invariant 1).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from django.db import transaction

log = logging.getLogger("qinglang.aftercommit")


class Enqueueable(Protocol):
    """What a Celery task offers: `delay` and a name."""

    name: str

    def delay(self, *args: Any, **kwargs: Any) -> Any: ...


def send_now(task: Enqueueable, /, **kwargs: Any) -> bool:
    """Send `task` with keyword arguments; return False (and log) when the broker refuses."""
    try:
        task.delay(**kwargs)
    except Exception:
        log.warning(
            "could not enqueue %s %s; the requeue job will retry", task.name, kwargs, exc_info=True
        )
        return False
    return True


def enqueue_after_commit(task: Enqueueable, /, **kwargs: Any) -> None:
    """Send `task(**kwargs)` once the current transaction commits; never raises into the caller."""
    transaction.on_commit(lambda: send_now(task, **kwargs), robust=True)


def call_after_commit(func: Callable[[], Any], /) -> None:
    """Run a local side effect after commit (robust: an exception is logged, not raised)."""
    transaction.on_commit(func, robust=True)
