"""Forms of the monitoring pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from qinglang.cases.forms import StyledForm
from qinglang.monitoring.models import (
    MAX_INTERVAL_MINUTES,
    MIN_INTERVAL_MINUTES,
    HitStatus,
    SourceKind,
)


class SourceForm(StyledForm):
    url = forms.URLField(label=_("Address"), max_length=2000, assume_scheme="https")
    kind = forms.ChoiceField(label=_("Kind"), choices=SourceKind.choices)
    interval_minutes = forms.IntegerField(
        label=_("Check every (minutes)"),
        min_value=MIN_INTERVAL_MINUTES,
        max_value=MAX_INTERVAL_MINUTES,
        initial=60,
    )
    keywords = forms.CharField(
        label=_("Trigger keywords"),
        required=False,
        max_length=2000,
        help_text=_("Separated by commas or spaces, e.g. 删帖, 舆情处理, 负面压制"),
    )
    css_selector = forms.CharField(
        label=_("CSS selector (optional)"), required=False, max_length=200
    )

    def clean_keywords(self) -> list[str]:
        raw = self.cleaned_data.get("keywords") or ""
        return [k for k in raw.replace("，", ",").replace(",", " ").split() if k]


class HitFilterForm(StyledForm):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *HitStatus.choices]
    )


class DismissForm(StyledForm):
    note = forms.CharField(
        label=_("Why is this a false positive?"),
        required=False,
        max_length=500,
        widget=forms.TextInput,
    )
