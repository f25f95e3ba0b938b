"""Supervision pages: the public call, application and roster; the staff overview and actions."""

from __future__ import annotations

from itertools import groupby

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglang.core.auth import require_verified
from qinglang.core.models import Region
from qinglang.core.pagination import page_of
from qinglang.intake.ratelimit import Limiter, client_ip
from qinglang.intake.selectors import track_record
from qinglang.supervision import selectors, services
from qinglang.supervision.checklists import INSPECTION_ITEMS, ITEMS
from qinglang.supervision.forms import AnswerForm, ApplicationForm, DecideForm, PledgeForm
from qinglang.supervision.models import CitizenSupervisor, PledgeKind

# Each list of the staff page pages on its own (`?applications_page=`, `?supervisors_page=`…).
STAFF_PAGE_SIZE = 20


def public_home(request: HttpRequest) -> HttpResponse:
    """Show the open recruitment calls and the active citizen supervisors by region."""
    roster = [
        (region, list(people))
        for region, people in groupby(selectors.public_roster(), key=lambda s: s.region)
    ]
    return render(
        request,
        "supervision/public_home.html",
        {"calls": selectors.open_calls(), "roster": roster},
    )


def _regions(call: object) -> list[tuple[str, str]]:
    prefix = call.office.scope_prefix  # type: ignore[attr-defined]
    if prefix is None:
        return []
    return [(r.code, r.name) for r in Region.objects.filter(code__startswith=prefix)]


def apply(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the application form of an open call; on POST submit it (rate-limited)."""
    call = selectors.open_calls().filter(pk=pk).first()
    if call is None:
        raise Http404
    regions = _regions(call)
    form = ApplicationForm(request.POST or None, regions=regions)
    if request.method == "POST":
        limiter, ip = Limiter("supervision_apply"), client_ip(request)
        if limiter.exceeded(ip):
            form.add_error(None, _("Too many applications from your network. Try again later."))
            return render(
                request, "supervision/apply.html", {"call": call, "form": form}, status=429
            )
        if form.is_valid():
            try:
                services.submit_application(call, data=form.cleaned_data)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                limiter.hit(ip)
                messages.success(
                    request,
                    _("Application received. The office will contact you by phone."),
                )
                return redirect("supervision:public")
        return render(request, "supervision/apply.html", {"call": call, "form": form}, status=400)
    return render(request, "supervision/apply.html", {"call": call, "form": form})


def _add_errors(form: object, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)  # type: ignore[attr-defined]
    else:
        form.add_error(None, exc.messages)  # type: ignore[attr-defined]


@require_verified
def staff_home(request: HttpRequest) -> HttpResponse:
    """Show what the user does in supervision: vetting, assignments, inspections, findings."""
    user = request.user
    inspections = page_of(
        request,
        selectors.inspections_visible_to(user).prefetch_related("findings__follow_ups"),
        STAFF_PAGE_SIZE,
        param="inspections_page",
    )
    assignments = page_of(
        request,
        selectors.assignments_visible_to(user).prefetch_related("site_inspections__findings"),
        STAFF_PAGE_SIZE,
        param="assignments_page",
    )
    pledges = selectors.website_pledges([a.website_id for a in assignments])
    for assignment in assignments:
        assignment.website_pledges = pledges.get(assignment.website_id, [])
    citizen = CitizenSupervisor.objects.filter(user_id=user.pk).select_related("office").first()
    training = []
    if citizen is not None:
        acknowledged = set(citizen.acknowledgements.values_list("material_id", flat=True))
        training = [(m, m.pk in acknowledged) for m in selectors.training_for(user)]
    return render(
        request,
        "supervision/staff_home.html",
        {
            "citizen": citizen,
            "citizen_record": track_record(user) if citizen is not None else None,
            "training": training,
            "applications": page_of(
                request,
                selectors.applications_to_vet(user),
                STAFF_PAGE_SIZE,
                param="applications_page",
            ),
            "supervisors": page_of(
                request,
                selectors.supervisors_visible_to(user),
                STAFF_PAGE_SIZE,
                param="supervisors_page",
            ),
            "assignments": assignments,
            "inspections": inspections,
            "integrity_findings": page_of(
                request,
                selectors.integrity_findings_visible_to(user),
                STAFF_PAGE_SIZE,
                param="findings_page",
            ),
            "is_inspector": selectors.is_inspector(user),
            "pledges": user.integrity_pledges.all(),
            "decide_form": DecideForm(),
            "pledge_form": PledgeForm(),
            "answer_form": AnswerForm(),
            "items": ITEMS,
            "inspection_items": INSPECTION_ITEMS,
            "pledge_kinds": PledgeKind,
        },
    )


def _done(request: HttpRequest, exc: ValidationError | PermissionDenied | None) -> HttpResponse:
    if isinstance(exc, PermissionDenied):
        raise exc
    if exc is not None:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("supervision:staff_home")


@require_verified
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.get_application_for(request.user, pk)
    form = DecideForm(request.POST)
    if not form.is_valid():
        return _done(request, ValidationError(_("Choose approve or reject.")))
    try:
        application, password = services.decide_application(
            application,
            approved=form.cleaned_data["approved"],
            reason=form.cleaned_data["reason"],
            acting_user=request.user,
        )
    except ValidationError as exc:
        return _done(request, exc)
    if password:
        messages.warning(
            request,
            _("Account %(user)s opened. Initial password (shown once): %(password)s")
            % {"user": application.supervisor.user.username, "password": password},
        )
    return _done(request, None)


@require_verified
@require_POST
def integrity_case(request: HttpRequest, pk: int) -> HttpResponse:
    finding = selectors.get_integrity_finding_for(request.user, pk)
    try:
        finding = services.open_internal_case(finding, acting_user=request.user)
    except ValidationError as exc:
        return _done(request, exc)
    messages.success(request, _("Internal case %(n)s opened.") % {"n": finding.case.number})
    return redirect("cases:case_detail", finding.case_id)


@require_verified
@require_POST
def site_finding_refer(request: HttpRequest, pk: int) -> HttpResponse:
    finding = selectors.get_site_finding_for(request.user, pk)
    try:
        finding = services.refer_site_finding(
            finding, as_case=request.POST.get("open") != "report", acting_user=request.user
        )
    except ValidationError as exc:
        return _done(request, exc)
    if finding.case_id:
        messages.success(request, _("Case %(n)s opened.") % {"n": finding.case.number})
    else:
        messages.success(
            request, _("Report %(code)s filed.") % {"code": finding.report.tracking_code}
        )
    return _done(request, None)


@require_verified
@require_POST
def pledge_sign(request: HttpRequest) -> HttpResponse:
    form = PledgeForm(request.POST)
    if not form.is_valid():
        return _done(request, ValidationError(_("Choose a pledge and enter its text.")))
    try:
        services.sign_pledge(acting_user=request.user, **form.cleaned_data)
    except ValidationError as exc:
        return _done(request, exc)
    messages.success(request, _("Pledge signed."))
    return _done(request, None)


@require_verified
@require_POST
def finding_answer(request: HttpRequest, pk: int) -> HttpResponse:
    finding = selectors.get_inspection_finding_for(request.user, pk)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _done(request, ValidationError(_("Write the answer.")))
    try:
        services.answer_finding(
            finding, response=form.cleaned_data["response"], acting_user=request.user
        )
    except ValidationError as exc:
        return _done(request, exc)
    messages.success(request, _("Answer recorded."))
    return _done(request, None)


@require_verified
@require_POST
def training_ack(request: HttpRequest, pk: int) -> HttpResponse:
    material = selectors.get_training_for(request.user, pk)
    services.acknowledge_training(material, acting_user=request.user)
    messages.success(request, _("Training acknowledged."))
    return _done(request, None)
