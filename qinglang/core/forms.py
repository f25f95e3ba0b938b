"""Forms of core: the two sign-in steps, and the helpers every app's forms and views share."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from qinglang.core.twofactor import normalize_code


class PasswordStepForm(AuthenticationForm):
    """Step 1: username and password (axes counts failures and locks out)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The username or password is not correct."),
    }


class CodeForm(forms.Form):
    """Step 2: a 6-digit code from the authenticator app, or a one-time backup code."""

    token = forms.CharField(
        label=_("Verification code"),
        max_length=20,
        help_text=_("The 6-digit code from your authenticator app, or a backup code."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "text",
                "autofocus": True,
                "autocapitalize": "off",
                "spellcheck": "false",
            }
        ),
    )

    def clean_token(self) -> str:
        code = normalize_code(self.cleaned_data["token"])
        if not code.isalnum() or not 6 <= len(code) <= 16:
            raise forms.ValidationError(_("Enter the 6-digit code or a backup code."))
        return code


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's validation error on the form: per field where the form has that field."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = field if field in form.fields else None
            for message in errors:
                form.add_error(target, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def style_fields(form: forms.BaseForm) -> None:
    """Give every widget its Bootstrap 5 class (the CSP forbids inline styles: classes only)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput):
            continue
        if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
            css = "form-check-input"  # RadioSelect covers CheckboxSelectMultiple
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs.setdefault("class", css)


class StyledForm(forms.Form):
    """A form whose widgets carry Bootstrap classes (templates stay free of widget tweaks)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_fields(self)
