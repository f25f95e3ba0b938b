"""Web forms of enterprise protection (the services validate again)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qinglang.cases.models import InterimMeasure
from qinglang.core.models import Organization, OrganizationKind
from qinglang.protection.models import ContactKind, Incident


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (the services check each one's content)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return single(data, initial)


class StyledForm(forms.Form):
    """Bootstrap classes on every widget (no inline style under the CSP)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            widget = f.widget
            if isinstance(
                widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect
            ):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


class RegistrationForm(StyledForm):
    uscc = forms.CharField(
        label=_("Unified social credit code"),
        max_length=18,
        help_text=_("The 18 characters on the business licence."),
    )
    name = forms.CharField(label=_("Enterprise name"), max_length=200)
    legal_representative = forms.CharField(label=_("Legal representative"), max_length=100)
    region = forms.CharField(
        label=_("Region (division code)"),
        max_length=6,
        help_text=_("Six digits, e.g. 440300 for Shenzhen."),
    )
    licence = forms.FileField(
        label=_("Business licence (photo or scan)"),
        required=False,
        help_text=_("An image: JPEG, PNG, GIF or WebP."),
    )
    contact_name = forms.CharField(label=_("Your name"), max_length=100)
    contact_email = forms.EmailField(label=_("Your e-mail"))
    contact_phone = forms.CharField(label=_("Your phone"), max_length=32, required=False)

    def payload(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "uscc": data["uscc"],
            "name": data["name"],
            "legal_representative": data["legal_representative"],
            "region": data["region"],
            "contact": {
                "name": data["contact_name"],
                "email": data["contact_email"],
                "phone": data["contact_phone"],
            },
        }


class DecisionForm(StyledForm):
    approved = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("yes", _("Approve")), ("no", _("Reject"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason (required when rejecting; the applicant reads it)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class EnterpriseReportForm(StyledForm):
    """The calm, step-by-step report of an enterprise (one page, five numbered steps)."""

    incident = forms.ChoiceField(
        label=_("1. What happened?"), choices=Incident.choices, widget=forms.RadioSelect
    )
    description = forms.CharField(
        label=_("Tell us in your own words"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=10000,
        required=False,
        help_text=_("Who contacted you, when, and what they said. Short is fine."),
    )
    account = forms.CharField(label=_("2. Who? Their account name"), max_length=200, required=False)
    platform = forms.CharField(label=_("On which platform"), max_length=100, required=False)
    website = forms.URLField(
        label=_("Their website or page address"),
        max_length=2000,
        required=False,
        assume_scheme="https",
    )
    contacts = forms.CharField(
        label=_("Phone numbers, WeChat or QQ they used"),
        max_length=500,
        required=False,
    )
    amount = forms.DecimalField(
        label=_("3. How much money do they want (yuan)?"),
        required=False,
        max_digits=14,
        decimal_places=2,
        min_value=0,
    )
    channel = forms.CharField(
        label=_("How do they want to be paid?"), max_length=200, required=False
    )
    deadline_at = forms.DateTimeField(
        label=_("By when? (the deadline they gave you)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    urgent = forms.BooleanField(label=_("It is happening now"), required=False)
    content_urls = forms.CharField(
        label=_("4. Addresses of the content concerned (one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("We save a copy as evidence as soon as you send the report."),
    )
    evidence = MultipleFileField(
        label=_("5. Files: screenshots, chat records, transfer records"), required=False
    )

    def payload(self) -> dict[str, Any]:
        d = self.cleaned_data
        target = {
            k: v
            for k, v in {
                "account": d["account"],
                "platform": d["platform"],
                "url": d["website"],
            }.items()
            if v
        }
        description = d["description"]
        if d["contacts"]:
            description = f"{description}\n{d['contacts']}".strip()
        return {
            "incident": d["incident"],
            "description": description,
            "targets": [target] if target else [],
            "demand": {
                "amount": str(d["amount"]) if d["amount"] is not None else None,
                "channel": d["channel"],
                "deadline_at": d["deadline_at"].isoformat() if d["deadline_at"] else None,
            },
            "urgent": d["urgent"],
            "content_urls": [u.strip() for u in d["content_urls"].splitlines() if u.strip()],
        }


class ContactForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=ContactKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    valid_from = forms.DateField(
        label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = forms.DateField(
        label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"})
    )


class ColleagueForm(StyledForm):
    name = forms.CharField(label=_("Colleague's name"), max_length=100)
    email = forms.EmailField(label=_("Colleague's e-mail (the sign-in name)"))


class InterimMeasureForm(StyledForm):
    recipient = forms.ModelChoiceField(
        label=_("Website"),
        queryset=Organization.objects.filter(
            kind=OrganizationKind.WEBSITE_OPERATOR, is_active=True
        ).order_by("name"),
    )
    measure = forms.ChoiceField(label=_("Interim measure"), choices=InterimMeasure.choices)
    instructions = forms.CharField(
        label=_("Content concerned and instructions"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SetPasswordForm(StyledForm):
    password1 = forms.CharField(label=_("New password"), widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("The same password again"), widget=forms.PasswordInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") != data.get("password2"):
            raise forms.ValidationError(_("The two passwords differ."))
        return data
