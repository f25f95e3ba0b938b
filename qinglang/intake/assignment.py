"""Who in the office decides on a report (the triage assignee)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from qinglang.core import ledger
from qinglang.core.exceptions import DomainError, StateError
from qinglang.core.models import User
from qinglang.intake.events import REPORT_ASSIGNED
from qinglang.intake.models import Report, ReportStatus
from qinglang.intake.services import _ensure, _locked, can_triage


def assignable_users(report: Report) -> list[User]:
    """Return the active people of the report's office, by name."""
    return list(
        User.objects.filter(organization_id=report.office_id, is_active=True).order_by(
            "last_name", "first_name", "username"
        )
    )


@transaction.atomic
def assign_report(report: Report, *, assignee: User | None, acting_user: User) -> Report:
    """Make `assignee` (a person of the report's office, or nobody) decide on the report."""
    report = _locked(report)
    _ensure(can_triage(acting_user, report))
    if assignee is not None and (
        not isinstance(assignee, User)
        or not assignee.is_active
        or assignee.organization_id != report.office_id
    ):
        raise DomainError(
            {"assignee": [_("Choose a colleague of the office that owns the report.")]}
        )
    if report.status != ReportStatus.RECEIVED:
        raise StateError(_("Only a report awaiting triage can be assigned."))
    previous = report.triage_assignee_id
    new = assignee.pk if assignee is not None else None
    if previous == new:
        return report
    report.triage_assignee = assignee
    report.save(update_fields=["triage_assignee"])
    ledger.append(
        report,
        action=REPORT_ASSIGNED,
        actor=acting_user,
        data={"from": previous, "to": new},
    )
    return report
