"""Users and organizations change only through services: permission, validation, ledger event."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command

from qinglang.cases.models import DeadlinePolicy
from qinglang.cases.services.deadlines import delete_deadline_policy, save_deadline_policy
from qinglang.core import services
from qinglang.core.exceptions import DomainError, NotPermitted
from qinglang.core.ledger import events_for
from qinglang.core.models import LedgerEvent, Organization, Role, User
from tests.core.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(world) -> User:
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def _user_change_form(user: User, **overrides: object) -> dict[str, object]:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "",
        "is_superuser": "on" if user.is_superuser else "",
        "organization": user.organization_id or "",
        "role": user.role,
        "display_name": user.display_name,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v != ""}


def _verify() -> str:
    out = io.StringIO()
    call_command("ledger", "seal", stdout=io.StringIO())
    call_command("ledger", "verify", stdout=out)
    return out.getvalue()


def test_admin_moving_a_user_to_another_office_is_in_the_ledger_and_verifies(
    world, admin_user, verified_client
):
    client = verified_client(admin_user)
    user = world.beijing_user
    url = f"/admin/core/user/{user.pk}/change/"
    assert client.get(url).status_code == 200
    response = client.post(url, _user_change_form(user, organization=world.guangdong_office.pk))
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert user.organization == world.guangdong_office
    event = events_for(user).get(action="user.moved")
    assert event.actor == admin_user
    assert event.data["from"] == {"id": world.beijing_office.pk, "name": "北京市网信办"}
    assert event.data["to"] == {"id": world.guangdong_office.pk, "name": "广东省网信办"}
    assert "Ledger OK" in _verify()


def test_admin_role_deactivation_and_rights_each_leave_their_event(
    world, admin_user, verified_client
):
    client = verified_client(admin_user)
    user = world.shenzhen_user
    response = client.post(
        f"/admin/core/user/{user.pk}/change/",
        _user_change_form(user, role=Role.OFFICE_HEAD, is_active="", is_staff="on"),
    )
    assert response.status_code == 302
    actions = set(events_for(user).values_list("action", flat=True))
    assert {"user.role_changed", "user.deactivated", "user.details_changed"} <= actions
    details = events_for(user).get(action="user.details_changed").data["changes"]
    assert details == {"is_staff": {"from": False, "to": True}}
    user.refresh_from_db()
    assert user.role == Role.OFFICE_HEAD and not user.is_active and user.is_staff


def test_admin_adds_a_user_through_the_service(world, admin_user, verified_client):
    client = verified_client(admin_user)
    response = client.post(
        "/admin/core/user/add/",
        {"username": "newbie", "password1": "Xk8!pq2-long-pw", "password2": "Xk8!pq2-long-pw"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="newbie")
    assert user.check_password("Xk8!pq2-long-pw")
    assert events_for(user).get(action="user.created").actor == admin_user


def test_admin_cannot_delete_users_or_organizations_or_edit_regions(
    world, admin_user, verified_client
):
    client = verified_client(admin_user)
    user, office = world.beijing_user, world.beijing_office
    assert client.post(f"/admin/core/user/{user.pk}/delete/", {"post": "yes"}).status_code == 403
    assert (
        client.post(f"/admin/core/organization/{office.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    region = office.region
    client.post(f"/admin/core/region/{region.pk}/change/", {"code": "999999", "name": "假"})
    region.refresh_from_db()
    assert region.code == "110000"
    assert User.objects.filter(pk=user.pk).exists() and Organization.objects.filter(pk=office.pk)


def test_admin_changing_an_office_region_parent_and_kind(world, admin_user, verified_client):
    client = verified_client(admin_user)
    office = world.shenzhen_office
    url = f"/admin/core/organization/{office.pk}/change/"
    form = {
        "name": office.name,
        "kind": office.kind,
        "level": "provincial",
        "region": world.beijing_office.region_id,
        "parent": world.national_office.pk,
        "email": "",
        "uscc": "",
        "is_active": "on",
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    actions = list(events_for(office).values_list("action", flat=True))
    assert set(actions) == {
        "organization.region_changed",
        "organization.parent_changed",
        "organization.kind_changed",
    }
    assert "Ledger OK" in _verify()


def test_admin_refuses_a_subordinate_as_superior_and_changes_nothing(
    world, admin_user, verified_client
):
    client = verified_client(admin_user)
    office = world.guangdong_office
    before = LedgerEvent.objects.count()
    response = client.post(
        f"/admin/core/organization/{office.pk}/change/",
        {
            "name": office.name,
            "kind": office.kind,
            "level": office.level,
            "region": office.region_id,
            "parent": world.shenzhen_office.pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "parent" in response.context_data["adminform"].form.errors
    office.refresh_from_db()
    assert office.parent == world.national_office and LedgerEvent.objects.count() == before


@pytest.mark.parametrize(
    "call",
    [
        lambda w, u: services.move_user(
            w.police_user, organization=w.national_office, acting_user=u
        ),
        lambda w, u: services.change_role(w.police_user, role=Role.OFFICE_HEAD, acting_user=u),
        lambda w, u: services.deactivate_user(w.police_user, acting_user=u),
        lambda w, u: services.create_user("x", acting_user=u),
        lambda w, u: services.change_office_region(
            w.beijing_office, region=w.shenzhen_office.region, acting_user=u
        ),
        lambda w, u: services.change_office_parent(w.beijing_office, parent=None, acting_user=u),
        lambda w, u: services.change_organization_kind(
            w.beijing_office, kind="enterprise", acting_user=u
        ),
        lambda w, u: services.set_organization_active(
            w.beijing_office, active=False, acting_user=u
        ),
        lambda w, u: save_deadline_policy(None, stage="task", amount=3, acting_user=u),
    ],
)
def test_every_service_refuses_a_user_without_the_admin_permission(world, call):
    before = LedgerEvent.objects.count()
    police_office = world.police_user.organization
    with pytest.raises(NotPermitted):
        call(world, world.beijing_user)  # signed in, but no staff flag and no permission
    assert LedgerEvent.objects.count() == before
    world.police_user.refresh_from_db()
    world.beijing_office.refresh_from_db()
    assert world.police_user.is_active and world.police_user.organization == police_office
    assert world.beijing_office.is_active and world.beijing_office.parent == world.national_office


def test_staff_with_the_model_permission_may_change_users_but_not_grant_superuser(world):
    clerk = UserFactory(username="clerk", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="change_user"))
    clerk = User.objects.get(pk=clerk.pk)  # fresh permission cache
    services.change_role(world.police_user, role=Role.OFFICE_HEAD, acting_user=clerk)
    with pytest.raises(NotPermitted):
        services.update_user_details(world.police_user, is_superuser=True, acting_user=clerk)
    with pytest.raises(NotPermitted):
        services.change_office_parent(world.beijing_office, parent=None, acting_user=clerk)
    world.police_user.refresh_from_db()
    assert world.police_user.role == Role.OFFICE_HEAD and not world.police_user.is_superuser


def test_bad_input_is_refused_with_a_clear_error_and_nothing_changes(world, admin_user):
    before = LedgerEvent.objects.count()
    with pytest.raises(DomainError, match="'role'"):
        services.change_role(world.police_user, role="emperor", acting_user=admin_user)
    with pytest.raises(DomainError, match="'username'"):
        services.create_user(world.police_user.username, acting_user=admin_user)
    with pytest.raises(DomainError, match="'level'"):
        services.create_organization("新办", kind="regulator_office", acting_user=admin_user)
    with pytest.raises(DomainError, match="'parent'"):
        services.change_office_parent(
            world.national_office, parent=world.shenzhen_office, acting_user=admin_user
        )
    with pytest.raises(NotPermitted):
        services.deactivate_user(admin_user, acting_user=admin_user)
    assert LedgerEvent.objects.count() == before
    world.police_user.refresh_from_db()
    assert world.police_user.role == Role.AGENCY_OFFICER
    assert world.national_office.parent is None and admin_user.is_active


def test_deactivating_a_user_revokes_their_api_tokens(world, admin_user):
    from qinglang.core.models import ApiToken

    services.create_api_token(world.beijing_user)
    services.deactivate_user(world.beijing_user, acting_user=admin_user, reason="离职")
    assert not ApiToken.objects.filter(user=world.beijing_user, revoked_at__isnull=True).exists()
    event = events_for(world.beijing_user).get(action="user.deactivated")
    assert event.data == {"username": world.beijing_user.username, "reason": "离职"}


def test_deadline_policy_services_record_each_version_and_the_deletion(world, admin_user):
    policy = save_deadline_policy(
        None, stage="task", category="paid_deletion", amount=2, acting_user=admin_user
    )
    save_deadline_policy(
        policy, stage="task", category="paid_deletion", amount=7, acting_user=admin_user
    )
    with pytest.raises(DomainError):
        save_deadline_policy(
            None, stage="task", category="paid_deletion", amount=1, acting_user=admin_user
        )
    with pytest.raises(DomainError):
        save_deadline_policy(policy, stage="task", amount=0, acting_user=admin_user)
    policy.refresh_from_db()
    assert policy.amount == 7
    policy_id = policy.pk
    delete_deadline_policy(policy, acting_user=admin_user)
    assert not DeadlinePolicy.objects.filter(pk=policy_id).exists()
    actions = list(events_for(("cases.deadlinepolicy", policy_id)).values_list("action", flat=True))
    assert actions == ["deadline_policy.saved", "deadline_policy.saved", "deadline_policy.deleted"]
