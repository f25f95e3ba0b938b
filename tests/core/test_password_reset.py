"""Password reset by e-mail: one-time links, no account enumeration, throttled, on the ledger."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.cache import cache

from qinglang.core.ledger import events_for
from qinglang.core.models import SessionEndReason, User, UserSession
from tests.core.accounts_helpers import link_in, totp_now
from tests.core.auth import login_verified, otp_device
from tests.core.factories import PASSWORD

RESET = "/staff/login/reset/"
NEW = "Qingshui-river-2026!"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client, settings):
    cache.clear()  # the reset counters live in the cache
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    settings.QINGLANG_BASE_URL = "https://qinglang.example.gov.cn"


def _page(response) -> str:
    """Return the page without its per-request CSRF token."""
    page = re.sub(r'"X-CSRFToken": "[^"]*"', "", response.content.decode())
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)


def ask(client, email, django_capture_on_commit_callbacks, address="10.9.0.1"):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(RESET, {"email": email}, REMOTE_ADDR=address)


def test_known_address_gets_an_absolute_one_time_link_and_the_reset_is_on_the_ledger(
    client, world, run_tasks, django_capture_on_commit_callbacks
):
    user = world.beijing_user
    response = ask(client, user.email.upper(), django_capture_on_commit_callbacks)
    assert response.status_code == 200 and "on its way" in response.content.decode()
    assert [m.to for m in mail.outbox] == [[user.email]]
    link = link_in(mail.outbox[0])
    assert link.startswith("https://qinglang.example.gov.cn/staff/login/reset/reset/")
    path = link.removeprefix("https://qinglang.example.gov.cn")
    assert client.get(path).status_code == 200
    done = client.post(path, {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302 and done["Location"] == "/staff/login/"
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert "_auth_user_id" not in client.session  # the reset signs nobody in
    event = events_for(user).filter(action="user.password_reset").get()
    assert event.actor_id == user.pk and event.data["kind"] == "reset"

    # Used once: the same link now fails clearly and changes nothing.
    again = client.post(path, {"new_password1": "Another-long-pass-77", "new_password2": "x"})
    assert again.status_code == 400 and "not valid" in again.content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW)


def test_unknown_address_gets_the_same_answer_and_no_mail(
    client, world, run_tasks, django_capture_on_commit_callbacks
):
    known = ask(client, world.beijing_user.email, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    unknown = ask(client, "nobody@example.cn", django_capture_on_commit_callbacks, "10.9.0.2")
    assert unknown.status_code == known.status_code == 200
    assert _page(unknown) == _page(known)
    assert mail.outbox == []


def test_deactivated_account_gets_no_mail(
    client, world, run_tasks, django_capture_on_commit_callbacks
):
    User.objects.filter(pk=world.beijing_user.pk).update(is_active=False)
    assert (
        ask(client, world.beijing_user.email, django_capture_on_commit_callbacks).status_code == 200
    )
    assert mail.outbox == []


@pytest.mark.parametrize("email", ["", "not-an-address", "a@" + "b" * 300 + ".cn"])
def test_malformed_address_is_refused(
    client, world, run_tasks, email, django_capture_on_commit_callbacks
):
    response = ask(client, email, django_capture_on_commit_callbacks)
    assert response.status_code == 200 and response.context["form"].errors["email"]
    assert mail.outbox == []


def test_expired_link_is_refused_and_the_password_stays(
    client, world, run_tasks, monkeypatch, django_capture_on_commit_callbacks
):
    user = world.beijing_user
    ask(client, user.email, django_capture_on_commit_callbacks)
    path = link_in(mail.outbox[0]).removeprefix("https://qinglang.example.gov.cn")
    later = dt.datetime.now() + dt.timedelta(hours=2)  # Django's token clock is naive
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)
    assert client.get(path).status_code == 400
    response = client.post(path, {"new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 400 and "expired" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD) and not user.check_password(NEW)
    assert not events_for(user).filter(action="user.password_reset").exists()


@pytest.mark.parametrize(
    "path",
    [
        "/staff/login/reset/reset/MQ/not-a-token/",
        "/staff/login/reset/reset/!!!/abc-def/",
        "/staff/login/reset/reset/OTk5OTk5OTk5OTk5OTk5OTk5OTk5/abc-def/",
        "/staff/login/reset/other-kind/MQ/abc-def/",
    ],
)
def test_malformed_links_are_refused_clearly(client, world, path):
    response = client.get(path)
    assert response.status_code == 400 and "not valid" in response.content.decode()


def test_weak_or_mismatched_password_is_refused_and_nothing_changes(
    client, world, run_tasks, django_capture_on_commit_callbacks
):
    user = world.beijing_user
    ask(client, user.email, django_capture_on_commit_callbacks)
    path = link_in(mail.outbox[0]).removeprefix("https://qinglang.example.gov.cn")
    for first, second in (("short", "short"), ("password1234", "password1234"), (NEW, NEW + "x")):
        response = client.post(path, {"new_password1": first, "new_password2": second})
        assert response.status_code == 200 and response.context["form"].errors
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert client.get(path).status_code == 200  # the link still works after refusals


def test_requests_are_throttled_alike_for_known_and_unknown_addresses(
    client, world, run_tasks, settings, django_capture_on_commit_callbacks
):
    settings.QINGLANG_PASSWORD_RESET_PER_EMAIL = 2
    for email in (world.beijing_user.email, "nobody@example.cn"):
        for n in range(2):
            ok = ask(client, email, django_capture_on_commit_callbacks, f"10.8.{n}.1")
            assert ok.status_code == 200
        refused = ask(client, email, django_capture_on_commit_callbacks, "10.8.9.1")
        assert refused.status_code == 429 and "Too many" in refused.content.decode()
    assert len(mail.outbox) == 2  # only the two allowed requests for the known address


def test_throttled_per_client_address(
    client, world, run_tasks, settings, django_capture_on_commit_callbacks
):
    settings.QINGLANG_PASSWORD_RESET_PER_CLIENT = 2
    for n in range(2):
        ask(client, f"someone{n}@example.cn", django_capture_on_commit_callbacks, "10.7.0.1")
    refused = ask(client, world.beijing_user.email, django_capture_on_commit_callbacks, "10.7.0.1")
    assert refused.status_code == 429 and mail.outbox == []


def test_reset_does_not_bypass_the_second_factor_and_ends_open_sessions(
    client, world, run_tasks, django_capture_on_commit_callbacks, django_user_model
):
    from django.test import Client

    user = world.beijing_user
    otp_device(user)
    elsewhere = login_verified(Client(), user)
    assert elsewhere.get("/staff/").status_code == 200
    ask(client, user.email, django_capture_on_commit_callbacks)
    path = link_in(mail.outbox[0]).removeprefix("https://qinglang.example.gov.cn")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(path, {"new_password1": NEW, "new_password2": NEW})
    assert elsewhere.get("/staff/").status_code == 302  # signed out by the new password
    assert UserSession.objects.filter(user=user, ended_at__isnull=True).count() == 0
    assert UserSession.objects.filter(end_reason=SessionEndReason.PASSWORD_RESET).exists()
    step = client.post("/staff/login/", {"username": user.username, "password": NEW})
    assert step.status_code == 302 and step["Location"] == "/staff/login/verify/"
    assert client.get("/staff/").status_code == 302  # not in before the code
    client.post("/staff/login/verify/", {"token": totp_now(user)})
    assert client.get("/staff/").status_code == 200
