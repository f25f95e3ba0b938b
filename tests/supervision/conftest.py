"""Supervision fixtures: a clean cache (rate limits) per test."""

from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clean_limits():
    cache.clear()
    yield
    cache.clear()
