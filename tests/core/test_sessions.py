"""Staff sessions expire after 30 minutes idle and 12 hours in all; passwords need 12 characters."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from qinglang.core.middleware_sessions import SEEN, STARTED

pytestmark = pytest.mark.django_db


def _age_session(client, *, seen_ago: float = 0, started_ago: float = 0) -> None:
    session = client.session
    now = time.time()
    session[SEEN] = now - seen_ago
    session[STARTED] = now - started_ago
    session.save()


def test_active_session_keeps_working(world, verified_client):
    client = verified_client(world.beijing_user)
    _age_session(client, seen_ago=25 * 60, started_ago=11 * 3600)
    assert client.get("/cases/triage/").status_code == 200


def test_idle_session_is_signed_out_with_a_reason(world, verified_client):
    client = verified_client(world.beijing_user)
    _age_session(client, seen_ago=31 * 60)
    response = client.get("/cases/triage/", follow=True)
    assert response.redirect_chain and "/staff/login/" in response.redirect_chain[-1][0]
    assert "30" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/api/v1/me/").status_code in (401, 403)


def test_session_older_than_the_absolute_limit_is_signed_out(world, verified_client):
    client = verified_client(world.beijing_user)
    _age_session(client, started_ago=12 * 3600 + 5)
    response = client.get("/cases/triage/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_limits_are_configurable(world, verified_client, settings):
    settings.QINGLANG_SESSION_IDLE_MINUTES = 5
    client = verified_client(world.beijing_user)
    _age_session(client, seen_ago=6 * 60)
    assert client.get("/cases/triage/").status_code == 302


@pytest.mark.parametrize("password", ["short-pw-1", "password1234", "123456789012"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_long_uncommon_password_is_accepted():
    validate_password("清朗-举报-平台-2026-安全")
