"""The dashboard's period choice."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

PERIODS = [
    (7, _("Last 7 days")),
    (30, _("Last 30 days")),
    (90, _("Last 90 days")),
    (365, _("Last 365 days")),
]


class PeriodForm(forms.Form):
    days = forms.TypedChoiceField(
        label=_("Period"), choices=PERIODS, coerce=int, initial=30, required=False, empty_value=30
    )
