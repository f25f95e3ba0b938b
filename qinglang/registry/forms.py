"""Forms of the registry's staff pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from qinglang.registry.models import SubjectKind, ViolationStatus, WebsiteStatus
from qinglang.registry.validation import IDENTIFIER_KINDS


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=200, required=False)


class WebsiteFilterForm(SearchForm):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status")), *WebsiteStatus.choices])


class ViolationFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status")), *ViolationStatus.choices])
    subject_kind = forms.ChoiceField(label=_("Subject"), required=False,
                                     choices=[("", _("Any subject")), *SubjectKind.choices])


class RescindForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}),
                             max_length=2000)
    appeal_reference = forms.CharField(label=_("Appeal reference"), max_length=100,
                                       required=False)


class ExclusionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=[(k, k) for k in IDENTIFIER_KINDS])
    value = forms.CharField(label=_("Value"), max_length=256)
    reason = forms.CharField(label=_("Reason"), max_length=200)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"))


class LookupForm(forms.Form):
    press_card_number = forms.CharField(label=_("Press card number"), max_length=32,
                                        required=False)
    identity_number = forms.CharField(label=_("Identity number"), max_length=32, required=False,
                                      widget=forms.PasswordInput(render_value=False))
    purpose = forms.CharField(label=_("Purpose of this lookup"), max_length=300,
                              help_text=_("For example: background check before hiring an "
                                          "editor."))

