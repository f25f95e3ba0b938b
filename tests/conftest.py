"""Shared fixtures: regions, offices and users of each role (see tests/core/factories.py)."""

from __future__ import annotations

import pytest

from tests.core.factories import DemoWorld, build_world


@pytest.fixture
def world(db) -> DemoWorld:
    """Offices for the nation, Beijing, Guangdong and Shenzhen, and one user per role."""
    return build_world()


@pytest.fixture
def verified_client(client, db):
    """Return a function signing a user into `client` with a verified second factor (2FA)."""
    from tests.core.auth import login_verified

    return lambda user: login_verified(client, user)
