"""One's signed-in sessions: seen (coarsely), ended one by one or all at once."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from qinglang.core.ledger import events_for
from qinglang.core.models import SessionEndReason, UserSession
from qinglang.core.services_accounts import coarse_network, describe_device
from tests.core.accounts_helpers import totp_now
from tests.core.auth import login_verified, otp_device
from tests.core.factories import PASSWORD

pytestmark = pytest.mark.django_db

FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def real_sign_in(user, *, agent=FIREFOX_LINUX, address="203.0.113.77") -> Client:
    """Sign in through both real steps, from a given browser and address."""
    otp_device(user)
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en")
    client.post("/staff/login/", {"username": user.username, "password": PASSWORD})
    client.post("/staff/login/verify/", {"token": totp_now(user)})
    assert client.get("/staff/").status_code == 200
    return client


@pytest.mark.parametrize(
    ("agent", "expected"),
    [
        (FIREFOX_LINUX, "Firefox / Linux"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0 Safari/537.36 Edg/131.0",
            "Edge / Windows",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
            "Safari / iOS",
        ),
        ("", "?"),
        ("<script>alert(1)</script>" * 20, "?"),
    ],
)
def test_device_is_described_coarsely(agent, expected):
    assert describe_device(agent) == expected


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("2001:db8:1234:5678::1", "2001:db8:1234::/48"),
        ("", ""),
        ("not-an-ip", ""),
    ],
)
def test_only_the_network_is_kept_never_the_address(address, expected):
    assert coarse_network(address) == expected


def test_sign_in_records_a_session_without_the_full_address_or_user_agent(world):
    client = real_sign_in(world.beijing_user)
    row = UserSession.objects.get(user=world.beijing_user)
    assert row.device == "Firefox / Linux" and row.network == "203.0.113.0/24"
    assert row.session_key == client.session.session_key
    stored = " ".join(str(v) for v in UserSession.objects.values_list().get())
    assert "203.0.113.77" not in stored and "rv:128.0" not in stored
    page = client.get("/staff/security/sessions/").content.decode()
    assert "Firefox / Linux" in page and "this session" in page


def test_sessions_page_lists_open_sessions_and_recent_sign_ins_in_fixed_queries(
    world, django_assert_max_num_queries
):
    user = world.beijing_user
    for _ in range(4):
        login_verified(Client(), user)
    ended = login_verified(Client(), user)
    ended.post("/staff/logout/")
    client = login_verified(Client(HTTP_ACCEPT_LANGUAGE="en"), user)
    with django_assert_max_num_queries(12):
        page = client.get("/staff/security/sessions/")
    body = page.content.decode()
    assert page.status_code == 200
    assert len(page.context["open_sessions"]) == 5
    assert len(page.context["recent"]) == 6
    assert "Signed out" in body
    assert UserSession.objects.get(end_reason=SessionEndReason.SIGNED_OUT)


def test_ending_another_of_ones_sessions_signs_it_out(world):
    user = world.beijing_user
    laptop = login_verified(Client(), user)
    phone = login_verified(Client(), user)
    phone_row = UserSession.objects.get(session_key=phone.session.session_key)
    response = laptop.post(f"/staff/security/sessions/{phone_row.pk}/end/")
    assert response.status_code == 302 and response["Location"] == "/staff/security/sessions/"
    assert phone.get("/staff/").status_code == 302  # signed out at once
    assert laptop.get("/staff/").status_code == 200
    phone_row.refresh_from_db()
    assert phone_row.ended_at and phone_row.end_reason == SessionEndReason.ENDED_BY_USER
    assert events_for(user).filter(action="user.session_ended").exists()


def test_ending_another_users_session_is_a_404_and_changes_nothing(world):
    mine = login_verified(Client(), world.beijing_user)
    theirs = login_verified(Client(), world.guangdong_user)
    row = UserSession.objects.get(user=world.guangdong_user)
    assert mine.post(f"/staff/security/sessions/{row.pk}/end/").status_code == 404
    assert mine.post("/staff/security/sessions/999999/end/").status_code == 404
    row.refresh_from_db()
    assert row.ended_at is None
    assert theirs.get("/staff/").status_code == 200


def test_ended_session_cannot_be_ended_twice(world):
    user = world.beijing_user
    laptop = login_verified(Client(), user)
    phone = login_verified(Client(), user)
    row = UserSession.objects.get(session_key=phone.session.session_key)
    laptop.post(f"/staff/security/sessions/{row.pk}/end/")
    assert laptop.post(f"/staff/security/sessions/{row.pk}/end/").status_code == 404
    assert events_for(user).filter(action="user.session_ended").count() == 1


def test_sign_out_everywhere_ends_every_session_this_one_too(world):
    user = world.beijing_user
    laptop = login_verified(Client(), user)
    phone = login_verified(Client(), user)
    other_user = login_verified(Client(), world.guangdong_user)
    response = laptop.post("/staff/security/sessions/end-all/")
    assert response.status_code == 302 and response["Location"] == reverse("intake:portal")
    assert laptop.get("/staff/").status_code == 302
    assert phone.get("/staff/").status_code == 302
    assert other_user.get("/staff/").status_code == 200
    assert not UserSession.objects.filter(user=user, ended_at__isnull=True).exists()
    assert events_for(user).get(action="user.signed_out_everywhere").data["sessions"] == 2


def test_session_pages_need_a_verified_sign_in(client, world):
    row = UserSession.objects.create(
        user=world.beijing_user,
        session_key="x" * 32,
        signed_in_at="2026-12-01T00:00:00Z",
        last_seen_at="2026-12-01T00:00:00Z",
    )
    for method, url in (
        ("get", "/staff/security/sessions/"),
        ("post", f"/staff/security/sessions/{row.pk}/end/"),
        ("post", "/staff/security/sessions/end-all/"),
    ):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/staff/login/" in response["Location"]
    row.refresh_from_db()
    assert row.ended_at is None


def test_a_timed_out_session_leaves_the_open_list_and_reads_as_timed_out(world):
    import time

    from qinglang.core.middleware_sessions import SEEN

    client = login_verified(Client(), world.beijing_user)
    session = client.session
    session[SEEN] = time.time() - 31 * 60
    session.save()
    assert client.get("/staff/").status_code == 302
    row = UserSession.objects.get(user=world.beijing_user)
    assert row.end_reason == SessionEndReason.TIMED_OUT and row.ended_at is not None
