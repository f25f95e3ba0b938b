"""Field rules for a report, shared by the web form, the API and the submit service."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import phonenumbers
from django import forms
from django.core.validators import MinValueValidator
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from qinglang.analysis.domains import registrable_domain
from qinglang.analysis.filings import parse_icp, parse_psb
from qinglang.intake.models import CATEGORY_HELP, ReportCategory

MAX_TARGETS = 5
DESCRIPTION_MIN = 10
DESCRIPTION_MAX = 10000
TARGET_FIELDS = ("url", "website_name", "icp_number", "psb_number", "platform", "account")
# A target must name at least one of these; a platform alone identifies nobody.
TARGET_IDENTIFYING = ("url", "website_name", "icp_number", "account")
CONTACT_FIELDS = ("name", "phone", "email")


class ReportFieldsForm(forms.Form):
    """The report itself, without targets, contact or files."""

    category = forms.ChoiceField(
        label=_("What happened"),
        choices=ReportCategory.choices,
        error_messages={
            "required": _("Choose what kind of conduct you are reporting."),
            "invalid_choice": _("Choose one of the listed categories."),
        },
    )
    description = forms.CharField(
        label=_("Description"),
        min_length=DESCRIPTION_MIN,
        max_length=DESCRIPTION_MAX,
        help_text=_(
            "What happened, who asked for money or offered deletion, and how. "
            "At least 10 characters."
        ),
        error_messages={
            "required": _("Describe what happened."),
            "min_length": _("Describe what happened in at least %(limit_value)d characters."),
            "max_length": _("Keep the description under %(limit_value)d characters."),
        },
    )
    amount_demanded = forms.DecimalField(
        label=_("Amount demanded (yuan)"),
        required=False,
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("If money was demanded or offered, how much, e.g. 5000.00."),
        error_messages={"invalid": _("Enter an amount in yuan, e.g. 5000.00.")},
    )
    payment_channel = forms.CharField(
        label=_("Payment channel"),
        required=False,
        max_length=200,
        help_text=_("How payment was asked for: bank transfer, WeChat Pay, Alipay, account…"),
    )
    occurred_on = forms.DateField(
        label=_("Date it happened"),
        required=False,
        help_text=_("The date of the demand or offer (YYYY-MM-DD)."),
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")},
    )
    concerns_staff = forms.BooleanField(
        label=_("This concerns staff of a cyberspace regulator office"),
        required=False,
        help_text=_(
            "The report then goes to discipline inspection only; "
            "the office concerned cannot see it."
        ),
    )

    notice_email = forms.EmailField(
        label=_("E-mail for news notices (optional)"),
        required=False,
        max_length=254,
        help_text=_(
            "We only write that there is news, never what it is; read it here with your code "
            "and key. Stored encrypted and deleted when the report is closed."
        ),
        error_messages={"invalid": _("Enter a valid e-mail address.")},
    )

    def clean_description(self) -> str:
        text = self.cleaned_data["description"].strip()
        if len(text) < DESCRIPTION_MIN:
            raise forms.ValidationError(
                _("Describe what happened in at least %(limit_value)d characters."),
                code="min_length",
                params={"limit_value": DESCRIPTION_MIN},
            )
        return text

    def clean_occurred_on(self) -> Any:
        value = self.cleaned_data.get("occurred_on")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."), code="future")
        return value

    @staticmethod
    def category_help() -> list[tuple[str, str | Promise, str | Promise]]:
        """Return (value, label, help) for every category, in display order."""
        return [(value, label, CATEGORY_HELP[value]) for value, label in ReportCategory.choices]


class TargetForm(forms.Form):
    """One website, page or account the report is about."""

    url = forms.URLField(
        label=_("Web address (URL)"),
        required=False,
        max_length=2000,
        assume_scheme="https",
        error_messages={"invalid": _("Enter a web address such as https://example.com/post/1.")},
    )
    website_name = forms.CharField(label=_("Website name"), required=False, max_length=200)
    icp_number = forms.CharField(
        label=_("ICP filing number"),
        required=False,
        max_length=64,
        help_text=_("Usually at the bottom of the site, e.g. 京ICP备12345678号."),
    )
    psb_number = forms.CharField(
        label=_("Public-security filing number"),
        required=False,
        max_length=64,
        help_text=_("E.g. 京公网安备11010502030143号."),
    )
    platform = forms.CharField(
        label=_("Platform"),
        required=False,
        max_length=100,
        help_text=_("App or platform of an account, e.g. WeChat, Weibo, Douyin."),
    )
    account = forms.CharField(
        label=_("Account"),
        required=False,
        max_length=200,
        help_text=_("Account name, ID, QQ or WeChat number."),
    )

    def clean_icp_number(self) -> str:
        raw = self.cleaned_data["icp_number"].strip()
        if not raw:
            return ""
        icp = parse_icp(raw)
        if icp is None:
            raise forms.ValidationError(
                _("Enter an ICP filing number such as 京ICP备12345678号."), code="invalid"
            )
        return str(icp)

    def clean_psb_number(self) -> str:
        raw = self.cleaned_data["psb_number"].strip()
        if not raw:
            return ""
        psb = parse_psb(raw)
        if psb is None:
            raise forms.ValidationError(
                _("Enter a public-security filing number such as 京公网安备11010502030143号."),
                code="invalid",
            )
        return str(psb)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors and not any(data.get(f) for f in TARGET_IDENTIFYING):
            raise forms.ValidationError(
                _("Give a web address, website name, ICP filing number or account."),
                code="empty_target",
            )
        url = data.get("url") or ""
        data["domain"] = (registrable_domain(url) or "") if url else ""
        return data


class ContactForm(forms.Form):
    """Optional contact details; leaving them all empty files the report anonymously."""

    name = forms.CharField(label=_("Your name"), required=False, max_length=100)
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=32,
        help_text=_("Mainland mobile or landline, or an international number with +."),
    )
    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        max_length=254,
        error_messages={"invalid": _("Enter a valid e-mail address.")},
    )

    def clean_phone(self) -> str:
        raw = self.cleaned_data["phone"].strip()
        if not raw:
            return ""
        try:
            number = phonenumbers.parse(raw, "CN")
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise forms.ValidationError(
                _("Enter a valid phone number, e.g. 13800138000."), code="invalid"
            )
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def form_errors(form: forms.Form) -> dict[str, list[str]]:
    """Return a form's errors as {"field": [messages]} ("non_field_errors" for the rest)."""
    return {
        ("non_field_errors" if field == "__all__" else field): [str(m) for m in messages]
        for field, messages in form.errors.items()
    }


class _SharedFields(dict):  # type: ignore[type-arg]
    """Form fields an instance does not copy: it only validates with them, never changes them."""

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, forms.Field]:
        return dict(self)


def validation_only(form_class: type[forms.Form]) -> type[forms.Form]:
    """Return a subclass of `form_class` whose instances share the class's fields.

    A Django form deep-copies every field (widgets, validators, messages) so that a rendered
    form can change its own; the submit service builds up to seven forms per report and renders
    none, and the copies were a tenth of a submission's CPU.
    """
    shared = type(f"{form_class.__name__}Check", (form_class,), {})
    shared.base_fields = _SharedFields(form_class.base_fields)  # type: ignore[attr-defined]
    return shared


ReportFieldsCheck = validation_only(ReportFieldsForm)
TargetCheck = validation_only(TargetForm)
ContactCheck = validation_only(ContactForm)
