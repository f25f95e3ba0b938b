"""Intake fixtures: a clean cache (rate limits) and a clean evidence directory per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clean_limits_and_vault():
    cache.clear()
    root = Path(settings.STORAGES["evidence"]["OPTIONS"]["location"])
    shutil.rmtree(root, ignore_errors=True)
    yield
    cache.clear()


@pytest.fixture
def frozen_window(monkeypatch):
    """Keep the web limiters in one fixed window (no flake at the top of the hour)."""
    from qinglang.intake import ratelimit

    monkeypatch.setattr(ratelimit, "_now", lambda: 1_800_000_000.0)
