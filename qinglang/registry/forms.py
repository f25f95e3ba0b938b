"""Forms of the registry's staff pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from qinglang.core.forms import StyledForm
from qinglang.registry.labels import identifier_kind_choices
from qinglang.registry.models import (
    IntermediaryKind,
    SubjectKind,
    ViolationStatus,
    WebsiteStatus,
)

# StyledForm (Bootstrap classes on every widget) is core's; imported here for this app's forms.


class SearchForm(StyledForm):
    q = forms.CharField(label=_("Search"), max_length=200, required=False)


class WebsiteFilterForm(SearchForm):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *WebsiteStatus.choices]
    )


class ViolationFilterForm(StyledForm):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *ViolationStatus.choices]
    )
    subject_kind = forms.ChoiceField(
        label=_("Subject"), required=False, choices=[("", _("Any subject")), *SubjectKind.choices]
    )


class RescindForm(StyledForm):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    appeal_reference = forms.CharField(label=_("Appeal reference"), max_length=100, required=False)


class ExclusionForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=identifier_kind_choices)
    value = forms.CharField(label=_("Value"), max_length=256)
    reason = forms.CharField(label=_("Reason"), max_length=200)


class ImportForm(StyledForm):
    file = forms.FileField(label=_("CSV or XLSX file"))


class LookupForm(StyledForm):
    press_card_number = forms.CharField(label=_("Press card number"), max_length=32, required=False)
    identity_number = forms.CharField(
        label=_("Identity number"),
        max_length=32,
        required=False,
        widget=forms.PasswordInput(render_value=False),
    )
    purpose = forms.CharField(
        label=_("Purpose of this lookup"),
        max_length=300,
        help_text=_("For example: background check before hiring an editor."),
    )


class WebsiteStatusForm(StyledForm):
    status = forms.ChoiceField(label=_("Status"), choices=WebsiteStatus.choices)
    reason = forms.CharField(label=_("Reason"), max_length=500)


class IntermediaryForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=IntermediaryKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    uscc = forms.CharField(label=_("USCC"), max_length=18, required=False)
    region_code = forms.CharField(label=_("Region code"), max_length=6, required=False)
    contacts = forms.CharField(
        label=_("Contacts"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line as kind: value, e.g. qq: 2876543210 or wechat: yuqing-pr888."),
    )

    def clean_contacts(self) -> list[tuple[str, str]]:
        pairs = []
        for line in self.cleaned_data["contacts"].splitlines():
            if not line.strip():
                continue
            kind, sep, value = line.replace("：", ":").partition(":")
            if not sep or not value.strip():
                raise forms.ValidationError(_("Write each contact as kind: value."))
            pairs.append((kind.strip().lower(), value.strip()))
        return pairs


class ContactForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=identifier_kind_choices)
    value = forms.CharField(label=_("Value"), max_length=256)


class GraphStartForm(StyledForm):
    """Where the graph starts: an identifier, or registry entities found by words."""

    kind = forms.ChoiceField(
        label=_("Kind"), choices=lambda: [("", "—"), *identifier_kind_choices()], required=False
    )
    value = forms.CharField(label=_("Identifier"), max_length=256, required=False)
    q = forms.CharField(label=_("Or search the registry"), max_length=100, required=False)

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("value") and not data.get("kind"):
            self.add_error("kind", _("Choose the kind of identifier."))
        return data
