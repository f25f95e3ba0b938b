"""Shared fixtures: regions, offices and users of each role (see tests/core/factories.py)."""

from __future__ import annotations

import pytest

from tests.core.factories import DemoWorld, build_world


def pytest_configure(config: pytest.Config) -> None:
    """Declare the ledger actions that the ledger's own tests append about made-up objects."""
    from qinglang.core.ledger_actions import define, registered_actions

    for code in ("thing.changed", "thing.made"):
        if code not in registered_actions():
            define(code, code)


@pytest.fixture
def world(db) -> DemoWorld:
    """Offices for the nation, Beijing, Guangdong and Shenzhen, and one user per role."""
    return build_world()


@pytest.fixture
def broker():
    """Yield (point, live): switch Celery between a dead and the live Redis broker."""
    from tests.services import broker_switch

    with broker_switch() as switch:
        yield switch


@pytest.fixture
def verified_client(client, db):
    """Return a function signing a user into `client` with a verified second factor (2FA)."""
    from tests.core.auth import login_verified

    return lambda user: login_verified(client, user)


@pytest.fixture(autouse=True)
def _fresh_triage_rules():
    """Forget the per-process triage policies: a rolled-back test's policy must not linger."""
    from qinglang.cases.selectors.triage import forget_triage_rules

    forget_triage_rules()


@pytest.fixture(autouse=True)
def _fresh_offices():
    """Forget the per-process routing offices: a rolled-back test's office must not linger."""
    from qinglang.intake.routing import forget_offices

    forget_offices()


@pytest.fixture(autouse=True)
def _fresh_vault(settings, tmp_path):
    """Give each test its own empty evidence vault and media directory (order-independent)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "vault")},
        },
    }
    yield
    # Files a test wrote in a transaction it rolled back belong to its own vault, now gone: a
    # later test's request must not look them up (it may have no database access at all).
    from qinglang.evidence.vault import _pending_names

    _pending_names().clear()
