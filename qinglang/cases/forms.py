"""Forms of triage and case pages: they parse input; services validate and decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qinglang.cases.models import (
    ALLOWED_TRANSITIONS,
    CaseStatus,
    Measure,
    Outcome,
    Severity,
    Urgency,
)
from qinglang.cases.services.lifecycle import TargetInput
from qinglang.core.forms import StyledForm
from qinglang.core.models import Organization, OrganizationKind, User
from qinglang.intake.models import DeclineReason, ReportCategory, ReportStatus

# StyledForm (Bootstrap classes on every widget) is core's; imported here for this app's forms.


def _blank(choices: Any, label: str = "—") -> list[tuple[str, Any]]:
    return [("", label), *choices]


def _offices_q(user: User) -> Any:
    """Return the regulator offices within the user's jurisdiction (filters and forms)."""
    org = user.organization if user.is_authenticated and user.organization_id else None
    offices = Organization.objects.filter(kind=OrganizationKind.REGULATOR_OFFICE, is_active=True)
    prefix = org.scope_prefix if org is not None else None
    if prefix is None:
        return offices.none()
    if prefix:
        offices = offices.filter(region__code__startswith=prefix)
    return offices.order_by("level", "name")


class TriageFilterForm(StyledForm):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=_blank(ReportStatus.choices, _("Any"))
    )
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=_blank(ReportCategory.choices, _("Any"))
    )
    office = forms.ModelChoiceField(
        label=_("Office"),
        required=False,
        queryset=Organization.objects.none(),
        empty_label=_("Any"),
    )
    date_from = forms.DateField(
        label=_("Submitted from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Submitted until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    has_evidence = forms.ChoiceField(
        label=_("Evidence"),
        required=False,
        choices=[("", _("Any")), ("yes", _("With evidence")), ("no", _("Without evidence"))],
    )
    sort = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[("", _("Oldest first")), ("risk", _("Highest risk first"))],
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = _offices_q(user)


class AcceptForm(StyledForm):
    case = forms.IntegerField(label=_("Join case (id)"), required=False, min_value=1)


class DeclineForm(StyledForm):
    reason_code = forms.ChoiceField(label=_("Reason"), choices=DeclineReason.choices)
    reason_text = forms.CharField(
        label=_("Explanation for the reporter"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RerouteForm(StyledForm):
    office = forms.ModelChoiceField(
        label=_("Send to"),
        queryset=Organization.objects.filter(
            Q(kind=OrganizationKind.REGULATOR_OFFICE)
            | Q(kind=OrganizationKind.DISCIPLINE_INSPECTION),
            is_active=True,
        ).order_by("kind", "level", "name"),
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CaseFilterForm(StyledForm):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=_blank(CaseStatus.choices, _("Any"))
    )
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=_blank(ReportCategory.choices, _("Any"))
    )
    office = forms.ModelChoiceField(
        label=_("Lead office"),
        required=False,
        queryset=Organization.objects.none(),
        empty_label=_("Any"),
    )
    due_before = forms.DateField(
        label=_("Due before"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    target = forms.CharField(label=_("Target"), required=False, max_length=200)
    assignee = forms.ChoiceField(
        label=_("Assigned"),
        required=False,
        choices=[("", _("Anyone")), ("me", _("Assigned to me"))],
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = _offices_q(user)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class CaseCreateForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=ReportCategory.choices)
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity.choices, initial=Severity.MEDIUM
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    lead_office = forms.ModelChoiceField(
        label=_("Lead office"),
        required=False,
        queryset=Organization.objects.none(),
        empty_label=_("My office"),
    )
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    target_urls = forms.CharField(
        label=_("Target web addresses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line."),
    )
    target_accounts = forms.CharField(
        label=_("Target accounts"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line, as platform:account."),
    )
    target_people = forms.CharField(
        label=_("People and intermediaries"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line."),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_office"].queryset = _offices_q(user)

    def targets(self) -> list[TargetInput]:
        """Return the targets entered, for the service to validate."""
        out = [TargetInput(kind="url", url=u) for u in _lines(self.cleaned_data["target_urls"])]
        for line in _lines(self.cleaned_data["target_accounts"]):
            platform, _sep, account = line.rpartition(":")
            out.append(
                TargetInput(
                    kind="account",
                    platform=platform.strip(),
                    account=account.strip(),
                    label=account.strip(),
                )
            )
        out += [
            TargetInput(kind="person", label=p) for p in _lines(self.cleaned_data["target_people"])
        ]
        return out


class VersionForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class CaseEditForm(VersionForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=ReportCategory.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    co_offices = forms.ModelMultipleChoiceField(
        label=_("Co-handling offices"),
        required=False,
        queryset=Organization.objects.filter(
            kind=OrganizationKind.REGULATOR_OFFICE, is_active=True
        ).order_by("level", "name"),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, lead: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not lead:  # only the lead office chooses who co-handles
            del self.fields["co_offices"]


class StatusForm(VersionForm):
    status = forms.ChoiceField(
        label=_("Move to"),
        choices=[
            (CaseStatus.INVESTIGATING, CaseStatus.INVESTIGATING.label),
            (CaseStatus.AWAITING_FEEDBACK, CaseStatus.AWAITING_FEEDBACK.label),
        ],
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)

    def __init__(self, *args: Any, current: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if current is not None:  # offer only the steps the lifecycle allows from here
            field = self.fields["status"]
            field.choices = [
                (k, v) for k, v in field.choices if (current, k) in ALLOWED_TRANSITIONS
            ]


class DecisionForm(VersionForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    measures = forms.MultipleChoiceField(
        label=_("Measures"),
        required=False,
        choices=Measure.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    legal_basis = forms.CharField(
        label=_("Legal basis"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    public_result = forms.CharField(
        label=_("Result for the public"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Reporters read this when tracking."),
    )
    closure_summary = forms.CharField(
        label=_("Closure summary"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    close_now = forms.BooleanField(label=_("Close the case now"), required=False)


class CloseForm(VersionForm):
    closure_summary = forms.CharField(
        label=_("Closure summary"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReasonForm(VersionForm):
    reason = forms.CharField(
        label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class MergeForm(StyledForm):
    into = forms.CharField(label=_("Merge into case number"), max_length=32)
    reason = forms.CharField(label=_("Reason"), max_length=1000)


class SplitForm(StyledForm):
    report = forms.IntegerField(label=_("Report"), widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), max_length=1000)
