"""Read-only admin for the vault: evidence is never edited or deleted by hand."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from qinglang.evidence.models import EvidenceAttachment, EvidenceBlob, EvidenceItem, WebCapture


class ReadOnlyAdmin(admin.ModelAdmin):
    """Show rows; refuse adding, changing and deleting."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(EvidenceBlob)
class EvidenceBlobAdmin(ReadOnlyAdmin):
    list_display = ("sha256", "media_type", "size", "created_at")
    search_fields = ("sha256",)


@admin.register(EvidenceItem)
class EvidenceItemAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "original_name",
        "kind",
        "media_type",
        "size",
        "added_by_label",
        "added_at",
    )
    list_filter = ("kind", "media_type")
    search_fields = ("original_name", "blob__sha256", "source_url")
    list_select_related = ("blob",)


@admin.register(EvidenceAttachment)
class EvidenceAttachmentAdmin(ReadOnlyAdmin):
    list_display = ("item", "subject_type", "subject_id", "attached_at")
    list_filter = ("subject_type",)


@admin.register(WebCapture)
class WebCaptureAdmin(ReadOnlyAdmin):
    list_display = ("id", "url", "status", "attempts", "http_status", "requested_at")
    list_filter = ("status",)
    search_fields = ("url", "final_url")
