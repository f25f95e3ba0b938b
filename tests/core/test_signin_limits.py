"""Failed sign-ins are limited per account, whatever the address; wrong code and throttle differ."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django_otp.oath import TOTP

from qinglang.core import signin_limits
from qinglang.core.models import Notification
from qinglang.core.views import PENDING_SESSION_KEY
from tests.core.auth import otp_device
from tests.core.factories import PASSWORD

pytestmark = pytest.mark.django_db
LOGIN, VERIFY = "/staff/login/", "/staff/login/verify/"


@pytest.fixture(autouse=True)
def _clean(client):
    cache.clear()
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    yield
    cache.clear()


def _attempt(client, username: str, password: str, address: str):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_guessing_from_many_addresses_is_slowed_down_and_the_owner_told(client, world):
    user = world.beijing_user
    limit = signin_limits.threshold()
    for n in range(limit):  # one wrong password from each of many addresses: axes never locks
        response = _attempt(client, user.username, "wrong-password", f"10.0.{n}.1")
        assert response.status_code == 200
    # now even the right password must wait, from yet another address
    response = _attempt(client, user.username, PASSWORD, "10.9.9.9")
    assert response.status_code == 429
    assert "Wait" in response.content.decode()
    assert PENDING_SESSION_KEY not in client.session
    [note] = Notification.objects.filter(recipient_user=user, verb="security.signin_failures")
    assert str(limit) in note.body
    # the delay grows with every failure and is capped
    first = signin_limits.wait_seconds(user.username)
    signin_limits.record_failure(user.username)
    assert signin_limits.wait_seconds(user.username) > first
    for _ in range(40):
        signin_limits.record_failure(user.username)
    assert signin_limits.wait_seconds(user.username) <= signin_limits.MAX_DELAY_SECONDS


def test_below_the_threshold_nothing_waits_and_success_resets(client, world):
    user = world.beijing_user
    for n in range(3):
        _attempt(client, user.username, "wrong-password", f"10.1.{n}.1")
    assert signin_limits.wait_seconds(user.username) == 0
    response = _attempt(client, user.username, PASSWORD, "10.1.9.1")
    assert response.status_code == 302
    assert cache.get(signin_limits._key(user.username)) is None


def test_other_accounts_are_not_affected(client, world):
    for n in range(signin_limits.threshold()):
        _attempt(client, world.beijing_user.username, "wrong-password", f"10.2.{n}.1")
    response = _attempt(client, world.guangdong_user.username, PASSWORD, "10.2.99.1")
    assert response.status_code == 302


def test_a_wrong_code_does_not_block_the_next_right_code(client, world):
    """The bug of issue 14: after one wrong code the right one was refused with a message."""
    user = world.beijing_user
    device = otp_device(user)
    assert _attempt(client, user.username, PASSWORD, "10.3.0.1").status_code == 302
    wrong = client.post(VERIFY, {"token": "000000"})
    assert "not valid or was already used" in wrong.content.decode()
    assert "seconds" not in wrong.content.decode()
    device.refresh_from_db()
    right = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    response = client.post(VERIFY, {"token": f"{right:06d}"})
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(user.pk)


def test_a_wrong_code_and_throttling_have_different_messages(client, world):
    from qinglang.core.twofactor import FREE_WRONG_CODES

    user = world.beijing_user
    device = otp_device(user)
    assert _attempt(client, user.username, PASSWORD, "10.3.0.1").status_code == 302
    for _ in range(FREE_WRONG_CODES):
        wrong = client.post(VERIFY, {"token": "000000"})
        assert "not valid or was already used" in wrong.content.decode()
    device.refresh_from_db()
    right = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    throttled = client.post(VERIFY, {"token": f"{right:06d}"})
    text = throttled.content.decode()
    assert "wait" in text and "seconds" in text
    assert "not valid" not in text
    assert client.session.get("_auth_user_id") is None
