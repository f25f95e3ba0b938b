"""Who may read and change the registry."""

from __future__ import annotations

from django.utils.translation import gettext as _

from qinglang.core.exceptions import NotPermitted
from qinglang.core.jurisdiction import can_oversee
from qinglang.core.models import Organization, OrganizationKind, Role, User


def is_registry_staff(user: User | None) -> bool:
    """Return whether `user` is regulator-office staff (the registry's readers and keepers)."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.organization_id
        and user.organization.is_regulator
    )


def can_export_violations(user: User | None) -> bool:
    """Return whether `user` may export violation records (regulators and partner agencies)."""
    if is_registry_staff(user):
        return True
    return bool(
        user is not None
        and user.is_authenticated
        and user.organization_id
        and user.organization.kind == OrganizationKind.PARTNER_AGENCY
    )


def is_website_officer(user: User | None) -> bool:
    """Return whether `user` is a website's compliance officer (may check candidates)."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.role == Role.WEBSITE_OFFICER
        and user.organization_id
        and user.organization.kind == OrganizationKind.WEBSITE_OPERATOR
    )


def can_decide_for(user: User | None, office: Organization) -> bool:
    """Return whether `user` may record or rescind violations issued by `office`."""
    return is_registry_staff(user) and can_oversee(user, office)


def ensure_registry_staff(user: User | None, *, allow_system: bool = True) -> None:
    """Raise NotPermitted unless `user` is registry staff (None = a system command)."""
    if user is None and allow_system:
        return
    if not is_registry_staff(user):
        raise NotPermitted(_("Only regulator staff may change the registry."))
