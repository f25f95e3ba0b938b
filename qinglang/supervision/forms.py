"""Forms of supervision pages (the services validate again; these shape the input)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from qinglang.supervision.models import PledgeKind


class ApplicationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    id_number = forms.CharField(
        label=_("Resident identity number"),
        min_length=18,
        max_length=18,
        help_text=_("Checked and stored only as a keyed hash; nobody can read it back."),
    )
    phone = forms.CharField(label=_("Phone"), max_length=32)
    region = forms.ChoiceField(label=_("Region"))
    statement = forms.CharField(
        label=_("Background statement"),
        min_length=20,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Your work and why you want to supervise (20 to 5000 characters)."),
    )
    pseudonym = forms.CharField(
        label=_("Public pseudonym"),
        max_length=50,
        required=False,
        help_text=_("If given, the public list shows this instead of your name."),
    )

    def __init__(self, *args: object, regions: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["region"].choices = regions


class DecideForm(forms.Form):
    approved = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("yes", _("Approve")), ("no", _("Reject"))],
        coerce=lambda v: v == "yes",
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000, required=False)


class PledgeForm(forms.Form):
    kind = forms.ChoiceField(label=_("Pledge"), choices=PledgeKind.choices)
    text = forms.CharField(
        label=_("Text of the pledge"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class AnswerForm(forms.Form):
    response = forms.CharField(
        label=_("Answer"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
