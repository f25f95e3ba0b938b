"""Collaboration on the case page: assign people, add an internal note."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglang.cases.forms_collaboration import AssignForm, NoteForm
from qinglang.cases.selectors.cases import can_handle_case, get_case_detail_for
from qinglang.cases.services import collaboration
from qinglang.cases.views.cases import _detail_context
from qinglang.cases.views.common import add_domain_errors, office_staff_required
from qinglang.core.exceptions import NotPermitted


def _page_with(request: HttpRequest, case: object, **forms: object) -> HttpResponse:
    context = _detail_context(request, case, **{})  # type: ignore[arg-type]
    return render(request, "cases/case_detail.html", {**context, **forms}, status=400)


@office_staff_required
@require_POST
def case_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Set the case's owner and assignees."""
    case = get_case_detail_for(request.user, pk)
    if not can_handle_case(request.user, case):
        raise NotPermitted(_("You may not work on this case."))
    form = AssignForm(request.POST, case=case)
    if form.is_valid():
        try:
            collaboration.assign_case(
                case,
                owner=form.cleaned_data["owner"],
                assignees=list(form.cleaned_data["assignees"]),
                acting_user=request.user,
            )
        except ValidationError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Assignment saved."))
            return redirect("cases:case_detail", case.pk)
    return _page_with(request, case, assign_form=form)


@office_staff_required
@require_POST
def case_note(request: HttpRequest, pk: int) -> HttpResponse:
    """Add an internal note to the case's timeline."""
    case = get_case_detail_for(request.user, pk)
    if not can_handle_case(request.user, case):
        raise NotPermitted(_("You may not work on this case."))
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            collaboration.add_case_note(
                case, text=form.cleaned_data["text"], acting_user=request.user
            )
        except ValidationError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Note added."))
            return redirect("cases:case_detail", case.pk)
    return _page_with(request, case, note_form=form)
