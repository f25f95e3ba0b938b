"""`{% evidence_panel "cases.case" case.pk %}`: a subject's items and captures, for other apps."""

from __future__ import annotations

from typing import Any

from django import template

from qinglang.evidence.access import can_view_subject
from qinglang.evidence.progress import CaptureProgress
from qinglang.evidence.progress import capture_progress as _capture_progress
from qinglang.evidence.selectors import captures_for, items_for

register = template.Library()


@register.inclusion_tag("evidence/_panel.html", takes_context=True)
def evidence_panel(context: dict[str, Any], subject_type: str, subject_id: Any) -> dict:
    """Render the evidence list and capture status of a subject the viewer may see."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if not can_view_subject(user, subject_type, str(subject_id)):
        return {"items": [], "captures": []}
    return {
        "items": items_for((subject_type, subject_id)),
        "captures": captures_for((subject_type, subject_id)),
    }


@register.inclusion_tag("evidence/_panel.html", takes_context=True)
def capture_status(context: dict[str, Any], subject_type: str, subject_id: Any) -> dict:
    """Render only the web captures of a subject (pages that list the items themselves)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if not can_view_subject(user, subject_type, str(subject_id)):
        return {"items": [], "captures": [], "captures_only": True}
    return {
        "items": [],
        "captures": captures_for((subject_type, subject_id)),
        "captures_only": True,
    }


@register.filter
def capture_progress(capture: Any) -> CaptureProgress:
    """Return a capture's progress in words (state, label, what happens next)."""
    return _capture_progress(capture)
