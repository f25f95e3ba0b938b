"""Faults against the real services: a database connection lost mid-request, a full vault disk.

Nothing accepted is lost and nothing half-done is kept: the client gets a clear 503 with
Retry-After, and the same request sent again succeeds.
"""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import translation
from PIL import Image
from rest_framework.test import APIClient

from qinglang.evidence.models import EvidenceBlob
from qinglang.intake import services as intake_services
from qinglang.intake.models import Report
from tests.intake.factories import report_body

SUBMIT = "/api/v1/reports/"


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    monkeypatch.setattr(intake_services, "enqueue_analysis", lambda report_id: None)
    with translation.override("en"):
        yield


def _admin_url() -> str:
    db = connection.settings_dict
    user, host, port = db["USER"] or "postgres", db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgresql://{user}{password}@{host}:{port}/postgres"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_lost_database_connection_answers_503_and_the_retry_succeeds(world):
    if connection.vendor != "postgresql":
        pytest.skip("terminating a server connection needs PostgreSQL")
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    first = client.post(SUBMIT, report_body(), format="json")
    assert first.status_code == 201
    pid = connection.connection.info.backend_pid
    with psycopg.connect(_admin_url(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    lost = client.post(SUBMIT, report_body(), format="json")
    assert lost.status_code == 503
    assert lost["Retry-After"] == "5"
    assert "nothing was saved" in lost.json()["detail"]
    retry = client.post(SUBMIT, report_body(), format="json")
    assert retry.status_code == 201
    codes = set(Report.objects.values_list("tracking_code", flat=True))
    assert codes == {first.json()["tracking_code"], retry.json()["tracking_code"]}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_lost_connection_on_a_page_shows_the_branded_503(world):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if connection.vendor != "postgresql":
        pytest.skip("terminating a server connection needs PostgreSQL")
    assert client.get("/exposure/").status_code == 200
    pid = connection.connection.info.backend_pid
    with psycopg.connect(_admin_url(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    page = client.get("/exposure/?q=x")
    body = page.content.decode()
    assert page.status_code == 503 and "Briefly unavailable" in body
    assert "Traceback" not in body and "DEBUG" not in body
    assert client.get("/exposure/?q=y").status_code == 200


@pytest.fixture
def full_vault(settings, tmp_path):
    """Mount a 1 MB tmpfs as the evidence vault and fill it to the brim (a real ENOSPC)."""
    mount = tmp_path / "vault"
    mount.mkdir()
    done = subprocess.run(  # noqa: S603 - fixed arguments, a path of our own
        ["/usr/bin/mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(mount)},
        },
    }
    filler = mount / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)
    try:
        yield mount, filler
    finally:
        subprocess.run(["/usr/bin/umount", "-l", str(mount)], check=False)  # noqa: S603


def _noise_png() -> SimpleUploadedFile:
    image = Image.frombytes("RGB", (300, 300), os.urandom(300 * 300 * 3))
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return SimpleUploadedFile("noise.png", buf.getvalue(), content_type="image/png")


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


@pytest.mark.django_db(transaction=True)
def test_a_full_vault_answers_503_and_keeps_no_half_written_evidence(world, full_vault):
    mount, filler = full_vault
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    import json

    sent = {"payload": json.dumps(report_body()), "evidence": [_noise_png()]}
    response = client.post(SUBMIT, sent, format="multipart")
    assert response.status_code == 503, response.content
    assert "may be full" in response.json()["detail"]
    assert response["Retry-After"] == "5"
    assert Report.objects.count() == 0 and EvidenceBlob.objects.count() == 0
    assert _files(mount) == {"filler"}  # the partial blob was removed, not left as "the bytes"
    filler.unlink()
    again = client.post(
        SUBMIT,
        {"payload": json.dumps(report_body()), "evidence": [_noise_png()]},
        format="multipart",
    )
    assert again.status_code == 201, again.content
    from qinglang.evidence.selectors import items_for

    report = Report.objects.get()
    assert items_for(("intake.report", report.pk)).count() == 1
