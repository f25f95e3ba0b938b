"""Evidence on the case page: the files of every source, staff uploads, web captures live."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from qinglang.cases.evidence_forms import CaptureForm, UploadForm
from qinglang.cases.models import Case
from qinglang.cases.selectors import evidence as selectors
from qinglang.cases.selectors.cases import get_case_detail_for, get_case_for
from qinglang.cases.services import evidence as services
from qinglang.cases.views.common import add_domain_errors, office_staff_required


def _evidence_url(case: Case) -> str:
    return reverse("cases:case_detail", args=[case.pk]) + "#case-evidence"


def _page(request: HttpRequest, case: Case, status: int, **forms_: Any) -> HttpResponse:
    from qinglang.cases.views.cases import _detail_context

    return render(
        request,
        "cases/case_detail.html",
        {**_detail_context(request, case), **forms_},
        status=status,
    )


@office_staff_required
@require_POST
def case_evidence_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add files to a case; a refused file leaves nothing stored and is said why."""
    case = get_case_detail_for(request.user, pk)
    form = UploadForm(request.POST)
    form.is_valid()
    try:
        items = services.add_case_evidence(
            case, files=request.FILES.getlist("files"), acting_user=request.user
        )
    except services.UploadTooLargeError as exc:
        add_domain_errors(form, exc)
        return _page(request, case, 413, evidence_upload_form=form)
    except ValidationError as exc:
        add_domain_errors(form, exc)
        return _page(request, case, 400, evidence_upload_form=form)
    messages.success(
        request,
        _("%(n)s file(s) added to the case's evidence.") % {"n": len(items)},
    )
    return redirect(_evidence_url(case))


@office_staff_required
@require_POST
def case_capture_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Order a web capture for a case; its progress shows on the case page."""
    case = get_case_detail_for(request.user, pk)
    form = CaptureForm(request.POST)
    if form.is_valid():
        try:
            services.request_case_capture(
                case, url=form.cleaned_data["url"], acting_user=request.user
            )
        except ValidationError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Capture requested; its progress shows below."))
            return redirect(_evidence_url(case))
    return _page(request, case, 400, capture_form=form)


@office_staff_required
@require_GET
def case_captures(request: HttpRequest, pk: int) -> HttpResponse:
    """Return the case's captures with their progress (the fragment htmx polls)."""
    case = get_case_for(request.user, pk)
    rows = selectors.capture_rows(selectors.case_captures(case))
    return render(
        request,
        "cases/_case_captures.html",
        {"case": case, "captures": rows, "polling": selectors.capturing(rows)},
    )
