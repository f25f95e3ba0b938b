"""Read-only admin views of supervision records (every change goes through the services)."""

from django.contrib import admin

from qinglang.supervision.models import (
    Application,
    Assignment,
    CitizenSupervisor,
    Inspection,
    IntegrityPledge,
    RecruitmentCall,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(RecruitmentCall)
class RecruitmentCallAdmin(ReadOnlyAdmin):
    list_display = ("title", "office", "opens_on", "closes_on", "seats")


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ("name", "call", "region", "status", "submitted_at")
    list_filter = ("status",)
    exclude = ("identity_hash",)


@admin.register(CitizenSupervisor)
class CitizenSupervisorAdmin(ReadOnlyAdmin):
    list_display = ("public_name", "office", "region", "status", "term_ends_on")
    list_filter = ("status",)


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ("supervisor", "website", "office", "starts_on", "ends_on", "status")


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ("office", "inspecting_office", "scheduled_for", "status")


@admin.register(IntegrityPledge)
class IntegrityPledgeAdmin(ReadOnlyAdmin):
    list_display = ("signer", "organization", "kind", "signed_at")
