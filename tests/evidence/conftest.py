"""Each evidence test gets its own empty vault."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fresh_vault(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                     "OPTIONS": {"location": str(tmp_path / "vault")}},
    }
    settings.QINGLANG_LEDGER_KEY_PATH = tmp_path / "keys" / "ledger.pem"


@pytest.fixture(autouse=True)
def _english():
    """Assert on the English msgids whatever the default language is."""
    from django.utils import translation

    with translation.override("en"):
        yield
