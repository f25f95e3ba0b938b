"""Shared fixtures: regions, offices and users of each role (see tests/core/factories.py)."""

from __future__ import annotations

import pytest

from tests.core.factories import DemoWorld, build_world


@pytest.fixture
def world(db) -> DemoWorld:
    """Offices for the nation, Beijing, Guangdong and Shenzhen, and one user per role."""
    return build_world()
