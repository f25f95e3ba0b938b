"""The catalogues: website checklist items per kind of website, periodic-inspection items."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from qinglang.intake.models import ReportCategory
from qinglang.supervision.models import WebsiteKind


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    area: str
    label: Promise
    # The report category a failure of this item amounts to when referred.
    category: str


AREAS: dict[str, Promise] = {
    "deletion_requests": _("Deletion-request handling"),
    "four_eyes": _("Four-eyes approval"),
    "channel_outsourcing": _("Channel outsourcing"),
    "paid_posting": _("Paid-posting controls"),
}

ITEMS: dict[str, ChecklistItem] = {
    i.code: i
    for i in [
        ChecklistItem(
            "deletion_log",
            "deletion_requests",
            _("Every deletion request is logged with requester, grounds and outcome."),
            ReportCategory.PAID_DELETION,
        ),
        ChecklistItem(
            "requester_verified",
            "deletion_requests",
            _("The requester's identity and authority are verified before anything is deleted."),
            ReportCategory.IMPERSONATION,
        ),
        ChecklistItem(
            "requester_answered",
            "deletion_requests",
            _("Every requester gets a reasoned answer within the set time."),
            ReportCategory.OTHER,
        ),
        ChecklistItem(
            "two_person_deletion",
            "four_eyes",
            _("Deletions are approved by two different staff members."),
            ReportCategory.PAID_DELETION,
        ),
        ChecklistItem(
            "tamper_proof_trail",
            "four_eyes",
            _("Approvals and deletions leave a trail nobody can edit."),
            ReportCategory.PAID_DELETION,
        ),
        ChecklistItem(
            "no_outsourced_channels",
            "channel_outsourcing",
            _("No channel or section is contracted out to third parties."),
            ReportCategory.CHANNEL_OUTSOURCING,
        ),
        ChecklistItem(
            "partners_vetted",
            "channel_outsourcing",
            _("Content partners are vetted and reviewed regularly."),
            ReportCategory.CHANNEL_OUTSOURCING,
        ),
        ChecklistItem(
            "no_paid_deletion",
            "paid_posting",
            _("No fee is taken for deleting, hiding or demoting posts."),
            ReportCategory.PAID_DELETION,
        ),
        ChecklistItem(
            "ads_marked",
            "paid_posting",
            _("Paid content is marked as advertising."),
            ReportCategory.DISGUISED_FEES,
        ),
        ChecklistItem(
            "staff_pledged",
            "paid_posting",
            _("Editorial staff have signed integrity pledges."),
            ReportCategory.COLLUSION,
        ),
    ]
}

_ALL = list(ITEMS)
CHECKLISTS: dict[str, list[str]] = {
    WebsiteKind.CENTRAL_NEWS: _ALL,
    WebsiteKind.COMMERCIAL: _ALL,
    # Local sites rarely run outsourced channels; the other areas apply in full.
    WebsiteKind.LOCAL: [c for c in _ALL if ITEMS[c].area != "channel_outsourcing"],
}

INSPECTION_ITEMS: dict[str, Promise] = {
    "backlog": _("Backlog of reports and open cases"),
    "overdue_rate": _("Share of tasks and transfers past their deadline"),
    "decline_reasons": _("Declined reports: reasons, and a sample to re-read"),
    "identity_access": _("Review of the identity-access log"),
    "escalations": _("Escalations received and answered"),
}

# Choice lists by name, so the API schema names each enum once (ENUM_NAME_OVERRIDES).
STATION_ITEM_CHOICES = sorted(ITEMS)
INSPECTION_ITEM_CHOICES = sorted(INSPECTION_ITEMS)
