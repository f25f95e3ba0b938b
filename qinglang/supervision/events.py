"""Ledger actions of supervision (see qinglang.core.ledger_actions)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from qinglang.core.ledger_actions import define

ASSIGNMENT_CREATED = define("supervision.assignment_created", _("Stationed supervisor assigned"))
ASSIGNMENT_ENDED = define(
    "supervision.assignment_ended", _("Stationed supervisor assignment ended")
)
CONFLICT_DECLARED = define("supervision.conflict_declared", _("Conflict of interest declared"))
DUTY_LOGGED = define("supervision.duty_logged", _("Duty log entry recorded"))
SITE_INSPECTED = define("supervision.site_inspected", _("Website checklist recorded"))
SITE_FINDING_REFERRED = define(
    "supervision.site_finding_referred", _("Supervisor finding turned into a report or case")
)
CALL_PUBLISHED = define("supervision.call_published", _("Citizen supervisor call published"))
APPLICATION_SUBMITTED = define(
    "supervision.application_submitted", _("Citizen supervisor application submitted")
)
APPLICATION_DECIDED = define(
    "supervision.application_decided", _("Decision on a citizen supervisor application")
)
SUPERVISOR_ACTIVATED = define("supervision.supervisor_activated", _("Citizen supervisor activated"))
SUPERVISOR_STATUS_CHANGED = define(
    "supervision.supervisor_status_changed",
    _("Citizen supervisor suspended, removed or reinstated"),
)
TRAINING_PUBLISHED = define("supervision.training_published", _("Training material published"))
TRAINING_ACKNOWLEDGED = define("supervision.training_acknowledged", _("Training acknowledged"))
SUPERVISOR_ASSESSED = define("supervision.supervisor_assessed", _("Citizen supervisor assessed"))
PLEDGE_SIGNED = define("supervision.pledge_signed", _("Integrity pledge signed"))
INSPECTION_PLANNED = define("supervision.inspection_planned", _("Inspection planned"))
INSPECTION_PACK_GENERATED = define(
    "supervision.inspection_pack_generated", _("Inspection pack generated")
)
INSPECTION_FINDING_ISSUED = define("supervision.inspection_finding", _("Inspection finding issued"))
INSPECTION_FINDING_ANSWERED = define(
    "supervision.inspection_finding_answered", _("Inspection finding answered")
)
FOLLOW_UP_COMPLETED = define("supervision.follow_up_completed", _("Follow-up task completed"))
INTEGRITY_FINDING_DETECTED = define(
    "supervision.integrity_finding", _("Integrity finding detected")
)
INTEGRITY_FINDING_REFERRED = define(
    "supervision.integrity_finding_referred", _("Integrity finding turned into an internal case")
)
INTEGRITY_FINDING_DISMISSED = define(
    "supervision.integrity_finding_dismissed", _("Integrity finding dismissed")
)
