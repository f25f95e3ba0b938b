"""Each evidence test gets its own ledger key (and, from tests/conftest.py, its own vault)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _own_ledger_key(settings, tmp_path):
    """Each evidence test signs with a key of its own (the vault is fresh per test already)."""
    settings.QINGLANG_LEDGER_KEY_PATH = tmp_path / "keys" / "ledger.pem"


@pytest.fixture(autouse=True)
def _english():
    """Assert on the English msgids whatever the default language is."""
    from django.utils import translation

    with translation.override("en"):
        yield
