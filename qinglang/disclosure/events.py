"""Ledger actions of disclosure (see qinglang.core.ledger_actions)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from qinglang.core.ledger_actions import define

LAW_IMPORTED = define("law.imported", _("Law text imported"))
AMOUNTS_RECORDED = define("disclosure.amounts_recorded", _("Case amounts recorded"))
BATCH_CREATED = define("batch.created", _("Exposure batch created"))
BATCH_SUBMITTED = define("batch.submitted", _("Exposure batch submitted for approval"))
BATCH_APPROVED = define("batch.approved", _("Exposure batch approved"))
BATCH_SCHEDULED = define("batch.scheduled", _("Exposure batch scheduled"))
BATCH_PUBLISHED = define("batch.published", _("Exposure batch published"))
ENTRY_ADDED = define("entry.added", _("Exposure entry added"))
ENTRY_CORRECTED = define("entry.corrected", _("Exposure entry corrected"))
ENTRY_DELISTED = define("entry.delisted", _("Exposure entry delisted"))
ENTRY_EXPIRED = define("entry.expired", _("Exposure listing period ended"))
STATEMENT_SUBMITTED = define("statement.submitted", _("Website statement submitted"))
STATEMENT_REVIEWED = define("statement.reviewed", _("Website statement reviewed"))
APPEAL_FILED = define("appeal.filed", _("Appeal filed"))
APPEAL_DECIDED = define("appeal.decided", _("Appeal decided"))
TYPICAL_CASE_CREATED = define("typical_case.created", _("Typical case drafted"))
TYPICAL_CASE_SUBMITTED = define("typical_case.submitted", _("Typical case submitted"))
TYPICAL_CASE_APPROVED = define("typical_case.approved", _("Typical case approved"))
TYPICAL_CASE_PUBLISHED = define("typical_case.published", _("Typical case published"))
RANKING_CREATED = define("ranking.created", _("Evaluation ranking drafted"))
RANKING_SUBMITTED = define("ranking.submitted", _("Evaluation ranking submitted"))
RANKING_APPROVED = define("ranking.approved", _("Evaluation ranking approved"))
RANKING_PUBLISHED = define("ranking.published", _("Evaluation ranking published"))
GUIDE_SAVED = define("guide.saved", _("Prevention guide saved"))
OPEN_DATA_RELEASED = define("open_data.released", _("Open data released"))
