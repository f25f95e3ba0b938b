"""Admin views of monitoring (read-mostly; state changes go through the services)."""

from django.contrib import admin

from qinglang.monitoring.models import Hit, OfficeThreshold, WatchedSource


@admin.register(WatchedSource)
class WatchedSourceAdmin(admin.ModelAdmin):
    list_display = ("url", "kind", "office", "status", "error_streak", "last_checked_at")
    list_filter = ("kind", "status")
    search_fields = ("url",)
    readonly_fields = ("etag", "last_modified", "last_checked_at", "last_success_at", "last_error")


@admin.register(Hit)
class HitAdmin(admin.ModelAdmin):
    list_display = ("url", "office", "genre", "category", "score", "status", "created_at")
    list_filter = ("status", "genre")
    search_fields = ("url", "title")

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(OfficeThreshold)
class OfficeThresholdAdmin(admin.ModelAdmin):
    list_display = ("office", "threshold")
