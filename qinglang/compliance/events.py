"""Ledger actions of compliance (see qinglang.core.ledger_actions)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from qinglang.core.ledger_actions import define

DELETION_REQUEST_FILED = define(
    "compliance.deletion_request.filed", _("Deletion request entered in the ledger")
)
DELETION_REQUESTS_IMPORTED = define(
    "compliance.deletion_requests.imported", _("Deletion requests imported from a file")
)
FLAG_ANSWERED = define("compliance.flag.answered", _("Website answered a compliance flag"))
AUDIT_DRAWN = define("compliance.audit.drawn", _("Sampling audit drawn"))
AUDIT_FINDING_RECORDED = define("compliance.audit.finding", _("Audit finding recorded"))
EVALUATION_COMPUTED = define("compliance.evaluation.computed", _("Website evaluation computed"))
INTERVIEW_RECORDED = define("compliance.interview.recorded", _("Regulatory interview recorded"))
NORM_VERSION_ADDED = define("compliance.norm.version_added", _("Norm version added"))
FORMULA_VERSION_ADDED = define(
    "compliance.formula.version_added", _("Evaluation formula version added")
)
