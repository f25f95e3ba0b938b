"""Forms of the case page's evidence section: a web capture to order, an upload's errors."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qinglang.core.forms import style_fields


class CaptureForm(forms.Form):
    """The address of a page to preserve."""

    prefix = "capture"
    url = forms.CharField(
        label=_("Address of the page"),
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://", "inputmode": "url"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_fields(self)


class UploadForm(forms.Form):
    """Holds the errors of an upload (the files come from request.FILES["files"])."""
