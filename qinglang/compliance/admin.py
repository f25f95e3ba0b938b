"""Admin: new versions of norms and of the evaluation formula (never edited); the rest read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction

from qinglang.compliance import events
from qinglang.compliance.models import (
    Audit,
    DeletionRequest,
    Evaluation,
    EvaluationFormula,
    Flag,
    Interview,
    Norm,
)
from qinglang.core import ledger


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


class VersionAdmin(admin.ModelAdmin):
    """A version, once saved, stays as it was: add a newer one instead."""

    action = events.NORM_VERSION_ADDED

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return obj is None

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def save_model(self, request, obj, form, change) -> None:  # type: ignore[no-untyped-def]
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            data: dict[str, Any] = {
                "version": obj.version,
                "effective_from": str(obj.effective_from),
            }
            if isinstance(obj, Norm):
                data |= {"code": obj.code, "check": obj.check_code, "limit": obj.limit_working_days}
            else:
                data |= {"config": obj.config}
            ledger.append(obj, action=self.action, actor=request.user, data=data)


@admin.register(Norm)
class NormAdmin(VersionAdmin):
    list_display = ["code", "version", "title", "scope", "check_code", "effective_from"]
    list_filter = ["scope", "check_code"]


@admin.register(EvaluationFormula)
class EvaluationFormulaAdmin(VersionAdmin):
    action = events.FORMULA_VERSION_ADDED
    list_display = ["version", "name", "effective_from"]


@admin.register(DeletionRequest)
class DeletionRequestAdmin(ReadOnlyAdmin):
    list_display = ["puid", "website", "received_at", "decision", "flagged"]
    list_filter = ["decision", "flagged", "source"]
    search_fields = ["puid"]


@admin.register(Flag)
class FlagAdmin(ReadOnlyAdmin):
    list_display = ["request", "code", "status", "created_at"]
    list_filter = ["code", "status"]


@admin.register(Audit)
class AuditAdmin(ReadOnlyAdmin):
    list_display = ["website", "office", "period_start", "period_end", "seed"]


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdmin):
    list_display = ["website", "period", "score", "vetoed", "formula"]


@admin.register(Interview)
class InterviewAdmin(ReadOnlyAdmin):
    list_display = ["website", "office", "held_on", "follow_up_deadline"]
