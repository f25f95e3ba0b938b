"""The base class of every Celery task: a task that finds SQLite locked is retried with back-off.

On SQLite one writer at a time holds the database; a writer that waits longer than the busy
timeout gets `OperationalError: database is locked` and its transaction is rolled back. That is
a passing condition, not a failure of the task: the task is sent again (same task id, so a
`taskonce.once` receipt rolled back with the work still lets it run) after 1, 2, 4 … s.

Lock retries are counted in a message header of their own, not in Celery's `retries`: a task
with its own retry budget (a capture tried three times) keeps all of it however often it met a
locked database, and a task that met its own failures still gets every lock retry.

A `KeyedTask` sends every message for one row (the first, retries, requeues) under a task id
made from that row's key, so a requeue job can see in the embedded broker whether a message for
the row still waits (`qinglang.core.broker.not_waiting`) and send no second copy of it.
"""

from __future__ import annotations

import logging
import random
from typing import Any

import celery
from celery.exceptions import Retry
from django.db import OperationalError

log = logging.getLogger(__name__)

# With the 20 s busy timeout on each attempt, the work waits several minutes before giving up.
LOCK_RETRIES = 10
LOCK_BACKOFF_MAX = 60.0
# The message header that counts lock retries (Celery's `retries` counts the task's own).
LOCK_HEADER = "qinglang_lock_retries"


def is_locked(exc: BaseException) -> bool:
    """Return whether `exc` is SQLite's "database is locked" (or a shared-cache table lock)."""
    text = str(exc)
    return isinstance(exc, OperationalError) and (
        "database is locked" in text or "database table is locked" in text
    )


def lock_backoff(retries: int) -> float:
    """Return the seconds to wait before attempt `retries + 1`, with jitter against lockstep."""
    return min(LOCK_BACKOFF_MAX, 2.0**retries) * random.uniform(0.5, 1.0)  # noqa: S311


def lock_retries(request: Any) -> int:
    """Return how often this task was already sent again for a locked database.

    A worker exposes a message's custom headers as attributes of the request; an eager call
    (`apply`) keeps them in `request.headers`.
    """
    value = getattr(request, LOCK_HEADER, None)
    if value is None:
        value = (getattr(request, "headers", None) or {}).get(LOCK_HEADER, 0)
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0


# Values whose repr() is what Celery's saferepr writes into a message's argsrepr/kwargsrepr.
_PLAIN = (int, float, type(None))
_PLAIN_TEXT_MAX = 200


def _plain(value: Any) -> bool:
    # saferepr quotes text without escaping it: the same as repr() only with nothing to escape
    return isinstance(value, _PLAIN) or (
        isinstance(value, str)
        and len(value) <= _PLAIN_TEXT_MAX
        and value.isprintable()
        and "'" not in value
        and "\\" not in value
    )


def plain_reprs(args: Any, kwargs: Any) -> tuple[str, str] | None:
    """Return (argsrepr, kwargsrepr) of ids and short texts, as saferepr would write them.

    Celery's saferepr walks every value through a token stream (a fifth of a publish's CPU);
    our tasks take ids, whose built-in repr is the same text. Anything else returns None and
    keeps Celery's path (which also truncates long values).
    """
    args = args or ()
    kwargs = kwargs or {}
    if not isinstance(args, list | tuple) or not isinstance(kwargs, dict):
        return None
    if not all(map(_plain, args)):
        return None
    if not all(isinstance(k, str) and _plain(v) for k, v in kwargs.items()):
        return None
    return repr(args), repr(kwargs)


class Task(celery.Task):
    """A task retried with back-off when the database is locked."""

    def apply_async(  # type: ignore[override]
        self, args: Any = None, kwargs: Any = None, task_id: str | None = None, **options: Any
    ) -> Any:
        if "argsrepr" not in options and "kwargsrepr" not in options:
            reprs = plain_reprs(args, kwargs)
            if reprs is not None:
                options["argsrepr"], options["kwargsrepr"] = reprs
        return super().apply_async(args, kwargs, task_id=task_id, **options)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except OperationalError as exc:
            if not is_locked(exc) or self.request.called_directly:
                raise
            tries = lock_retries(self.request)
            if tries >= LOCK_RETRIES:
                raise
            countdown = lock_backoff(tries)
            log.warning(
                "%s[%s] found the database locked; retry %d in %.1f s",
                self.name,
                self.request.id,
                tries + 1,
                countdown,
            )
            raise self._send_again_locked(exc, tries + 1, countdown) from exc

    def _send_again_locked(self, exc: BaseException, tries: int, countdown: float) -> Retry:
        """Send the same task again with its own `retries` unchanged and the lock count raised."""
        request = self.request
        headers = {**(getattr(request, "headers", None) or {}), LOCK_HEADER: tries}
        signature = self.signature_from_request(
            request, countdown=countdown, retries=request.retries, headers=headers
        )
        if not request.is_eager:
            signature.apply_async()
        return Retry(exc=exc, when=countdown, is_eager=bool(request.is_eager), sig=signature)


def keyed_task_id(prefix: str, key: object) -> str:
    """Return the task id of every message of a keyed task for one row: "<prefix>-<key>"."""
    return f"{prefix}-{key}"


class KeyedTask(Task):
    """A task whose messages carry a fixed task id, made from one argument (a row's key).

    A subclass, or `shared_task(base=KeyedTask, key_argument=..., key_prefix=...)`, names the
    argument (keyword, or else the first positional one) and the prefix of the id. A message
    sent with an explicit `task_id` keeps it.
    """

    key_argument = ""
    key_prefix = ""

    def apply_async(  # type: ignore[override]
        self, args: Any = None, kwargs: Any = None, task_id: str | None = None, **options: Any
    ) -> Any:
        if task_id is None and self.key_argument:
            key = (kwargs or {}).get(self.key_argument, args[0] if args else None)
            if isinstance(key, int):
                task_id = keyed_task_id(self.key_prefix, key)
        return super().apply_async(args, kwargs, task_id=task_id, **options)
