"""Forms that link case targets to registry entities: in the decision form, search and create."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from qinglang.cases.forms import CloseForm, DecisionForm
from qinglang.cases.models import CaseTarget
from qinglang.cases.selectors.targets import (
    ENTITY_TYPE_LABELS,
    ENTITY_TYPES,
    EntityRef,
)
from qinglang.cases.services.targets import TargetLink
from qinglang.core.forms import StyledForm, style_fields

LINK_PREFIX = "link_"


def entity_choice(entity_type: str, entity: Model) -> tuple[str, str]:
    """Return the (value, label) of a registry entity in a link select."""
    return f"{entity_type}:{entity.pk}", f"{ENTITY_TYPE_LABELS[entity_type]}: {entity}"


class TargetLinksMixin:
    """Add one select per unlinked target offering registry entries found for it."""

    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]

    def add_link_fields(self, choices: dict[CaseTarget, list[tuple[str, Model]]]) -> None:
        for target, found in choices.items():
            self.fields[f"{LINK_PREFIX}{target.pk}"] = forms.ChoiceField(
                label=_("Registry entry for “%(label)s”") % {"label": target.label},
                required=False,
                choices=[("", _("— leave unlinked —")), *(entity_choice(t, e) for t, e in found)],
            )
        style_fields(self)  # type: ignore[arg-type]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()  # type: ignore[misc]
        cleaned["target_links"] = self._target_links(cleaned)
        return cleaned

    def _target_links(self, cleaned: dict[str, Any]) -> list[TargetLink]:
        links = []
        for name, value in cleaned.items():
            if name.startswith(LINK_PREFIX) and value:
                entity_type, _sep, pk = value.partition(":")
                links.append(
                    TargetLink(int(name[len(LINK_PREFIX) :]), EntityRef(entity_type, int(pk)))
                )
        return links


class DecisionLinkForm(TargetLinksMixin, DecisionForm):
    def __init__(self, *args: Any, link_choices: dict | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_link_fields(link_choices or {})


class CloseLinkForm(TargetLinksMixin, CloseForm):
    def __init__(self, *args: Any, link_choices: dict | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_link_fields(link_choices or {})


_TYPE_CHOICES = [(t, ENTITY_TYPE_LABELS[t]) for t in ENTITY_TYPES]


class EntitySearchForm(StyledForm):
    type = forms.ChoiceField(label=_("Registry entry type"), choices=_TYPE_CHOICES)
    q = forms.CharField(
        label=_("Name, domain, ICP number or handle"), max_length=200, required=False
    )


class EntityPickForm(StyledForm):
    type = forms.ChoiceField(choices=_TYPE_CHOICES, widget=forms.HiddenInput)
    entity = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class EntityCreateForm(StyledForm):
    """Fields of a new registry entry; which apply depends on the type (the registry checks)."""

    type = forms.ChoiceField(label=_("Registry entry type"), choices=_TYPE_CHOICES)
    name = forms.CharField(label=_("Name or display name"), max_length=200, required=False)
    domain = forms.CharField(label=_("Domain (websites)"), max_length=253, required=False)
    icp_number = forms.CharField(
        label=_("ICP filing number (websites)"), max_length=64, required=False
    )
    operator_name = forms.CharField(label=_("Operator (websites)"), max_length=200, required=False)
    platform = forms.CharField(label=_("Platform (accounts)"), max_length=64, required=False)
    uid = forms.CharField(label=_("User id or handle (accounts)"), max_length=128, required=False)
    employer = forms.CharField(label=_("Employer (practitioners)"), max_length=200, required=False)
    press_card_number = forms.CharField(
        label=_("Press card number (practitioners)"), max_length=32, required=False
    )
    kind = forms.ChoiceField(
        label=_("Company or person (intermediaries)"),
        required=False,
        choices=[("company", _("Company")), ("person", _("Person"))],
    )
    uscc = forms.CharField(label=_("USCC (intermediaries)"), max_length=18, required=False)
