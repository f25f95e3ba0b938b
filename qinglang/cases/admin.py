from django.contrib import admin
from django.db import transaction

from qinglang.cases.models import DeadlinePolicy
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
        ledger.append(obj, action="deadline_policy.saved", actor=request.user, data={
            "stage": obj.stage, "category": obj.category, "urgency": obj.urgency,
            "amount": obj.amount, "unit": obj.unit})

    @transaction.atomic
    def delete_model(self, request, obj):  # type: ignore[no-untyped-def]
        ledger.append(obj, action="deadline_policy.deleted", actor=request.user,
                      data={"stage": obj.stage, "category": obj.category, "urgency": obj.urgency})
        super().delete_model(request, obj)
