from django.contrib import admin
from django.db import transaction

from qinglang.cases.models import Case, CaseTarget, DeadlinePolicy
from qinglang.core import ledger


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(admin.ModelAdmin):
    """Staff set how long each stage may take (HANDLING); every change is in the ledger."""

    list_display = ("stage", "category", "urgency", "amount", "unit")
    list_filter = ("stage", "unit")
    ordering = ("stage", "category", "urgency")

    @transaction.atomic
    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        ledger.append(
            obj,
            action="deadline_policy.saved",
            actor=request.user,
            data={
                "stage": obj.stage,
                "category": obj.category,
                "urgency": obj.urgency,
                "amount": obj.amount,
                "unit": obj.unit,
            },
        )

    @transaction.atomic
    def delete_model(self, request, obj):  # type: ignore[no-untyped-def]
        ledger.append(
            obj,
            action="deadline_policy.deleted",
            actor=request.user,
            data={"stage": obj.stage, "category": obj.category, "urgency": obj.urgency},
        )
        super().delete_model(request, obj)


class CaseTargetInline(admin.TabularInline):
    model = CaseTarget
    extra = 0
    can_delete = False
    readonly_fields = (
        "kind",
        "label",
        "url",
        "domain",
        "platform",
        "account",
        "website",
        "registry_ref",
    )

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
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

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return [f.name for f in Case._meta.fields] + ["co_offices", "reports"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
