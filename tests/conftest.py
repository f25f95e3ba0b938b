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
def _default_language():
    """Start each test in the default language (Chinese), whatever the last test's requests did.

    LocaleMiddleware activates a request's language in the thread and nothing deactivates it,
    so after a test that asked in English the next test in the same worker would read English.
    """
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


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


@pytest.fixture(autouse=True)
def _empty_broker():
    """Start each test with this process's embedded broker empty (the test settings' one).

    Requeue jobs skip rows whose message the broker holds, and task ids name rows by key: a
    message an earlier test left (its rows rolled back, their keys used again) would pass for
    one of this test's rows.
    """
    from pathlib import Path

    from django.conf import settings

    from tests.services import reset_broker_pools

    reset_broker_pools()  # publish where this test's settings say, not where a pool last did
    if not str(settings.CELERY_BROKER_URL).startswith("qinglangfs://"):
        return
    queue = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
    for folder in (queue, queue.parent / "inflight"):
        if folder.is_dir():
            for message in folder.glob("*.msg"):
                message.unlink(missing_ok=True)


@pytest.fixture
def embedded_broker(settings, tmp_path):
    """Point the settings at an embedded broker in `tmp_path`; return a publisher to it."""
    from celery import Celery

    from qinglang.core.broker import SCHEME

    for sub in ("in", "processed", "control"):
        (tmp_path / sub).mkdir()
    options = {
        "data_folder_in": str(tmp_path / "in"),
        "data_folder_out": str(tmp_path / "in"),
        "processed_folder": str(tmp_path / "processed"),
        "control_folder": str(tmp_path / "control"),
        "store_processed": False,
    }
    settings.CELERY_BROKER_URL = f"{SCHEME}://localhost//"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = options
    from tests.services import reset_broker_pools

    reset_broker_pools()  # the app publishes here too
    publisher = Celery("publisher", broker=settings.CELERY_BROKER_URL, set_as_current=False)
    publisher.conf.broker_transport_options = options
    return publisher


class AppQueue:
    """The embedded broker the app publishes to in tests (no worker runs): its messages, a drain."""

    def __init__(self, folder: str) -> None:
        from pathlib import Path

        self.folder = Path(folder)

    def messages(self) -> list[tuple[str, str]]:
        """Return (task name, task id) of every queued message, oldest first."""
        import json

        found = []
        for path in sorted(self.folder.glob("*.msg")):
            headers = json.loads(path.read_bytes())["headers"]
            found.append((headers["task"], headers["id"]))
        return found

    def drain(self) -> list[tuple[str, str]]:
        """Work off the queue as a worker would (each task under its message's id, then ack).

        Return (task name, task id) of every message run, in order.
        """
        from queue import Empty

        from qinglang.celery import app

        ran = []
        with app.connection_for_read() as conn:
            # Both queues (analyses and the network-bound io), until neither holds a message:
            # a task in one may queue another in the other.
            queues = [conn.SimpleQueue(name) for name in app.amqp.queues]
            try:
                busy = True
                while busy:
                    busy = False
                    for queue in queues:
                        try:
                            message = queue.get(timeout=1)
                        except Empty:
                            continue
                        busy = True
                        args, kwargs, _embed = message.payload
                        name, task_id = message.headers["task"], message.headers["id"]
                        app.tasks[name].apply(args=args, kwargs=kwargs, task_id=task_id)
                        message.ack()
                        ran.append((name, task_id))
            finally:
                for queue in queues:
                    queue.close()
        return ran


@pytest.fixture
def app_queue(settings) -> AppQueue:
    """Return the test process's embedded broker (emptied for each test by `_empty_broker`)."""
    from qinglang.core.broker import SCHEME

    if not str(settings.CELERY_BROKER_URL).startswith(f"{SCHEME}://"):
        pytest.skip("the tests publish to another broker (QINGLANG_BROKER_URL)")
    return AppQueue(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
