"""Admin: the acceptance checklist is configured here; the rest is read-only reference."""

from __future__ import annotations

from django.contrib import admin

from qinglang.protection.models import AcceptanceCondition, ClaimCheck, Enterprise


@admin.register(AcceptanceCondition)
class AcceptanceConditionAdmin(admin.ModelAdmin):
    list_display = ["position", "label", "rule", "incidents", "is_active"]
    list_editable = ["is_active"]
    ordering = ["position"]


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ["name", "uscc", "region", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["name", "uscc"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(ClaimCheck)
class ClaimCheckAdmin(admin.ModelAdmin):
    list_display = ["checked_at", "uscc", "contact_kind", "verified", "website"]
    list_filter = ["verified"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
