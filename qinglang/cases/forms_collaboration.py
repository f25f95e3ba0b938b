"""Forms of collaboration on a case: assigning people, writing an internal note."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qinglang.cases.models import Case
from qinglang.cases.selectors.collaboration import list_assignable_users
from qinglang.cases.services.collaboration import MAX_NOTE
from qinglang.core.forms import StyledForm


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj} ({obj.username})"


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj} ({obj.username})"


class AssignForm(StyledForm):
    owner = PersonChoiceField(
        label=_("Owner"), required=False, queryset=None, empty_label=_("Nobody")
    )
    assignees = PeopleChoiceField(
        label=_("Assignees"),
        required=False,
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = list_assignable_users(case)
        self.fields["owner"].queryset = people  # type: ignore[attr-defined]
        self.fields["assignees"].queryset = people  # type: ignore[attr-defined]


class NoteForm(StyledForm):
    text = forms.CharField(
        label=_("Internal note"),
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Seen only by the handling offices; @username notifies a colleague."),
    )
