"""Pages of enterprise protection: registration, verification, reports, cases, guidance."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglang.core.auth import require_verified
from qinglang.core.models import User
from qinglang.core.selectors import list_notifications_for
from qinglang.intake.ratelimit import Limiter, client_ip
from qinglang.protection import guidance, selectors, services
from qinglang.protection.forms import (
    ColleagueForm,
    ContactForm,
    DecisionForm,
    EnterpriseReportForm,
    InterimMeasureForm,
    RegistrationForm,
    SetPasswordForm,
)
from qinglang.protection.models import EnterpriseStatus


def _register_limiter() -> Limiter:
    return Limiter("enterprise_register")


def _add_errors(form: Any, exc: ValidationError) -> None:
    """Put a service's errors on the form (unknown fields as form-wide errors)."""
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    for name, msgs in detail.items():
        key = name.replace("contact.", "contact_")
        for m in msgs:
            form.add_error(key if key in form.fields else None, m)


def register(request: HttpRequest) -> HttpResponse:
    """Public self-registration of an enterprise, with its business licence."""
    form = RegistrationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        limiter, ip = _register_limiter(), client_ip(request) or "-"
        if limiter.exceeded(ip):
            form.add_error(None, _("Too many attempts from your network. Please wait."))
        else:
            limiter.hit(ip)
            try:
                services.register_enterprise(
                    form.payload(), licence=request.FILES.get("licence"), licence_required=True
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                return render(request, "protection/register_done.html")
    return render(request, "protection/register_form.html", {"form": form})


def activate(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """Let a new enterprise user choose a password (then sign in with two factors)."""
    try:
        user = User.objects.get(pk=int(force_str(urlsafe_base64_decode(uidb64))))
    except (User.DoesNotExist, ValueError, TypeError, OverflowError):
        user = None
    if user is None or not default_token_generator.check_token(user, token):
        return render(request, "protection/activate.html", {"invalid": True}, status=400)
    form = SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_first_password(user, password=form.cleaned_data["password1"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Password set. Sign in; you will set up two-factor."))
            return redirect("core:login")
    return render(request, "protection/activate.html", {"form": form, "account": user})


@require_verified
def office_enterprises(request: HttpRequest) -> HttpResponse:
    """The registrations awaiting the office's verification (and those decided)."""
    enterprises = selectors.enterprises_visible_to(request.user)
    if not selectors.is_office_user(request.user):
        raise Http404
    return render(
        request,
        "protection/office_enterprises.html",
        {
            "pending": enterprises.filter(status=EnterpriseStatus.PENDING),
            "decided": enterprises.exclude(status=EnterpriseStatus.PENDING)[:50],
        },
    )


@require_verified
def office_enterprise(request: HttpRequest, pk: int) -> HttpResponse:
    """One registration, its licence, and the decision form."""
    enterprise = selectors.get_enterprise_for(request.user, pk)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.verify_enterprise(
                enterprise,
                approved=form.cleaned_data["approved"],
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("protection:office_enterprises")
    return render(
        request,
        "protection/office_enterprise.html",
        {
            "enterprise": enterprise,
            "form": form,
            "duplicate": selectors.verified_duplicate(enterprise),
        },
    )


@require_verified
def report(request: HttpRequest) -> HttpResponse:
    """The enterprise's report: five calm steps, the checklist, and what happens next."""
    enterprise = selectors.enterprise_for_user(request.user)
    if enterprise is None:
        return render(request, "protection/report_unverified.html")
    form = EnterpriseReportForm(request.POST or None, request.FILES or None)
    missing: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            result = services.submit_enterprise_report(
                form.payload(),
                files=request.FILES.getlist("evidence"),
                acting_user=request.user,
            )
        except services.EnterpriseReportInvalidError as exc:
            missing = [c.missing_message for c in exc.missing]
            for name, msgs in exc.message_dict.items():
                if name in form.fields:
                    for m in msgs:
                        form.add_error(name, m)
                elif name not in {"checklist"}:
                    for m in msgs:
                        form.add_error(None, m)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Your report has been received."))
            return redirect(result.protection_case)
    return render(
        request,
        "protection/report_form.html",
        {
            "form": form,
            "enterprise": enterprise,
            "missing": missing,
            "checklist": selectors.acceptance_checklist(),
            "guidance": guidance.SECTIONS,
        },
    )


@require_verified
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A protection case: the curated view, and for the office the actions."""
    pcase = selectors.get_protection_case_for(request.user, pk)
    office = selectors.is_office_side(request.user, pcase)
    form = InterimMeasureForm() if office and pcase.case_id else None
    return render(
        request,
        "protection/case_detail.html",
        {
            "pcase": pcase,
            "view": selectors.curated_view(pcase, request.user),
            "office": office,
            "measure_form": form,
            "alerts": pcase.alerts.all()[:20] if office else [],
            "guidance": guidance.SECTIONS,
        },
    )


@require_verified
@require_POST
def case_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """The office accepts the protection case's report into a case (cases' triage)."""
    pcase = selectors.get_protection_case_for(request.user, pk)
    try:
        services.accept_into_case(pcase, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Accepted into a case."))
    return redirect(pcase)


@require_verified
@require_POST
def case_measure(request: HttpRequest, pk: int) -> HttpResponse:
    """The office asks a website for an interim measure (a 24-hour transfer)."""
    from qinglang.cases.services import transfers

    pcase = selectors.get_protection_case_for(request.user, pk)
    form = InterimMeasureForm(request.POST)
    if pcase.case is None or not form.is_valid():
        messages.error(request, _("Choose the website and the measure, and write instructions."))
        return redirect(pcase)
    try:
        transfers.send_transfer(
            pcase.case,
            recipient=form.cleaned_data["recipient"],
            kind="interim_measure",
            measure=form.cleaned_data["measure"],
            instructions=form.cleaned_data["instructions"],
            acting_user=request.user,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Interim measure requested; the website has 24 hours."))
    return redirect(pcase)


@require_verified
def dashboard(request: HttpRequest) -> HttpResponse:
    """The enterprise's dashboard: cases, deadlines, measures and expiries, messages, contacts."""
    enterprise = selectors.enterprise_for_user(request.user)
    if enterprise is None:
        return render(request, "protection/report_unverified.html")
    cases = selectors.protection_cases_visible_to(request.user)[:50]
    return render(
        request,
        "protection/dashboard.html",
        {
            "enterprise": enterprise,
            "cases": cases,
            "measures": selectors.measures_for_enterprise(request.user),
            "notifications": list_notifications_for(request.user)[:10],
            "contacts": enterprise.contacts.filter(revoked_at__isnull=True),
            "members": enterprise.organization.members.filter(is_active=True).order_by("pk"),
            "contact_form": ContactForm(),
            "colleague_form": ColleagueForm(),
        },
    )


@require_verified
@require_POST
def contact_add(request: HttpRequest) -> HttpResponse:
    """Add an authorised contact or agent firm."""
    enterprise = selectors.enterprise_for_user(request.user)
    if enterprise is None:
        raise Http404
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            services.add_authorised_contact(
                enterprise, acting_user=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Authorised contact added."))
    else:
        messages.error(request, _("Check the contact's details and dates."))
    return redirect("protection:dashboard")


@require_verified
@require_POST
def colleague_add(request: HttpRequest) -> HttpResponse:
    """Give a colleague an account of the enterprise."""
    enterprise = selectors.enterprise_for_user(request.user)
    if enterprise is None:
        raise Http404
    form = ColleagueForm(request.POST)
    if form.is_valid():
        try:
            services.add_enterprise_user(enterprise, acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Account created; your colleague receives a link."))
    else:
        messages.error(request, _("Enter your colleague's name and e-mail."))
    return redirect("protection:dashboard")


def guidance_page(request: HttpRequest) -> HttpResponse:
    """Guidance for a frightened owner: do not pay, keep evidence, official channels, timing."""
    return render(
        request,
        "protection/guidance.html",
        {"guidance": guidance.SECTIONS, "items": guidance.EVIDENCE_ITEMS},
    )


def checklist_pdf(request: HttpRequest) -> HttpResponse:
    """Download the evidence checklist, with the items the owner ticked, as a PDF."""
    ticked = set(request.GET.getlist("item"))
    data = guidance.checklist_pdf(ticked)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="evidence-checklist.pdf"'
    return response


@require_verified
def office_summary(request: HttpRequest) -> HttpResponse:
    """The regional monthly summary for offices."""
    if not selectors.is_office_user(request.user):
        raise Http404
    month = selectors.current_month()
    raw = request.GET.get("month", "")
    if raw:
        try:
            month = dt.date.fromisoformat(f"{raw}-01")
        except ValueError:
            messages.error(request, _("Give the month as YYYY-MM."))
    return render(
        request,
        "protection/office_summary.html",
        {
            "summary": selectors.monthly_summary(request.user, month),
            "cases": selectors.protection_cases_visible_to(request.user)[:50],
        },
    )
