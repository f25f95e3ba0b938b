"""Forms of core: the two sign-in steps."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
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
