"""Triage pages: the scoped queue, one report, and the accept / decline / re-route actions."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from qinglang.cases.forms import (
    AcceptForm,
    AssignForm,
    BulkTriageForm,
    DeclineForm,
    InternalRerouteForm,
    RerouteForm,
    SavedFilterForm,
    TriageFilterForm,
    reroute_targets,
)
from qinglang.cases.selectors.cases import cases_visible_to
from qinglang.cases.selectors.pickers import find_case_by_number, pick_cases
from qinglang.cases.selectors.triage import (
    TriageFilters,
    analysis_view,
    count_by_status,
    get_saved_filter_for,
    list_saved_filters,
    report_detail,
    triage_queue,
    with_deadlines,
    with_risk,
)
from qinglang.cases.services.triage import (
    accept_report,
    approve_internal_reroute,
    bulk_triage,
    delete_filter,
    pending_internal_reroutes,
    request_internal_reroute,
    save_filter,
)
from qinglang.cases.views.common import (
    add_domain_errors,
    office_staff_required,
    paginate,
    query_without_page,
)
from qinglang.core.exceptions import NotPermitted
from qinglang.core.fresh import ask_for_fresh_code
from qinglang.core.net import client_ip
from qinglang.intake.models import Report, ReportStatus


def _report(request: HttpRequest, pk: int, *, triage: bool = False) -> Report:
    """Return the report in scope (else 404); with `triage`, only for its triage staff (403)."""
    from qinglang.intake.selectors import get_report_for
    from qinglang.intake.services import can_triage

    report = get_report_for(request.user, pk)
    if triage and not can_triage(request.user, report):
        raise NotPermitted(_("Only triage staff of the office that owns this report may do this."))
    return report


def _queue_filters(request: HttpRequest, form: TriageFilterForm) -> TriageFilters:
    """Return the queue's filters: awaiting a decision unless another status is chosen."""
    if not form.is_valid():
        return TriageFilters()
    d = form.cleaned_data
    status = d["status"]
    if status in ("all", ""):
        status = "" if "status" in request.GET else TriageFilters.status
    return TriageFilters(
        status=status,
        category=d["category"],
        channel=d["channel"],
        office=d["office"].pk if d["office"] else None,
        region=d["region"],
        date_from=d["date_from"],
        date_to=d["date_to"],
        has_evidence={"yes": True, "no": False}.get(d["has_evidence"]),
        ordering=d["ordering"] or request.GET.get("ordering", "") or "priority",
        sort=d["sort"],
        assignee=d["assignee"],
    )


def _chips(request: HttpRequest, form: TriageFilterForm) -> list[dict[str, str]]:
    """Return one removable chip per active filter (label, value, link without it)."""
    chips = []
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    for name, field in form.fields.items():
        if name in ("sort", "ordering"):
            continue
        value = data.get(name) if data else None
        if name == "status" and "status" not in request.GET:
            value = TriageFilters.status  # the default, shown so the page says what it lists
        if value in (None, "", "all"):
            continue
        if hasattr(field, "choices") and not hasattr(value, "pk"):
            shown = str(dict(field.choices).get(value, value))
        else:
            shown = str(value)
        params = request.GET.copy()
        params.pop("page", None)
        params.pop(name, None)
        if name == "status":
            params["status"] = "all"
        chips.append({"label": str(field.label), "value": shown, "remove": params.urlencode()})
    return chips


def _count_if_status_only(filters: TriageFilters, counts: dict[str, int]) -> int | None:
    """Return the queue's size when only the status filters it (the usual view), else None.

    The status counts shown above the queue already hold it; at a million reports, counting
    the same rows again for the pager costs a quarter of a second.
    """
    unfiltered = replace(filters, status=TriageFilters.status, ordering="priority", sort="")
    if unfiltered != TriageFilters():
        return None
    if not filters.status:
        return sum(counts.values())
    return counts.get(filters.status)


@office_staff_required
def triage_list(request: HttpRequest) -> HttpResponse:
    """Show the queue: reports awaiting a decision unless filtered, with counts and bulk actions."""
    data = request.GET.copy()
    data.setdefault("status", str(TriageFilters.status))
    form = TriageFilterForm(data, user=request.user)
    filters = _queue_filters(request, form)
    counts = count_by_status(request.user)
    if form.is_valid():
        known = _count_if_status_only(filters, counts)
        page = paginate(request, triage_queue(request.user, filters), count=known)
    else:  # a bad filter lists nothing rather than the unfiltered queue
        page = paginate(request, Report.objects.none().order_by("id"), count=0)
    page.object_list = with_deadlines(with_risk(page.object_list))
    return render(
        request,
        "cases/triage_list.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "chips": _chips(request, form),
            "status_counts": [
                (value, label, counts[value]) for value, label in ReportStatus.choices
            ],
            "current_status": filters.status,
            "saved_filters": list_saved_filters(request.user),
            "save_form": SavedFilterForm(initial={"query": query_without_page(request)}),
            "bulk_form": BulkTriageForm(user=request.user),
        },
        status=200 if form.is_valid() else 400,
    )


@office_staff_required
@require_POST
def triage_bulk(request: HttpRequest) -> HttpResponse:
    """Apply one action with one reason to the ticked reports; report each one's outcome."""
    form = BulkTriageForm(request.POST, user=request.user)
    back = request.POST.get("next", "")
    target = reverse("cases:triage_list") + (f"?{back}" if back and "//" not in back else "")
    ids = request.POST.getlist("ids")
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
        return redirect(target)
    d = form.cleaned_data
    try:
        outcomes = bulk_triage(
            ids,
            action=d["action"],
            acting_user=request.user,
            reason=d["reason"],
            reason_code=d["reason_code"],
            office=d["office"],
            assignee=d["assignee"],
        )
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return redirect(target)
    done = [o for o in outcomes if o.ok]
    if done:
        messages.success(
            request,
            ngettext("%(n)s report done.", "%(n)s reports done.", len(done)) % {"n": len(done)},
        )
    for o in outcomes:
        if not o.ok:
            messages.error(
                request,
                _("%(report)s: %(error)s") % {"report": o.tracking_code or o.id, "error": o.error},
            )
    return redirect(target)


@office_staff_required
@require_POST
def triage_filter_save(request: HttpRequest) -> HttpResponse:
    """Save the current queue filters under a name for this user."""
    form = SavedFilterForm(request.POST)
    if form.is_valid():
        try:
            saved = save_filter(
                name=form.cleaned_data["name"],
                query=form.cleaned_data["query"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            for m in exc.messages:
                messages.error(request, m)
        else:
            messages.success(request, _("Filters saved as %(name)s.") % {"name": saved.name})
            return redirect(
                reverse("cases:triage_list") + (f"?{saved.query}" if saved.query else "")
            )
    else:
        messages.error(request, _("Give the filter a name of at most 80 characters."))
    return redirect("cases:triage_list")


@office_staff_required
@require_POST
def triage_filter_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete one of the user's saved filters (another user's is a 404)."""
    saved = get_saved_filter_for(request.user, pk)
    delete_filter(saved, acting_user=request.user)
    messages.success(request, _("Saved filter deleted."))
    return redirect("cases:triage_list")


@office_staff_required
@require_POST
def triage_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Make a colleague of the office (or nobody) decide on one report."""
    from qinglang.intake.assignment import assign_report

    report = _report(request, pk, triage=True)
    form = AssignForm(request.POST, office_id=report.office_id)
    if form.is_valid():
        try:
            assign_report(report, assignee=form.cleaned_data["assignee"], acting_user=request.user)
        except ValidationError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Assignee saved."))
            return redirect("cases:triage_detail", report.pk)
    return _fail(request, report, "assign_form", form)


def _detail_context(request: HttpRequest, report: Report, **extra: Any) -> dict[str, Any]:
    from qinglang.intake.services import can_triage

    detail = report_detail(report, request.user)
    return {
        "detail": detail,
        "report": detail.report,
        "analysis": analysis_view(detail.report),
        "can_triage": can_triage(request.user, detail.report),
        "cases": cases_visible_to(request.user).filter(reports=report).order_by("pk"),
        "open_cases": pick_cases(request.user, ""),
        "accept_form": extra.pop("accept_form", AcceptForm()),
        "decline_form": extra.pop("decline_form", DeclineForm()),
        "reroute_form": extra.pop(
            "reroute_form",
            RerouteForm(targets=reroute_targets(request.user, internal=detail.report.is_internal)),
        ),
        "internal_reroute_form": extra.pop("internal_reroute_form", InternalRerouteForm()),
        "pending_reroutes": pending_internal_reroutes(detail.report)
        if detail.report.is_internal
        else [],
        "assign_form": extra.pop(
            "assign_form",
            AssignForm(
                office_id=detail.report.office_id,
                initial={"assignee": detail.report.triage_assignee_id},
            ),
        ),
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
        if wanted := form.cleaned_data["case"].strip():
            case = find_case_by_number(request.user, wanted)
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
    form = RerouteForm(
        request.POST, targets=reroute_targets(request.user, internal=report.is_internal)
    )
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


@office_staff_required
@require_POST
def triage_internal_reroute(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask a second inspector to approve sending an internal matter to an ordinary office."""
    report = _report(request, pk, triage=True)
    form = InternalRerouteForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            request_internal_reroute(
                report,
                office=d["office"],
                reason=d["reason"],
                acknowledged_warning=d["acknowledge_warning"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Waiting for a second inspector's approval."))
            return redirect("cases:triage_detail", report.pk)
    return _fail(request, report, "internal_reroute_form", form)


@office_staff_required
@require_POST
def triage_internal_reroute_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve, as the second inspector, a pending re-route of this internal matter."""
    report = _report(request, pk, triage=True)
    wanted = request.POST.get("request", "")
    pending = {str(r.pk): r for r in pending_internal_reroutes(report)}
    if wanted not in pending:
        messages.error(request, _("No such request."))
        return render(
            request, "cases/triage_detail.html", _detail_context(request, report), status=400
        )
    approve_internal_reroute(pending[wanted], acting_user=request.user)
    messages.success(request, _("Re-route approved; the report was sent."))
    return redirect("cases:triage_list")
