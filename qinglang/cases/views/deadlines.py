"""The deadlines page: every open deadline of the office and its subordinates, coloured."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from qinglang.cases.models import CalendarFeed
from qinglang.cases.selectors.deadlines import (
    DeadlineFilters,
    DeadlineKind,
    DeadlinePlan,
    DeadlineStatus,
    due_soon_working_days,
    escalations_for,
    list_deadlines,
    offices_for_filter,
)
from qinglang.cases.services.calendar import issue_calendar_feed
from qinglang.core.auth import require_verified
from qinglang.core.forms import add_service_errors, style_fields


class DeadlineFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        required=False,
        choices=[("", gettext_lazy("All kinds")), *DeadlineKind.choices],
    )
    office = forms.TypedChoiceField(
        label=gettext_lazy("Office"), required=False, coerce=int, empty_value=None
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("Any status")), *DeadlineStatus.choices],
    )
    responsible = forms.TypedChoiceField(
        label=gettext_lazy("Responsible office"), required=False, coerce=int, empty_value=None
    )
    region = forms.CharField(
        label=gettext_lazy("Region"),
        required=False,
        max_length=6,
        widget=forms.TextInput(attrs={"size": 6, "inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offices = [("", _("All offices")), *((o.pk, o.name) for o in offices_for_filter(user))]
        self.fields["office"].choices = offices  # type: ignore[attr-defined]
        self.fields["responsible"].choices = offices  # type: ignore[attr-defined]
        style_fields(self)


# Rows of the page, one section per kind (ids stay stable for links and browser tests).
SECTIONS = (
    (DeadlineKind.TRIAGE, "deadline-triage"),
    (DeadlineKind.TRANSFER, "deadline-transfers"),
    (DeadlineKind.EXTENSION, "deadline-extensions"),
    (DeadlineKind.TASK, "deadline-tasks"),
)


@require_verified
def deadline_list(request: HttpRequest) -> HttpResponse:
    return _page(request)


def _page(request: HttpRequest, *, feed_url: str = "") -> HttpResponse:
    form = DeadlineFilterForm(request.GET or None, user=request.user)
    plan = DeadlinePlan()
    filters = DeadlineFilters()
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        filters = DeadlineFilters(
            kind=d["kind"],
            office=d["office"],
            status=d["status"],
            responsible=d["responsible"],
            region=d["region"].strip(),
        )
    if not form.is_bound or form.is_valid():
        try:
            plan = list_deadlines(request.user, filters)
        except ValidationError as exc:
            add_service_errors(form, exc)
    shown = [k for k, _id in SECTIONS if not filters.kind or filters.kind == k]
    params = request.GET.copy()
    params.pop("status", None)
    return render(
        request,
        "cases/deadline_list.html",
        {
            "form": form,
            "plan": plan,
            "sections": [
                (kind, section_id, dict(DeadlineKind.choices)[kind], plan.of_kind(kind))
                for kind, section_id in SECTIONS
                if kind in shown
            ],
            "statuses": [(s, label, plan.counts.get(s, 0)) for s, label in DeadlineStatus.choices],
            "status": filters.status,
            "at_risk_days": due_soon_working_days(),
            "query_without_status": params.urlencode(),
            "escalated": escalations_for(request.user),
            "feed": CalendarFeed.objects.filter(user_id=request.user.pk or 0).first(),
            "feed_url": feed_url,
        },
        status=400 if form.errors else 200,
    )


@require_verified
@require_POST
def calendar_feed_issue(request: HttpRequest) -> HttpResponse:
    """Create or replace the user's secret calendar address; show it once (never stored)."""
    raw = issue_calendar_feed(request.user, acting_user=request.user)
    messages.success(request, _("Your calendar address is ready; copy it now, it is shown once."))
    return _page(request, feed_url=request.build_absolute_uri(reverse("calendar_feed", args=[raw])))
