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
from qinglang.core.jurisdiction import region_prefix_in_scope
from qinglang.core.models import Organization, OrganizationKind, User
from qinglang.intake.models import CHANNEL_LABELS, DeclineReason, ReportCategory, ReportStatus

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


def region_field() -> forms.CharField:
    """Return the region filter: a division-code prefix (44, 4403, 4400) in the jurisdiction."""
    return forms.CharField(
        label=_("Region"),
        required=False,
        max_length=6,
        help_text=_("Division code prefix of the office, e.g. 44 or 4403."),
    )


class RegionFilterMixin:
    """Check the `region` filter against the user's jurisdiction (a clear error, never empty)."""

    user: User
    cleaned_data: dict[str, Any]

    def clean_region(self) -> str:
        prefix = (self.cleaned_data.get("region") or "").strip()
        if prefix and not region_prefix_in_scope(self.user, prefix):
            raise forms.ValidationError(
                _("No such region in your jurisdiction: give 2, 4 or 6 digits of a division code.")
            )
        return prefix


class TriageFilterForm(RegionFilterMixin, StyledForm):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=_blank(ReportStatus.choices, _("Any"))
    )
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=_blank(ReportCategory.choices, _("Any"))
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=_blank(list(CHANNEL_LABELS.items()), _("Any")),
    )
    office = forms.ModelChoiceField(
        label=_("Office"),
        required=False,
        queryset=Organization.objects.none(),
        empty_label=_("Any"),
    )
    region = region_field()
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
    assignee = forms.ChoiceField(
        label=_("Assignee"),
        required=False,
        choices=[("", _("Anyone")), ("me", _("Assigned to me")), ("none", _("Unassigned"))],
    )
    ordering = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[
            ("", _("Lane, then newest")),
            ("received_at", _("Received, oldest first")),
            ("-received_at", _("Received, newest first")),
            ("deadline", _("Deadline, soonest first")),
            ("-risk", _("Highest risk first")),
        ],
    )
    # The former order box ("risk": highest risk first); kept so saved links keep working.
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["office"].queryset = _offices_q(user)
        self.fields["status"].choices = [
            ("all", _("Any")),
            *ReportStatus.choices,
        ]


class AcceptForm(StyledForm):
    case = forms.CharField(
        label=_("Join case (number)"),
        required=False,
        max_length=32,
        help_text=_("Leave empty to join a matching open case or open a new one."),
        widget=forms.TextInput(attrs={"list": "open-cases", "autocomplete": "off"}),
    )


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

    def __init__(self, *args: Any, targets: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if targets is not None:
            self.fields["office"].queryset = targets


class CaseFilterForm(RegionFilterMixin, StyledForm):
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
    region = region_field()
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
        self.user = user
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

    def __init__(
        self, *args: Any, lead: bool, lead_office_id: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if not lead:  # only the lead office chooses who co-handles
            del self.fields["co_offices"]
        elif lead_office_id is not None:  # the lead office never co-handles its own case
            field = self.fields["co_offices"]
            field.queryset = field.queryset.exclude(pk=lead_office_id)


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
    into = forms.CharField(
        label=_("Merge into case number"),
        max_length=32,
        widget=forms.TextInput(attrs={"list": "open-cases", "autocomplete": "off"}),
    )
    reason = forms.CharField(label=_("Reason"), max_length=1000)


class SplitForm(StyledForm):
    report = forms.IntegerField(label=_("Report"), widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), max_length=1000)


class BulkTriageForm(StyledForm):
    """One action and one reason for the reports ticked in the queue."""

    action = forms.ChoiceField(
        label=_("Action"),
        choices=[
            ("accept", _("Accept")),
            ("decline", _("Decline")),
            ("reroute", _("Re-route")),
            ("assign", _("Assign")),
        ],
    )
    reason_code = forms.ChoiceField(
        label=_("Decline reason"), choices=DeclineReason.choices, required=False
    )
    reason = forms.CharField(
        label=_("Reason for the batch"),
        max_length=2000,
        required=False,
        widget=forms.TextInput(),
    )
    office = forms.ModelChoiceField(
        label=_("Re-route to"), queryset=Organization.objects.none(), required=False
    )
    assignee = forms.ModelChoiceField(
        label=_("Assign to"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody"),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = reroute_targets(user)
        self.fields["assignee"].queryset = User.objects.filter(
            organization_id=user.organization_id or 0, is_active=True
        ).order_by("last_name", "first_name", "username")
        self.fields["assignee"].label_from_instance = lambda u: u.get_full_name() or u.username


class SavedFilterForm(StyledForm):
    name = forms.CharField(label=_("Save these filters as"), max_length=80)
    query = forms.CharField(required=False, max_length=1000, widget=forms.HiddenInput)


class AssignForm(StyledForm):
    assignee = forms.ModelChoiceField(
        label=_("Assign to"), queryset=User.objects.none(), required=False, empty_label=_("Nobody")
    )

    def __init__(self, *args: Any, office_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = User.objects.filter(
            organization_id=office_id or 0, is_active=True
        ).order_by("last_name", "first_name", "username")
        self.fields["assignee"].label_from_instance = lambda u: u.get_full_name() or u.username


def reroute_targets(user: User, *, internal: bool | None = None) -> Any:
    """Return where the user may re-route reports: never the user's own organization.

    An internal matter (or an inspector's queue) goes only to another discipline-inspection
    organization; an ordinary office needs the second-inspector request instead.
    """
    org_id = user.organization_id
    org = user.organization if org_id else None
    if internal is None:
        internal = org is not None and org.kind == OrganizationKind.DISCIPLINE_INSPECTION
    kinds = (
        Q(kind=OrganizationKind.DISCIPLINE_INSPECTION)
        if internal
        else Q(kind=OrganizationKind.REGULATOR_OFFICE)
        | Q(kind=OrganizationKind.DISCIPLINE_INSPECTION)
    )
    return (
        Organization.objects.filter(kinds, is_active=True)
        .exclude(pk=org_id or 0)
        .order_by("kind", "level", "name")
    )


class InternalRerouteForm(StyledForm):
    """An inspector asks a second inspector to approve sending an internal matter to an office."""

    office = forms.ModelChoiceField(
        label=_("Send to the office"),
        queryset=Organization.objects.filter(
            kind=OrganizationKind.REGULATOR_OFFICE, is_active=True
        ).order_by("level", "name"),
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    acknowledge_warning = forms.BooleanField(
        label=_(
            "I understand that the office will read this report, which concerns regulator staff."
        ),
        required=True,
    )
