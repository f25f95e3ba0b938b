"""Pages: the website portal (ledger, flags, orders, audits, evaluation, norms) and office pages."""

from __future__ import annotations

import csv
import io
import secrets

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglang.compliance import selectors, services
from qinglang.compliance.forms import (
    AuditForm,
    DeletionRequestForm,
    EvaluationForm,
    FindingForm,
    FlagAnswerForm,
    ImportForm,
    InterviewForm,
    RequestFilterForm,
)
from qinglang.compliance.models import DeletionRequest
from qinglang.core.auth import require_verified
from qinglang.core.exceptions import NotFoundInScopeError, NotPermitted
from qinglang.core.net import client_ip
from qinglang.core.pagination import page_of
from qinglang.core.services import log_identity_access


def _portal_user(request: HttpRequest) -> None:
    if not (
        selectors.is_website_officer(request.user) or selectors.is_compliance_office(request.user)
    ):
        raise NotPermitted(_("Only website compliance officers and regulator offices."))


def _office_only(request: HttpRequest) -> None:
    if not selectors.is_compliance_office(request.user):
        raise NotPermitted(_("Only regulator offices may do this."))


def _website_only(request: HttpRequest) -> None:
    if not selectors.is_website_officer(request.user):
        raise NotPermitted(_("Only the website's compliance officers may do this."))


def _errors(form_or_exc: object) -> list[str]:
    if isinstance(form_or_exc, ValidationError):
        if hasattr(form_or_exc, "error_dict"):
            return [f"{k}: {m}" for k, v in form_or_exc.message_dict.items() for m in v]
        return list(form_or_exc.messages)
    return []


def _website_choices(request: HttpRequest) -> list[tuple[int, str]]:
    return [(w.pk, w.name) for w in selectors.websites_visible_to(request.user).order_by("name")]


@require_verified
def home(request: HttpRequest) -> HttpResponse:
    """Show the portal: the website's figures and orders, or the office's overview."""
    _portal_user(request)
    websites = page_of(
        request,
        selectors.websites_visible_to(request.user).order_by("name", "pk"),
        param="websites_page",
    )
    if selectors.is_website_officer(request.user):
        by_website = selectors.monthly_figures_of(list(websites))
        figures = [(w, by_website[w.pk]) for w in websites]
    else:
        figures = []
    orders = page_of(request, selectors.rectification_orders_for(request.user), param="orders_page")
    open_flags = selectors.flags_visible_to(request.user, status="open").count()
    return render(
        request,
        "compliance/portal_home.html",
        {
            "websites": websites,
            "figures": figures,
            "orders": orders,
            "open_flags": open_flags,
            "is_office": selectors.is_compliance_office(request.user),
            "interviews": selectors.interviews_visible_to(request.user)[:20],
        },
    )


@require_verified
def request_list(request: HttpRequest) -> HttpResponse:
    """List the ledger with filters (decision, flag, flagged, month)."""
    _portal_user(request)
    qs = _filtered(request)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "compliance/request_list.html",
        {"page": page, "filter": RequestFilterForm(request.GET or None)},
    )


def _filtered(request: HttpRequest):  # type: ignore[no-untyped-def]
    form = RequestFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    flagged = {"1": True, "0": False}.get(data.get("flagged") or "")
    return selectors.requests_visible_to(
        request.user,
        flagged=flagged,
        decision=data.get("decision") or "",
        flag=data.get("flag") or "",
        month=data.get("month") or "",
    )


EXPORT_HEADER = (
    "id",
    "website",
    "puid",
    "received_at",
    "channel",
    "requester_kind",
    "requester_name",
    "on_behalf_name",
    "on_behalf_uscc",
    "content_urls",
    "reason",
    "legal_basis",
    "decision",
    "decided_at",
    "received_by",
    "reviewed_by",
    "money_involved",
    "enterprise_related",
    "flags",
)


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # Spreadsheets run cells starting with these as formulas (CSV injection).
    return "'" + text if text[:1] in {"=", "+", "-", "@"} else text


@require_verified
def request_export(request: HttpRequest) -> HttpResponse:
    """Download the filtered ledger as CSV."""
    _portal_user(request)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_HEADER)
    for r in _filtered(request).iterator(chunk_size=2000):
        writer.writerow(
            [
                _cell(v)
                for v in (
                    r.pk,
                    r.website.name,
                    r.puid,
                    timezone.localtime(r.received_at).isoformat(),
                    r.channel,
                    r.requester_kind,
                    r.requester_name,
                    r.on_behalf_name,
                    r.on_behalf_uscc,
                    " ".join(r.content_urls),
                    r.reason,
                    r.legal_basis,
                    r.decision,
                    timezone.localtime(r.decided_at).isoformat() if r.decided_at else "",
                    r.received_by,
                    r.reviewed_by,
                    r.money_involved,
                    int(r.enterprise_related),
                    " ".join(r.flag_codes),
                )
            ]
        )
    response = HttpResponse(buffer.getvalue().encode("utf-8-sig"), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="deletion-requests.csv"'
    return response


@require_verified
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _portal_user(request)
    try:
        item = selectors.get_request_for(request.user, pk)
    except NotFoundInScopeError:
        raise Http404 from None
    if selectors.is_compliance_office(request.user) and (
        item.requester_phone or item.requester_email
    ):
        log_identity_access(
            user=request.user,
            object_type="compliance.deletionrequest",
            object_id=item.pk,
            purpose="compliance review",
            ip_address=client_ip(request),
        )
    return render(
        request,
        "compliance/request_detail.html",
        {"item": item, "answer_form": FlagAnswerForm()},
    )


def _own_website(request: HttpRequest):  # type: ignore[no-untyped-def]
    """Return the website to file for, or None when the officer must choose (or has none)."""
    try:
        return services.website_for_filing(request.user, request.GET.get("website"))
    except NotFoundInScopeError:
        raise Http404 from None
    except ValidationError:
        return None


def _choose_website(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "compliance/choose_website.html",
        {"websites": selectors.own_websites(request.user).order_by("name")},
    )


@require_verified
def request_create(request: HttpRequest) -> HttpResponse:
    """Enter one deletion request by hand."""
    _website_only(request)
    website = _own_website(request)
    if website is None:
        return _choose_website(request)
    form = DeletionRequestForm(request.POST or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            filed = services.record_deletion_request(
                website, data=form.as_payload(), acting_user=request.user
            )
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            if filed.created:
                messages.success(request, _("The deletion request was entered."))
            else:
                messages.info(request, _("This request was already in the ledger."))
            return redirect("compliance:request_detail", pk=filed.request.pk)
    return render(
        request,
        "compliance/request_form.html",
        {"form": form, "website": website, "errors": errors},
    )


@require_verified
def request_import(request: HttpRequest) -> HttpResponse:
    """Import requests from CSV/XLSX: a row-by-row report; nothing imported if a row fails."""
    _website_only(request)
    website = _own_website(request)
    if website is None:
        return _choose_website(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        report = services.import_deletion_requests(
            website,
            upload.name,
            upload.read(services.MAX_IMPORT_BYTES + 1),
            dry_run=form.cleaned_data["dry_run"],
            acting_user=request.user,
        )
    return render(
        request,
        "compliance/request_import.html",
        {"form": form, "report": report, "website": website, "columns": services.IMPORT_COLUMNS},
    )


@require_verified
def flag_list(request: HttpRequest) -> HttpResponse:
    """List flags: the website's to answer, the office's in its jurisdiction."""
    _portal_user(request)
    status = request.GET.get("status", "")
    page = Paginator(selectors.flags_visible_to(request.user, status=status), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "compliance/flag_list.html",
        {"page": page, "status": status, "answer_form": FlagAnswerForm()},
    )


@require_POST
@require_verified
def flag_answer(request: HttpRequest, pk: int) -> HttpResponse:
    _portal_user(request)
    try:
        flag = selectors.get_flag_for(request.user, pk)
    except NotFoundInScopeError:
        raise Http404 from None
    try:
        services.answer_flag(flag, answer=request.POST.get("answer", ""), acting_user=request.user)
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("Your answer was recorded."))
    return redirect("compliance:request_detail", pk=flag.request_id)


@require_verified
def norm_list(request: HttpRequest) -> HttpResponse:
    """Show the norms in force with their legal basis and the check each drives."""
    _portal_user(request)
    return render(
        request,
        "compliance/norm_list.html",
        {"norms": page_of(request, selectors.norms_in_force())},
    )


@require_verified
def audit_list(request: HttpRequest) -> HttpResponse:
    """List audits; an office draws a new one here."""
    _portal_user(request)
    form = AuditForm(request.POST or None, initial={"seed": secrets.randbelow(10**9)})
    form.fields["website"].widget.choices = _website_choices(request)
    errors: list[str] = []
    if request.method == "POST":
        _office_only(request)
        if form.is_valid():
            try:
                website = selectors.get_website_for(request.user, form.cleaned_data["website"])
                audit = services.draw_audit(
                    website,
                    period_start=form.cleaned_data["period_start"],
                    period_end=form.cleaned_data["period_end"],
                    size=form.cleaned_data["size"],
                    seed=form.cleaned_data["seed"],
                    acting_user=request.user,
                )
            except NotFoundInScopeError:
                raise Http404 from None
            except ValidationError as exc:
                errors = _errors(exc)
            else:
                return redirect(audit.get_absolute_url())
    audits = selectors.audits_visible_to(request.user).order_by("-created_at", "-id")[:100]
    return render(
        request,
        "compliance/audit_list.html",
        {
            "audits": audits,
            "form": form,
            "errors": errors,
            "is_office": selectors.is_compliance_office(request.user),
        },
    )


@require_verified
def audit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _portal_user(request)
    try:
        audit = selectors.get_audit_for(request.user, pk)
    except NotFoundInScopeError:
        raise Http404 from None
    findings = {f.request_id: f for f in audit.findings.all()}
    sample = DeletionRequest.objects.filter(pk__in=audit.sample).order_by("pk")
    rows = [(r, findings.get(r.pk)) for r in sample]
    return render(
        request,
        "compliance/audit_detail.html",
        {
            "audit": audit,
            "rows": rows,
            "form": FindingForm(),
            "is_office": selectors.is_compliance_office(request.user),
        },
    )


@require_POST
@require_verified
def audit_finding(request: HttpRequest, pk: int) -> HttpResponse:
    _office_only(request)
    try:
        audit = selectors.get_audit_for(request.user, pk)
    except NotFoundInScopeError:
        raise Http404 from None
    form = FindingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the finding and try again."))
        return redirect(audit.get_absolute_url())
    try:
        services.record_finding(
            audit,
            request_id=form.cleaned_data["request_id"],
            verdict=form.cleaned_data["verdict"],
            reasons=form.cleaned_data["reasons"],
            paid_deletion_confirmed=form.cleaned_data["paid_deletion_confirmed"],
            follow_up=form.cleaned_data["follow_up"] or "",
            acting_user=request.user,
        )
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("The finding was recorded."))
    return redirect(audit.get_absolute_url())


@require_verified
def evaluation_list(request: HttpRequest) -> HttpResponse:
    """Show evaluations with their components; offices compute them and see the ranking."""
    _portal_user(request)
    form = EvaluationForm(request.POST or None)
    form.fields["website"].widget.choices = _website_choices(request)
    interview_form = InterviewForm()
    interview_form.fields["website"].widget.choices = _website_choices(request)
    errors: list[str] = []
    if request.method == "POST":
        _office_only(request)
        if form.is_valid():
            try:
                website = selectors.get_website_for(request.user, form.cleaned_data["website"])
                evaluation = services.compute_evaluation(
                    website, period=form.cleaned_data["period"], acting_user=request.user
                )
            except NotFoundInScopeError:
                raise Http404 from None
            except ValidationError as exc:
                errors = _errors(exc)
            else:
                messages.success(request, _("The evaluation was computed."))
                return redirect(f"{request.path}?period={evaluation.period}")
    period = request.GET.get("period") or timezone.localdate().strftime("%Y-%m")
    evaluations = selectors.evaluations_visible_to(request.user).order_by(
        "-period_start", "website__name"
    )[:100]
    return render(
        request,
        "compliance/evaluation_list.html",
        {
            "evaluations": evaluations,
            "ranking": selectors.ranking(request.user, period),
            "period": period,
            "form": form,
            "interview_form": interview_form,
            "errors": errors,
            "is_office": selectors.is_compliance_office(request.user),
        },
    )


@require_POST
@require_verified
def interview_create(request: HttpRequest) -> HttpResponse:
    _office_only(request)
    form = InterviewForm(request.POST)
    form.fields["website"].widget.choices = _website_choices(request)
    if not form.is_valid():
        messages.error(request, _("Check the interview record and try again."))
        return redirect("compliance:evaluation_list")
    try:
        website = selectors.get_website_for(request.user, form.cleaned_data["website"])
        services.record_interview(
            website,
            held_on=form.cleaned_data["held_on"],
            attendees=form.cleaned_data["attendees"],
            outcome=form.cleaned_data["outcome"],
            follow_up_deadline=form.cleaned_data["follow_up_deadline"],
            acting_user=request.user,
        )
    except NotFoundInScopeError:
        raise Http404 from None
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("The regulatory interview was recorded."))
    return redirect("compliance:home")
