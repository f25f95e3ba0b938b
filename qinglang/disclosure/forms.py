"""Forms of the disclosure staff pages (limits match the services)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from qinglang.disclosure.models import AppealDecision, ExposureMeasure, GuideAudience, Offender
from qinglang.intake.models import ReportCategory


class BatchForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)


class RankingForm(forms.Form):
    period = forms.RegexField(
        label=_("Period (month)"),
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        max_length=7,
        error_messages={"invalid": _("Give the period as a month, e.g. 2026-11.")},
        widget=forms.TextInput(attrs={"placeholder": "2026-11", "inputmode": "numeric"}),
    )
    title = forms.CharField(
        label=_("Title (empty: a standard title)"), max_length=200, required=False
    )


class PublishForm(forms.Form):
    at = forms.DateTimeField(
        label=_("Publish at (empty: now)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


class EntryForm(forms.Form):
    case = forms.IntegerField(label=_("Case id"), min_value=1)
    summary = forms.CharField(label=_("Public summary"), max_length=5000, widget=forms.Textarea)
    measure = forms.ChoiceField(
        label=_("Measure (empty: from the decision)"),
        choices=[("", "—"), *ExposureMeasure.choices],
        required=False,
    )


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=AppealDecision.choices)
    reason = forms.CharField(label=_("Reason (public)"), max_length=2000, widget=forms.Textarea)
    summary = forms.CharField(
        label=_("Corrected summary"), max_length=5000, required=False, widget=forms.Textarea
    )


class TypicalCaseForm(forms.Form):
    case = forms.IntegerField(label=_("Source case id"), min_value=1, required=False)
    title = forms.CharField(label=_("Title"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=ReportCategory.choices)
    facts = forms.CharField(label=_("Facts"), max_length=5000, widget=forms.Textarea)
    handling = forms.CharField(label=_("Handling"), max_length=5000, widget=forms.Textarea)
    legal_basis_text = forms.CharField(
        label=_("Legal basis"), max_length=5000, required=False, widget=forms.Textarea
    )
    lessons = forms.CharField(
        label=_("Lessons for prevention"), max_length=5000, widget=forms.Textarea
    )
    tags = forms.CharField(label=_("Tags (comma-separated)"), max_length=250, required=False)


class GuideForm(forms.Form):
    slug = forms.SlugField(label=_("Slug"), max_length=80)
    audience = forms.ChoiceField(label=_("Audience"), choices=GuideAudience.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    body_markdown = forms.CharField(
        label=_("Text (Markdown)"), max_length=50000, widget=forms.Textarea(attrs={"rows": 18})
    )
    change_note = forms.CharField(label=_("Change note"), max_length=300, required=False)


class AmountsForm(forms.Form):
    offender = forms.ChoiceField(
        label=_("Offender"), choices=[c for c in Offender.choices if c[0] != Offender.ANY]
    )
    business_volume = forms.DecimalField(
        label=_("Business volume (yuan)"),
        min_value=0,
        max_digits=14,
        decimal_places=2,
        required=False,
    )
    illegal_gains = forms.DecimalField(
        label=_("Illegal gains (yuan)"),
        min_value=0,
        max_digits=14,
        decimal_places=2,
        required=False,
    )
    amount_extorted = forms.DecimalField(
        label=_("Amount extorted (yuan)"),
        min_value=0,
        max_digits=14,
        decimal_places=2,
        required=False,
    )
