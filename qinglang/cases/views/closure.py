"""The office's closure policy: what closing a case does to its open transfers and tasks."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qinglang.cases.models import OpenWorkOnClose
from qinglang.cases.selectors.closure import closure_policy_for
from qinglang.cases.services.closure import can_set_closure_policy, set_closure_policy
from qinglang.cases.views.common import office_staff_required
from qinglang.core.forms import add_service_errors, style_fields


class ClosurePolicyForm(forms.Form):
    open_work = forms.ChoiceField(
        label=gettext_lazy("When a case with open transfers or tasks is closed"),
        choices=OpenWorkOnClose.choices,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        style_fields(self)


@office_staff_required
def closure_policy(request: HttpRequest) -> HttpResponse:
    """Show the office's policy; its head may change it."""
    office = request.user.organization
    may_change = can_set_closure_policy(request.user, office)
    form = ClosurePolicyForm(
        request.POST if request.method == "POST" else None,
        initial={"open_work": closure_policy_for(office)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            set_closure_policy(
                office, open_work=form.cleaned_data["open_work"], acting_user=request.user
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Closure policy saved."))
            return redirect("cases:closure_policy")
    return render(
        request,
        "cases/closure_policy_form.html",
        {"form": form, "office": office, "may_change": may_change},
        status=400 if form.errors else 200,
    )
