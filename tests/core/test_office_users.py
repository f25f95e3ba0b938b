"""An office head manages the office's users through the user services, on the ledger."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from qinglang.core import services, twofactor
from qinglang.core.exceptions import NotPermitted
from qinglang.core.ledger import events_for
from qinglang.core.models import LedgerEvent, Role, User, UserSession
from tests.core.accounts_helpers import link_in
from tests.core.auth import login_verified, otp_device
from tests.core.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

USERS = "/staff/office/users/"


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def head(world) -> User:
    return UserFactory(
        username="t-beijing-head",
        organization=world.beijing_office,
        role=Role.OFFICE_HEAD,
        email="head@example.cn",
    )


@pytest.fixture
def colleague(world) -> User:
    return UserFactory(
        username="t-beijing-2",
        organization=world.beijing_office,
        role=Role.TRIAGE_OFFICER,
        email="second@example.cn",
    )


def snapshot(user: User) -> tuple:
    user.refresh_from_db()
    return (user.role, user.is_active, user.organization_id, user.password)


def test_head_lists_only_the_office_users_in_a_fixed_number_of_queries(
    client, world, head, colleague, django_assert_max_num_queries
):
    for n in range(5):
        UserFactory(username=f"t-bj-{n}", organization=world.beijing_office)
    login_verified(client, head)
    with django_assert_max_num_queries(12):
        page = client.get(USERS)
    body = page.content.decode()
    assert page.status_code == 200
    assert colleague.username in body and "t-bj-4" in body
    assert world.guangdong_user.username not in body and world.shenzhen_user.username not in body


def test_head_creates_a_colleague_who_is_invited_to_set_a_password(
    client, world, head, run_tasks, django_capture_on_commit_callbacks, settings
):
    settings.QINGLANG_BASE_URL = "http://qinglang.test"
    login_verified(client, head)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            USERS + "new/",
            {
                "username": "t-new",
                "display_name": "新同事",
                "email": "new@example.cn",
                "role": "case_handler",
            },
        )
    new = User.objects.get(username="t-new")
    assert response.status_code == 302 and response["Location"] == f"{USERS}{new.pk}/"
    assert new.organization == world.beijing_office and new.role == Role.CASE_HANDLER
    assert not new.has_usable_password() and not new.is_staff
    actions = list(events_for(new).values_list("action", "actor_id"))
    assert ("user.created", head.pk) in actions and ("user.invited", head.pk) in actions
    (message,) = mail.outbox
    assert message.to == ["new@example.cn"]
    path = link_in(message).removeprefix("http://qinglang.test")
    assert path.startswith("/staff/login/reset/invitation/")
    other = Client(HTTP_ACCEPT_LANGUAGE="en")
    done = other.post(
        path, {"new_password1": "Xinlai-tongshi-2026", "new_password2": "Xinlai-tongshi-2026"}
    )
    assert done.status_code == 302
    new.refresh_from_db()
    assert new.check_password("Xinlai-tongshi-2026")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"username": "t-x", "email": "x@example.cn", "role": "office_head"}, "role"),
        ({"username": "t-x", "email": "x@example.cn", "role": "inspector"}, "role"),
        ({"username": "t-beijing", "email": "x@example.cn", "role": "triage_officer"}, "username"),
        ({"username": "t-x", "email": "", "role": "triage_officer"}, "email"),
        ({"username": "t-x", "email": "not-mail", "role": "triage_officer"}, "email"),
        ({"username": "", "email": "x@example.cn", "role": "triage_officer"}, "username"),
    ],
)
def test_bad_new_user_is_refused_and_nothing_is_created(client, head, data, field):
    login_verified(client, head)
    users, events = User.objects.count(), LedgerEvent.objects.count()
    response = client.post(USERS + "new/", data)
    assert response.status_code == 200 and response.context["form"].errors[field]
    assert User.objects.count() == users and LedgerEvent.objects.count() == events
    assert mail.outbox == []


def test_head_changes_a_role_within_the_allowed_roles(client, head, colleague):
    login_verified(client, head)
    response = client.post(f"{USERS}{colleague.pk}/role/", {"role": "case_handler"})
    assert response.status_code == 302
    colleague.refresh_from_db()
    assert colleague.role == Role.CASE_HANDLER
    event = events_for(colleague).get(action="user.role_changed")
    assert event.actor_id == head.pk and event.data["to"] == "case_handler"

    before = snapshot(colleague)
    refused = client.post(f"{USERS}{colleague.pk}/role/", {"role": "office_head"})
    assert refused.status_code == 400 and refused.context["role_form"].errors["role"]
    assert snapshot(colleague) == before


def test_head_deactivates_and_reactivates_a_colleague(client, head, colleague):
    elsewhere = login_verified(Client(), colleague)
    login_verified(client, head)
    assert client.post(f"{USERS}{colleague.pk}/deactivate/", {"reason": "调离"}).status_code == 302
    colleague.refresh_from_db()
    assert not colleague.is_active
    assert events_for(colleague).get(action="user.deactivated").data["reason"] == "调离"
    assert not UserSession.objects.filter(user=colleague, ended_at__isnull=True).exists()
    assert elsewhere.get("/staff/").status_code == 302
    assert client.post(f"{USERS}{colleague.pk}/reactivate/").status_code == 302
    colleague.refresh_from_db()
    assert colleague.is_active
    assert events_for(colleague).filter(action="user.reactivated", actor=head).exists()


def test_head_resets_a_colleagues_second_factor(client, head, colleague):
    otp_device(colleague)
    twofactor.issue_backup_codes(colleague, acting_user=colleague)
    login_verified(client, head)
    assert client.post(f"{USERS}{colleague.pk}/reset-second-factor/").status_code == 302
    assert not TOTPDevice.objects.filter(user=colleague).exists()
    assert not StaticDevice.objects.filter(user=colleague).exists()
    event = events_for(colleague).get(action="user.otp_reset")
    assert event.actor_id == head.pk and event.data["devices"] == 2
    # The colleague's next sign-in enrols a new authenticator.
    step = Client().post("/staff/login/", {"username": colleague.username, "password": PASSWORD})
    assert step.status_code == 302 and step["Location"] == "/staff/login/enrol/"


MEMBER_POSTS = ["role/", "deactivate/", "reactivate/", "reset-second-factor/"]


@pytest.mark.parametrize("action", ["", *MEMBER_POSTS])
def test_head_of_beijing_managing_a_guangdong_user_gets_404_and_nothing_changes(
    client, world, head, action
):
    target = world.guangdong_user
    otp_device(target)
    before, events = snapshot(target), LedgerEvent.objects.count()
    login_verified(client, head)
    url = f"{USERS}{target.pk}/{action}"
    response = client.get(url) if not action else client.post(url, {"role": "case_handler"})
    assert response.status_code == 404
    assert snapshot(target) == before and LedgerEvent.objects.count() == events
    assert TOTPDevice.objects.filter(user=target).exists()


@pytest.mark.parametrize("action", MEMBER_POSTS)
def test_a_triage_officer_gets_403_and_nothing_changes(client, world, colleague, action):
    officer = world.beijing_user
    otp_device(colleague)
    before, events = snapshot(colleague), LedgerEvent.objects.count()
    login_verified(client, officer)
    assert client.get(USERS).status_code == 403
    assert client.get(USERS + "new/").status_code == 403
    assert (
        client.post(
            USERS + "new/", {"username": "t-x", "email": "x@example.cn", "role": "triage_officer"}
        ).status_code
        == 403
    )
    response = client.post(f"{USERS}{colleague.pk}/{action}", {"role": "case_handler"})
    assert response.status_code == 403
    assert snapshot(colleague) == before and LedgerEvent.objects.count() == events
    assert not User.objects.filter(username="t-x").exists()


def test_head_may_not_change_themselves_or_another_head(client, world, head):
    other_head = UserFactory(
        username="t-beijing-head-2", organization=world.beijing_office, role=Role.OFFICE_HEAD
    )
    login_verified(client, head)
    for target in (head, other_head):
        before = snapshot(target)
        page = client.get(f"{USERS}{target.pk}/")
        assert (
            page.status_code == 200 and "You may not change this account" in page.content.decode()
        )
        for action in MEMBER_POSTS:
            response = client.post(f"{USERS}{target.pk}/{action}", {"role": "case_handler"})
            assert response.status_code == 403, action
        assert snapshot(target) == before


def test_services_refuse_a_head_acting_outside_the_office(world, head):
    target = world.guangdong_user
    for call in (
        lambda: services.change_role(target, role="case_handler", acting_user=head),
        lambda: services.deactivate_user(target, acting_user=head),
        lambda: twofactor.reset_second_factor(target, acting_user=head),
        lambda: services.create_user(
            "t-gd-new", organization=world.guangdong_office, role="triage_officer", acting_user=head
        ),
        lambda: services.create_user(
            "t-staff",
            organization=world.beijing_office,
            role="triage_officer",
            is_staff=True,
            acting_user=head,
        ),
    ):
        with pytest.raises(NotPermitted):
            call()
    assert not User.objects.filter(username__in=["t-gd-new", "t-staff"]).exists()
    assert User.objects.get(pk=target.pk).role == Role.TRIAGE_OFFICER


def test_a_deactivated_office_head_manages_nothing(client, world, head, colleague):
    login_verified(client, head)
    world.beijing_office.is_active = False
    world.beijing_office.save()
    assert client.get(USERS).status_code == 403
