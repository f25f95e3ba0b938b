"""The embedded throttle store: diskcache's Django backend, kept open between requests.

Django closes every cache when a request finishes. For diskcache that closes its SQLite
connections, and closing the last connection to a WAL database checkpoints it and removes the
WAL file: 5–15 ms of file work on every public submission, then a new connection (and its
pragmas) on the next. diskcache's connections are per thread and reopened after a fork, so they
are kept for the life of the worker, as Redis keeps its connection pool.
"""

from __future__ import annotations

from typing import Any

from diskcache import DjangoCache


class PersistentDiskCache(DjangoCache):  # type: ignore[misc]
    """diskcache's Django cache whose connections outlive the request."""

    def close(self, **kwargs: Any) -> None:
        """Keep the connections: Django calls this after every request."""
