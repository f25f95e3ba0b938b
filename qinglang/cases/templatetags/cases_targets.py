"""`{% case_targets case %}`: the targets, their registry entries and the unlinked warning."""

from __future__ import annotations

from typing import Any

from django import template

from qinglang.cases.models import CaseStatus
from qinglang.cases.selectors.cases import can_handle_case
from qinglang.cases.selectors.targets import (
    linked_entities,
    needs_link_warning,
    violation_blockers,
)

register = template.Library()


@register.inclusion_tag("cases/_case_targets.html", takes_context=True)
def case_targets(context: dict[str, Any], case: Any) -> dict[str, Any]:
    targets = list(case.targets.all())
    entities = linked_entities(targets)
    rows = [(t, entities.get(t.pk)) for t in targets]
    unlinked = [t for t, e in rows if e is None]
    user = context["request"].user
    return {
        "case": case,
        "rows": rows,
        "unlinked": unlinked,
        "warn": bool(unlinked) and needs_link_warning(case),
        "blockers": violation_blockers(case) if case.status != CaseStatus.CLOSED else [],
        "can_link": case.status != CaseStatus.CLOSED
        and not case.is_internal
        and can_handle_case(user, case),
    }
