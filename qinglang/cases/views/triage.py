"""Triage pages: the scoped queue, one report, and the accept / decline / re-route actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglang.cases.forms import AcceptForm, DeclineForm, RerouteForm, TriageFilterForm
from qinglang.cases.selectors.cases import cases_visible_to
from qinglang.cases.selectors.triage import (
    TriageFilters,
    analysis_view,
    report_detail,
    triage_queue,
    with_risk,
)
from qinglang.cases.services.triage import accept_report
from qinglang.cases.views.common import (
    add_domain_errors,
    office_staff_required,
    paginate,
    query_without_page,
)
from qinglang.core.exceptions import NotPermitted
from qinglang.core.fresh import ask_for_fresh_code
from qinglang.core.net import client_ip
from qinglang.intake.models import Report


def _report(request: HttpRequest, pk: int, *, triage: bool = False) -> Report:
    """Return the report in scope (else 404); with `triage`, only for its triage staff (403)."""
    from qinglang.intake.selectors import get_report_for
    from qinglang.intake.services import can_triage

    report = get_report_for(request.user, pk)
    if triage and not can_triage(request.user, report):
        raise NotPermitted(_("Only triage staff of the office that owns this report may do this."))
    return report


@office_staff_required
def triage_list(request: HttpRequest) -> HttpResponse:
    """Show the queue of reports in the user's scope (received ones unless filtered)."""
    form = TriageFilterForm(request.GET or None, user=request.user)
    filters = TriageFilters()
    if form.is_valid():
        d = form.cleaned_data
        has = {"yes": True, "no": False}.get(d["has_evidence"])
        filters = TriageFilters(
            status=d["status"] if "status" in request.GET else TriageFilters.status,
            category=d["category"],
            office=d["office"].pk if d["office"] else None,
            date_from=d["date_from"],
            date_to=d["date_to"],
            has_evidence=has,
            ordering=request.GET.get("ordering", ""),
            sort=d["sort"],
        )
    page = paginate(request, triage_queue(request.user, filters))
    page.object_list = with_risk(page.object_list)
    return render(
        request,
        "cases/triage_list.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
        },
    )


def _detail_context(request: HttpRequest, report: Report, **extra: Any) -> dict[str, Any]:
    from qinglang.intake.services import can_triage

    detail = report_detail(report, request.user)
    return {
        "detail": detail,
        "report": detail.report,
        "analysis": analysis_view(detail.report),
        "can_triage": can_triage(request.user, detail.report),
        "cases": cases_visible_to(request.user).filter(reports=report).order_by("pk"),
        "accept_form": extra.pop("accept_form", AcceptForm()),
        "decline_form": extra.pop("decline_form", DeclineForm()),
        "reroute_form": extra.pop("reroute_form", RerouteForm()),
        **extra,
    }


@office_staff_required
def triage_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one report: targets, evidence, analysis, correlation and the triage actions."""
    report = _report(request, pk)
    return render(request, "cases/triage_detail.html", _detail_context(request, report))


def _fail(request: HttpRequest, report: Report, form_name: str, form: Any) -> HttpResponse:
    return render(
        request,
        "cases/triage_detail.html",
        _detail_context(request, report, **{form_name: form}),
        status=400,
    )


@office_staff_required
@require_POST
def triage_accept(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk, triage=True)
    form = AcceptForm(request.POST)
    if form.is_valid():
        case = None
        if form.cleaned_data["case"]:
            case = cases_visible_to(request.user).filter(pk=form.cleaned_data["case"]).first()
            if case is None:
                form.add_error("case", _("No such case."))
                return _fail(request, report, "accept_form", form)
        try:
            case = accept_report(report, acting_user=request.user, case=case)
        except ValidationError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Report accepted into case %(n)s.") % {"n": case.number})
            return redirect("cases:case_detail", case.pk)
    return _fail(request, report, "accept_form", form)


@office_staff_required
@require_POST
def triage_decline(request: HttpRequest, pk: int) -> HttpResponse:
    from qinglang.intake.services import record_decline

    report = _report(request, pk, triage=True)
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            record_decline(report, acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Report declined."))
            return redirect("cases:triage_list")
    return _fail(request, report, "decline_form", form)


@office_staff_required
@require_POST
def triage_reroute(request: HttpRequest, pk: int) -> HttpResponse:
    from qinglang.intake.services import reroute_report

    report = _report(request, pk)
    form = RerouteForm(request.POST)
    if form.is_valid():
        try:
            reroute_report(report, acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(
                request, _("Report re-routed to %(o)s.") % {"o": form.cleaned_data["office"]}
            )
            return redirect("cases:triage_list")
    return _fail(request, report, "reroute_form", form)


@office_staff_required
@require_POST
def triage_contact(request: HttpRequest, pk: int) -> HttpResponse:
    """Reveal the reporter's contact to owning triage staff (logged by intake)."""
    from qinglang.intake.services import reveal_contact

    report = _report(request, pk, triage=True)
    prompt = ask_for_fresh_code(request, return_to=reverse("cases:triage_detail", args=[report.pk]))
    if prompt is not None:  # stale code: nothing revealed, nothing logged until a fresh one
        return prompt
    contact = reveal_contact(report, acting_user=request.user, ip_address=client_ip(request))
    if request.headers.get("HX-Request"):
        return render(request, "cases/triage_contact.html", {"contact": contact})
    return render(
        request, "cases/triage_detail.html", _detail_context(request, report, contact=contact)
    )
