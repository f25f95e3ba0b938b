"""Transfers (移送/通报): send a case's lead to an office, agency or website and follow it up."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from qinglang.cases.models import (
    PENDING_TRANSFER_STATUSES,
    Case,
    CaseStatus,
    DeadlineStage,
    ExtensionRequest,
    ExtensionStatus,
    FeedbackResult,
    InterimMeasure,
    Transfer,
    TransferFeedback,
    TransferKind,
    TransferStatus,
)
from qinglang.cases.selectors import redaction
from qinglang.cases.selectors.cases import HANDLING_ROLES, can_handle_case, can_lead_case
from qinglang.cases.selectors.handling import case_material_ids
from qinglang.cases.services import lifecycle
from qinglang.cases.services.deadlines import deadline_for
from qinglang.core import ledger
from qinglang.core.exceptions import DomainError, NotPermitted, StateError
from qinglang.core.messages import choice_label, message
from qinglang.core.models import AgencyType, Organization, OrganizationKind, Role, User
from qinglang.core.services import notify
from qinglang.core.workdays import add_working_days
from qinglang.evidence import services as evidence

# Who may receive each kind: (organization kind, agency type or "" for any).
RECIPIENT_KINDS: dict[str, tuple[str, str]] = {
    TransferKind.HANDOVER: (OrganizationKind.REGULATOR_OFFICE, ""),
    TransferKind.CO_HANDLING: (OrganizationKind.REGULATOR_OFFICE, ""),
    TransferKind.CRIMINAL_REFERRAL: (OrganizationKind.PARTNER_AGENCY, AgencyType.PUBLIC_SECURITY),
    TransferKind.TELECOM_ACTION: (OrganizationKind.PARTNER_AGENCY, AgencyType.TELECOM),
    TransferKind.PRESS_ACTION: (OrganizationKind.PARTNER_AGENCY, AgencyType.PRESS),
    TransferKind.RECTIFICATION_ORDER: (OrganizationKind.WEBSITE_OPERATOR, ""),
    TransferKind.INTERIM_MEASURE: (OrganizationKind.WEBSITE_OPERATOR, ""),
}
# An interim measure protects a victim while the case runs: the website has one day to act.
INTERIM_MEASURE_HOURS = 24
RECIPIENT_ROLES = HANDLING_ROLES | {Role.AGENCY_OFFICER, Role.WEBSITE_OFFICER}
# Discipline inspection may refer internal matters (to public security, for instance).
SENDER_ROLES = HANDLING_ROLES | {Role.INSPECTOR}
MAX_TEXT = 10_000
MAX_MEASURES = 20


def recipient_kind_fits(kind: str, recipient: Organization) -> bool:
    """Return whether `recipient` is the right kind of party for a transfer of `kind`."""
    wanted = RECIPIENT_KINDS.get(kind)
    if wanted is None or recipient.kind != wanted[0]:
        return False
    return not wanted[1] or recipient.agency_type == wanted[1]


def is_recipient_side(user: User, transfer: Transfer) -> bool:
    """Return whether `user` answers this transfer for the receiving organization."""
    return (
        user.is_authenticated
        and user.organization_id == transfer.recipient_id
        and user.role in RECIPIENT_ROLES
    )


def is_sender_side(user: User, transfer: Transfer) -> bool:
    """Return whether `user` follows this transfer up for the sending office."""
    return (
        user.is_authenticated
        and user.organization_id == transfer.sender_office_id
        and user.role in SENDER_ROLES
    )


def ensure_recipient(user: User, transfer: Transfer) -> None:
    """Raise NotPermitted unless `user` answers for the receiving organization."""
    if not is_recipient_side(user, transfer):
        raise NotPermitted(_("Only the receiving organization may do this."))


def ensure_sender(user: User, transfer: Transfer) -> None:
    """Raise NotPermitted unless `user` follows the transfer up for the sending office."""
    if not is_sender_side(user, transfer):
        raise NotPermitted(_("Only the sending office may do this."))


def _clean_text(
    value: Any,
    *,
    field: str,
    errors: dict[str, list[str]],
    required: bool = True,
    max_length: int = MAX_TEXT,
) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if value is not None and not isinstance(value, str):
        errors.setdefault(field, []).append(_("Enter text."))
    elif required and not text:
        errors.setdefault(field, []).append(_("This field is required."))
    elif len(text) > max_length:
        errors.setdefault(field, []).append(_("At most %(n)s characters.") % {"n": max_length})
    return text


def _clean_ids(
    values: Iterable[Any] | None, *, field: str, allowed: set[int], errors: dict[str, list[str]]
) -> list[int]:
    ids: list[int] = []
    for value in values or []:
        if isinstance(value, bool) or not isinstance(value, int | str):
            errors.setdefault(field, []).append(_("Enter a list of ids."))
            return []
        try:
            pk = int(value)
        except ValueError:
            errors.setdefault(field, []).append(_("Enter a list of ids."))
            return []
        if pk not in allowed:
            errors.setdefault(field, []).append(
                _("%(id)s is not part of this case's materials.") % {"id": pk}
            )
            return []
        if pk not in ids:
            ids.append(pk)
    return ids


def _clean_measures(
    kind: str, measures: Sequence[Any] | None, errors: dict[str, list[str]]
) -> list[str]:
    """Return the required measures, each a line; optional (the instructions state them too)."""
    cleaned = [m.strip() for m in measures or [] if isinstance(m, str) and m.strip()]
    if measures and (not isinstance(measures, list | tuple) or len(cleaned) != len(measures)):
        errors["measures"] = [_("Enter each required measure as a line of text.")]
    elif kind != TransferKind.RECTIFICATION_ORDER and cleaned:
        errors["measures"] = [_("Required measures belong to rectification orders only.")]
    elif len(cleaned) > MAX_MEASURES or any(len(m) > 500 for m in cleaned):
        errors["measures"] = [
            _("At most %(n)s measures of 500 characters each.") % {"n": MAX_MEASURES}
        ]
    return cleaned


def _clean_days(
    value: Any, *, field: str, maximum: int, errors: dict[str, list[str]], required: bool
) -> int | None:
    if value is None or value == "":
        if required:
            errors[field] = [_("This field is required.")]
        return None
    try:
        days = int(value)
    except (TypeError, ValueError):
        errors[field] = [_("Enter a whole number of working days.")]
        return None
    if isinstance(value, bool | float) or days < 1 or days > maximum:
        errors[field] = [
            _("Enter a whole number of working days from 1 to %(max)s.") % {"max": maximum}
        ]
        return None
    return days


@transaction.atomic
def send_transfer(
    case: Case,
    *,
    recipient: Organization | int | None,
    kind: str,
    instructions: str,
    acting_user: User,
    evidence_ids: Iterable[Any] | None = None,
    report_ids: Iterable[Any] | None = None,
    measures: Sequence[Any] | None = None,
    deadline_days: Any = None,
    measure: str = "",
) -> Transfer:
    """Send a lead (with the chosen materials, instructions and a deadline) to another party."""
    case = Case.objects.select_for_update().select_related("lead_office").get(pk=case.pk)
    allowed = (
        can_lead_case(acting_user, case)
        if kind == TransferKind.HANDOVER
        else can_handle_case(acting_user, case)
    )
    if not allowed:
        raise NotPermitted(_("You may not send transfers for this case."))
    if not case.is_open or case.merged_into_id:
        raise StateError(_("Only an open case can be transferred."))
    errors: dict[str, list[str]] = {}
    if kind not in TransferKind.values:
        errors["kind"] = [_("Choose a valid kind of transfer.")]
    org = _resolve_recipient(recipient, errors)
    if org is not None and "kind" not in errors:
        _check_recipient(case, kind, org, acting_user, errors)
    instructions = _clean_text(instructions, field="instructions", errors=errors)
    measures_clean = _clean_measures(kind, measures, errors)
    days = _clean_days(
        deadline_days,
        field="deadline_days",
        errors=errors,
        required=False,
        maximum=settings.QINGLANG_TRANSFER_MAX_DEADLINE_DAYS,
    )
    allowed_items, allowed_reports = case_material_ids(case)
    item_ids = _clean_ids(evidence_ids, field="materials", allowed=allowed_items, errors=errors)
    rep_ids = _clean_ids(report_ids, field="materials", allowed=allowed_reports, errors=errors)
    measure = _clean_interim_measure(kind, measure, days, errors)
    if errors:
        raise DomainError(errors)
    assert org is not None  # noqa: S101 - errors would have been raised
    sent, redactions = _outgoing_text(case, org, instructions, measures_clean)
    now = timezone.now()
    stage = (
        DeadlineStage.RECTIFICATION
        if kind == TransferKind.RECTIFICATION_ORDER
        else DeadlineStage.TRANSFER_FEEDBACK
    )
    if kind == TransferKind.INTERIM_MEASURE:
        deadline = now + dt.timedelta(hours=INTERIM_MEASURE_HOURS)
    elif days:
        deadline = add_working_days(now, days)
    else:
        deadline = deadline_for(stage, start=now, category=case.category, urgency=case.urgency)
    transfer = Transfer.objects.create(
        case=case,
        kind=kind,
        sender_office=acting_user.organization,
        recipient=org,
        instructions=sent["instructions"],
        measures=sent["measures"],
        instructions_original=instructions if redactions else "",
        measures_original=measures_clean if redactions else [],
        measure=measure,
        deadline=deadline,
        sent_by=acting_user,
        sent_at=now,
    )
    if rep_ids:
        transfer.reports.set(rep_ids)
    from qinglang.evidence.models import EvidenceItem

    for item in EvidenceItem.objects.filter(pk__in=item_ids).select_related("blob"):
        evidence.attach(item, subject=("cases.transfer", transfer.pk), acting_user=acting_user)
    if case.status in (CaseStatus.NEW, CaseStatus.INVESTIGATING):
        lifecycle.change_status(
            case,
            to=CaseStatus.AWAITING_FEEDBACK,
            acting_user=acting_user,
            note=_("Transfer sent to %(org)s.") % {"org": org.name},
        )
    ledger.append(
        transfer,
        action="transfer.sent",
        actor=acting_user,
        data={
            "case": case.pk,
            "kind": kind,
            "recipient": org.pk,
            "deadline": deadline.isoformat(),
            "evidence": item_ids,
            "reports": rep_ids,
            "measures": sent["measures"],
            **({"measure": measure} if measure else {}),
            **({"redacted": redactions} if redactions else {}),
        },
    )
    notify(
        organization=org,
        verb="transfer.sent",
        link=transfer.get_absolute_url(),
        title=message(
            gettext_noop("%(kind)s from %(office)s: case %(number)s"),
            **{
                "kind": choice_label(transfer, "kind"),
                "office": acting_user.organization.name,
                "number": case.number,
            },
        ),
        body=message(
            gettext_noop("Please acknowledge receipt and answer by %(deadline)s."),
            **{"deadline": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M")},
        ),
    )
    return transfer


def _outgoing_text(
    case: Case, org: Organization, instructions: str, measures: list[str]
) -> tuple[dict[str, Any], dict[str, int]]:
    """Return the texts as `org` will read them and what was removed (kind: count).

    A website operator never learns who reported it: the reporter's name, phone, e-mail and
    any other personal data found are masked before the texts are stored as sent.
    """
    if not redaction.redacts_for(org):
        return {"instructions": instructions, "measures": measures}, {}
    known = redaction.reporter_details(case)
    previews = redaction.preview_all([instructions, *measures], known=known)
    counts: dict[str, int] = {}
    for p in previews:
        for kind, n in p.counts.items():
            counts[kind] = counts.get(kind, 0) + n
    texts = [p.redacted for p in previews]
    return {"instructions": texts[0], "measures": texts[1:]}, counts


def _clean_interim_measure(
    kind: str, measure: Any, days: int | None, errors: dict[str, list[str]]
) -> str:
    value = measure if isinstance(measure, str) else ""
    if kind != TransferKind.INTERIM_MEASURE:
        if measure:
            errors["measure"] = [_("An interim measure belongs to interim-measure requests only.")]
        return ""
    if value not in InterimMeasure.values:
        errors["measure"] = [
            _("Choose the interim measure: %(choices)s.")
            % {"choices": ", ".join(InterimMeasure.values)}
        ]
    if days:
        errors["deadline_days"] = [
            _("An interim measure is due within %(hours)s hours; no other deadline can be set.")
            % {"hours": INTERIM_MEASURE_HOURS}
        ]
    return value


def _resolve_recipient(
    recipient: Organization | int | None, errors: dict[str, list[str]]
) -> Organization | None:
    if isinstance(recipient, Organization):
        return recipient
    try:
        pk = int(recipient)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        errors["recipient"] = [_("Choose a recipient organization.")]
        return None
    org = Organization.objects.filter(pk=pk, is_active=True).first()
    if org is None:
        errors["recipient"] = [_("No such organization.")]
    return org


def _check_recipient(
    case: Case, kind: str, org: Organization, acting_user: User, errors: dict[str, list[str]]
) -> None:
    if not org.is_active:
        errors["recipient"] = [_("No such organization.")]
    elif not recipient_kind_fits(kind, org):
        errors["recipient"] = [
            _("A %(kind)s cannot be sent to %(org)s.")
            % {"kind": TransferKind(kind).label, "org": org.name}
        ]
    elif case.is_internal and org.kind == OrganizationKind.REGULATOR_OFFICE:
        # A matter about regulator staff never reaches an office: it could be the one concerned.
        errors["recipient"] = [_("An internal matter is never sent to a regulator office.")]
    elif org.pk in {acting_user.organization_id, case.lead_office_id}:
        errors["recipient"] = [_("Choose an office other than the one handling the case.")]
    elif kind == TransferKind.CO_HANDLING and case.co_offices.filter(pk=org.pk).exists():
        errors["recipient"] = [_("This office already co-handles the case.")]
    elif Transfer.objects.filter(
        case=case, kind=kind, recipient=org, status__in=PENDING_TRANSFER_STATUSES
    ).exists():
        errors["recipient"] = [_("A transfer of this kind to this recipient is still pending.")]


def _lock(transfer: Transfer) -> Transfer:
    return (
        Transfer.objects.select_for_update()
        .select_related("case", "recipient", "sender_office")
        .get(pk=transfer.pk)
    )


@transaction.atomic
def acknowledge_transfer(transfer: Transfer, *, acting_user: User) -> Transfer:
    """Confirm receipt; a handover then passes jurisdiction, co-handling joins the case."""
    transfer = _lock(transfer)
    ensure_recipient(acting_user, transfer)
    if transfer.status != TransferStatus.SENT:
        raise StateError(_("This transfer has already been acknowledged."))
    now = timezone.now()
    transfer.status, transfer.acknowledged_at = TransferStatus.ACKNOWLEDGED, now
    transfer.acknowledged_by = acting_user
    fields = ["status", "acknowledged_at", "acknowledged_by"]
    if transfer.kind in {TransferKind.HANDOVER, TransferKind.CO_HANDLING}:
        _join_case(transfer, acting_user=acting_user)
    if transfer.kind == TransferKind.HANDOVER:
        # Nothing more to answer: the receiving office now leads the case.
        transfer.status, transfer.answered_at, transfer.closed_at = TransferStatus.CLOSED, now, now
        fields += ["answered_at", "closed_at"]
    transfer.save(update_fields=fields)
    ledger.append(
        transfer,
        action="transfer.acknowledged",
        actor=acting_user,
        data={"status": transfer.status},
    )
    notify(
        organization=transfer.sender_office,
        verb="transfer.acknowledged",
        link=transfer.get_absolute_url(),
        title=message(
            gettext_noop("%(org)s acknowledged receipt of case %(number)s"),
            **{"org": transfer.recipient.name, "number": transfer.case.number},
        ),
    )
    return transfer


def _join_case(transfer: Transfer, *, acting_user: User) -> None:
    """Make the receiving office lead (handover) or co-handle (co-handling) an open case."""
    case = Case.objects.select_for_update().get(pk=transfer.case_id)
    if not case.is_open:
        raise StateError(_("The case is no longer open."))
    if transfer.kind == TransferKind.HANDOVER:
        previous = case.lead_office_id
        Case.objects.filter(pk=case.pk).update(
            lead_office=transfer.recipient, version=F("version") + 1, updated_at=timezone.now()
        )
        case.co_offices.remove(transfer.recipient)
        ledger.append(
            case,
            action="case.handed_over",
            actor=acting_user,
            data={
                "transfer": transfer.pk,
                "from_office": previous,
                "to_office": transfer.recipient_id,
            },
        )
    else:
        case.co_offices.add(transfer.recipient)
        ledger.append(
            case,
            action="case.co_office_added",
            actor=acting_user,
            data={"transfer": transfer.pk, "office": transfer.recipient_id},
        )


@transaction.atomic
def submit_feedback(
    transfer: Transfer,
    *,
    summary: str,
    acting_user: User,
    attachments: Sequence[UploadedFile] = (),
    measure_done: bool | None = None,
    until: dt.datetime | None = None,
    result: str | None = None,
) -> TransferFeedback:
    """Answer a transfer with a summary and files; the first answer marks it answered.

    An interim-measure request is answered done (and until when it holds) or refused, the
    summary then giving the reason.
    """
    transfer = _lock(transfer)
    ensure_recipient(acting_user, transfer)
    if transfer.status in (TransferStatus.CLOSED, TransferStatus.WITHDRAWN):
        raise StateError(_("This transfer is closed."))
    errors: dict[str, list[str]] = {}
    summary = _clean_text(summary, field="summary", errors=errors)
    _check_measure_answer(transfer, measure_done, until, errors)
    result = _clean_result(result, measure_done, errors)
    files = list(attachments)
    if files:
        try:
            evidence.validate_upload_batch(files)
        except DomainError as exc:
            errors["attachments"] = [str(m) for m in exc.messages]
    if errors:
        raise DomainError(errors)
    now = timezone.now()
    feedback = TransferFeedback.objects.create(
        transfer=transfer,
        summary=summary,
        measure_done=measure_done,
        until=until if measure_done else None,
        result=result,
        submitted_by=acting_user,
        submitted_at=now,
    )
    stored = []
    for f in files:
        item = evidence.store_upload(f, added_by=acting_user)
        evidence.attach(item, subject=("cases.feedback", feedback.pk), acting_user=acting_user)
        stored.append({"id": item.pk, "sha256": item.blob.sha256, "name": item.original_name})
    first = transfer.status != TransferStatus.ANSWERED
    if first:
        transfer.status, transfer.answered_at = TransferStatus.ANSWERED, now
        if transfer.acknowledged_at is None:
            transfer.acknowledged_at, transfer.acknowledged_by = now, acting_user
        transfer.save(update_fields=["status", "answered_at", "acknowledged_at", "acknowledged_by"])
    ledger.append(
        transfer,
        action="transfer.answered",
        actor=acting_user,
        data={
            "feedback": feedback.pk,
            "summary": summary,
            "result": result,
            "attachments": stored,
            **(
                {
                    "measure_done": measure_done,
                    "until": feedback.until.isoformat() if feedback.until else None,
                }
                if transfer.kind == TransferKind.INTERIM_MEASURE
                else {}
            ),
        },
    )
    notify(
        organization=transfer.sender_office,
        verb="transfer.answered",
        link=transfer.get_absolute_url(),
        title=message(
            gettext_noop("%(org)s answered on case %(number)s"),
            **{"org": transfer.recipient.name, "number": transfer.case.number},
        ),
        body=summary[:500],
    )
    return feedback


def _clean_result(value: Any, measure_done: Any, errors: dict[str, list[str]]) -> str:
    """Return the feedback result; none given reads as done (a refused measure: not done)."""
    if value is None or value == "":
        return FeedbackResult.NOT_DONE if measure_done is False else FeedbackResult.DONE
    if value not in FeedbackResult.values:
        errors["result"] = [
            _("Choose the result: %(choices)s.") % {"choices": ", ".join(FeedbackResult.values)}
        ]
        return FeedbackResult.DONE
    return value


def _check_measure_answer(
    transfer: Transfer,
    measure_done: Any,
    until: Any,
    errors: dict[str, list[str]],
) -> None:
    if transfer.kind != TransferKind.INTERIM_MEASURE:
        if measure_done is not None or until is not None:
            errors["measure_done"] = [
                _("Only an interim-measure request is answered with measure_done and until.")
            ]
        return
    if not isinstance(measure_done, bool):
        errors["measure_done"] = [
            _("Say whether the measure was taken (true) or refused (false, with the reason).")
        ]
    elif measure_done and not isinstance(until, dt.datetime):
        errors["until"] = [_("Say until when the measure stays in force.")]
    elif measure_done and until <= timezone.now():
        errors["until"] = [_("The end of the measure must lie in the future.")]


@transaction.atomic
def request_extension(
    transfer: Transfer, *, days: Any, reason: str, acting_user: User
) -> ExtensionRequest:
    """Ask the sender for more working days, with a reason."""
    transfer = _lock(transfer)
    ensure_recipient(acting_user, transfer)
    if not transfer.is_pending:
        raise StateError(_("Only a transfer awaiting an answer can be extended."))
    errors: dict[str, list[str]] = {}
    days_clean = _clean_days(
        days,
        field="days",
        errors=errors,
        required=True,
        maximum=settings.QINGLANG_EXTENSION_MAX_DAYS,
    )
    reason = _clean_text(reason, field="reason", errors=errors, max_length=2000)
    if transfer.extensions.filter(status=ExtensionStatus.PENDING).exists():
        errors.setdefault("non_field_errors", []).append(
            _("An extension request is already awaiting a decision.")
        )
    if errors:
        raise DomainError(errors)
    assert days_clean is not None  # noqa: S101 - errors would have been raised
    extension = ExtensionRequest.objects.create(
        transfer=transfer,
        days=days_clean,
        reason=reason,
        requested_by=acting_user,
        requested_at=timezone.now(),
        previous_deadline=transfer.deadline,
    )
    ledger.append(
        transfer,
        action="transfer.extension_requested",
        actor=acting_user,
        data={"extension": extension.pk, "days": days_clean, "reason": reason},
    )
    notify(
        organization=transfer.sender_office,
        verb="transfer.extension_requested",
        link=transfer.get_absolute_url(),
        title=message(
            gettext_noop("%(org)s asks %(days)s more working days on case %(number)s"),
            **{"org": transfer.recipient.name, "days": days_clean, "number": transfer.case.number},
        ),
        body=reason,
    )
    return extension


@transaction.atomic
def decide_extension(
    extension: ExtensionRequest, *, approve: Any, acting_user: User, note: str = ""
) -> ExtensionRequest:
    """Approve (the deadline moves by the days asked) or deny an extension request."""
    transfer = _lock(extension.transfer)
    ensure_sender(acting_user, transfer)
    extension = ExtensionRequest.objects.select_for_update().get(pk=extension.pk)
    if extension.status != ExtensionStatus.PENDING:
        raise StateError(_("This extension request has already been decided."))
    if transfer.status in (TransferStatus.CLOSED, TransferStatus.WITHDRAWN):
        raise StateError(_("This transfer is closed."))
    errors: dict[str, list[str]] = {}
    if not isinstance(approve, bool):
        errors["approve"] = [_("Say whether you approve: true or false.")]
    note = _clean_text(note or "", field="note", errors=errors, required=False, max_length=2000)
    if errors:
        raise DomainError(errors)
    now = timezone.now()
    # The note goes to the recipient: a website never reads who reported it (as instructions).
    sent_note = redaction.redacted_for_transfer(transfer, note, known=None)
    extension.decided_by, extension.decided_at, extension.decision_note = (
        acting_user,
        now,
        sent_note,
    )
    if approve:
        extension.status = ExtensionStatus.APPROVED
        extension.new_deadline = add_working_days(transfer.deadline, extension.days)
        transfer.deadline = extension.new_deadline
        transfer.save(update_fields=["deadline"])
    else:
        extension.status = ExtensionStatus.DENIED
    extension.save(
        update_fields=["status", "decided_by", "decided_at", "decision_note", "new_deadline"]
    )
    ledger.append(
        transfer,
        action=f"transfer.extension_{extension.status}",
        actor=acting_user,
        data={
            "extension": extension.pk,
            "note": note,
            "deadline": transfer.deadline.isoformat(),
            **({"note_redacted": True} if sent_note != note else {}),
        },
    )
    title = (
        _("Extension approved on case %(number)s: due %(deadline)s")
        if approve
        else _("Extension denied on case %(number)s: due %(deadline)s")
    )
    notify(
        organization=transfer.recipient,
        verb=f"transfer.extension_{extension.status}",
        link=transfer.get_absolute_url(),
        body=sent_note,
        title=title
        % {
            "number": transfer.case.number,
            "deadline": timezone.localtime(transfer.deadline).strftime("%Y-%m-%d %H:%M"),
        },
    )
    return extension


@transaction.atomic
def close_transfer(transfer: Transfer, *, acting_user: User) -> Transfer:
    """Close an answered transfer: the sender accepts the feedback."""
    transfer = _lock(transfer)
    ensure_sender(acting_user, transfer)
    if transfer.status != TransferStatus.ANSWERED:
        raise StateError(_("Only an answered transfer can be closed."))
    transfer.status, transfer.closed_at = TransferStatus.CLOSED, timezone.now()
    transfer.save(update_fields=["status", "closed_at"])
    ledger.append(transfer, action="transfer.closed", actor=acting_user, data={})
    notify(
        organization=transfer.recipient,
        verb="transfer.closed",
        link=transfer.get_absolute_url(),
        title=message(
            gettext_noop("Case %(number)s: your answer was accepted"),
            **{"number": transfer.case.number},
        ),
    )
    return transfer
