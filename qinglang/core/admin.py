from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from qinglang.core.models import Organization, Region, User


@admin.register(User)
class QinglangUserAdmin(UserAdmin):
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Qinglang", {"fields": ("organization", "role", "display_name")}),
    )
    list_display = ("username", "display_name", "organization", "role", "is_active")


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "level", "region", "is_active")
    list_filter = ("kind", "level")
    search_fields = ("name",)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    search_fields = ("code", "name")
