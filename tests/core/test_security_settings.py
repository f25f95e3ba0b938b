"""Production mode: `check --deploy` is clean, cookies are secure, a secret key is required."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QINGLANG_", "DJANGO_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "qinglang.settings.production",
            "QINGLANG_HOME": str(tmp_path),
            "QINGLANG_SECRET_KEY": secrets.token_urlsafe(60),
            "QINGLANG_IDENTITY_HASH_KEY": secrets.token_urlsafe(40),
            "QINGLANG_ALLOWED_HOSTS": "qinglang.example.cn",
            **extra,
        }
    )
    return env


def run_manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_check_deploy_is_clean_in_production_mode(tmp_path):
    result = run_manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_a_short_or_missing_secret_key(tmp_path):
    for key in ("", "too-short"):
        result = run_manage(production_env(tmp_path, QINGLANG_SECRET_KEY=key), "check")
        assert result.returncode != 0
        assert "QINGLANG_SECRET_KEY" in result.stderr


def test_production_cookies_and_headers(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
        "s.SECURE_HSTS_SECONDS >= 31536000, s.SECURE_SSL_REDIRECT, s.DEBUG, "
        "s.LANGUAGE_COOKIE_SECURE, s.X_FRAME_OPTIONS)"
    )
    result = run_manage(production_env(tmp_path), "shell", "-v", "0", "-c", code)
    assert result.stdout.split() == [
        "True",
        "True",
        "True",
        "True",
        "True",
        "False",
        "True",
        "DENY",
    ], result.stderr


@pytest.mark.django_db
def test_csp_forbids_inline_script_and_framing(client):
    policy = client.get("/").headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"


def test_files_under_home_are_owner_only(settings, tmp_path):
    from django.core.files.base import ContentFile
    from django.core.files.storage import FileSystemStorage

    current = os.umask(0)
    os.umask(current)
    assert current == 0o077
    assert settings.FILE_UPLOAD_PERMISSIONS == 0o600
    storage = FileSystemStorage(location=tmp_path / "vault")
    name = storage.save("ab/cd/blob", ContentFile(b"evidence"))
    assert (os.stat(storage.path(name)).st_mode & 0o777) == 0o600
    assert (os.stat(tmp_path / "vault" / "ab").st_mode & 0o077) == 0


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/me/", "/report/", "/track/", "/staff/login/"])
def test_private_answers_are_not_stored_by_caches(client, path):
    response = client.get(path)
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_staff_pages_send_no_store(world, verified_client):
    client = verified_client(world.beijing_user)
    response = client.get("/cases/triage/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_public_portal_keeps_its_own_caching(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.get("Cache-Control", "") != "no-store"
