"""Transfer pages: sending from a case, and the recipients' portal (agencies, websites, offices)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from qinglang.cases.models import FeedbackResult, TransferKind, TransferStatus
from qinglang.cases.selectors import handling, redaction
from qinglang.cases.selectors.cases import can_handle_case, get_case_for
from qinglang.cases.selectors.deadlines import with_deadline_status
from qinglang.cases.services import inbox, transfers
from qinglang.cases.views.common import query_without_page
from qinglang.core.auth import require_verified
from qinglang.core.exceptions import NotPermitted
from qinglang.core.forms import add_service_errors, style_fields
from qinglang.core.models import Organization, OrganizationKind

PAGE_SIZE = 25


# The shared helpers live in core.forms; these names stay for the views that import them here.
style = style_fields
add_errors = add_service_errors


class TransferForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=TransferKind.choices)
    recipient = forms.ModelChoiceField(
        label=gettext_lazy("Recipient"), queryset=Organization.objects.none()
    )
    instructions = forms.CharField(
        label=gettext_lazy("Instructions"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10_000,
    )
    measures = forms.CharField(
        label=gettext_lazy("Required measures (rectification orders; one per line)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    deadline_days = forms.IntegerField(
        label=gettext_lazy("Deadline in working days (empty: by policy)"),
        required=False,
        min_value=1,
        max_value=60,
    )
    evidence = forms.MultipleChoiceField(
        label=gettext_lazy("Evidence to transfer"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reports = forms.MultipleChoiceField(
        label=gettext_lazy("Reports to transfer"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, case: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = (
            Organization.objects.filter(
                is_active=True,
                kind__in=[
                    OrganizationKind.REGULATOR_OFFICE,
                    OrganizationKind.PARTNER_AGENCY,
                    OrganizationKind.WEBSITE_OPERATOR,
                ],
            )
            .exclude(pk=case.lead_office_id)
            .order_by("kind", "name")
        )
        self.fields["evidence"].choices = [
            (str(i.pk), f"{i.original_name} ({i.media_type})")
            for i in handling.case_materials(case)
        ]
        self.fields["reports"].choices = [
            (str(r.pk), f"{r.get_category_display()} · {r.description[:60]}")
            for r in case.reports.order_by("pk")
        ]
        style(self)


@require_verified
@require_http_methods(["GET", "POST"])
def transfer_create(request: HttpRequest, case_id: int) -> HttpResponse:
    case = get_case_for(request.user, case_id)
    if not can_handle_case(request.user, case):
        raise NotPermitted(_("You may not send transfers for this case."))
    form = TransferForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        measures = [m.strip() for m in data["measures"].splitlines() if m.strip()]
        preview = _preview_unless_seen(request, case, data, measures)
        if preview is not None:
            return render(
                request, "cases/transfer_form.html", {"case": case, "form": form, **preview}
            )
        try:
            transfer = transfers.send_transfer(
                case,
                recipient=data["recipient"],
                kind=data["kind"],
                instructions=data["instructions"],
                acting_user=request.user,
                measures=measures,
                deadline_days=data["deadline_days"],
                evidence_ids=data["evidence"],
                report_ids=data["reports"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Transfer sent."))
            return redirect(transfer)
    return render(
        request,
        "cases/transfer_form.html",
        {"case": case, "form": form},
        status=400 if form.errors else 200,
    )


def _preview_unless_seen(
    request: HttpRequest, case: Any, data: dict[str, Any], measures: list[str]
) -> dict[str, Any] | None:
    """Return the redaction preview a website transfer needs first (None: send it now).

    The sender sees exactly what the website will read; a text changed since it was
    previewed is previewed again.
    """
    if not redaction.redacts_for(data["recipient"]):
        return None
    known = redaction.reporter_details(case)
    previews = redaction.preview_all([data["instructions"], *measures], known=known)
    descriptions = case.reports.filter(pk__in=data["reports"]).order_by("pk")
    report_previews = redaction.preview_all(
        list(descriptions.values_list("description", flat=True)), known=known
    )
    digest = redaction.preview_digest([*previews, *report_previews])
    if request.POST.get("previewed") == digest:
        return None
    return {
        "preview": previews[0],
        "measure_previews": previews[1:],
        "report_previews": report_previews,
        "removed": sum(sum(p.counts.values()) for p in [*previews, *report_previews]),
        "digest": digest,
    }


class TransferFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("Any status")), *TransferStatus.choices],
    )
    agency = forms.ModelChoiceField(
        label=gettext_lazy("Recipient"),
        required=False,
        queryset=Organization.objects.all(),
        error_messages={"invalid_choice": gettext_lazy("No such recipient.")},
    )
    pending = forms.ChoiceField(
        label=gettext_lazy("Feedback"),
        required=False,
        choices=[("", gettext_lazy("Any")), ("yes", gettext_lazy("Awaiting feedback"))],
    )


@require_verified
def transfer_list(request: HttpRequest) -> HttpResponse:
    """The inbox of transfers received; `?direction=sent` lists those sent.

    `agency` (sent only) keeps the transfers to one recipient sent from offices of the
    jurisdiction, `pending=yes` those still awaiting feedback: the dashboard's agencies chart.
    A bad filter shows its error and no rows (400).
    """
    sent = request.GET.get("direction") == "sent"
    qs = (
        handling.transfers_sent_by(request.user)
        if sent
        else handling.transfers_for_recipient(request.user)
    )
    form = TransferFilterForm(request.GET)
    if form.is_valid():
        d = form.cleaned_data
        qs = handling.filter_transfers(
            qs,
            request.user,
            status=d["status"],
            agency=d["agency"] if sent else None,
            pending=d["pending"] == "yes",
        )
    else:
        qs = qs.none()
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = with_deadline_status(page.object_list)
    template = "cases/transfer_list.html" if sent else "cases/inbox_transfers.html"
    return render(
        request,
        template,
        {
            "page": page,
            "sent": sent,
            "form": form,
            "query": query_without_page(request),
            "status": form.cleaned_data.get("status", "") if form.is_valid() else "",
        },
        status=200 if form.is_valid() else 400,
    )


@require_verified
def transfer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = handling.get_transfer_for(request.user, pk)
    inbox.mark_transfer_opened(transfer, acting_user=request.user)
    return render(request, "cases/transfer_detail.html", _detail_context(request, transfer))


def _detail_context(request: HttpRequest, transfer: Any, **extra: Any) -> dict[str, Any]:
    recipient_side = transfers.is_recipient_side(request.user, transfer)
    return {
        "transfer": transfer,
        "recipient_side": recipient_side,
        "sender_side": transfers.is_sender_side(request.user, transfer),
        "evidence": handling.transfer_evidence(transfer),
        "reports": redaction.reports_as_sent(transfer, handling.transfer_reports(transfer)),
        "case_title": redaction.case_title_as_sent(transfer),
        "as_written": redaction.as_written_for(transfer, recipient_side=recipient_side),
        "feedback": handling.feedback_with_attachments(transfer),
        "extensions": transfer.extensions.all(),
        "feedback_form": extra.pop("feedback_form", FeedbackForm()),
        "extension_form": extra.pop("extension_form", ExtensionForm()),
        **extra,
    }


@require_verified
@require_POST
def transfer_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = handling.get_transfer_for(request.user, pk)
    try:
        transfers.acknowledge_transfer(transfer, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Receipt acknowledged."))
    return redirect(transfer)


class FeedbackForm(forms.Form):
    summary = forms.CharField(
        label=gettext_lazy("Feedback"), widget=forms.Textarea(attrs={"rows": 4})
    )
    # Optional, so older forms and clients stay valid: none given reads as done.
    result = forms.ChoiceField(
        label=gettext_lazy("Result"),
        choices=[("", gettext_lazy("— (done)")), *FeedbackResult.choices],
        required=False,
    )
    # Interim-measure requests only: taken or refused, and until when it holds.
    measure_done = forms.TypedChoiceField(
        label=gettext_lazy("Interim measure taken"),
        choices=[("", "—"), ("yes", gettext_lazy("Done")), ("no", gettext_lazy("Refused"))],
        coerce=lambda v: v == "yes",
        empty_value=None,
        required=False,
    )
    until = forms.DateTimeField(
        label=gettext_lazy("In force until"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )


@require_verified
@require_POST
def transfer_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = handling.get_transfer_for(request.user, pk)
    transfers.ensure_recipient(request.user, transfer)
    form = FeedbackForm(request.POST)
    if form.is_valid():
        try:
            transfers.submit_feedback(
                transfer,
                summary=form.cleaned_data["summary"],
                attachments=request.FILES.getlist("attachments"),
                acting_user=request.user,
                measure_done=form.cleaned_data["measure_done"],
                until=form.cleaned_data["until"],
                result=form.cleaned_data["result"] or None,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Feedback sent."))
            return redirect(transfer)
    return render(
        request,
        "cases/transfer_detail.html",
        _detail_context(request, transfer, feedback_form=form),
        status=400,
    )


class ExtensionForm(forms.Form):
    days = forms.IntegerField(label=gettext_lazy("Working days more"), min_value=1)
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


@require_verified
@require_POST
def transfer_extension(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = handling.get_transfer_for(request.user, pk)
    transfers.ensure_recipient(request.user, transfer)
    form = ExtensionForm(request.POST)
    if form.is_valid():
        try:
            transfers.request_extension(
                transfer,
                days=form.cleaned_data["days"],
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Extension requested."))
            return redirect(transfer)
    return render(
        request,
        "cases/transfer_detail.html",
        _detail_context(request, transfer, extension_form=form),
        status=400,
    )


@require_verified
@require_POST
def transfer_extension_decide(request: HttpRequest, pk: int, extension_id: int) -> HttpResponse:
    transfer = handling.get_transfer_for(request.user, pk)
    transfers.ensure_sender(request.user, transfer)
    extension = handling.get_extension_for(request.user, transfer, extension_id)
    decision = request.POST.get("decision")
    try:
        transfers.decide_extension(
            extension,
            approve={"approve": True, "deny": False}.get(decision, decision),
            note=request.POST.get("note", ""),
            acting_user=request.user,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Decision recorded."))
    return redirect(transfer)


@require_verified
@require_POST
def transfer_close(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = handling.get_transfer_for(request.user, pk)
    try:
        transfers.close_transfer(transfer, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Transfer closed."))
    return redirect(transfer)
