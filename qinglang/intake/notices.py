"""Messages intake sends staff: a new report has reached an office's triage queue."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_noop

from qinglang.core.messages import message
from qinglang.core.services import notify
from qinglang.intake.models import Report, ReportCategory


def _category_label(code: str) -> object:
    try:
        return ReportCategory(code).label
    except ValueError:
        return code


def notify_new_report(report: Report) -> None:
    """Tell the report's office that a report awaits its decision (inside the caller's txn)."""
    if not report.office_id:
        return
    notify(
        organization=report.office,
        verb="report.received",
        link=reverse("cases:triage_detail", args=[report.pk]),
        title=message(gettext_noop("New report %(code)s in your queue"), code=report.tracking_code),
        body=message(
            gettext_noop("Category: %(category)s. Accept, decline or re-route it."),
            category=_category_label(report.category),
        ),
    )
