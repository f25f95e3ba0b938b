"""Staff side of the reporter conversation: ask the reporter of a report a question."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglang.cases.views.common import office_staff_required
from qinglang.cases.views.triage import _detail_context, _report


@office_staff_required
@require_POST
def triage_question(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a question to the reporter (404 outside scope, 403 for staff who do not handle it)."""
    from qinglang.intake.conversation import ask_question

    report = _report(request, pk)
    text = request.POST.get("text", "")
    try:
        ask_question(report, text=text, acting_user=request.user)
    except ValidationError as exc:
        context = _detail_context(
            request, report, question_text=text[:10000], question_errors=exc.messages
        )
        return render(request, "cases/triage_detail.html", context, status=400)
    messages.success(request, _("Your question was sent to the reporter."))
    return redirect("cases:triage_detail", report.pk)
