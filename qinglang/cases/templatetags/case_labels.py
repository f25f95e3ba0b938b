"""Template filters that turn case codes into words: `{{ m.measure|measure_label }}`."""

from __future__ import annotations

from typing import Any

from django import template

from qinglang.cases.models import Measure

register = template.Library()


@register.filter
def measure_label(code: Any) -> str:
    """Return the word for a decision measure; an unknown (historic) code reads as itself."""
    try:
        return str(Measure(str(code)).label)
    except ValueError:
        return str(code)
