"""Task pages within a case: list and create, detail with comments, complete, cancel."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from qinglang.cases.selectors import handling
from qinglang.cases.selectors.cases import can_handle_case, get_case_for, latest_of
from qinglang.cases.services import tasks
from qinglang.cases.views.case_lists import paged
from qinglang.cases.views.transfers import add_errors, style
from qinglang.core.auth import require_verified
from qinglang.core.exceptions import NotPermitted
from qinglang.core.models import Organization, User

# The handling page pages the tasks; of the transfers and events it shows the latest.
HANDLING_TRANSFERS = 10
HANDLING_EVENTS = 30


class TaskForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    assignee = forms.ChoiceField(label=gettext_lazy("Assign to"))
    due = forms.DateField(
        label=gettext_lazy("Due (empty: by policy)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, case: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offices = tasks.case_offices(case)
        choices = [
            (f"org:{o.pk}", o.name)
            for o in Organization.objects.filter(pk__in=offices).order_by("name")
        ]
        choices += [
            (f"user:{u.pk}", f"{u} ({u.organization})")
            for u in User.objects.filter(organization_id__in=offices, is_active=True)
            .select_related("organization")
            .order_by("username")
        ]
        self.fields["assignee"].choices = choices
        style(self)


@require_verified
@require_http_methods(["GET", "POST"])
def task_list(request: HttpRequest, case_id: int) -> HttpResponse:
    case = get_case_for(request.user, case_id)
    may_handle = can_handle_case(request.user, case)
    form = TaskForm(request.POST or None, case=case) if may_handle else None
    if request.method == "POST":
        if form is None:
            raise NotPermitted(_("You may not add tasks to this case."))
        if form.is_valid():
            kind, _sep, pk = form.cleaned_data["assignee"].partition(":")
            try:
                task = tasks.create_task(
                    case,
                    title=form.cleaned_data["title"],
                    description=form.cleaned_data["description"],
                    acting_user=request.user,
                    assignee_user=pk if kind == "user" else None,
                    assignee_organization=pk if kind == "org" else None,
                    due=form.cleaned_data["due"],
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Task created."))
                return redirect(task)
    tasks_page = paged(request, handling.tasks_for_case(case))
    events = latest_of(handling.handling_events_newest_first(case), HANDLING_EVENTS)
    bad = (form is not None and form.errors) or tasks_page["page_error"]
    return render(
        request,
        "cases/task_list.html",
        {
            "case": case,
            **tasks_page,
            "form": form,
            "transfers": latest_of(handling.transfers_for_case(case), HANDLING_TRANSFERS),
            "events": events.rows[::-1],  # the latest, in the order they happened
            "events_latest": events,
        },
        status=400 if bad else 200,
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Comment (@username to mention)"),
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )


@require_verified
@require_http_methods(["GET", "POST"])
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = handling.get_task_for(request.user, pk)
    form = CommentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            tasks.comment_on_task(
                task,
                body=form.cleaned_data["body"],
                acting_user=request.user,
                attachments=request.FILES.getlist("attachments"),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Comment added."))
            return redirect(task)
    return render(
        request,
        "cases/task_detail.html",
        {
            "task": task,
            "form": form,
            "attachments": handling.task_attachments(task),
            "may_work": tasks.can_work_task(request.user, task),
            "may_cancel": can_handle_case(request.user, task.case),
        },
        status=400 if form.errors else 200,
    )


@require_verified
@require_POST
def task_complete(request: HttpRequest, pk: int) -> HttpResponse:
    task = handling.get_task_for(request.user, pk)
    try:
        tasks.complete_task(task, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Task done."))
    return redirect(task)


@require_verified
@require_POST
def task_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    task = handling.get_task_for(request.user, pk)
    try:
        tasks.cancel_task(task, acting_user=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Task cancelled."))
    return redirect(task)
