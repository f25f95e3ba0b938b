"""Outside services the tests need (Redis, Chromium): skip locally when absent, fail in CI."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

CHROMIUM = "/usr/bin/chromium"
REDIS_URL = os.environ.get("QINGLANG_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")
DEAD_BROKER = "redis://127.0.0.1:1/0"
BROKER_LOCK = "qinglang-tests:broker-lock"


def in_ci() -> bool:
    """Return whether the tests run in CI, where every outside service must be there."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def service_missing(reason: str) -> None:
    """Skip the test on a developer's machine; fail it in CI (a skip there hides a broken setup)."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: outside services must be running)", pytrace=False)
    pytest.skip(reason)


def require_chromium(executable: str = CHROMIUM) -> str:
    """Return the Chromium executable, or skip/fail when it is not installed."""
    if not os.path.exists(executable):
        service_missing(f"chromium not found at {executable}")
    return executable


def reset_broker_pools() -> None:
    """Drop the app's pooled broker connections: the next publish connects as settings say now.

    A pool keeps the broker options it was made with; one made under an earlier test's broker
    (its `embedded_broker` folder, say) would send this test's messages there.
    """
    from kombu import pools

    from qinglang.celery import app

    # kombu keeps its pools in module-wide groups keyed by connection: empty them all, or a
    # pool closed here would be handed out again for the same address.
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


def _point_broker(url: str) -> None:
    """Make the Celery app publish to `url` from now on (drop pooled connections)."""
    from qinglang.celery import app

    app.conf.update(
        broker_url=url,
        broker_transport_options={},
        broker_connection_timeout=1,
        broker_connection_retry=False,
        broker_connection_max_retries=0,
        task_publish_retry=False,
    )
    reset_broker_pools()


def _clear(live) -> None:
    """Delete every key of the test broker's database except the lock between workers."""
    for key in live.scan_iter():
        if key != BROKER_LOCK.encode():
            live.delete(key)


@contextmanager
def broker_switch() -> Iterator:
    """Yield (point, live): a switch between a dead and the live Redis broker, and its client.

    Tests using it in parallel xdist workers take turns (a Redis lock), since they share the
    broker's queue; the app follows its settings again afterwards.
    """
    import redis

    from qinglang.celery import app

    keys = (
        "broker_url",
        "broker_transport_options",
        "broker_connection_timeout",
        "broker_connection_retry",
        "broker_connection_max_retries",
        "task_publish_retry",
    )
    overridden = {k: app.conf.changes[k] for k in keys if k in app.conf.changes}
    live = redis.Redis.from_url(REDIS_URL)
    try:
        live.ping()
    except redis.ConnectionError:
        service_missing(f"Redis is not running at {REDIS_URL}")
    with live.lock(BROKER_LOCK, timeout=900, blocking_timeout=900):  # the worker-kill test is long
        _clear(live)
        try:
            yield _point_broker, live
        finally:
            _clear(live)
            # Back to what the settings say (not a copy of them: a later test's settings win).
            for key in keys:
                app.conf.changes.pop(key, None)
            app.conf.update(overridden)
            reset_broker_pools()


def queued_task_names(live) -> list[str]:
    """Return the names of the tasks waiting in the live broker's default queue, oldest first."""
    import json

    return [json.loads(m)["headers"]["task"] for m in reversed(live.lrange("celery", 0, -1))]
