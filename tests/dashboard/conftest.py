"""Fixtures of the dashboard tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _forget_pending_vault_files() -> Iterator[None]:
    """Leave no vault file pending in this thread: a later request would query for it.

    The vault remembers files written in this thread until a request or task finishes; tests
    that store evidence without a request would hand that check to whichever test runs next.
    """
    from qinglang.evidence.vault import _pending_names

    _pending_names().clear()
    yield
    _pending_names().clear()
