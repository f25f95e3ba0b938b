"""`{% case_collaboration case %}` and `{% assigned_to_me %}`: who works a case, and one's own."""

from __future__ import annotations

from typing import Any

from django import template

from qinglang.cases.forms_collaboration import AssignForm, NoteForm
from qinglang.cases.selectors.cases import can_handle_case
from qinglang.cases.selectors.collaboration import count_open_cases_assigned_to

register = template.Library()


@register.inclusion_tag("cases/_case_collaboration.html", takes_context=True)
def case_collaboration(context: Any, case: Any) -> dict[str, Any]:
    """Show the owner and assignees and, to those who work the case, the forms."""
    user = context["request"].user
    can_work = can_handle_case(user, case)
    initial = {"owner": case.owner_id, "assignees": [u.pk for u in case.assignees.all()]}
    return {
        "case": case,
        "owner": case.owner,
        "assignees": list(case.assignees.all()),
        "can_work": can_work,
        "assign_form": context.get("assign_form")
        or (AssignForm(initial=initial, case=case) if can_work else None),
        "note_form": context.get("note_form") or (NoteForm() if can_work else None),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("cases/_assigned_to_me.html", takes_context=True)
def assigned_to_me(context: Any) -> dict[str, Any]:
    """Show the workbench entry "assigned to me" with the count of open cases."""
    user = context["request"].user
    return {"count": count_open_cases_assigned_to(user)}
