"""Admin for users, organizations and regions: every change goes through core's services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from qinglang.core import services
from qinglang.core.admin_helpers import ReadOnlyAdmin
from qinglang.core.exceptions import DomainError
from qinglang.core.models import Organization, Region, User


def _adopt(target: Any, saved: Any) -> None:
    """Make the admin's unsaved instance the row a service created (for its redirect and log)."""
    target.__dict__.update(saved.__dict__)


@admin.register(User)
class QinglangUserAdmin(UserAdmin):
    """Users: role, organization and active flag decide what someone may see (ledger events)."""

    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Qinglang", {"fields": ("organization", "role", "display_name")}),
    )
    list_display = ("username", "display_name", "organization", "role", "is_active")
    readonly_fields = ("groups", "user_permissions", "last_login", "date_joined")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: the ledger and cases refer to users

    def save_model(
        self, request: HttpRequest, obj: User, form: forms.ModelForm, change: bool
    ) -> None:
        acting = request.user
        data = form.cleaned_data
        if not change:
            password = data.get("password1") if data.get("usable_password", True) else None
            _adopt(
                obj,
                services.create_user(
                    obj.username,
                    acting_user=acting,
                    organization=obj.organization,
                    role=obj.role,
                    display_name=obj.display_name,
                    email=obj.email,
                    password=password or None,
                ),
            )
            return
        changed = set(form.changed_data)
        if "organization" in changed:
            services.move_user(obj, organization=data["organization"], acting_user=acting)
        if "role" in changed:
            services.change_role(obj, role=data["role"], acting_user=acting)
        if "is_active" in changed:
            if data["is_active"]:
                services.reactivate_user(obj, acting_user=acting)
            else:
                services.deactivate_user(obj, acting_user=acting)
        details = {f: data[f] for f in services.USER_DETAIL_FIELDS if f in changed}
        if details:
            services.update_user_details(obj, acting_user=acting, **details)
        obj.refresh_from_db()


class OrganizationAdminForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = (
            "name",
            "kind",
            "level",
            "agency_type",
            "region",
            "parent",
            "uscc",
            "email",
            "is_active",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk and data.get("parent") is not None:
            try:
                services.check_parent(self.instance, data["parent"])
            except DomainError as exc:
                self.add_error("parent", exc.messages)
        return data


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    """Organizations: region, superior and kind decide jurisdiction (ledger events)."""

    form = OrganizationAdminForm
    list_display = ("name", "kind", "level", "region", "is_active")
    list_filter = ("kind", "level")
    search_fields = ("name",)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: users, cases and the ledger refer to organizations

    def save_model(
        self, request: HttpRequest, obj: Organization, form: forms.ModelForm, change: bool
    ) -> None:
        acting = request.user
        data = form.cleaned_data
        if not change:
            _adopt(
                obj,
                services.create_organization(
                    obj.name,
                    kind=obj.kind,
                    acting_user=acting,
                    level=obj.level,
                    agency_type=obj.agency_type,
                    region=obj.region,
                    parent=obj.parent,
                    uscc=obj.uscc,
                    email=obj.email,
                ),
            )
            if not obj.is_active:
                services.set_organization_active(obj, active=False, acting_user=acting)
            return
        changed = set(form.changed_data)
        if "region" in changed:
            services.change_office_region(obj, region=data["region"], acting_user=acting)
        if "parent" in changed:
            services.change_office_parent(obj, parent=data["parent"], acting_user=acting)
        if changed & {"kind", "level"}:
            services.change_organization_kind(
                obj, kind=data["kind"], level=data["level"], acting_user=acting
            )
        if "is_active" in changed:
            services.set_organization_active(obj, active=data["is_active"], acting_user=acting)
        details = {f: data[f] for f in services.ORGANIZATION_DETAIL_FIELDS if f in changed}
        if details:
            services.update_organization_details(obj, acting_user=acting, **details)
        obj.refresh_from_db()


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    """Administrative divisions are reference data (`qinglang init` loads them)."""

    list_display = ("code", "name", "level", "parent")
    search_fields = ("code", "name")
