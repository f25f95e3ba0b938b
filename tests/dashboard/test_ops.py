"""Operations endpoints: /healthz, /readyz, /metrics, and the JSON log formatter."""

from __future__ import annotations

import json
import logging
import os

import pytest

from qinglang.core import signing


def test_healthz_answers_without_a_database(client):
    response = client.get("/healthz")  # no django_db mark: any query would raise
    assert response.status_code == 200


@pytest.mark.django_db
def test_readyz_all_ok(client):
    signing.load_private_key()
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "database": "ok",
        "broker": "ok",
        "storage": "ok",
        "ledger_key": "ok",
    }


@pytest.mark.django_db
def test_readyz_names_a_missing_ledger_key(client, settings, tmp_path):
    settings.QINGLANG_LEDGER_KEY_PATH = tmp_path / "absent.pem"
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["ledger_key"] == "failed"
    assert body["database"] == "ok"
    assert not (tmp_path / "absent.pem").exists()  # the check never creates a key


@pytest.mark.django_db
def test_readyz_names_an_unreachable_broker(client, settings):
    signing.load_private_key()
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["broker"] in {"failed", "timeout"}
    assert response.json()["database"] == "ok"


def _others_ok(body: dict[str, str], failed: str) -> None:
    assert body[failed] == "failed", body
    assert {k: v for k, v in body.items() if k != failed} == {
        k: "ok" for k in ("database", "broker", "storage", "ledger_key") if k != failed
    }, body


@pytest.mark.django_db
def test_readyz_names_an_unreachable_database(client, monkeypatch, tmp_path):
    """The check's own connection (in its thread) cannot connect: 503 naming the database."""
    from django.db import connection, connections

    signing.load_private_key()
    unreachable = dict(connections.settings["default"])
    if connection.vendor == "postgresql":
        unreachable.update(HOST="127.0.0.1", PORT="1")  # nothing listens on port 1
    else:
        unreachable["NAME"] = str(tmp_path / "no-such-directory" / "qinglang.sqlite3")
    # New connections (the check runs in a thread of its own) read these settings; this
    # thread's open connection keeps its own.
    monkeypatch.setitem(connections.settings, "default", unreachable)
    response = client.get("/readyz")
    assert response.status_code == 503
    _others_ok(response.json(), "database")
    assert not (tmp_path / "no-such-directory").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("problem", ["file_in_the_way", "not_writable"])
def test_readyz_names_an_unusable_vault(client, settings, tmp_path, monkeypatch, problem):
    """A vault directory the platform cannot write to: 503 naming the storage."""
    signing.load_private_key()
    blocker = tmp_path / "blocker"
    if problem == "file_in_the_way":
        blocker.write_text("not a directory")
        location = blocker / "vault"
    else:
        # The process runs as root in CI, where permission bits do not stop it: ask os.access.
        blocker.mkdir()
        location = blocker / "vault"
        real_access = os.access
        monkeypatch.setattr(
            os, "access", lambda path, mode: False if path == blocker else real_access(path, mode)
        )
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    _others_ok(response.json(), "storage")
    assert not location.exists()  # the check never creates the vault


@pytest.mark.django_db
def test_readyz_accepts_a_vault_not_yet_created(client, settings, tmp_path):
    """Before the first evidence file the vault directory may not exist: its parent will do."""
    signing.load_private_key()
    location = tmp_path / "home" / "evidence"
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert not location.exists()


@pytest.mark.django_db
def test_readyz_check_timeout_is_bounded(monkeypatch):
    import time

    from qinglang.dashboard import ops

    monkeypatch.setitem(ops.CHECKS, "storage", lambda: time.sleep(2))
    started = time.monotonic()
    results = ops.run_checks(timeout=0.2)
    assert results["storage"] == "timeout"
    assert time.monotonic() - started < 1.5


@pytest.mark.django_db
def test_metrics_from_localhost(client, world):
    from qinglang.dashboard.services import refresh_figures

    refresh_figures()
    client.get("/healthz")
    response = client.get("/metrics")
    assert response.status_code == 200
    text = response.content.decode()
    assert response["Content-Type"].startswith("text/plain")
    assert 'method="GET",status="2xx",view="healthz"} 1.0' in text
    assert "qinglang_http_request_duration_seconds_bucket{" in text
    assert "qinglang_queue_depth" in text
    assert "qinglang_overdue_items" in text
    assert "qinglang_task_failures_total" in text


@pytest.mark.django_db
def test_metrics_refused_to_other_addresses(client):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 404
    assert b"qinglang_" not in response.content


@pytest.mark.django_db
def test_metrics_forwarded_address_is_ignored_without_proxies(client, settings):
    settings.QINGLANG_NUM_PROXIES = 0
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert response.status_code == 404


@pytest.mark.django_db
def test_metrics_behind_a_proxy_use_the_forwarded_client(client, settings):
    import ipaddress

    settings.QINGLANG_NUM_PROXIES = 1
    settings.QINGLANG_METRICS_ALLOW_NETWORKS = [ipaddress.ip_network("10.0.0.0/8")]
    allowed = client.get("/metrics", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="10.1.2.3")
    denied = client.get("/metrics", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert allowed.status_code == 200
    assert denied.status_code == 404


@pytest.mark.django_db
def test_task_failures_are_counted_through_celery_signals(client):
    from celery.signals import task_failure

    class FakeTask:
        name = "qinglang.intake.tasks.analyse_report"

    task_failure.send(sender=FakeTask(), task_id="x", exception=RuntimeError("boom"))
    task_failure.send(sender=FakeTask(), task_id="y", exception=RuntimeError("boom"))
    text = client.get("/metrics").content.decode()
    assert 'qinglang_task_failures_total{task="qinglang.intake.tasks.analyse_report"} 2.0' in text


def test_json_formatter_writes_one_object_per_line():
    from qinglang.dashboard.jsonlog import JsonFormatter

    record = logging.LogRecord("qinglang.audit", logging.INFO, __file__, 1, "看了 %s", ("x",), None)
    record.user_id = 7
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["message"] == "看了 x"
    assert entry["level"] == "INFO"
    assert entry["user_id"] == 7
    assert "\n" not in line


def test_production_logs_are_json_lines(tmp_path):
    import subprocess
    import sys

    from tests.core.test_security_settings import ROOT, production_env

    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('qinglang.audit').info('举报 %s viewed', 12, extra={'user_id': 3})"
    )
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    entry = json.loads(result.stderr.strip().splitlines()[-1])
    assert entry["message"] == "举报 12 viewed"
    assert entry["logger"] == "qinglang.audit"
    assert entry["user_id"] == 3
