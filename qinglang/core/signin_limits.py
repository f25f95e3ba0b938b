"""A per-account limit on failed sign-ins, independent of the address (ASVS V6).

axes locks a username *and* address pair after 5 failures, so a password guessed from many
addresses is never locked. Here the failures of one account are counted whatever the address:
past a threshold every further attempt must wait a delay that doubles with each failure (capped),
instead of a permanent lock a stranger could use to keep the owner out; the owner is told once.
Counters live in the cache (Redis in production): a count and a time, no per-address timestamps.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_noop

from qinglang.core.messages import message

WINDOW_SECONDS = 24 * 3600
MAX_DELAY_SECONDS = 15 * 60


def threshold() -> int:
    return int(getattr(settings, "QINGLANG_ACCOUNT_FAILURE_THRESHOLD", 10))


def _key(username: str) -> str:
    digest = hashlib.sha256(username.strip().lower().encode("utf-8")).hexdigest()[:32]
    return f"signin-failures:{digest}"


def wait_seconds(username: str) -> int:
    """Return how long this account must wait before the next attempt (0: go ahead)."""
    state = cache.get(_key(username))
    if not state:
        return 0
    failures, last = state
    if failures < threshold():
        return 0
    delay = min(MAX_DELAY_SECONDS, 2 ** (failures - threshold() + 1))
    return max(0, int(last + delay - time.time() + 0.999))


def record_failure(username: str) -> int:
    """Count one failed attempt; tell the account holder when the threshold is first reached."""
    failures, _last = cache.get(_key(username)) or (0, 0.0)
    failures += 1
    cache.set(_key(username), (failures, time.time()), WINDOW_SECONDS)
    if failures == threshold():
        _notify_owner(username)
    return failures


def reset(username: str) -> None:
    cache.delete(_key(username))


def _notify_owner(username: str) -> None:
    from qinglang.core.models import User
    from qinglang.core.services import notify

    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        return
    notify(
        user=user,
        verb="security.signin_failures",
        title=message(gettext_noop("Many failed sign-ins to your account")),
        body=message(
            gettext_noop(
                "Someone entered a wrong password for your account %(n)d times. Further attempts "
                "are slowed down. If this was not you, tell your administrator and change your "
                "password."
            ),
            **{"n": threshold()},
        ),
    )
