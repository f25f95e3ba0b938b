"""The shared form helpers: service errors onto forms, Bootstrap classes on widgets."""

from __future__ import annotations

from django import forms

from qinglang.core.exceptions import DomainError
from qinglang.core.forms import StyledForm, add_service_errors, style_fields


class _Form(forms.Form):
    title = forms.CharField()
    kind = forms.ChoiceField(choices=[("a", "A")])
    urgent = forms.BooleanField(required=False)
    offices = forms.MultipleChoiceField(
        choices=[("1", "1")], required=False, widget=forms.CheckboxSelectMultiple
    )
    token = forms.CharField(widget=forms.HiddenInput)


def test_field_errors_land_on_their_field_and_unknown_ones_on_the_form():
    form = _Form(data={"title": "x", "kind": "a", "token": "t"})
    assert form.is_valid()
    add_service_errors(form, DomainError({"title": ["太短"], "lead_office": ["不在辖区"]}))
    assert form.errors["title"] == ["太短"]
    assert form.non_field_errors() == ["不在辖区"]


def test_a_plain_message_becomes_a_form_error():
    form = _Form(data={"title": "x", "kind": "a", "token": "t"})
    form.is_valid()
    add_service_errors(form, DomainError("已过期"))
    assert form.non_field_errors() == ["已过期"]


def test_widgets_get_their_bootstrap_class_and_hidden_inputs_none():
    form = _Form()
    style_fields(form)
    classes = {name: f.widget.attrs.get("class") for name, f in form.fields.items()}
    assert classes == {
        "title": "form-control",
        "kind": "form-select",
        "urgent": "form-check-input",
        "offices": "form-check-input",
        "token": None,
    }


def test_styled_form_styles_itself_and_keeps_explicit_classes():
    class Form(StyledForm):
        name = forms.CharField(widget=forms.TextInput(attrs={"class": "form-control-lg"}))
        kind = forms.ChoiceField(choices=[("a", "A")])

    form = Form()
    assert form.fields["name"].widget.attrs["class"] == "form-control-lg"
    assert form.fields["kind"].widget.attrs["class"] == "form-select"
