"""Who may manage whose account: administrators everyone's, an office head their office's staff.

An office head (role `office_head` in an active regulator office) creates, re-roles,
deactivates and reactivates the office's own triage officers and case handlers and resets their
second factor; never their own account, never another head's, never anyone outside the office.
Administrators (staff with the model permission) and the system (`acting_user=None`) keep the
rights they had. The user services call these checks, so the web pages, the admin and commands
all get the same rule.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from qinglang.core.exceptions import DomainError, NotPermitted
from qinglang.core.models import Organization, OrganizationKind, Role, User

# Roles an office head may give (and take back) within the office.
MANAGEABLE_ROLES: dict[str, tuple[str, ...]] = {
    OrganizationKind.REGULATOR_OFFICE: (Role.TRIAGE_OFFICER, Role.CASE_HANDLER),
}


def is_office_head(user: User | None) -> bool:
    """Return whether `user` heads an active organization whose staff they may manage."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    org = user.organization if user.organization_id else None
    return (
        user.role == Role.OFFICE_HEAD
        and org is not None
        and org.is_active
        and org.kind in MANAGEABLE_ROLES
    )


def manageable_roles(head: User) -> tuple[str, ...]:
    """Return the roles `head` may assign in their own organization (empty if none)."""
    if not is_office_head(head):
        return ()
    return MANAGEABLE_ROLES[head.organization.kind]


def _is_admin(acting_user: User, permission: str) -> bool:
    return bool(
        acting_user.is_authenticated
        and acting_user.is_active
        and acting_user.is_staff
        and acting_user.has_perm(permission)
    )


def can_manage_member(head: User, member: User) -> bool:
    """Return whether `head` may manage `member` (same office, a manageable role, not self)."""
    return (
        is_office_head(head)
        and member.pk != head.pk
        and member.organization_id == head.organization_id
        and member.role in manageable_roles(head)
        and not member.is_staff
        and not member.is_superuser
    )


def ensure_can_manage_member(acting_user: User | None, member: User, *, permission: str) -> None:
    """Allow the system, an administrator holding `permission`, or the member's office head."""
    if acting_user is None or _is_admin(acting_user, permission):
        return
    if not can_manage_member(acting_user, member):
        raise NotPermitted(_("You may not change users or organizations."))


def ensure_can_assign(
    acting_user: User | None,
    *,
    organization: Organization | None,
    role: str,
    permission: str,
    is_staff: bool = False,
) -> None:
    """Allow giving `role` in `organization`: administrators any, a head their office's roles."""
    if acting_user is None or _is_admin(acting_user, permission):
        return
    if not is_office_head(acting_user) or organization is None:
        raise NotPermitted(_("You may not change users or organizations."))
    if organization.pk != acting_user.organization_id or is_staff:
        raise NotPermitted(_("You may not change users or organizations."))
    if role not in manageable_roles(acting_user):
        raise DomainError({"role": [_("An office head may not give this role.")]})
