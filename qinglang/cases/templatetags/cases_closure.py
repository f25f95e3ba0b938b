"""`{% open_work_warning case %}`: the transfers and tasks still open before deciding or closing."""

from __future__ import annotations

from typing import Any

from django import template

from qinglang.cases.models import OpenWorkOnClose
from qinglang.cases.selectors.closure import (
    OPEN_WORK_SHOWN,
    closure_policy_for,
    open_work_preview,
)

register = template.Library()


@register.inclusion_tag("cases/case_open_work.html")
def open_work_warning(case: Any) -> dict[str, Any]:
    if case.status == "closed":
        return {"work": None}
    work = open_work_preview(case, OPEN_WORK_SHOWN)
    return {
        "case": case,
        "work": work,
        "refuses": work and closure_policy_for(case.lead_office) == OpenWorkOnClose.REFUSE,
    }
