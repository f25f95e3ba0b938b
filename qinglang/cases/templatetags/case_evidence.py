"""`{% case_evidence_section case %}` and `{% report_duplicates report %}` for the staff pages."""

from __future__ import annotations

from typing import Any

from django import template

from qinglang.cases.evidence_forms import CaptureForm, UploadForm
from qinglang.cases.models import CaseStatus
from qinglang.cases.selectors.evidence import case_evidence, report_duplicate_files
from qinglang.cases.services.evidence import can_add_case_evidence

register = template.Library()


@register.inclusion_tag("cases/_case_evidence.html", takes_context=True)
def case_evidence_section(context: dict[str, Any], case: Any) -> dict[str, Any]:
    """Render a case's evidence by source, its captures live, and the forms to add more."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "case": case,
        "evidence": case_evidence(case, user),
        "can_add": can_add_case_evidence(user, case) and case.status != CaseStatus.CLOSED,
        "capture_form": context.get("capture_form") or CaptureForm(),
        "upload_form": context.get("evidence_upload_form") or UploadForm(),
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("cases/_duplicate_files.html", takes_context=True)
def report_duplicates(context: dict[str, Any], report: Any) -> dict[str, Any]:
    """Render the report's files whose exact bytes were also received in other reports."""
    request = context.get("request")
    return {
        "duplicates": report_duplicate_files(report, getattr(request, "user", None)),
        "report": report,
    }
