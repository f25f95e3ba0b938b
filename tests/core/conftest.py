"""Fixtures of the core tests."""

from __future__ import annotations

from typing import Any

import pytest

from qinglang.core import tasks


@pytest.fixture
def run_tasks(monkeypatch):  # type: ignore[no-untyped-def]
    """Run `send_password_link` in-process when a service enqueues it (after commit)."""
    sent: list[dict[str, Any]] = []

    def delay(**kwargs: Any) -> None:
        sent.append(kwargs)
        tasks.send_password_link(**kwargs)

    monkeypatch.setattr(tasks.send_password_link, "delay", delay)
    return sent
