"""Read-only admin views of disclosure (changes go through the services and staff pages)."""

from django.contrib import admin

from qinglang.disclosure.models import (
    Batch,
    Entry,
    LawInstrument,
    RankingPublication,
    Threshold,
    TypicalCase,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(LawInstrument)
class LawInstrumentAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "document_number", "issued_on", "status", "current_version")


@admin.register(Threshold)
class ThresholdAdmin(ReadOnlyAdmin):
    list_display = ("offence", "offender", "amount_kind", "gravity", "amount", "province_code")


@admin.register(Batch)
class BatchAdmin(ReadOnlyAdmin):
    list_display = ("office", "year", "number", "title", "status", "published_at")


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ("batch", "case", "status", "current_version", "listed_until")


@admin.register(TypicalCase)
class TypicalCaseAdmin(ReadOnlyAdmin):
    list_display = ("title", "office", "status", "published_at")


@admin.register(RankingPublication)
class RankingPublicationAdmin(ReadOnlyAdmin):
    list_display = ("title", "office", "period", "status", "published_at")
