"""Helpers to create watched sources through the service."""

from __future__ import annotations

from typing import Any

from qinglang.monitoring.models import WatchedSource
from qinglang.monitoring.services import add_source


def make_source(user: Any, url: str, **changes: Any) -> WatchedSource:
    fields = {"kind": "page", "interval_minutes": 60, "keywords": ["删帖"], **changes}
    return add_source(None, url=url, acting_user=user, **fields)
