"""Read-only admin views of the registry (changes go through services and the staff pages)."""

from django.contrib import admin

from qinglang.registry.models import (
    Account,
    CorrelationExclusion,
    Identifier,
    Intermediary,
    Practitioner,
    PractitionerLookup,
    ViolationRecord,
    Website,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Website)
class WebsiteAdmin(ReadOnlyAdmin):
    list_display = ["name", "icp_number", "region", "status"]
    search_fields = ["name", "icp_number", "domains__domain"]


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["platform", "uid", "region"]


@admin.register(Practitioner)
class PractitionerAdmin(ReadOnlyAdmin):
    list_display = ["name", "employer", "role", "press_card_number"]
    exclude = ["identity_hash"]


@admin.register(Intermediary)
class IntermediaryAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "uscc", "region"]


@admin.register(ViolationRecord)
class ViolationRecordAdmin(ReadOnlyAdmin):
    list_display = ["case_number", "subject_kind", "measure", "decided_on", "status"]
    list_filter = ["status", "subject_kind", "measure"]


@admin.register(Identifier)
class IdentifierAdmin(ReadOnlyAdmin):
    list_display = ["kind", "value", "excluded"]
    search_fields = ["value"]


@admin.register(CorrelationExclusion)
class CorrelationExclusionAdmin(ReadOnlyAdmin):
    list_display = ["kind", "value", "reason"]


@admin.register(PractitionerLookup)
class PractitionerLookupAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "organization", "lookup_kind", "found"]
