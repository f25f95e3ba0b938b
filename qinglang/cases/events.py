"""Ledger actions of cases (see qinglang.core.ledger_actions)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from qinglang.core.ledger_actions import define

CASE_OPENED = define("case.opened", _("Case opened"))
CASE_UPDATED = define("case.updated", _("Case updated"))
CASE_STATUS_CHANGED = define("case.status_changed", _("Case status changed"))
CASE_DECIDED = define("case.decided", _("Case decided"))
CASE_CLOSED = define("case.closed", _("Case closed"))
CASE_REOPENED = define("case.reopened", _("Case reopened"))
CASE_MERGED = define("case.merged", _("Case merged into another"))
CASE_MERGED_INTO = define("case.merged_into", _("Cases merged into this case"))
CASE_SPLIT_FROM = define("case.split_from", _("Case split off"))
CASE_REPORT_JOINED = define("case.report_joined", _("Report joined the case"))
CASE_REPORT_SPLIT = define("case.report_split", _("Report split off"))
CASE_CO_OFFICE_ADDED = define("case.co_office_added", _("Co-handling office added"))
CASE_HANDED_OVER = define("case.handed_over", _("Case handed over"))
TRANSFER_SENT = define("transfer.sent", _("Transfer sent"))
TRANSFER_ACKNOWLEDGED = define("transfer.acknowledged", _("Transfer acknowledged"))
TRANSFER_ANSWERED = define("transfer.answered", _("Feedback received"))
TRANSFER_CLOSED = define("transfer.closed", _("Transfer closed"))
TRANSFER_ESCALATED = define("transfer.escalated", _("Transfer escalated"))
TRANSFER_EXTENSION_REQUESTED = define("transfer.extension_requested", _("Extension requested"))
TRANSFER_EXTENSION_APPROVED = define("transfer.extension_approved", _("Extension approved"))
TRANSFER_EXTENSION_DENIED = define("transfer.extension_denied", _("Extension denied"))
TASK_CREATED = define("task.created", _("Task created"))
TASK_COMPLETED = define("task.completed", _("Task completed"))
TASK_CANCELLED = define("task.cancelled", _("Task cancelled"))
TASK_COMMENTED = define("task.commented", _("Task comment added"))
TASK_ESCALATED = define("task.escalated", _("Task escalated"))
DEADLINE_POLICY_SAVED = define("deadline_policy.saved", _("Deadline policy saved"))
DEADLINE_POLICY_DELETED = define("deadline_policy.deleted", _("Deadline policy deleted"))
# Collaboration: internal to the handling offices, never on the reporter's timeline.
CASE_ASSIGNED = define("case.assigned", _("Case assigned"))
CASE_NOTE_ADDED = define("case.note_added", _("Internal note added"))
TRANSFER_OPENED = define("transfer.opened", _("Transfer opened by the recipient"))
TRANSFER_WITHDRAWN = define("transfer.withdrawn", _("Transfer withdrawn as the case closed"))
CLOSURE_POLICY_SAVED = define("closure_policy.saved", _("Closure policy changed"))
CALENDAR_FEED_ISSUED = define("calendar_feed.issued", _("Calendar feed address issued"))
# Evidence where the work is: staff uploads and web captures ordered from the case page.
CASE_EVIDENCE_ADDED = define("case.evidence_added", _("Evidence added to the case"))
CASE_CAPTURE_REQUESTED = define("case.capture_requested", _("Web capture requested for the case"))
INTERNAL_REROUTE_REQUESTED = define(
    "report.internal_reroute_requested", _("Re-route of an internal matter requested")
)
INTERNAL_REROUTE_APPROVED = define(
    "report.internal_reroute_approved", _("Re-route of an internal matter approved")
)
# Decisions reach the registry: a target linked to (or registered as) a registry entity.
CASE_TARGET_LINKED = define("case.target_linked", _("Case target linked to the registry"))
