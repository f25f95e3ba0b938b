"""Reactions to reports and cases, by signal so that intake and cases never import protection."""

from __future__ import annotations

import logging
from typing import Any

from django.db.models.signals import post_save

log = logging.getLogger(__name__)


def on_report_saved(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    """Link a protection case when its report is accepted; check analysed reports for repeats."""
    from qinglang.intake.models import ReportStatus
    from qinglang.protection import services

    fields = set(update_fields or ())
    if "status" in fields and instance.status == ReportStatus.ACCEPTED:
        services.link_accepted_report(instance)
    if "analysed_at" in fields and instance.analysed_at is not None:
        services.check_report_reappearance(instance)


def on_case_saved(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    """Close (or reopen) the protection cases of a case that closed (or reopened)."""
    from qinglang.protection import services

    if "status" in set(update_fields or ()):
        services.follow_case_status(instance)


def connect() -> None:
    """Connect the handlers (once, from the app config)."""
    from qinglang.cases.models import Case
    from qinglang.intake.models import Report

    post_save.connect(on_report_saved, sender=Report, dispatch_uid="protection.report_saved")
    post_save.connect(on_case_saved, sender=Case, dispatch_uid="protection.case_saved")
