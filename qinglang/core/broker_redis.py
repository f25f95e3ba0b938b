"""kombu's Redis transport, publishing through one client per channel.

kombu's Redis channel builds a new `redis.Redis` for every message it publishes (and every
queue-size or restore call): `conn_or_acquire()` without a client creates one, and each
construction copies redis-py's ~170 response callbacks into a case-insensitive dict. That was a
tenth of a public submission's web time. A client takes a connection from the channel's pool for
each command and is safe to share between threads, so the channel keeps one per pool (a new
pool, after a fork or a reconnect, gets a new client).

Registered as the kombu alias `qinglangredis` (in qinglang.core.broker) and selected by settings
for `redis://` broker addresses (CELERY_BROKER_TRANSPORT); every other address uses kombu's own
transport.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kombu.transport import redis


class Channel(redis.Channel):
    """A Redis channel whose synchronous calls share one client per connection pool."""

    _shared_client: Any = None

    @contextmanager
    def conn_or_acquire(self, client: Any = None) -> Iterator[Any]:
        if client:
            yield client
            return
        pool = self.pool
        shared = self._shared_client
        if shared is None or shared.connection_pool is not pool:
            shared = self._shared_client = self._create_client()
        yield shared


class Transport(redis.Transport):
    """kombu's Redis transport with the channel above."""

    Channel = Channel
