"""A one-line WSGI application: the floor of any gunicorn start (the cold-start baseline)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Answer every request with 200 ok."""
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]
