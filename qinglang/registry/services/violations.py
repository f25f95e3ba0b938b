"""Violation records: created from a decided case, rescinded on appeal, never deleted."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from qinglang.core import ledger
from qinglang.core.exceptions import DomainError, NotPermitted, StateError
from qinglang.core.models import Organization, User
from qinglang.registry.models import (
    Account,
    Intermediary,
    Measure,
    Practitioner,
    SubjectKind,
    ViolationHistory,
    ViolationRecord,
    ViolationStatus,
    Website,
    WebsiteStatus,
)
from qinglang.registry.permissions import can_decide_for

Subject = Website | Account | Practitioner | Intermediary

_SUBJECT_KINDS: dict[type, str] = {
    Website: SubjectKind.WEBSITE,
    Account: SubjectKind.ACCOUNT,
    Practitioner: SubjectKind.PRACTITIONER,
    Intermediary: SubjectKind.INTERMEDIARY,
}
# A website's status follows the measure taken against it.
_WEBSITE_STATUS_FOR_MEASURE = {
    Measure.SHUTDOWN: WebsiteStatus.SHUT_DOWN,
    Measure.RECTIFICATION_ORDER: WebsiteStatus.UNDER_RECTIFICATION,
}


def _ensure_can_decide_for(user: User | None, office: Organization) -> None:
    if not can_decide_for(user, office):
        raise NotPermitted(_("Only the deciding office (or its superiors) may record this."))


@transaction.atomic
def record_violation(
    subject: Subject,
    *,
    case: tuple[str, Any],
    case_number: str,
    case_decided: bool,
    deciding_office: Organization,
    evidence_item_ids: list[int | str],
    legal_basis: str,
    measure: str,
    decided_on: datetime.date,
    effective_from: datetime.date | None = None,
    effective_until: datetime.date | None = None,
    summary: str = "",
    acting_user: User,
) -> ViolationRecord:
    """Record a decided case's finding against a subject (called by cases on decision)."""
    if not case_decided:
        raise StateError(_("A violation record can only be made from a decided case."))
    _ensure_can_decide_for(acting_user, deciding_office)
    kind = _SUBJECT_KINDS.get(type(subject))
    errors: dict[str, list[str]] = {}
    if kind is None or subject.pk is None:
        errors["subject"] = [
            _("The subject must be a registered website, account, practitioner or intermediary.")
        ]
    if measure not in Measure.values:
        errors["measure"] = [_("Unknown measure.")]
    if not (legal_basis or "").strip():
        errors["legal_basis"] = [_("The legal basis is required.")]
    if not (case_number or "").strip():
        errors["case_number"] = [_("The case number is required.")]
    if not evidence_item_ids:
        errors["evidence_item_ids"] = [_("A record must rest on at least one evidence item.")]
    start = effective_from or decided_on
    if effective_until is not None and effective_until < start:
        errors["effective_until"] = [_("The end date is before the start date.")]
    if errors:
        raise DomainError(errors)
    case_type, case_id = case[0], str(case[1])
    if ViolationRecord.objects.filter(
        case_type=case_type,
        case_id=case_id,
        measure=measure,
        status=ViolationStatus.ACTIVE,
        **{kind: subject},
    ).exists():
        raise StateError(_("This case already has this record for this subject."))
    record = ViolationRecord.objects.create(
        subject_kind=kind,
        **{kind: subject},
        case_type=case_type,
        case_id=case_id,
        case_number=case_number.strip(),
        issuing_office=deciding_office,
        region_code=deciding_office.region.code if deciding_office.region_id else "",
        evidence_item_ids=[str(i) for i in evidence_item_ids],
        legal_basis=legal_basis.strip(),
        measure=measure,
        summary=(summary or "").strip(),
        decided_on=decided_on,
        effective_from=start,
        effective_until=effective_until,
    )
    ViolationHistory.objects.create(
        record=record,
        status=ViolationStatus.ACTIVE,
        reason=_("Recorded from decided case %(number)s") % {"number": record.case_number},
        actor=acting_user,
    )
    ledger.append(
        record,
        action="registry.violation.recorded",
        actor=acting_user,
        data={
            "subject": f"{kind}:{subject.pk}",
            "case": f"{case_type}:{case_id}",
            "case_number": record.case_number,
            "measure": measure,
            "evidence": record.evidence_item_ids,
            "decided_on": decided_on,
        },
    )
    if kind == SubjectKind.WEBSITE and measure in _WEBSITE_STATUS_FOR_MEASURE:
        website = Website.objects.select_for_update().get(pk=subject.pk)
        website.status = _WEBSITE_STATUS_FOR_MEASURE[measure]
        website.save(update_fields=["status", "updated_at"])
        ledger.append(
            website,
            action="registry.website.status_changed",
            actor=acting_user,
            data={"to": website.status, "violation": record.pk},
        )
    return record


@transaction.atomic
def rescind_violation(
    record: ViolationRecord, *, reason: str, appeal_reference: str = "", acting_user: User
) -> ViolationRecord:
    """Rescind a record after a successful appeal; the record and its history stay."""
    record = ViolationRecord.objects.select_for_update().get(pk=record.pk)
    _ensure_can_decide_for(acting_user, record.issuing_office)
    if record.status != ViolationStatus.ACTIVE:
        raise StateError(_("Only a record in force can be rescinded."))
    if not (reason or "").strip():
        raise DomainError({"reason": [_("A reason is required.")]})
    record.status = ViolationStatus.RESCINDED
    record.save(update_fields=["status"])
    ViolationHistory.objects.create(
        record=record,
        status=ViolationStatus.RESCINDED,
        reason=reason.strip(),
        reference=appeal_reference.strip(),
        actor=acting_user,
    )
    ledger.append(
        record,
        action="registry.violation.rescinded",
        actor=acting_user,
        data={"reason": reason.strip(), "appeal_reference": appeal_reference.strip()},
    )
    return record
