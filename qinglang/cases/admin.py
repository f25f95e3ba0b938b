from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from qinglang.cases.models import Case, CaseTarget, DeadlinePolicy
from qinglang.cases.services.deadlines import delete_deadline_policy, save_deadline_policy
from qinglang.core.admin_helpers import ReadOnlyAdmin, ReadOnlyInline


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(admin.ModelAdmin):
    """Staff set how long each stage may take (HANDLING); every change is in the ledger."""

    list_display = ("stage", "category", "urgency", "amount", "unit")
    list_filter = ("stage", "unit")
    ordering = ("stage", "category", "urgency")

    def save_model(
        self, request: HttpRequest, obj: DeadlinePolicy, form: forms.ModelForm, change: bool
    ) -> None:
        saved = save_deadline_policy(
            obj if change else None,
            stage=obj.stage,
            category=obj.category,
            urgency=obj.urgency,
            amount=obj.amount,
            unit=obj.unit,
            acting_user=request.user,
        )
        obj.__dict__.update(saved.__dict__)

    def delete_model(self, request: HttpRequest, obj: DeadlinePolicy) -> None:
        delete_deadline_policy(obj, acting_user=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for policy in queryset:
            delete_deadline_policy(policy, acting_user=request.user)


class CaseTargetInline(ReadOnlyInline):
    model = CaseTarget


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    """Read-only view of cases: every change goes through the services and the ledger."""

    list_display = (
        "number",
        "title",
        "status",
        "category",
        "lead_office",
        "is_internal",
        "created_at",
    )
    list_filter = ("status", "category", "is_internal")
    search_fields = ("number", "title")
    inlines = [CaseTargetInline]
