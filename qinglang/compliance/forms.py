"""Forms of the website portal and the office pages (the services validate for real)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qinglang.compliance.models import (
    AcceptanceCondition,
    Channel,
    Decision,
    EnterpriseCategory,
    FlagCode,
    RequesterKind,
    Verdict,
)
from qinglang.compliance.services import FOLLOW_UPS

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"})
DATE = forms.DateInput(attrs={"type": "date"})


class DeletionRequestForm(forms.Form):
    puid = forms.CharField(label=_("Platform unique id"), max_length=500)
    received_at = forms.DateTimeField(label=_("Received at"), widget=DATETIME)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    requester_kind = forms.ChoiceField(label=_("Requester kind"), choices=RequesterKind.choices)
    requester_name = forms.CharField(label=_("Requester name"), max_length=200)
    requester_phone = forms.CharField(label=_("Requester phone"), max_length=32, required=False)
    requester_email = forms.CharField(label=_("Requester e-mail"), max_length=200, required=False)
    on_behalf_name = forms.CharField(label=_("On behalf of"), max_length=200, required=False)
    on_behalf_uscc = forms.CharField(label=_("On behalf of (USCC)"), max_length=18, required=False)
    content_urls = forms.CharField(
        label=_("Content URLs (one per line)"), widget=forms.Textarea(attrs={"rows": 3})
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    legal_basis = forms.CharField(
        label=_("Legal basis cited"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    evidence = forms.CharField(
        label=_("Evidence"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    category = forms.ChoiceField(
        label=_("Category (enterprise-related)"),
        choices=[("", "—"), *EnterpriseCategory.choices],
        required=False,
    )
    acceptance_conditions = forms.MultipleChoiceField(
        label=_("Acceptance conditions met"),
        choices=AcceptanceCondition.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices)
    decided_at = forms.DateTimeField(label=_("Decided at"), required=False, widget=DATETIME)
    received_by = forms.CharField(label=_("Received by"), max_length=100)
    reviewed_by = forms.CharField(label=_("Reviewed by"), max_length=100, required=False)
    money_involved = forms.DecimalField(
        label=_("Money involved (yuan)"), required=False, min_value=0, decimal_places=2
    )

    def as_payload(self) -> dict[str, Any]:
        """Return the cleaned form in the shape of the API's request body."""
        d = self.cleaned_data
        return {
            "puid": d["puid"],
            "received_at": d["received_at"],
            "channel": d["channel"],
            "requester": {
                "kind": d["requester_kind"],
                "name": d["requester_name"],
                "phone": d["requester_phone"],
                "email": d["requester_email"],
            },
            "on_behalf_of": {"name": d["on_behalf_name"], "uscc": d["on_behalf_uscc"]},
            "content_urls": [u.strip() for u in d["content_urls"].splitlines() if u.strip()],
            "reason": d["reason"],
            "legal_basis": d["legal_basis"],
            "evidence": d["evidence"],
            "category": d["category"],
            "acceptance_conditions": d["acceptance_conditions"],
            "decision": d["decision"],
            "decided_at": d["decided_at"],
            "received_by": d["received_by"],
            "reviewed_by": d["reviewed_by"],
            "money_involved": d["money_involved"],
        }


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"))
    dry_run = forms.BooleanField(label=_("Only check, do not import"), required=False)


class RequestFilterForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("", "—"), *Decision.choices], required=False
    )
    flag = forms.ChoiceField(
        label=_("Flag"), choices=[("", "—"), *FlagCode.choices], required=False
    )
    flagged = forms.ChoiceField(
        label=_("Flagged"),
        choices=[("", "—"), ("1", _("Flagged only")), ("0", _("Not flagged"))],
        required=False,
    )
    month = forms.RegexField(label=_("Month"), regex=r"^\d{4}-\d{2}$", required=False)


class FlagAnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 2}))


class AuditForm(forms.Form):
    website = forms.IntegerField(label=_("Website"), widget=forms.Select)
    period_start = forms.DateField(label=_("Period start"), widget=DATE)
    period_end = forms.DateField(label=_("Period end"), widget=DATE)
    size = forms.IntegerField(label=_("Sample size"), min_value=1, max_value=1000, initial=10)
    seed = forms.IntegerField(label=_("Seed"), min_value=0)


class FindingForm(forms.Form):
    request_id = forms.IntegerField(widget=forms.HiddenInput)
    verdict = forms.ChoiceField(label=_("Verdict"), choices=Verdict.choices)
    reasons = forms.CharField(
        label=_("Reasons"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    paid_deletion_confirmed = forms.BooleanField(label=_("Paid deletion confirmed"), required=False)
    follow_up = forms.ChoiceField(
        label=_("Follow-up"),
        choices=list(
            zip(
                FOLLOW_UPS,
                [_("None"), _("Open a case"), _("Send a rectification order")],
                strict=True,
            )
        ),
        required=False,
    )


class EvaluationForm(forms.Form):
    website = forms.IntegerField(label=_("Website"), widget=forms.Select)
    period = forms.RegexField(
        label=_("Period (YYYY-MM or YYYY)"), regex=r"^\d{4}(-\d{2})?$", max_length=7
    )


class InterviewForm(forms.Form):
    website = forms.IntegerField(label=_("Website"), widget=forms.Select)
    held_on = forms.DateField(label=_("Held on"), widget=DATE)
    attendees = forms.CharField(label=_("Attendees"), widget=forms.Textarea(attrs={"rows": 2}))
    outcome = forms.CharField(label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 2}))
    follow_up_deadline = forms.DateField(label=_("Follow-up deadline"), required=False, widget=DATE)
