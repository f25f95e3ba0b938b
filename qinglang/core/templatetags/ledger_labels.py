"""Template filters that turn ledger codes into words: `{{ event.action|action_label }}`.

Staff read timelines and custody logs; the stored codes (`report.received`, `cases.transfer:3`,
actor "system") are for machines and the verifier, the labels come from the typed registry.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.apps import apps
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qinglang.core.ledger_actions import StrOrPromise, label_for

register = template.Library()

# Labels services write for events without a signed-in user (see `ledger.append` callers).
ACTOR_LABELS: dict[str, StrOrPromise] = {
    "system": gettext_lazy("System"),
    "reporter": gettext_lazy("Reporter"),
    "applicant": gettext_lazy("Applicant"),
    "monitoring": gettext_lazy("Monitoring"),
    "demo": gettext_lazy("Demo data"),
    "bench": gettext_lazy("Benchmark"),
}

# Reasons services store as codes in an event's data (people's own reasons are stored as text).
REASON_LABELS: dict[str, StrOrPromise] = {
    "case_closed": gettext_lazy("the case was closed"),
    "reporter": gettext_lazy("at the reporter's request"),
    "deactivated": gettext_lazy("the account was deactivated"),
    "second_factor_reset": gettext_lazy("the second factor was reset"),
    "timed_out": gettext_lazy("the session timed out"),
}


@register.filter
def action_label(code: Any) -> str:
    """Return the staff label of a ledger action code."""
    return label_for(str(code))


@register.filter
def actor_name(event: Any) -> str:
    """Return who did it in words: the user's name, or a translated automatic actor."""
    actor = getattr(event, "actor", None)
    if actor is not None:
        return str(actor)
    label = str(getattr(event, "actor_label", "") or "system")
    return str(ACTOR_LABELS.get(label, label))


@register.filter
def object_label(ref: Any) -> str:
    """Return "Transfer #3" for a stored reference such as `cases.transfer:3`."""
    text = str(ref or "")
    model_label, sep, object_id = text.partition(":")
    if not sep:
        return text
    try:
        model = apps.get_model(model_label)
    except (LookupError, ValueError):
        return text
    return _("%(kind)s #%(id)s") % {"kind": model._meta.verbose_name, "id": object_id}


@register.filter
def reason_label(reason: Any) -> str:
    """Return a stored reason in words: a known reason code translated, a person's text as is."""
    text = str(reason or "")
    return str(REASON_LABELS.get(text, text))
