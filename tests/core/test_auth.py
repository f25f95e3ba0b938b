"""Two-factor staff sign-in, brute-force lockout, and the verified-session gate."""

from __future__ import annotations

import time

import pytest
from axes.models import AccessAttempt
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from qinglang.core import twofactor
from qinglang.core.models import LedgerEvent, User
from qinglang.core.views import PENDING_SESSION_KEY
from tests.core.auth import login_verified, otp_device
from tests.core.factories import PASSWORD, UserFactory

LOGIN = "/staff/login/"
VERIFY = "/staff/login/verify/"
ENROL = "/staff/login/enrol/"


def totp_now(device: TOTPDevice) -> str:
    """Return the code the user's authenticator app shows right now."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def signed_in_user_id(client) -> str | None:
    return client.session.get("_auth_user_id")


def password_step(client, username: str, password: str = PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


@pytest.fixture(autouse=True)
def english(client):
    """Read messages in English (Chinese is the default language; see test_chinese_by_default)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def officer(world) -> User:
    otp_device(world.beijing_user)
    return world.beijing_user


def test_password_step_alone_signs_nobody_in(client, officer):
    response = password_step(client, officer.username)
    assert response.status_code == 302 and response["Location"] == VERIFY
    assert signed_in_user_id(client) is None
    assert client.get("/staff/").status_code == 302


def test_code_from_authenticator_completes_sign_in(client, officer):
    password_step(client, officer.username, next="/staff/notifications/")
    response = client.post(VERIFY, {"token": totp_now(otp_device(officer))})
    assert response.status_code == 302 and response["Location"] == "/staff/notifications/"
    assert signed_in_user_id(client) == str(officer.pk)
    assert PENDING_SESSION_KEY not in client.session
    assert client.get("/staff/").status_code == 200


def test_wrong_code_is_refused_with_message(client, officer):
    password_step(client, officer.username)
    response = client.post(VERIFY, {"token": "000000"})
    assert response.status_code == 200
    assert "not valid" in response.content.decode()
    assert signed_in_user_id(client) is None
    assert otp_device(officer).throttling_failure_count == 1


@pytest.mark.parametrize("token", ["", "12", "abc!def", "x" * 30])
def test_malformed_code_is_refused(client, officer, token):
    password_step(client, officer.username)
    response = client.post(VERIFY, {"token": token})
    assert response.status_code == 200
    assert response.context["form"].errors["token"]
    assert signed_in_user_id(client) is None
    assert otp_device(officer).throttling_failure_count == 0


def test_backup_code_works_once(client, officer):
    codes = twofactor.issue_backup_codes(officer, acting_user=officer)
    password_step(client, officer.username)
    response = client.post(VERIFY, {"token": codes[0].upper()})
    assert response.status_code == 302
    assert signed_in_user_id(client) == str(officer.pk)
    assert StaticToken.objects.filter(token=codes[0]).count() == 0

    client.logout()
    password_step(client, officer.username)
    client.post(VERIFY, {"token": codes[0]})
    assert signed_in_user_id(client) is None


def test_code_step_without_password_step_goes_back(client, officer):
    response = client.post(VERIFY, {"token": totp_now(otp_device(officer))})
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert signed_in_user_id(client) is None


def test_pending_sign_in_expires(client, officer):
    password_step(client, officer.username)
    session = client.session
    session[PENDING_SESSION_KEY]["at"] -= 3600
    session.save()
    client.post(VERIFY, {"token": totp_now(otp_device(officer))})
    assert signed_in_user_id(client) is None


def test_open_redirect_after_sign_in_is_refused(client, officer):
    password_step(client, officer.username, next="https://evil.example/")
    response = client.post(VERIFY, {"token": totp_now(otp_device(officer))})
    assert response["Location"] == "/staff/"


def test_user_without_device_enrols_with_qr_code(client, world):
    user = world.guangdong_user
    response = password_step(client, user.username)
    assert response["Location"] == ENROL
    page = client.get(ENROL)
    html = page.content.decode()
    assert 'src="data:image/svg+xml' in html
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert twofactor.totp_secret(device) in html
    assert "<script>" not in html and "style=" not in html
    # Reloading the page keeps the same key (the QR code already scanned stays valid).
    client.get(ENROL)
    assert TOTPDevice.objects.filter(user=user).count() == 1

    response = client.post(ENROL, {"token": totp_now(device)})
    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == twofactor.BACKUP_CODE_COUNT
    assert all(code in response.content.decode() for code in codes)
    device.refresh_from_db()
    assert device.confirmed
    assert signed_in_user_id(client) == str(user.pk)
    assert LedgerEvent.objects.filter(action="user.otp_enrolled", object_id=str(user.pk)).exists()


def test_enrolment_with_wrong_code_changes_nothing(client, world):
    user = world.guangdong_user
    password_step(client, user.username)
    client.get(ENROL)
    response = client.post(ENROL, {"token": "123456"})
    assert response.status_code == 200
    assert "not valid" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    assert not StaticToken.objects.filter(device__user=user).exists()
    assert signed_in_user_id(client) is None


def test_user_with_device_cannot_enrol_another(client, officer):
    password_step(client, officer.username)
    response = client.get(ENROL)
    assert response["Location"] == VERIFY
    assert TOTPDevice.objects.filter(user=officer).count() == 1


def test_wrong_password_is_refused_clearly(client, officer):
    response = password_step(client, officer.username, "wrong-password")
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert PENDING_SESSION_KEY not in client.session


def test_five_failures_lock_out_even_the_right_password(client, officer):
    for _ in range(4):
        assert password_step(client, officer.username, "wrong-password").status_code == 200
    assert password_step(client, officer.username, "wrong-password").status_code == 429
    response = password_step(client, officer.username, PASSWORD)
    assert response.status_code == 429
    assert "locked for 30 minutes" in response.content.decode()
    assert PENDING_SESSION_KEY not in client.session
    assert signed_in_user_id(client) is None
    assert AccessAttempt.objects.get(username=officer.username).failures_since_start >= 5
    # Another account from the same address is not locked.
    other = UserFactory(username="someone-else")
    assert password_step(client, other.username)["Location"] in {VERIFY, ENROL}


def test_chinese_by_default(client, officer):
    client.defaults.pop("HTTP_ACCEPT_LANGUAGE")
    response = password_step(client, officer.username, "wrong-password")
    assert 'lang="zh-CN"' in response.content.decode()
    assert "not correct" not in response.content.decode()
    assert response.context["form"].non_field_errors()


@pytest.mark.parametrize(
    "path",
    [
        "/staff/",
        "/staff/notifications/",
        "/staff/security/",
        "/cases/",
        "/cases/triage/",
        "/registry/",
        "/evidence/",
        "/admin/",
    ],
)
def test_staff_areas_need_a_verified_session(client, world, path):
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    client.force_login(world.beijing_user)  # password only, no second factor
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_htmx_requests_are_sent_to_sign_in_as_a_whole_page(client):
    response = client.get("/cases/", HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"].startswith(LOGIN)


def test_admin_requires_otp(client, world):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get("/admin/").status_code == 302
    login_verified(client, admin)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/core/organization/").status_code == 200


def test_logout_ends_the_verified_session(client, world):
    login_verified(client, world.beijing_user)
    assert client.get("/staff/").status_code == 200
    client.post("/staff/logout/")
    assert client.get("/staff/").status_code == 302


def test_security_page_issues_new_backup_codes(client, world):
    user = world.beijing_user
    old = twofactor.issue_backup_codes(user, acting_user=user)
    login_verified(client, user)
    assert "10" in client.get("/staff/security/").content.decode()
    response = client.post("/staff/security/")
    new = response.context["codes"]
    assert set(new).isdisjoint(old)
    assert set(
        StaticToken.objects.filter(device__user=user).values_list("token", flat=True)
    ) == set(new)
