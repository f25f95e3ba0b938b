"""`{% case_thresholds case %}`: the thresholds a case's amounts reach (hook for the case page)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("disclosure/_case_thresholds.html", takes_context=True)
def case_thresholds(context: Any, case: Any) -> dict[str, Any]:
    """Show the thresholds reached and a suggestion of criminal referral."""
    from qinglang.cases.selectors.cases import can_handle_case
    from qinglang.disclosure.forms import AmountsForm
    from qinglang.disclosure.selectors import case_amounts, thresholds_reached

    user = context["request"].user
    offender, amounts = case_amounts(case)
    return {
        "case": case,
        "reached": thresholds_reached(case),
        "can_record": can_handle_case(user, case),
        "amounts_form": AmountsForm(initial={"offender": offender, **amounts}),
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
    }
