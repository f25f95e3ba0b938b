"""State changes of supervision: assignments, citizen supervisors, inspections, findings."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

import phonenumbers
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

from qinglang.core import jurisdiction, ledger
from qinglang.core.exceptions import DomainError, NotPermitted, StateError
from qinglang.core.messages import choice_label, message
from qinglang.core.models import Organization, OrganizationKind, Region, Role, User
from qinglang.core.services import notify
from qinglang.registry.validation import identity_hash
from qinglang.supervision import events
from qinglang.supervision.checklists import CHECKLISTS, INSPECTION_ITEMS, ITEMS
from qinglang.supervision.models import (
    Adjustment,
    Application,
    ApplicationDecision,
    ApplicationStatus,
    Assessment,
    Assignment,
    AssignmentStatus,
    ChecklistOutcome,
    CitizenSupervisor,
    ConflictDeclaration,
    ConflictKind,
    DutyKind,
    DutyLogEntry,
    FindingStatus,
    FollowUpTask,
    Inspection,
    InspectionFinding,
    InspectionStatus,
    IntegrityFinding,
    IntegrityFindingKind,
    IntegrityPledge,
    PledgeKind,
    RecruitmentCall,
    SiteFinding,
    SiteInspection,
    SupervisorStatus,
    TrainingAcknowledgement,
    TrainingMaterial,
    WebsiteKind,
)
from qinglang.supervision.selectors import (
    days_served,
    decline_clusters,
    declines_followed_by_deletion,
    identity_views_without_role,
    inspection_pack,
    is_inspector,
    is_office_staff,
    unusual_access_volumes,
)

MAX_NAME = 100
MAX_TEXT = 5000
MIN_STATEMENT = 20
COMMEND_MIN_ACCEPTED = 5
CAUTION_MIN_FILED = 5
CAUTION_MAX_SHARE = 0.2
ANNUAL_DAYS = 360
PLEDGE_ORGS = {OrganizationKind.REGULATOR_OFFICE, OrganizationKind.WEBSITE_OPERATOR}


def _ensure(allowed: bool, message: str) -> None:
    if not allowed:
        raise NotPermitted(message)


def _text(
    value: Any,
    field: str,
    *,
    required: bool = True,
    max_length: int = MAX_TEXT,
    min_length: int = 0,
) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if value is not None and not isinstance(value, str):
        raise DomainError({field: [_("Enter text.")]})
    if required and not text:
        raise DomainError({field: [_("This field is required.")]})
    if len(text) > max_length:
        raise DomainError({field: [_("At most %(n)d characters.") % {"n": max_length}]})
    if text and len(text) < min_length:
        raise DomainError({field: [_("At least %(n)d characters.") % {"n": min_length}]})
    return text


def _choice(value: Any, choices: Any, field: str) -> str:
    if value not in choices.values:
        raise DomainError({field: [_("Choose one of the listed values.")]})
    return str(value)


def _date(value: Any, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None  # type: ignore[return-value]
    except ValueError:
        pass
    raise DomainError({field: [_("Enter a date as YYYY-MM-DD.")]})


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


# --- stationed supervisors -------------------------------------------------------------------


def _active_conflict(user: User, organization: Organization) -> ConflictDeclaration | None:
    return ConflictDeclaration.objects.filter(
        declarant=user, organization=organization, withdrawn_at__isnull=True
    ).first()


@transaction.atomic
def declare_conflict(
    organization: Organization, *, kind: str, description: str, acting_user: User
) -> ConflictDeclaration:
    """Record the acting staff member's interest in an organization (it blocks assignments)."""
    _ensure(
        acting_user.is_authenticated and acting_user.is_regulator_staff,
        _("Only regulator staff declare conflicts of interest here."),
    )
    kind = _choice(kind, ConflictKind, "kind")
    description = _text(description, "description", max_length=2000)
    declaration = ConflictDeclaration.objects.create(
        declarant=acting_user, organization=organization, kind=kind, description=description
    )
    ledger.append(
        declaration,
        action=events.CONFLICT_DECLARED,
        actor=acting_user,
        data={"organization": organization.pk, "kind": kind},
    )
    return declaration


@transaction.atomic
def assign_supervisor(
    website: Organization,
    *,
    supervisor: User,
    website_kind: str,
    starts_on: Any,
    ends_on: Any,
    acting_user: User,
) -> Assignment:
    """Station an office's supervisor at a website operator for a term within the rotation limit."""
    office = acting_user.organization if acting_user.is_authenticated else None
    _ensure(
        office is not None and office.is_regulator and acting_user.role == Role.OFFICE_HEAD,
        _("Only the head of an office assigns stationed supervisors."),
    )
    errors: dict[str, list[str]] = {}
    if website.kind != OrganizationKind.WEBSITE_OPERATOR or not website.is_active:
        errors["website"] = [_("Choose an active website operator.")]
    if (
        supervisor.organization_id != office.pk
        or supervisor.role != Role.SUPERVISOR
        or not supervisor.is_active
    ):
        errors["supervisor"] = [_("Choose a stationed supervisor of your own office.")]
    website_kind = website_kind if website_kind in WebsiteKind.values else ""
    if not website_kind:
        errors["website_kind"] = [_("Choose one of the listed values.")]
    if errors:
        raise DomainError(errors)
    start, end = _date(starts_on, "starts_on"), _date(ends_on, "ends_on")
    if end <= start:
        raise DomainError({"ends_on": [_("The term must end after it starts.")]})
    max_days = settings.QINGLANG_SUPERVISION_MAX_TERM_DAYS
    served = days_served(supervisor.pk, website.pk, until=start)
    if served + (end - start).days > max_days:
        raise DomainError(
            {
                "ends_on": [
                    _(
                        "Rotation: a supervisor serves at most %(max)d days at one website "
                        "(%(served)d already served)."
                    )
                    % {"max": max_days, "served": served}
                ]
            }
        )
    conflict = _active_conflict(supervisor, website)
    if conflict is not None:
        raise DomainError(
            {
                "supervisor": [
                    _("%(name)s declared a conflict of interest with this website.")
                    % {"name": supervisor}
                ]
            }
        )
    try:
        with transaction.atomic():
            assignment = Assignment.objects.create(
                office=office,
                supervisor=supervisor,
                website=website,
                website_kind=website_kind,
                starts_on=start,
                ends_on=end,
                created_by=acting_user,
            )
    except IntegrityError as exc:
        raise StateError(_("This supervisor is already stationed at this website.")) from exc
    ledger.append(
        assignment,
        action=events.ASSIGNMENT_CREATED,
        actor=acting_user,
        data={
            "supervisor": supervisor.username,
            "website": website.pk,
            "starts_on": start.isoformat(),
            "ends_on": end.isoformat(),
        },
    )
    notify(
        user=supervisor,
        verb="supervision.assigned",
        title=message(gettext_noop("You are stationed at %(site)s"), **{"site": website.name}),
    )
    return assignment


@transaction.atomic
def end_assignment(assignment: Assignment, *, reason: str, acting_user: User) -> Assignment:
    """End a stationing early or at rotation, with the reason."""
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    _ensure(
        acting_user.organization_id == assignment.office_id
        and acting_user.role == Role.OFFICE_HEAD,
        _("Only the head of the office ends an assignment."),
    )
    reason = _text(reason, "reason", max_length=500)
    if assignment.status != AssignmentStatus.ACTIVE:
        raise StateError(_("This assignment has already ended."))
    today = timezone.localdate()
    assignment.status, assignment.end_reason = AssignmentStatus.ENDED, reason
    if assignment.ends_on > today > assignment.starts_on:
        assignment.ends_on = today
    assignment.save(update_fields=["status", "end_reason", "ends_on"])
    ledger.append(
        assignment, action=events.ASSIGNMENT_ENDED, actor=acting_user, data={"reason": reason}
    )
    return assignment


def _ensure_stationed(assignment: Assignment, user: User) -> None:
    _ensure(
        user.is_authenticated
        and user.pk == assignment.supervisor_id
        and assignment.status == AssignmentStatus.ACTIVE,
        _("Only the supervisor stationed there records this."),
    )


@transaction.atomic
def log_duty(
    assignment: Assignment, *, occurred_on: Any, kind: str, notes: str, acting_user: User
) -> DutyLogEntry:
    """Add an entry to the stationed supervisor's duty log."""
    _ensure_stationed(assignment, acting_user)
    day = _date(occurred_on, "occurred_on")
    if day > timezone.localdate():
        raise DomainError({"occurred_on": [_("The date cannot be in the future.")]})
    entry = DutyLogEntry.objects.create(
        assignment=assignment,
        occurred_on=day,
        kind=_choice(kind, DutyKind, "kind"),
        notes=_text(notes, "notes"),
    )
    ledger.append(
        entry,
        action=events.DUTY_LOGGED,
        actor=acting_user,
        data={"assignment": assignment.pk, "kind": kind, "on": day.isoformat()},
    )
    return entry


@transaction.atomic
def record_site_inspection(
    assignment: Assignment, *, performed_on: Any, results: Any, acting_user: User
) -> SiteInspection:
    """Record the checklist for the website's kind; each failed item becomes a finding."""
    _ensure_stationed(assignment, acting_user)
    day = _date(performed_on, "performed_on")
    allowed = CHECKLISTS[assignment.website_kind]
    if not isinstance(results, list) or not results:
        raise DomainError({"results": [_("Send the checklist results as a non-empty list.")]})
    clean: list[dict[str, str]] = []
    seen: set[str] = set()
    for row in results:
        item = row.get("item") if isinstance(row, Mapping) else None
        if item not in allowed or item in seen:
            raise DomainError(
                {"results": [_("Unknown or repeated checklist item: %(i)s") % {"i": item}]}
            )
        outcome = row.get("outcome")
        if outcome not in ChecklistOutcome.values:
            raise DomainError({"results": [_("Outcome is pass, fail or n/a.")]})
        note = _text(row.get("note") or "", "results", required=outcome == "fail")
        seen.add(item)
        clean.append({"item": item, "outcome": outcome, "note": note})
    inspection = SiteInspection.objects.create(
        assignment=assignment, performed_on=day, results=clean
    )
    for row in clean:
        if row["outcome"] == ChecklistOutcome.FAIL:
            SiteFinding.objects.create(inspection=inspection, item=row["item"], note=row["note"])
    ledger.append(
        inspection,
        action=events.SITE_INSPECTED,
        actor=acting_user,
        data={
            "assignment": assignment.pk,
            "failed": [r["item"] for r in clean if r["outcome"] == "fail"],
        },
    )
    return inspection


@transaction.atomic
def refer_site_finding(finding: SiteFinding, *, as_case: bool, acting_user: User) -> SiteFinding:
    """Turn a checklist finding into a case of the supervisor's office, or into a report."""
    from qinglang.cases.services.lifecycle import open_case
    from qinglang.intake.services import submit_report

    finding = SiteFinding.objects.select_for_update().get(pk=finding.pk)
    assignment = finding.inspection.assignment
    _ensure_stationed(assignment, acting_user)
    if finding.status != FindingStatus.OPEN:
        raise StateError(_("This finding was already dealt with."))
    item = ITEMS[finding.item]
    title = f"{assignment.website.name}：{item.label}"[:200]
    summary = _("Stationed supervisor's finding (%(date)s): %(item)s\n%(note)s") % {
        "date": finding.inspection.performed_on.isoformat(),
        "item": item.label,
        "note": finding.note,
    }
    if as_case:
        finding.case = open_case(
            acting_user=acting_user,
            lead_office=assignment.office,
            category=item.category,
            title=title,
            summary=summary,
            source="supervision",
        )
    else:
        finding.report = submit_report(
            {
                "category": item.category,
                "description": summary,
                "targets": [{"website_name": assignment.website.name}],
            },
            channel="supervision",
            acting_user=acting_user,
        ).report
    finding.status = FindingStatus.REFERRED
    finding.save(update_fields=["status", "case", "report"])
    ledger.append(
        finding,
        action=events.SITE_FINDING_REFERRED,
        actor=acting_user,
        data={"case": finding.case_id, "report": finding.report_id, "item": finding.item},
    )
    return finding


# --- citizen supervisors ---------------------------------------------------------------------


@transaction.atomic
def publish_call(
    office: Organization,
    *,
    title: str,
    body: str,
    opens_on: Any,
    closes_on: Any,
    seats: Any = 10,
    term_months: Any = 24,
    acting_user: User,
) -> RecruitmentCall:
    """Publish a recruitment call of the acting user's office on the portal."""
    _ensure(is_office_staff(acting_user, office), _("Only staff of this office publish calls."))
    opens, closes = _date(opens_on, "opens_on"), _date(closes_on, "closes_on")
    if closes < opens:
        raise DomainError({"closes_on": [_("The call must close after it opens.")]})
    if not isinstance(seats, int) or not 1 <= seats <= 1000:
        raise DomainError({"seats": [_("Between 1 and 1000 seats.")]})
    if not isinstance(term_months, int) or not 6 <= term_months <= 60:
        raise DomainError({"term_months": [_("A term lasts 6 to 60 months.")]})
    call = RecruitmentCall.objects.create(
        office=office,
        title=_text(title, "title", max_length=200),
        body=_text(body, "body", max_length=20000),
        opens_on=opens,
        closes_on=closes,
        seats=seats,
        term_months=term_months,
        created_by=acting_user,
    )
    ledger.append(call, action=events.CALL_PUBLISHED, actor=acting_user, data={"title": call.title})
    return call


def normalize_identity(value: Any) -> str:
    """Return a resident identity number with a valid check digit (GB 11643), else raise."""
    text = re.sub(r"\s", "", value).upper() if isinstance(value, str) else ""
    try:
        return str(ric.validate(text))
    except StdnumError as exc:
        raise DomainError({"id_number": [_("Not a valid resident identity number.")]}) from exc


def _phone(value: Any) -> str:
    text = value.strip() if isinstance(value, str) else ""
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise DomainError({"phone": [_("Enter a valid phone number.")]})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def submit_application(call: RecruitmentCall, *, data: Any) -> Application:
    """Validate and store a public application; the identity number only as a keyed hash."""
    if not isinstance(data, Mapping):
        raise DomainError({"non_field_errors": [_("Send the application as a JSON object.")]})
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    checks = {
        "name": lambda v: _text(v, "name", max_length=MAX_NAME),
        "id_number": normalize_identity,
        "phone": _phone,
        "statement": lambda v: _text(v, "statement", min_length=MIN_STATEMENT),
        "pseudonym": lambda v: _text(v, "pseudonym", required=False, max_length=50),
        "region": lambda v: _region(call, v),
    }
    for field, check in checks.items():
        try:
            values[field] = check(data.get(field))
        except DomainError as exc:
            errors.update(exc.message_dict)
    today = timezone.localdate()
    if not call.opens_on <= today <= call.closes_on:
        errors.setdefault("call", []).append(_("This call is not open."))
    if errors:
        raise DomainError(errors)
    digest = identity_hash(values["id_number"])
    with transaction.atomic():
        if Application.objects.filter(call=call, identity_hash=digest).exists():
            raise StateError(_("An application with this identity number was already received."))
        application = Application.objects.create(
            call=call,
            name=values["name"],
            identity_hash=digest,
            phone=values["phone"],
            region=values["region"],
            statement=values["statement"],
            pseudonym=values["pseudonym"],
        )
        ledger.append(
            application,
            action=events.APPLICATION_SUBMITTED,
            actor=None,
            actor_label="applicant",
            data={"call": call.pk, "region": values["region"].code},
        )
        notify(
            organization=call.office,
            verb="supervision.application",
            title=message(
                gettext_noop("New citizen supervisor application to %(call)s"),
                **{"call": call.title},
            ),
        )
    return application


def _region(call: RecruitmentCall, value: Any) -> Region:
    code = value.strip() if isinstance(value, str) else ""
    region = Region.objects.filter(code=code).first() if re.fullmatch(r"\d{6}", code) else None
    prefix = call.office.scope_prefix
    if region is None or prefix is None or not region.code.startswith(prefix):
        raise DomainError({"region": [_("Choose a region (division code) this office covers.")]})
    return region


@transaction.atomic
def decide_application(
    application: Application,
    *,
    approved: Any,
    reason: str,
    acting_user: User,
    username: str | None = None,
) -> tuple[Application, str | None]:
    """Record one approver's decision; the second approval by another person activates.

    Returns the application and, on activation, the account's one-time initial password
    (the account is `username`, else citizen-<application id>).
    """
    application = Application.objects.select_for_update().get(pk=application.pk)
    call = application.call
    _ensure(
        is_office_staff(acting_user, call.office),
        _("Only staff of the office that published the call decide applications."),
    )
    if not isinstance(approved, bool):
        raise DomainError({"approved": [_("Send true or false.")]})
    reason = _text(reason, "reason", required=not approved, max_length=2000)
    if application.status in {ApplicationStatus.APPROVED, ApplicationStatus.REJECTED}:
        raise StateError(_("This application has already been decided."))
    if application.decisions.filter(decided_by=acting_user).exists():
        raise StateError(
            _("Four eyes: the second decision must come from another member of the office.")
        )
    ApplicationDecision.objects.create(
        application=application, decided_by=acting_user, approved=approved, reason=reason
    )
    password = None
    if not approved:
        application.status = ApplicationStatus.REJECTED
    elif application.status == ApplicationStatus.SUBMITTED:
        application.status = ApplicationStatus.FIRST_APPROVAL
    else:
        application.status = ApplicationStatus.APPROVED
    application.save(update_fields=["status"])
    ledger.append(
        application,
        action=events.APPLICATION_DECIDED,
        actor=acting_user,
        data={"approved": approved, "reason": reason, "status": application.status},
    )
    if application.status == ApplicationStatus.APPROVED:
        password = _activate(
            application, acting_user=acting_user, username=username or f"citizen-{application.pk}"
        )
    return application, password


def _activate(application: Application, *, acting_user: User, username: str) -> str:
    """Open the citizen supervisor's account and term (inside the deciding transaction)."""
    call = application.call
    if User.objects.filter(username=username).exists():
        raise DomainError({"username": [_("This user name is taken.")]})
    password = secrets.token_urlsafe(12)
    user = User.objects.create_user(
        username=username,
        password=password,
        role=Role.CITIZEN_SUPERVISOR,
        display_name=application.name,
    )
    ledger.append(
        user,
        action="user.created",
        actor=acting_user,
        data={"username": user.username, "role": user.role},
    )
    start = timezone.localdate()
    supervisor = CitizenSupervisor.objects.create(
        application=application,
        user=user,
        office=call.office,
        region=application.region,
        public_name=application.pseudonym or application.name,
        term_starts_on=start,
        term_ends_on=_add_months(start, call.term_months),
    )
    ledger.append(
        supervisor,
        action=events.SUPERVISOR_ACTIVATED,
        actor=acting_user,
        data={"user": user.username, "term_ends_on": supervisor.term_ends_on.isoformat()},
    )
    return password


@transaction.atomic
def change_supervisor_status(
    supervisor: CitizenSupervisor, *, action: str, reason: str, acting_user: User
) -> CitizenSupervisor:
    """Suspend, remove or reinstate a citizen supervisor, with the reason."""
    supervisor = CitizenSupervisor.objects.select_for_update().get(pk=supervisor.pk)
    _ensure(
        is_office_staff(acting_user, supervisor.office),
        _("Only staff of the office that vetted this supervisor may do this."),
    )
    targets = {
        "suspend": SupervisorStatus.SUSPENDED,
        "remove": SupervisorStatus.REMOVED,
        "reinstate": SupervisorStatus.ACTIVE,
    }
    if action not in targets:
        raise DomainError({"action": [_("Choose suspend, remove or reinstate.")]})
    reason = _text(reason, "reason", max_length=2000)
    allowed_from = {
        "suspend": {SupervisorStatus.ACTIVE},
        "remove": {SupervisorStatus.ACTIVE, SupervisorStatus.SUSPENDED},
        "reinstate": {SupervisorStatus.SUSPENDED},
    }
    if supervisor.status not in allowed_from[action]:
        raise StateError(_("Not possible in the supervisor's current status."))
    previous = supervisor.status
    supervisor.status, supervisor.status_reason = targets[action], reason
    supervisor.save(update_fields=["status", "status_reason"])
    ledger.append(
        supervisor,
        action=events.SUPERVISOR_STATUS_CHANGED,
        actor=acting_user,
        data={"from": previous, "to": supervisor.status, "reason": reason},
    )
    notify(
        user=supervisor.user,
        verb="supervision.status",
        title=message(
            gettext_noop("Your citizen supervisor status: %(s)s"),
            **{"s": choice_label(supervisor, "status")},
        ),
        body=reason,
    )
    return supervisor


@transaction.atomic
def publish_training(
    office: Organization, *, title: str, body: str, acting_user: User
) -> TrainingMaterial:
    """Publish training material the office's citizen supervisors must acknowledge."""
    _ensure(is_office_staff(acting_user, office), _("Only staff of this office publish training."))
    material = TrainingMaterial.objects.create(
        office=office,
        title=_text(title, "title", max_length=200),
        body=_text(body, "body", max_length=50000),
    )
    ledger.append(
        material, action=events.TRAINING_PUBLISHED, actor=acting_user, data={"title": title}
    )
    return material


@transaction.atomic
def acknowledge_training(
    material: TrainingMaterial, *, acting_user: User
) -> TrainingAcknowledgement:
    """Record that the acting citizen supervisor read the training (and the title's limits)."""
    supervisor = CitizenSupervisor.objects.filter(user_id=acting_user.pk).first()
    _ensure(
        supervisor is not None and supervisor.office_id == material.office_id,
        _("Only citizen supervisors of this office acknowledge its training."),
    )
    ack, created = TrainingAcknowledgement.objects.get_or_create(
        material=material, supervisor=supervisor
    )
    if created:
        ledger.append(
            ack,
            action=events.TRAINING_ACKNOWLEDGED,
            actor=acting_user,
            data={"material": material.pk},
        )
    return ack


def _adjustment(filed: int, accepted: int, other: int, days: int) -> str:
    """Return the dynamic adjustment an assessment's figures call for."""
    if filed == 0 and other == 0:
        return Adjustment.REMOVE
    if filed >= CAUTION_MIN_FILED and accepted / filed < CAUTION_MAX_SHARE:
        return Adjustment.CAUTION
    if days >= ANNUAL_DAYS and accepted >= COMMEND_MIN_ACCEPTED:
        return Adjustment.COMMEND
    return Adjustment.RETAIN


@transaction.atomic
def assess_supervisor(
    supervisor: CitizenSupervisor,
    *,
    period_start: Any,
    period_end: Any,
    other_contributions: Any,
    note: str = "",
    acting_user: User,
) -> Assessment:
    """Assess a period (reports filed and accepted, other contributions) and adjust.

    An assessment without any activity removes the supervisor; an annual one with enough
    accepted reports commends them.
    """
    from qinglang.intake.selectors import reports_filed_by

    _ensure(
        is_office_staff(acting_user, supervisor.office),
        _("Only staff of the office that vetted this supervisor may assess them."),
    )
    start, end = _date(period_start, "period_start"), _date(period_end, "period_end")
    if end < start:
        raise DomainError({"period_end": [_("The period must end after it starts.")]})
    if not isinstance(other_contributions, int) or not 0 <= other_contributions <= 10000:
        raise DomainError({"other_contributions": [_("Enter a whole number from 0.")]})
    note = _text(note, "note", required=False, max_length=2000)
    reports = reports_filed_by(supervisor.user).filter(
        submitted_at__date__gte=start, submitted_at__date__lte=end
    )
    filed = reports.count()
    accepted = reports.filter(status__in=["accepted", "closed"], decline_reason="").count()
    adjustment = _adjustment(filed, accepted, other_contributions, (end - start).days)
    assessment = Assessment.objects.create(
        supervisor=supervisor,
        period_start=start,
        period_end=end,
        reports_filed=filed,
        reports_accepted=accepted,
        other_contributions=other_contributions,
        adjustment=adjustment,
        note=note,
        assessed_by=acting_user,
    )
    supervisor.other_contributions += other_contributions
    supervisor.save(update_fields=["other_contributions"])
    ledger.append(
        assessment,
        action=events.SUPERVISOR_ASSESSED,
        actor=acting_user,
        data={"filed": filed, "accepted": accepted, "adjustment": adjustment},
    )
    if adjustment == Adjustment.REMOVE and supervisor.status != SupervisorStatus.REMOVED:
        change_supervisor_status(
            supervisor,
            action="remove",
            reason=_("No reports or other contributions in the assessed period."),
            acting_user=acting_user,
        )
    return assessment


@transaction.atomic
def sign_pledge(*, kind: str, text: str, acting_user: User) -> IntegrityPledge:
    """Record the acting staff member's signed integrity pledge, dated."""
    org = acting_user.organization if acting_user.organization_id else None
    _ensure(
        org is not None and org.kind in PLEDGE_ORGS,
        _("Staff of regulator offices and websites sign integrity pledges."),
    )
    pledge = IntegrityPledge.objects.create(
        signer=acting_user,
        organization=org,
        kind=_choice(kind, PledgeKind, "kind"),
        text=_text(text, "text"),
    )
    ledger.append(pledge, action=events.PLEDGE_SIGNED, actor=acting_user, data={"kind": kind})
    return pledge


# --- periodic inspection ---------------------------------------------------------------------


@transaction.atomic
def plan_inspection(
    office: Organization,
    *,
    scheduled_for: Any,
    checklist: Any,
    period_start: Any = None,
    period_end: Any = None,
    scope: str = "",
    acting_user: User,
) -> Inspection:
    """Plan a superior office's inspection of a subordinate office (default period: 90 days)."""
    own = acting_user.organization if acting_user.is_authenticated else None
    _ensure(
        is_office_staff(acting_user)
        and office.is_regulator
        and office.pk != own.pk
        and jurisdiction.can_oversee(acting_user, office),
        _("Only a superior office inspects a subordinate office."),
    )
    day = _date(scheduled_for, "scheduled_for")
    if (
        not isinstance(checklist, list)
        or not checklist
        or any(c not in INSPECTION_ITEMS for c in checklist)
    ):
        raise DomainError(
            {
                "checklist": [
                    _("Choose items from: %(items)s") % {"items": ", ".join(INSPECTION_ITEMS)}
                ]
            }
        )
    end = _date(period_end, "period_end") if period_end else day
    start = _date(period_start, "period_start") if period_start else end - dt.timedelta(days=90)
    if end < start:
        raise DomainError({"period_end": [_("The period must end after it starts.")]})
    inspection = Inspection.objects.create(
        inspecting_office=own,
        office=office,
        scheduled_for=day,
        period_start=start,
        period_end=end,
        scope=_text(scope, "scope", required=False),
        checklist=list(dict.fromkeys(checklist)),
        created_by=acting_user,
    )
    ledger.append(
        inspection,
        action=events.INSPECTION_PLANNED,
        actor=acting_user,
        data={"office": office.pk, "scheduled_for": day.isoformat(), "checklist": checklist},
    )
    notify(
        organization=office,
        verb="supervision.inspection",
        title=message(
            gettext_noop("Inspection by %(office)s scheduled for %(day)s"),
            **{"office": own.name, "day": day.isoformat()},
        ),
    )
    return inspection


def _ensure_inspecting(inspection: Inspection, user: User) -> None:
    _ensure(
        is_office_staff(user) and user.organization_id == inspection.inspecting_office_id,
        _("Only the inspecting office may do this."),
    )


@transaction.atomic
def generate_pack(inspection: Inspection, *, acting_user: User) -> Inspection:
    """Compute the period's figures (and the pledges on file) into the inspection pack."""
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    _ensure_inspecting(inspection, acting_user)
    if inspection.status == InspectionStatus.CLOSED:
        raise StateError(_("This inspection is closed."))
    inspection.pack = inspection_pack(inspection)
    inspection.pack_generated_at = timezone.now()
    inspection.status = InspectionStatus.PACK_READY
    inspection.save(update_fields=["pack", "pack_generated_at", "status"])
    ledger.append(
        inspection,
        action=events.INSPECTION_PACK_GENERATED,
        actor=acting_user,
        data={"items": inspection.checklist},
    )
    return inspection


@transaction.atomic
def issue_finding(
    inspection: Inspection,
    *,
    item: str,
    text: str,
    follow_ups: Sequence[Mapping[str, Any]] = (),
    acting_user: User,
) -> InspectionFinding:
    """Issue a finding with follow-up tasks and deadlines to the inspected office."""
    _ensure_inspecting(inspection, acting_user)
    if inspection.status == InspectionStatus.CLOSED:
        raise StateError(_("This inspection is closed."))
    if item not in inspection.checklist:
        raise DomainError({"item": [_("Choose an item of this inspection's checklist.")]})
    text = _text(text, "text")
    tasks = []
    for row in follow_ups if isinstance(follow_ups, list | tuple) else [None]:
        if not isinstance(row, Mapping):
            raise DomainError({"follow_ups": [_("Each follow-up has a title and a due date.")]})
        due = _date(row.get("due_on"), "follow_ups")
        if due < timezone.localdate():
            raise DomainError({"follow_ups": [_("A deadline cannot be in the past.")]})
        tasks.append((_text(row.get("title"), "follow_ups", max_length=200), due))
    finding = InspectionFinding.objects.create(inspection=inspection, item=item, text=text)
    FollowUpTask.objects.bulk_create(
        FollowUpTask(finding=finding, title=t, due_on=d) for t, d in tasks
    )
    ledger.append(
        finding,
        action=events.INSPECTION_FINDING_ISSUED,
        actor=acting_user,
        data={"inspection": inspection.pk, "item": item, "follow_ups": len(tasks)},
    )
    notify(
        organization=inspection.office,
        verb="supervision.finding",
        title=message(gettext_noop("An inspection finding awaits your answer")),
        body=text,
    )
    return finding


@transaction.atomic
def answer_finding(
    finding: InspectionFinding, *, response: str, acting_user: User
) -> InspectionFinding:
    """Record the inspected office's answer to a finding."""
    finding = InspectionFinding.objects.select_for_update().get(pk=finding.pk)
    _ensure(
        is_office_staff(acting_user)
        and acting_user.organization_id == finding.inspection.office_id,
        _("Only the inspected office answers a finding."),
    )
    if finding.responded_at is not None:
        raise StateError(_("This finding has already been answered."))
    finding.response = _text(response, "response")
    finding.responded_at, finding.responded_by = timezone.now(), acting_user
    finding.save(update_fields=["response", "responded_at", "responded_by"])
    ledger.append(finding, action=events.INSPECTION_FINDING_ANSWERED, actor=acting_user, data={})
    return finding


@transaction.atomic
def complete_follow_up(task: FollowUpTask, *, acting_user: User) -> FollowUpTask:
    """Mark a follow-up task done (inspected office); late completion stays visible by date."""
    task = (
        FollowUpTask.objects.select_for_update()
        .select_related("finding__inspection")
        .get(pk=task.pk)
    )
    _ensure(
        is_office_staff(acting_user)
        and acting_user.organization_id == task.finding.inspection.office_id,
        _("Only the inspected office completes its follow-up tasks."),
    )
    if task.completed_at is not None:
        raise StateError(_("This task is already completed."))
    task.completed_at = timezone.now()
    task.save(update_fields=["completed_at"])
    ledger.append(
        task,
        action=events.FOLLOW_UP_COMPLETED,
        actor=acting_user,
        data={"late": timezone.localdate() > task.due_on},
    )
    return task


# --- discipline-inspection analytics ---------------------------------------------------------

_DETECTORS = (
    (IntegrityFindingKind.IDENTITY_WITHOUT_ROLE, identity_views_without_role),
    (IntegrityFindingKind.DECLINE_CLUSTER, decline_clusters),
    (IntegrityFindingKind.ACCESS_VOLUME, unusual_access_volumes),
    (IntegrityFindingKind.DECLINE_THEN_DELETION, declines_followed_by_deletion),
)
_SUMMARIES = {
    IntegrityFindingKind.IDENTITY_WITHOUT_ROLE: gettext_lazy(
        "%(staff)s viewed a reporter's identity (report %(report)s) without a role on the "
        "report or its case"
    ),
    IntegrityFindingKind.DECLINE_CLUSTER: gettext_lazy(
        "%(staff)s: %(declines_on_it)s of %(declines)s declines concern %(on)s"
    ),
    IntegrityFindingKind.ACCESS_VOLUME: gettext_lazy(
        "%(staff)s viewed %(views)s identities in a week (office median %(office_median)s)"
    ),
    IntegrityFindingKind.DECLINE_THEN_DELETION: gettext_lazy(
        "%(staff)s declined report %(report)s; deletion requests for the same content followed"
    ),
}


def scan_integrity(*, now: dt.datetime | None = None) -> int:
    """Run every detector and store new findings (known ones are kept as they are)."""
    created = 0
    for kind, detect in _DETECTORS:
        for hit in detect(now=now):
            staff = hit["staff"]
            fingerprint = f"{kind}:{staff.pk}:{hit['key']}"[:128]
            with transaction.atomic():
                finding, made = IntegrityFinding.objects.get_or_create(
                    fingerprint=fingerprint,
                    defaults={
                        "kind": kind,
                        "staff": staff,
                        "office": staff.organization,
                        "summary": (
                            str(_SUMMARIES[kind]) % {"staff": staff.username, **hit["evidence"]}
                        )[:500],
                        "evidence": hit["evidence"],
                    },
                )
                if made:
                    created += 1
                    ledger.append(
                        finding,
                        action=events.INTEGRITY_FINDING_DETECTED,
                        actor=None,
                        actor_label="system",
                        data={"kind": kind, "staff": staff.username},
                    )
    return created


@transaction.atomic
def open_internal_case(finding: IntegrityFinding, *, acting_user: User) -> IntegrityFinding:
    """Turn an integrity finding into an internal case of discipline inspection."""
    from qinglang.cases.services.lifecycle import create_case
    from qinglang.intake.models import ReportCategory

    finding = IntegrityFinding.objects.select_for_update().get(pk=finding.pk)
    _ensure(is_inspector(acting_user), _("Only discipline inspectors open internal cases."))
    if finding.status != FindingStatus.OPEN:
        raise StateError(_("This finding was already dealt with."))
    evidence = "\n".join(f"{k}: {v}" for k, v in sorted(finding.evidence.items()))
    finding.case = create_case(
        acting_user=acting_user,
        category=ReportCategory.COLLUSION,
        title=f"{finding.get_kind_display()}：{finding.staff}"[:200],
        summary=f"{finding.summary}\n\n{evidence}",
    )
    finding.status = FindingStatus.REFERRED
    finding.save(update_fields=["case", "status"])
    ledger.append(
        finding,
        action=events.INTEGRITY_FINDING_REFERRED,
        actor=acting_user,
        data={"case": finding.case.number},
    )
    return finding


@transaction.atomic
def dismiss_integrity_finding(
    finding: IntegrityFinding, *, reason: str, acting_user: User
) -> IntegrityFinding:
    """Close an integrity finding without a case, with the inspector's reason."""
    finding = IntegrityFinding.objects.select_for_update().get(pk=finding.pk)
    _ensure(is_inspector(acting_user), _("Only discipline inspectors dismiss findings."))
    reason = _text(reason, "reason", max_length=2000)
    if finding.status != FindingStatus.OPEN:
        raise StateError(_("This finding was already dealt with."))
    finding.status = FindingStatus.DISMISSED
    finding.save(update_fields=["status"])
    ledger.append(
        finding,
        action=events.INTEGRITY_FINDING_DISMISSED,
        actor=acting_user,
        data={"reason": reason},
    )
    return finding
