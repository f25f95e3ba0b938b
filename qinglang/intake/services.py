"""State changes of the reporting zone: submit, track, triage records, re-route, reveal contact."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from qinglang.analysis.classify import classify
from qinglang.analysis.identifiers import Identifier, extract
from qinglang.analysis.risk import assess as assess_risk
from qinglang.core import ledger
from qinglang.core.aftercommit import call_after_commit, enqueue_after_commit, send_now
from qinglang.core.exceptions import DomainError, NotFoundInScopeError, NotPermitted, StateError
from qinglang.core.ledger_actions import public_actions
from qinglang.core.messages import message
from qinglang.core.models import Organization, OrganizationKind, Role, User
from qinglang.core.prepared import insert_rows
from qinglang.core.sealed import seal_at_rest
from qinglang.core.services import log_identity_access, notify
from qinglang.evidence.services import attach, request_capture, store_upload, validate_upload_batch
from qinglang.intake.forms import (
    CONTACT_FIELDS,
    MAX_TARGETS,
    TARGET_FIELDS,
    ContactCheck,
    ReportFieldsCheck,
    TargetCheck,
    form_errors,
)
from qinglang.intake.models import (
    DeclineReason,
    NewsNotice,
    NoticeAddress,
    Report,
    ReportCategory,
    ReportMessage,
    ReportPriority,
    ReportStatus,
    ReportTarget,
    ReviewRequest,
)
from qinglang.intake.notices import notify_new_report
from qinglang.intake.routing import Routing, TargetKeys, route
from qinglang.registry.selectors import find_website
from qinglang.registry.services import (
    index_document,
    index_identifiers,
    index_near_duplicates,
    remove_document,
)

log = logging.getLogger(__name__)

# Unambiguous when read aloud or copied by hand: no 0/O, 1/I.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_PREFIX = "QL-"
CODE_LENGTH = 10
KEY_LENGTH = 20  # 100 bits
KEY_GROUP = 5
TRIAGE_ROLES = frozenset({Role.TRIAGE_OFFICER, Role.OFFICE_HEAD})
REPORTER_LABEL = "reporter"
REPORT_FIELDS = (
    "category",
    "description",
    "amount_demanded",
    "payment_channel",
    "occurred_on",
    "concerns_staff",
    "notice_email",
)
NOT_FOUND_MESSAGE = gettext_lazy("No report matches this tracking code and access key.")


class ReportInvalidError(DomainError):
    """A submission with bad fields; `detail` keeps target errors nested by index."""

    def __init__(self, detail: dict[str, Any]) -> None:
        self.detail = detail
        super().__init__(_flatten(detail))


def _flatten(detail: Mapping[str, Any], prefix: str = "") -> dict[str, list[str]]:
    flat: dict[str, list[str]] = {}
    for key, value in detail.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{name}."))
        elif value and isinstance(value[0], Mapping):
            for index, item in enumerate(value):
                flat.update(_flatten(item, f"{name}.{index}."))
        else:
            flat[name] = [str(m) for m in value]
    return flat


@dataclass(frozen=True)
class Submission:
    """A stored report and the access key, which exists only here (stored hashed)."""

    report: Report
    access_key: str
    files: tuple[dict[str, Any], ...] = ()

    @property
    def tracking_code(self) -> str:
        return self.report.tracking_code


@dataclass(frozen=True)
class CleanReport:
    fields: dict[str, Any]
    targets: list[dict[str, Any]]
    contact: dict[str, str]


# --- codes and keys -------------------------------------------------------------------------


def random_symbols(count: int) -> str:
    """Return `count` symbols of CODE_ALPHABET, each uniform and independent, from one read.

    One `secrets.token_bytes` call instead of a `secrets.choice` (a system call and a rejection
    loop) per symbol; bytes at or above the largest multiple of the alphabet's size are dropped,
    so `byte % size` has no bias.
    """
    size = len(CODE_ALPHABET)
    limit = 256 - 256 % size
    drawn: list[str] = []
    while len(drawn) < count:
        drawn.extend(CODE_ALPHABET[b % size] for b in secrets.token_bytes(count + 4) if b < limit)
    return "".join(drawn[:count])


def new_tracking_code() -> str:
    """Return a random tracking code such as QL-7KD3QX9MPA (unique by the column's constraint)."""
    return CODE_PREFIX + random_symbols(CODE_LENGTH)


# A code drawn twice (31**10 codes) fails the unique constraint and the submission is stored
# again with a new one, instead of probing the table on every submission.
CODE_ATTEMPTS = 3


def new_access_key() -> str:
    """Return a high-entropy access key in groups of five, e.g. ABCDE-FGHJK-LMNPQ-RSTUV."""
    raw = random_symbols(KEY_LENGTH)
    return "-".join(raw[i : i + KEY_GROUP] for i in range(0, KEY_LENGTH, KEY_GROUP))


def normalize_code(value: Any) -> str:
    """Return a tracking code or key as typed, upper-cased, without spaces and dashes."""
    text = value if isinstance(value, str) else ""
    return "".join(ch for ch in text.upper() if ch.isalnum())[:64]


def hash_access_key(key: str) -> str:
    """Return the stored form of an access key (keyed with SECRET_KEY; never reversible)."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(),
        b"intake.access-key:" + normalize_code(key).encode(),
        hashlib.sha256,
    ).hexdigest()
    return f"hmac-sha256${digest}"


_DUMMY_HASH = "hmac-sha256$" + "0" * 64


def _lookup_code(code: str) -> str:
    """Return the canonical form (QL-XXXXXXXXXX) of a normalized tracking code."""
    prefix = normalize_code(CODE_PREFIX)
    if len(code) == CODE_LENGTH:
        return CODE_PREFIX + code
    return CODE_PREFIX + code[len(prefix) :] if code.startswith(prefix) else code


# --- submission ---------------------------------------------------------------------------


def _scalar_errors(data: Mapping[str, Any], names: Sequence[str]) -> dict[str, list[str]]:
    errors = {
        name: [_("Enter a single value.")]
        for name in names
        if isinstance(data.get(name), Mapping | list)
        # true/false only for the one yes-or-no field; the form would read them as text
        or (name != "concerns_staff" and isinstance(data.get(name), bool))
    }
    # Text (amounts included, as the schema's decimal strings) is sent as a JSON string.
    errors.update(
        {
            name: [_("Send this value as text.")]
            for name in names
            if name != "concerns_staff"
            and isinstance(data.get(name), int | float)
            and not isinstance(data.get(name), bool)
        }
    )
    occurred_on = data.get("occurred_on")
    if "occurred_on" not in errors and occurred_on is not None and not isinstance(occurred_on, str):
        errors["occurred_on"] = [_("Enter a date as YYYY-MM-DD.")]
    return errors


def clean_report_data(data: Any) -> CleanReport:
    """Validate a report body (the API's JSON shape); raise ReportInvalidError with every error."""
    if not isinstance(data, Mapping):
        raise ReportInvalidError({"non_field_errors": [_("Send the report as a JSON object.")]})
    errors: dict[str, Any] = _scalar_errors(data, REPORT_FIELDS)
    fields_form = ReportFieldsCheck(
        data={
            k: data[k]
            for k in REPORT_FIELDS
            if k in data and data[k] is not None and k not in errors
        }
    )
    if not fields_form.is_valid():
        errors.update(form_errors(fields_form))

    raw_targets = data.get("targets")
    targets: list[dict[str, Any]] = []
    if raw_targets is None or raw_targets == []:
        errors["targets"] = {
            "non_field_errors": [
                _(
                    "Name at least one website, page or account (web address, website name, ICP "
                    "filing number or account)."
                )
            ]
        }
    elif not isinstance(raw_targets, list):
        errors["targets"] = {"non_field_errors": [_("Send the targets as a list.")]}
    elif len(raw_targets) > MAX_TARGETS:
        errors["targets"] = {
            "non_field_errors": [_("At most %(n)d targets per report.") % {"n": MAX_TARGETS}]
        }
    else:
        target_errors: list[dict[str, Any]] = []
        for item in raw_targets:
            if not isinstance(item, Mapping):
                target_errors.append({"non_field_errors": [_("Send each target as an object.")]})
                continue
            item_errors = _scalar_errors(item, TARGET_FIELDS)
            form = TargetCheck(
                data={
                    k: item[k]
                    for k in TARGET_FIELDS
                    if item.get(k) is not None and k not in item_errors
                }
            )
            if form.is_valid() and not item_errors:
                targets.append(form.cleaned_data)
                target_errors.append({})
            else:
                target_errors.append({**item_errors, **form_errors(form)})
        if any(target_errors):
            errors["targets"] = target_errors

    raw_contact = data.get("contact") or {}
    contact: dict[str, str] = {}
    if not isinstance(raw_contact, Mapping):
        errors["contact"] = {"non_field_errors": [_("Send the contact details as an object.")]}
    else:
        contact_errors = _scalar_errors(raw_contact, CONTACT_FIELDS)
        contact_data = {
            k: raw_contact[k]
            for k in CONTACT_FIELDS
            if raw_contact.get(k) is not None and k not in contact_errors
        }
        if not contact_data and not contact_errors:
            # Anonymous (most reports): what the form cleans nothing to, without building it.
            contact = dict.fromkeys(CONTACT_FIELDS, "")
        else:
            contact_form = ContactCheck(data=contact_data)
            if contact_form.is_valid() and not contact_errors:
                contact = {k: contact_form.cleaned_data[k] for k in CONTACT_FIELDS}
            else:
                errors["contact"] = {**contact_errors, **form_errors(contact_form)}
    if errors:
        raise ReportInvalidError(errors)
    return CleanReport(fields=fields_form.cleaned_data, targets=targets, contact=contact)


# Extortion with a deadline ("24小时内", "尽快", "否则") is urgent: money is about to change hands.
_URGENT_CATEGORIES = {ReportCategory.EXTORTION, ReportCategory.DISGUISED_FEES}
_DEADLINE = re.compile(r"\d+\s*(?:小时|天|日)内|尽快|立即|马上|限期|否则|不然")
# Apps above intake name a filer's lane (supervision: active citizen supervisors), fn(user).
_priority_resolvers: list[Callable[[User], str | None]] = []


def register_priority_resolver(fn: Callable[[User], str | None]) -> None:
    """Register `fn(user) -> lane or None` deciding the priority of a report `user` files."""
    if fn not in _priority_resolvers:
        _priority_resolvers.append(fn)


def _priority(user: User | None, category: str, description: str) -> str:
    """Return the triage lane: the filer's (if a resolver names one), else urgent or normal."""
    if user is not None:
        for resolve in _priority_resolvers:
            if lane := resolve(user):
                return lane
    if category in _URGENT_CATEGORIES and _DEADLINE.search(description):
        return ReportPriority.URGENT
    return ReportPriority.NORMAL


def _validate_files(files: Sequence[UploadedFile]) -> list[str]:
    """Return the refusal messages for a batch of evidence files (nothing is written)."""
    if not files:
        return []
    try:
        validate_upload_batch(list(files))
    except DomainError as exc:
        return [str(m) for m in exc.messages]
    return []


def submit_report(
    data: Any,
    *,
    files: Sequence[UploadedFile] = (),
    channel: str = "web",
    acting_user: User | None = None,
    office: Organization | None = None,
) -> Submission:
    """Validate a report and its files, then store, route and record it in one transaction.

    `office` overrides the routing rules: a monitoring lead belongs to the office that watches
    the source, a victim enterprise's report goes to the office of its region; internal
    matters still go to discipline inspection.
    """
    errors: dict[str, Any] = {}
    try:
        clean = clean_report_data(data)
    except ReportInvalidError as exc:
        errors = dict(exc.detail)
    if file_errors := _validate_files(files):
        errors["evidence"] = file_errors
    if errors:
        raise ReportInvalidError(errors)
    user = acting_user if acting_user is not None and acting_user.is_authenticated else None
    fields, contact = clean.fields, clean.contact
    text = "\n".join(
        [
            fields["description"],
            *(f"{t['website_name']} {t['account']} {t['platform']}" for t in clean.targets),
        ]
    )
    access_key = new_access_key()
    found: dict[tuple[str, str], Any] = {}

    def lookup(**key: str) -> Any:
        """Find a website by one key, once per submission (routing and targets share it)."""
        ((name, value),) = key.items()
        if (name, value) not in found:
            found[(name, value)] = find_website(**key)
        return found[(name, value)]

    def website_for(target: dict[str, Any]) -> Any:
        """Return what find_website(domain, icp, psb) would: the first key that matches."""
        for name in ("domain", "icp_number", "psb_number"):
            if target[name] and (website := lookup(**{name: target[name]})) is not None:
                return website
        return None

    for attempt in range(1, CODE_ATTEMPTS + 1):
        code = new_tracking_code()
        try:
            with transaction.atomic():
                routing = route(
                    lookup=lookup,
                    category=fields["category"],
                    concerns_staff=fields["concerns_staff"],
                    text=text,
                    targets=[
                        TargetKeys(t["domain"], t["icp_number"], t["psb_number"])
                        for t in clean.targets
                    ],
                )
                if office is not None and not routing.is_internal:
                    routing = Routing(office, "office_given")
                report = Report.objects.create(
                    tracking_code=code,
                    access_key_hash=hash_access_key(access_key),
                    category=fields["category"],
                    description=fields["description"],
                    amount_demanded=fields.get("amount_demanded"),
                    payment_channel=fields.get("payment_channel") or "",
                    occurred_on=fields.get("occurred_on"),
                    concerns_staff=fields["concerns_staff"],
                    is_internal=routing.is_internal,
                    contact_name=contact.get("name", ""),
                    contact_phone=contact.get("phone", ""),
                    contact_email=contact.get("email", ""),
                    channel=channel,
                    priority=_priority(user, fields["category"], fields["description"]),
                    office=routing.office,
                    routing_rule=routing.rule,
                )
                insert_rows(
                    [
                        ReportTarget(
                            report=report,
                            website=website_for(t),
                            **{k: t[k] for k in (*TARGET_FIELDS, "domain")},
                        )
                        for t in clean.targets
                    ]
                )
                received = _store_evidence(report, files, user)
                hashes = [f["sha256"] for f in received]
                if fields.get("notice_email"):
                    NoticeAddress.objects.create(
                        report=report, sealed_email=seal_at_rest(fields["notice_email"])
                    )
                ledger.append(
                    report,
                    action="report.received",
                    actor=user,
                    actor_label="" if user else REPORTER_LABEL,
                    data={
                        "tracking_code": report.tracking_code,
                        "category": report.category,
                        "office": report.office_id,
                        "routing_rule": report.routing_rule,
                        "internal": report.is_internal,
                        "channel": channel,
                        "priority": report.priority,
                        "targets": len(clean.targets),
                        "evidence": hashes,
                    },
                )
                call_after_commit(partial(enqueue_analysis, report.pk))
        except IntegrityError:
            if attempt == CODE_ATTEMPTS or not Report.objects.filter(tracking_code=code).exists():
                raise
            continue
        break
    return Submission(report=report, access_key=access_key, files=tuple(received))


def _store_evidence(
    report: Report, files: Sequence[UploadedFile], user: User | None
) -> list[dict[str, Any]]:
    """Store and attach each file to the report; return what the reporter's receipt lists."""
    if not files:
        return []
    received = []
    for f in files:
        item = store_upload(f, added_by=user, added_by_label="" if user else REPORTER_LABEL)
        attach(item, subject=("intake.report", report.pk), acting_user=user)
        received.append({"name": item.original_name, "size": item.size, "sha256": item.blob.sha256})
    return received


def enqueue_analysis(report_id: int) -> None:
    """Queue the background analysis now; an outage is logged and healed by the requeue job."""
    from qinglang.intake.tasks import analyse_report

    send_now(analyse_report, report_id=report_id)


def reports_awaiting_analysis(*, older_than: timedelta) -> QuerySet[Report]:
    """Return reports whose analysis has not run although submitted before `older_than` ago."""
    cutoff = timezone.now() - older_than
    return Report.objects.filter(analysed_at__isnull=True, submitted_at__lte=cutoff)


def requeue_pending_reports(*, older_than: timedelta = timedelta(minutes=10)) -> int:
    """Enqueue analysis again for reports it never ran on; return how many were queued.

    A report whose message the embedded broker still holds (queued behind a backlog, or in
    flight) is left alone: its message will come. With another broker the copy is sent, and
    the analysis's own guard (`analysed_at`, under a row lock) makes the second one do nothing.
    """
    from qinglang.core.broker import not_waiting
    from qinglang.intake.tasks import analysis_task_id

    due = reports_awaiting_analysis(older_than=older_than).values_list("pk", flat=True)
    ids = not_waiting(due, analysis_task_id)
    for report_id in ids:
        enqueue_analysis(report_id)
    return len(ids)


def analyse_report(report_id: int) -> bool:
    """Extract identifiers, request captures and index them; run once per report."""
    with transaction.atomic():
        report = (
            Report.objects.select_for_update(of=("self",))
            .select_related("office__region")
            .filter(pk=report_id, analysed_at__isnull=True)
            .first()
        )
        if report is None:
            return False
        targets = list(report.targets.all())
        text = "\n".join(
            [
                report.description,
                *(
                    " ".join(
                        filter(
                            None,
                            (
                                t.url,
                                t.website_name,
                                t.icp_number,
                                t.psb_number,
                                t.platform,
                                t.account,
                            ),
                        )
                    )
                    for t in targets
                ),
            ]
        )
        identifiers = _extract(text)
        report.analysis = {
            "identifiers": [{"kind": i.kind, "value": i.value} for i in identifiers],
            **_classify(report.description),
        }
        report.analysis["risk"] = _risk(report, identifiers)
        if not report.is_internal:
            report.analysis["near_duplicates"] = _near_duplicates(report)
        report.analysed_at = timezone.now()
        report.save(update_fields=["analysis", "analysed_at"])
        for url in dict.fromkeys(t.url for t in targets if t.url):
            try:
                request_capture(url, subject=("intake.report", report.pk), requested_by=None)
            except DomainError:
                log.info("capture of %s for report %s refused", url, report.pk)
        if not report.is_internal:
            _index(report, identifiers)
        notify_new_report(report)
        ledger.append(
            report,
            action="report.analysed",
            actor=None,
            actor_label="system",
            data={"identifiers": len(identifiers)},
        )
    return True


def _extract(text: str) -> list[Identifier]:
    seen: dict[tuple[str, str], Identifier] = {}
    for ident in extract(text):
        seen.setdefault((ident.kind, ident.value), ident)
    return list(seen.values())


def _classify(text: str) -> dict[str, Any]:
    return {"classification": classify(text).as_dict()}


def _risk(report: Report, identifiers: list[Identifier]) -> dict[str, Any]:
    """Return the triage risk (the queue sorts on it; an extortion in progress comes first)."""
    classification = report.analysis["classification"]
    return assess_risk(
        report.description,
        category=report.category,
        classified_category=classification["category"],
        classified_score=classification["score"],
        identifiers=[(i.kind, i.value) for i in identifiers],
        amount_demanded=float(report.amount_demanded) if report.amount_demanded else None,
    ).as_dict()


def _near_duplicates(report: Report) -> int:
    """Index the report's text for near-duplicate search; return how many earlier ones match."""
    office = report.office
    return len(
        index_near_duplicates(
            source=("intake.report", report.pk),
            text=report.description,
            office_id=office.pk,
            region_code=office.region.code if office.region_id else None,
        )
    )


def _index(report: Report, identifiers: list[Identifier]) -> None:
    """Correlate the report's identifiers and make it searchable within its office's scope."""
    office = report.office
    region_code = office.region.code if office.region_id else None
    index_identifiers(
        source=("intake.report", str(report.pk)),
        identifiers=identifiers,
        office_id=office.pk,
        region_code=region_code,
        acting_user=None,
    )
    _index_search(report)


def _index_search(report: Report) -> None:
    """Keep the search entry in step with the report's office; internal matters are not found."""
    if report.is_internal:
        remove_document(object_type="intake.report", object_id=report.pk)
        return
    office = report.office
    targets = " ".join(
        " ".join(
            filter(None, (t.url, t.website_name, t.icp_number, t.psb_number, t.platform, t.account))
        )
        for t in report.targets.all()
    )
    index_document(
        object_type="intake.report",
        object_id=report.pk,
        office_id=office.pk,
        region_code=office.region.code if office.region_id else None,
        title=f"{report.tracking_code} {report.get_category_display()}",
        text=f"{report.description}\n{targets}",
    )


# --- tracking -------------------------------------------------------------------------------


def report_for_reporter(code: Any, key: Any) -> Report:
    """Return the report a tracking code and access key open; unknown and wrong look the same."""
    lookup = _lookup_code(normalize_code(code))
    report = (
        Report.objects.select_related("office").filter(tracking_code=lookup).first()
        if lookup
        else None
    )
    stored = report.access_key_hash if report is not None else _DUMMY_HASH
    matches = hmac.compare_digest(stored, hash_access_key(key if isinstance(key, str) else ""))
    if report is None or not matches:
        raise NotFoundInScopeError(str(NOT_FOUND_MESSAGE))
    return report


def track_report(code: Any, key: Any) -> dict[str, Any]:
    """Return status, public timeline and decision; unknown code and wrong key look the same."""
    return public_view(report_for_reporter(code, key))


def _moment(at: datetime) -> str:
    """Return a moment as the reporter reads it: ISO 8601 in Asia/Shanghai."""
    return timezone.localtime(at).isoformat()


def public_view(report: Report) -> dict[str, Any]:
    """Return what the reporter may see: never internal notes, offices or staff names."""
    timeline = []
    public = public_actions()  # the registry decides what reporters see (intake/events.py)
    for event in ledger.events_for(report).filter(action__in=list(public)):
        action = public[event.action]
        entry = {
            "event": action.public_name,
            "label": str(action.public_label),
            "at": _moment(event.occurred_at),
        }
        if action.public_text_key:
            entry["text"] = str(event.data.get(action.public_text_key, ""))
        timeline.append(entry)
    decision = None
    if report.status != ReportStatus.RECEIVED:
        decided = report.result_at or report.decided_at
        decision = {
            "outcome": report.status,
            "reason_code": report.decline_reason or None,
            "reason_text": report.decision_text or None,
            "public_result": report.public_result or None,
            "decided_at": _moment(decided) if decided else None,
        }
    review = ReviewRequest.objects.filter(report=report).first()
    return {
        "status": report.status,
        "office": report.office.name,
        "timeline": timeline,
        "decision": decision,
        "messages": [
            {
                "at": _moment(m.created_at),
                "from": m.author,
                "text": m.text,
                "files": list(m.files),
            }
            for m in ReportMessage.objects.filter(report=report)
        ],
        "review": None
        if review is None
        else {"requested_at": _moment(review.requested_at), "reasons": review.reasons},
        "notices": NoticeAddress.objects.filter(report=report).exists(),
    }


# --- triage records (called by cases) -------------------------------------------------------


def can_triage(user: User | None, report: Report) -> bool:
    """Return whether `user` is triage staff of the organization that owns the report."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.organization_id is None or user.organization_id != report.office_id:
        return False
    if report.is_internal:
        return user.role == Role.INSPECTOR
    return user.role in TRIAGE_ROLES


def _can_reroute(user: User, report: Report) -> bool:
    from qinglang.core.jurisdiction import can_oversee

    if can_triage(user, report):
        return True
    return (
        not report.is_internal
        and user.is_authenticated
        and user.role in TRIAGE_ROLES
        and can_oversee(user, report.office)
    )


def _is_second_inspector(user: User | None, report: Report, acting_user: User) -> bool:
    """Return whether `user` is another active inspector of the organization holding `report`."""
    return (
        user is not None
        and user.pk != acting_user.pk
        and user.is_active
        and user.role == Role.INSPECTOR
        and user.organization_id == report.office_id
    )


def _locked(report: Report) -> Report:
    return Report.objects.select_for_update(of=("self",)).select_related("office").get(pk=report.pk)


def _ensure(allowed: bool) -> None:
    if not allowed:
        raise NotPermitted(_("Only triage staff of the office that owns this report may do this."))


@transaction.atomic
def record_acceptance(report: Report, *, case: Any, acting_user: User) -> Report:
    """Mark a report accepted into `case` (cases.accept_report calls this)."""
    report = _locked(report)
    _ensure(can_triage(acting_user, report))
    if report.status != ReportStatus.RECEIVED:
        raise StateError(_("Only a report awaiting triage can be accepted."))
    report.status = ReportStatus.ACCEPTED
    report.decided_at, report.decided_by = timezone.now(), acting_user
    report.save(update_fields=["status", "decided_at", "decided_by"])
    ledger.append(
        report,
        action="report.accepted",
        actor=acting_user,
        data={"case_id": getattr(case, "pk", None), "case_number": getattr(case, "number", "")},
    )
    announce_news(report)
    return report


@transaction.atomic
def record_decline(
    report: Report, *, reason_code: str, reason_text: str, acting_user: User
) -> Report:
    """Decline a report with a listed reason and a text the reporter will read."""
    report = _locked(report)
    _ensure(can_triage(acting_user, report))
    errors: dict[str, list[str]] = {}
    if reason_code not in DeclineReason.values:
        errors["reason_code"] = [_("Choose one of the listed reasons.")]
    reason_text = (reason_text or "").strip() if isinstance(reason_text, str) else ""
    if not reason_text:
        errors["reason_text"] = [_("Explain the decision to the reporter.")]
    elif len(reason_text) > 2000:
        errors["reason_text"] = [_("Keep the explanation under 2000 characters.")]
    if errors:
        raise DomainError(errors)
    if report.status != ReportStatus.RECEIVED:
        raise StateError(_("Only a report awaiting triage can be declined."))
    report.status = ReportStatus.DECLINED
    report.decline_reason, report.decision_text = reason_code, reason_text
    report.decided_at, report.decided_by = timezone.now(), acting_user
    report.save(
        update_fields=["status", "decline_reason", "decision_text", "decided_at", "decided_by"]
    )
    ledger.append(
        report,
        action="report.declined",
        actor=acting_user,
        data={"reason_code": reason_code, "reason_text": reason_text},
    )
    announce_news(report)
    return report


@transaction.atomic
def reroute_report(
    report: Report,
    *,
    office: Organization,
    reason: str,
    acting_user: User,
    second_approver: User | None = None,
) -> Report:
    """Send a report to another office (or to discipline inspection), with the reason.

    A report about regulator staff goes to another discipline-inspection organization, or to an
    ordinary office only with the approval of a second inspector of the same organization.
    """
    report = _locked(report)
    _ensure(_can_reroute(acting_user, report))
    if (
        report.is_internal
        and isinstance(office, Organization)
        and office.kind != OrganizationKind.DISCIPLINE_INSPECTION
        and not _is_second_inspector(second_approver, report, acting_user)
    ):
        raise NotPermitted(
            _(
                "This report concerns regulator staff: it may go to an ordinary office only "
                "with a second inspector's approval."
            )
        )
    errors: dict[str, list[str]] = {}
    receivers = {OrganizationKind.REGULATOR_OFFICE, OrganizationKind.DISCIPLINE_INSPECTION}
    if not isinstance(office, Organization) or office.kind not in receivers or not office.is_active:
        errors["office"] = [_("Choose an active regulator office or discipline inspection.")]
    elif office.pk == report.office_id:
        errors["office"] = [_("The report is already with this office.")]
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        errors["reason"] = [_("Say why the report is re-routed.")]
    if errors:
        raise DomainError(errors)
    if report.status != ReportStatus.RECEIVED:
        raise StateError(_("Only a report awaiting triage can be re-routed."))
    previous = report.office_id
    report.office = office
    report.is_internal = office.kind == OrganizationKind.DISCIPLINE_INSPECTION
    report.routing_rule = "manual"
    report.save(update_fields=["office", "is_internal", "routing_rule"])
    if report.analysed_at is not None:
        _index_search(report)
    ledger.append(
        report,
        action="report.rerouted",
        actor=acting_user,
        data={
            "from": previous,
            "to": office.pk,
            "reason": reason,
            **({"approved_by": second_approver.pk} if second_approver is not None else {}),
        },
    )
    notify(
        organization=office,
        verb="report.rerouted",
        title=message(
            gettext_noop("Report %(code)s re-routed to you"), **{"code": report.tracking_code}
        ),
        body=reason,
    )
    return report


@transaction.atomic
def record_result(report: Report, *, public_result: str, acting_user: User) -> Report:
    """Record the outcome the reporter will read (cases calls this when a case closes)."""
    report = _locked(report)
    allowed = (
        acting_user.is_authenticated
        and acting_user.is_active
        and (
            can_triage(acting_user, report)
            or (not report.is_internal and acting_user.is_regulator_staff)
        )
    )
    _ensure(allowed)
    public_result = (public_result or "").strip() if isinstance(public_result, str) else ""
    if not public_result:
        raise DomainError({"public_result": [_("Write the result for the reporter.")]})
    if report.status not in {ReportStatus.ACCEPTED, ReportStatus.CLOSED}:
        raise StateError(_("Only an accepted report can get a result."))
    report.status, report.public_result = ReportStatus.CLOSED, public_result
    report.result_at = timezone.now()
    report.save(update_fields=["status", "public_result", "result_at"])
    ledger.append(
        report,
        action="report.result_recorded",
        actor=acting_user,
        data={"public_result": public_result},
    )
    announce_news(report, then_forget="closed")
    return report


@transaction.atomic
def reveal_contact(
    report: Report, *, acting_user: User, ip_address: str | None = None
) -> dict[str, str]:
    """Return the reporter's contact details to owning triage staff; every view is logged."""
    _ensure(can_triage(acting_user, report))
    log_identity_access(
        user=acting_user,
        object_type="intake.report",
        object_id=report.pk,
        purpose="triage",
        ip_address=ip_address,
    )
    ledger.append(
        report,
        action="report.contact_revealed",
        actor=acting_user,
        data={"anonymous": report.is_anonymous},
    )
    return {
        "name": report.contact_name,
        "phone": report.contact_phone,
        "email": report.contact_email,
    }


# --- "there is news" notices -----------------------------------------------------------------


# A news notice unsent this long (the mail server down for days) is not mailed late: the
# reporter reads the news on the tracking page, and the sealed copy of the address is deleted.
NEWS_NOTICE_WINDOW = timedelta(days=3)


def announce_news(report: Report, *, then_forget: str = "") -> None:
    """Send a contentless "there is news" mail after commit, if the reporter gave an address.

    The notice is recorded in this transaction with its own copy of the sealed address and
    mailed by a task given only its id (neither the address nor its ciphertext reaches the
    broker); a message lost on the way is sent again by `requeue_news_notices`. With
    `then_forget` (the reason, e.g. "closed") the notice address is deleted in this same
    transaction; the notice's copy goes once the mail is out.
    """
    from qinglang.intake.tasks import send_news_notice

    address = NoticeAddress.objects.filter(report=report).first()
    if address is None:
        return
    notice = NewsNotice.objects.create(report=report, sealed_email=address.sealed_email)
    enqueue_after_commit(send_news_notice, notice_id=notice.pk)
    if then_forget:
        forget_notice_address(address, reason=then_forget)


def mail_news_notice(notice_id: int) -> bool:
    """Mail a pending news notice and delete it in one transaction; False if gone already.

    The row is locked while its mail goes out, so a requeued copy of a message that was not
    lost after all mails nothing; a failed send rolls the deletion back for the retry.
    """
    with transaction.atomic():
        notice = NewsNotice.objects.select_for_update().filter(pk=notice_id).first()
        if notice is None:
            return False
        sent = mail_news(notice.sealed_email)
        notice.delete()
    return sent


def mail_news(sealed_email: str) -> bool:
    """Mail a contentless "there is news" notice with the tracking page's address."""
    from django.core.mail import send_mail
    from django.urls import reverse
    from django.utils import translation

    from qinglang.core.sealed import unseal_at_rest

    email = unseal_at_rest(sealed_email)
    if not email:
        return False
    url = settings.QINGLANG_BASE_URL + reverse("intake:track")
    with translation.override(settings.LANGUAGE_CODE):
        send_mail(
            _("There is news about your report"),
            _(
                "There is news about a report you filed. For your safety this message says "
                "nothing more. To read it, open %(url)s and enter your tracking code and access "
                "key."
            )
            % {"url": url},
            None,
            [email],
        )
    return True


def requeue_news_notices(
    *, older_than: timedelta = timedelta(minutes=10), limit: int = 1000
) -> int:
    """Send again the news notices still unsent after `older_than`; return how many.

    Their message was lost between commit and the broker, or still waits in a backlog: a
    message the embedded broker holds is left alone, and with another broker the first of two
    deliveries mails and the other finds the notice gone. Older than `NEWS_NOTICE_WINDOW`, a
    notice is not mailed late (`forget_stale_news_notices` deletes it).
    """
    from qinglang.core.broker import not_waiting
    from qinglang.intake.selectors import news_notices_awaiting_mail
    from qinglang.intake.tasks import news_notice_task_id, send_news_notice

    due = news_notices_awaiting_mail(older_than=older_than, within=NEWS_NOTICE_WINDOW)
    ids = not_waiting(due.values_list("pk", flat=True)[:limit], news_notice_task_id)
    for notice_id in ids:
        send_now(send_news_notice, notice_id=notice_id)
    return len(ids)


def forget_stale_news_notices() -> int:
    """Delete the news notices left unsent past `NEWS_NOTICE_WINDOW`; return how many."""
    cutoff = timezone.now() - NEWS_NOTICE_WINDOW
    deleted, _by_model = NewsNotice.objects.filter(created_at__lte=cutoff).delete()
    return deleted


def forget_notice_address(notice: NoticeAddress, *, reason: str) -> None:
    """Delete a reporter's notice address and record that (never the address) in the ledger."""
    report_id = notice.report_id
    notice.delete()
    ledger.append(
        ("intake.report", report_id),
        action="report.notice_address_deleted",
        actor=None,
        actor_label="system",
        data={"reason": reason},
    )
