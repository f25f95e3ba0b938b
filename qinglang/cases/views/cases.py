"""Case pages: the filtered list and its exports, a new case, one case and its actions."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglang.cases import exports
from qinglang.cases.forms import (
    CaseCreateForm,
    CaseEditForm,
    CaseFilterForm,
    MergeForm,
    ReasonForm,
    SplitForm,
    StatusForm,
)
from qinglang.cases.forms_targets import CloseLinkForm, DecisionLinkForm
from qinglang.cases.models import ALLOWED_TRANSITIONS, Case, CaseStatus
from qinglang.cases.selectors.cases import (
    CaseFilters,
    can_create_case,
    can_handle_case,
    can_lead_case,
    case_timeline_newest_first,
    cases_visible_to,
    count_cases,
    get_case_detail_for,
    get_case_for,
    latest_of,
    list_cases,
)
from qinglang.cases.selectors.closure import OPEN_WORK_SHOWN, open_work_preview
from qinglang.cases.selectors.collaboration import case_notes_newest_first
from qinglang.cases.selectors.handling import tasks_for_case_newest_first, transfers_for_case
from qinglang.cases.services import lifecycle
from qinglang.cases.views.common import (
    add_domain_errors,
    office_staff_required,
    paginate,
    query_without_page,
)
from qinglang.cases.views.targets import link_choices, warn_unlinked
from qinglang.core.exceptions import NotPermitted

# The case page shows the newest few of each of the case's lists; each has a paged page.
DETAIL_ROWS = 5
TIMELINE_ROWS = 30


def _filtered(request: HttpRequest) -> tuple[CaseFilterForm, Any, CaseFilters]:
    form = CaseFilterForm(request.GET or None, user=request.user)
    filters = CaseFilters()
    if form.is_valid():
        d = form.cleaned_data
        filters = CaseFilters(
            status=d["status"],
            category=d["category"],
            office=d["office"].pk if d["office"] else None,
            region=d["region"],
            due_before=d["due_before"],
            target=d["target"],
            assignee=d["assignee"],
        )
    elif form.is_bound:  # a bad filter lists nothing rather than every case
        return form, Case.objects.none().order_by("-created_at", "-id"), filters
    return form, list_cases(request.user, filters), filters


@office_staff_required
def case_list(request: HttpRequest) -> HttpResponse:
    """Show the user's cases, filtered and paged (a bad filter: its error and no rows, 400)."""
    form, cases, filters = _filtered(request)
    bad = form.is_bound and not form.is_valid()
    return render(
        request,
        "cases/case_list.html",
        {
            "form": form,
            "page": paginate(
                request, cases, count=0 if bad else count_cases(request.user, filters)
            ),
            "query": query_without_page(request),
            "can_create": can_create_case(request.user),
        },
        status=400 if bad else 200,
    )


@office_staff_required
def case_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """Export the filtered list as CSV or XLSX."""
    _form, cases, _filters = _filtered(request)
    return exports.export_xlsx(cases) if fmt == "xlsx" else exports.export_csv(cases)


@office_staff_required
def case_create(request: HttpRequest) -> HttpResponse:
    """Open a case directly."""
    if not can_create_case(request.user):
        raise NotPermitted(_("You may not open cases."))
    form = CaseCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            case = lifecycle.create_case(
                acting_user=request.user,
                category=d["category"],
                title=d["title"],
                lead_office=d["lead_office"],
                summary=d["summary"],
                severity=d["severity"],
                urgency=d["urgency"],
                targets=form.targets(),
            )
        except ValidationError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Case %(n)s opened.") % {"n": case.number})
            return redirect("cases:case_detail", case.pk)
    return render(
        request, "cases/case_form.html", {"form": form}, status=400 if form.is_bound else 200
    )


def _detail_context(request: HttpRequest, case: Case, **forms: Any) -> dict[str, Any]:
    """Build the detail page of a case already read through `get_case_detail_for`."""
    v = {"version": case.version}
    edit_initial = {
        **v,
        "title": case.title,
        "category": case.category,
        "severity": case.severity,
        "urgency": case.urgency,
        "summary": case.summary,
        "co_offices": list(case.co_offices.all()),
    }
    lead = can_lead_case(request.user, case)
    from qinglang.cases.selectors.pickers import pick_cases
    from qinglang.cases.selectors.triage import analysis_view

    events = latest_of(case_timeline_newest_first(case), TIMELINE_ROWS)
    return {
        "case": case,
        "report_analyses": [(r, analysis_view(r)) for r in case.reports.all()],
        "timeline": events.rows[::-1],  # the latest events, in the order they happened
        "timeline_latest": events,
        "tasks": latest_of(tasks_for_case_newest_first(case), DETAIL_ROWS),
        "notes": latest_of(case_notes_newest_first(case), DETAIL_ROWS),
        "can_handle": can_handle_case(request.user, case),
        "can_lead": lead,
        "edit_form": forms.get("edit_form")
        or CaseEditForm(initial=edit_initial, lead=lead, lead_office_id=case.lead_office_id),
        "status_form": forms.get("status_form") or StatusForm(initial=v, current=case.status),
        "decision_form": forms.get("decision_form")
        or DecisionLinkForm(initial=v, link_choices=link_choices(request, case, lead)),
        "close_form": forms.get("close_form")
        or CloseLinkForm(initial=v, link_choices=link_choices(request, case, lead)),
        "reopen_form": forms.get("reopen_form") or ReasonForm(initial=v),
        "merge_form": forms.get("merge_form") or MergeForm(),
        # The lifecycle decides which actions the page offers (no decision on a new case).
        "can_decide": (case.status, CaseStatus.DECIDED) in ALLOWED_TRANSITIONS
        and not case.merged_into_id,
        "open_cases": pick_cases(request.user, "", exclude=case.pk) if lead else [],
        "split_form": SplitForm(),
        "split_error": forms.get("split_error"),
        "statuses": CaseStatus,
        "transfers": latest_of(transfers_for_case(case), DETAIL_ROWS),
    }


@office_staff_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one case with its targets, reports, decision and timeline."""
    case = get_case_detail_for(request.user, pk)
    return render(request, "cases/case_detail.html", _detail_context(request, case))


def _act(
    request: HttpRequest,
    pk: int,
    form_class: Callable[..., Any],
    form_name: str,
    call: Callable[[Case, dict[str, Any]], Case],
    done: str,
    *,
    lead: bool = False,
) -> HttpResponse:
    """Run one case action from a POSTed form; on refusal re-show the page with the errors."""
    case = get_case_detail_for(request.user, pk)
    allowed = can_lead_case if lead else can_handle_case
    if not allowed(request.user, case):
        raise NotPermitted(_("You may not do this on this case."))
    form = form_class(request.POST)
    if form.is_valid():
        try:
            result = call(case, form.cleaned_data)
        except ValidationError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("cases:case_detail", result.pk)
    return render(
        request,
        "cases/case_detail.html",
        _detail_context(request, case, **{form_name: form}),
        status=409 if "version" in form.errors else 400,
    )


@office_staff_required
@require_POST
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for(request.user, pk)
    lead = can_lead_case(request.user, case)
    return _act(
        request,
        pk,
        partial(CaseEditForm, lead=lead, lead_office_id=case.lead_office_id),
        "edit_form",
        lambda c, d: lifecycle.update_case(
            c,
            acting_user=request.user,
            expected_version=d["version"],
            title=d["title"],
            category=d["category"],
            severity=d["severity"],
            urgency=d["urgency"],
            summary=d["summary"],
            co_offices=d["co_offices"] if lead else None,
        ),
        _("Case updated."),
    )


@office_staff_required
@require_POST
def case_status(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        StatusForm,
        "status_form",
        lambda c, d: lifecycle.change_status(
            c,
            to=d["status"],
            note=d["note"],
            acting_user=request.user,
            expected_version=d["version"],
        ),
        _("Status changed."),
    )


@office_staff_required
@require_POST
def case_decide(request: HttpRequest, pk: int) -> HttpResponse:
    def call(c: Case, d: dict[str, Any]) -> Case:
        kwargs = {
            "acting_user": request.user,
            "expected_version": d["version"],
            "outcome": d["outcome"],
            "measures": d["measures"],
            "legal_basis": d["legal_basis"],
            "public_result": d["public_result"],
            "target_links": d["target_links"],
        }
        if d["close_now"]:
            closed = lifecycle.close_case(c, closure_summary=d["closure_summary"], **kwargs)
            warn_unlinked(request, closed)
            return closed
        decided = lifecycle.decide_case(c, closure_summary=d["closure_summary"], **kwargs)
        warn_unlinked(request, decided)
        work = open_work_preview(decided, OPEN_WORK_SHOWN)
        if work:
            items = work.describe()
            more = work.more_transfers + work.more_tasks
            if more:  # a message names a few, never a thousand
                items = _("%(items)s and %(n)s more") % {"items": items, "n": more}
            messages.warning(
                request,
                _("Still open on this case: %(items)s. Answer or finish them before closing.")
                % {"items": items},
            )
        return decided

    form_class = partial(
        DecisionLinkForm, link_choices=link_choices(request, get_case_for(request.user, pk), True)
    )
    return _act(request, pk, form_class, "decision_form", call, _("Decision recorded."), lead=True)


@office_staff_required
@require_POST
def case_close(request: HttpRequest, pk: int) -> HttpResponse:
    form_class = partial(
        CloseLinkForm, link_choices=link_choices(request, get_case_for(request.user, pk), True)
    )

    def call(c: Case, d: dict[str, Any]) -> Case:
        closed = lifecycle.close_case(
            c,
            acting_user=request.user,
            expected_version=d["version"],
            closure_summary=d["closure_summary"],
            target_links=d["target_links"],
        )
        warn_unlinked(request, closed)
        return closed

    return _act(request, pk, form_class, "close_form", call, _("Case closed."), lead=True)


@office_staff_required
@require_POST
def case_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        ReasonForm,
        "reopen_form",
        lambda c, d: lifecycle.reopen_case(
            c, acting_user=request.user, reason=d["reason"], expected_version=d["version"]
        ),
        _("Case reopened."),
        lead=True,
    )


@office_staff_required
@require_POST
def case_merge(request: HttpRequest, pk: int) -> HttpResponse:
    def call(c: Case, d: dict[str, Any]) -> Case:
        into = cases_visible_to(request.user).filter(number=d["into"].strip()).first()
        if into is None:
            raise ValidationError({"into": _("No such case.")})
        return lifecycle.merge_cases(c, into=into, acting_user=request.user, reason=d["reason"])

    return _act(request, pk, MergeForm, "merge_form", call, _("Cases merged."), lead=True)


@office_staff_required
@require_POST
def case_split(request: HttpRequest, pk: int) -> HttpResponse:
    def call(c: Case, d: dict[str, Any]) -> Case:
        report = c.reports.filter(pk=d["report"]).first()
        if report is None:
            raise ValidationError({"report": _("This report is not part of the case.")})
        return lifecycle.split_report(
            c, report=report, acting_user=request.user, reason=d["reason"]
        )

    return _act(
        request, pk, SplitForm, "split_error", call, _("Report split into a new case."), lead=True
    )
