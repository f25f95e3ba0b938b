"""Template filters that turn registry codes into words: `{{ i.kind|kind_label }}`."""

from __future__ import annotations

from django import template

from qinglang.registry.labels import identifier_kind_label, source_kind_label

register = template.Library()


@register.filter
def kind_label(kind: str) -> str:
    """Return the word for an identifier kind."""
    return identifier_kind_label(str(kind))


@register.filter
def source_label(source_type: str) -> str:
    """Return the word for a source type."""
    return source_kind_label(str(source_type))
