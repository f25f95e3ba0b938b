"""Ledger actions of intake (see qinglang.core.ledger_actions)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from qinglang.core.ledger_actions import define

# Public actions: the reporter's timeline shows them as `public_name` with `public_label`, and
# only the data key `public_text_key` (nothing else of the event) ever reaches the reporter.
REPORT_RECEIVED = define(
    "report.received",
    _("Report received"),
    public_label=_("Report received"),
    public_name="received",
)
REPORT_ACCEPTED = define(
    "report.accepted",
    _("Report accepted"),
    public_label=_("Accepted for handling"),
    public_name="accepted",
)
REPORT_DECLINED = define(
    "report.declined",
    _("Report declined"),
    public_label=_("Declined"),
    public_name="declined",
    public_text_key="reason_text",
)
REPORT_RESULT_RECORDED = define(
    "report.result_recorded",
    _("Result recorded for the reporter"),
    public_label=_("Result available"),
    public_name="result",
    public_text_key="public_result",
)
REPORT_ANALYSED = define("report.analysed", _("Report analysed"))
REPORT_REROUTED = define("report.rerouted", _("Report re-routed"))
REPORT_MOVED_CASE = define("report.moved_case", _("Report moved to another case"))
REPORT_CONTACT_REVEALED = define("report.contact_revealed", _("Reporter contact viewed"))
REPORT_TRIAGE_ESCALATED = define("report.triage_escalated", _("Triage escalated"))
# The anonymous conversation: the texts themselves reach the reporter as "messages", not here.
REPORT_QUESTION_ASKED = define(
    "report.question_asked",
    _("Question asked to the reporter"),
    public_label=_("The office asked you a question"),
    public_name="question",
)
REPORT_REPLY_RECEIVED = define(
    "report.reply_received",
    _("Reporter's reply received"),
    public_label=_("Your message was received"),
    public_name="reply",
)
REPORT_REVIEW_REQUESTED = define(
    "report.review_requested",
    _("Review of the decline requested"),
    public_label=_("You asked for a review of the decline"),
    public_name="review_requested",
)
REPORT_NOTICE_ADDRESS_SET = define("report.notice_address_set", _("Notice address given"))
REPORT_NOTICE_ADDRESS_DELETED = define("report.notice_address_deleted", _("Notice address deleted"))
REPORT_ASSIGNED = define("report.assigned", _("Triage assignee changed"))
