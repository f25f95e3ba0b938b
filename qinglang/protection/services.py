"""State changes of enterprise protection: registration, verification, reports, claims, alerts."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers
from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import ValidationError as StdnumError

from qinglang.analysis.similarity import signature, similarity
from qinglang.core import ledger
from qinglang.core.aftercommit import call_after_commit
from qinglang.core.exceptions import DomainError, NotPermitted, StateError
from qinglang.core.messages import message
from qinglang.core.models import (
    Organization,
    OrganizationKind,
    Region,
    Role,
    User,
)
from qinglang.core.services import notify
from qinglang.core.workdays import add_calendar_days, add_working_days
from qinglang.evidence.services import attach, request_capture, store_upload, validate_upload
from qinglang.evidence.validation import IMAGE_TYPES
from qinglang.intake import services as intake
from qinglang.intake.models import Report, ReportCategory, ReportStatus
from qinglang.protection import events
from qinglang.protection.models import (
    AcceptanceCondition,
    AlertKind,
    AuthorisedContact,
    ClaimCheck,
    ConditionRule,
    ContactKind,
    Enterprise,
    EnterpriseStatus,
    Incident,
    MeasureReminder,
    ProtectionAlert,
    ProtectionCase,
    ProtectionStatus,
)
from qinglang.protection.selectors import (
    can_verify_enterprise,
    enterprise_for_user,
    office_for_region,
)

log = logging.getLogger(__name__)

# The extortionist's deadline within this many hours makes the report urgent.
URGENT_WINDOW_HOURS = 72
URGENT_DEADLINE_CALENDAR_DAYS = 1
NORMAL_DEADLINE_WORKING_DAYS = 5
MAX_CONTENT_URLS = 10
NEAR_DUPLICATE_THRESHOLD = 0.6
REMIND_BEFORE_HOURS = 24
INCIDENT_CATEGORY = {
    Incident.EXTORTION_THREAT: ReportCategory.EXTORTION,
    Incident.DELETION_OFFER: ReportCategory.PAID_DELETION,
    Incident.IMPERSONATION: ReportCategory.PAID_DELETION,
    Incident.INFRINGING_CONTENT: ReportCategory.OTHER,
}
CATEGORY_INCIDENT = {
    ReportCategory.EXTORTION: Incident.EXTORTION_THREAT,
    ReportCategory.DISGUISED_FEES: Incident.EXTORTION_THREAT,
    ReportCategory.PAID_DELETION: Incident.DELETION_OFFER,
}


# --- registration and verification --------------------------------------------------------


def clean_uscc(value: Any) -> str:
    """Return the compact USCC, or raise DomainError when its format or check digit is wrong."""
    text = value if isinstance(value, str) else ""
    try:
        return stdnum_uscc.validate(text.strip().upper())
    except StdnumError:
        raise DomainError(
            {"uscc": [_("Enter a valid 18-character unified social credit code.")]}
        ) from None


def clean_phone(value: str) -> str:
    """Return a phone number in E.164 form (China by default), or "" when it is not one."""
    try:
        number = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class RegistrationFields(forms.Form):
    """Field rules of an enterprise registration (web form and API)."""

    name = forms.CharField(max_length=200)
    legal_representative = forms.CharField(max_length=100)
    region = forms.CharField(max_length=6)
    contact_name = forms.CharField(max_length=100)
    contact_email = forms.EmailField()
    contact_phone = forms.CharField(max_length=32, required=False)


def _registration_errors(data: Mapping[str, Any]) -> tuple[dict[str, list[str]], dict[str, Any]]:
    errors: dict[str, list[str]] = {}
    try:
        uscc = clean_uscc(data.get("uscc"))
    except DomainError as exc:
        errors.update(exc.message_dict)
        uscc = ""
    contact = data.get("contact")
    if contact is not None and not isinstance(contact, Mapping):
        errors["contact"] = [_("Send the contact details as an object.")]
        contact = {}
    contact = contact or {}
    form = RegistrationFields(
        data={
            "name": data.get("name"),
            "legal_representative": data.get("legal_representative"),
            "region": data.get("region"),
            "contact_name": contact.get("name"),
            "contact_email": contact.get("email"),
            "contact_phone": contact.get("phone") or "",
        }
    )
    cleaned: dict[str, Any] = {"uscc": uscc}
    if not form.is_valid():
        for name, messages in form.errors.items():
            key = f"contact.{name[8:]}" if name.startswith("contact_") else name
            errors[key] = [str(m) for m in messages]
    else:
        cleaned.update(form.cleaned_data)
        region = Region.objects.filter(code=form.cleaned_data["region"]).first()
        if region is None:
            errors["region"] = [_("Give the six-digit division code of a province or city.")]
        cleaned["region"] = region
        phone = form.cleaned_data["contact_phone"]
        if phone and not clean_phone(phone):
            errors["contact.phone"] = [_("Enter a valid phone number.")]
        cleaned["contact_phone"] = clean_phone(phone) if phone else ""
    return errors, cleaned


def _check_licence(licence: UploadedFile | None, *, required: bool) -> list[str]:
    if licence is None:
        return [_("Attach a photo or scan of the business licence.")] if required else []
    try:
        media_type = validate_upload(licence)
    except DomainError as exc:
        return [str(m) for m in exc.messages]
    if media_type not in IMAGE_TYPES:
        return [_("The business licence must be an image (JPEG, PNG, GIF or WebP).")]
    return []


def register_enterprise(
    data: Mapping[str, Any],
    *,
    licence: UploadedFile | None = None,
    licence_required: bool = False,
    acting_user: User | None = None,
) -> Enterprise:
    """Record a self-registration; the office of the enterprise's region verifies it."""
    if not isinstance(data, Mapping):
        raise DomainError({"non_field_errors": [_("Send the registration as a JSON object.")]})
    errors, cleaned = _registration_errors(data)
    if licence_errors := _check_licence(licence, required=licence_required):
        errors["licence"] = licence_errors
    if errors:
        raise DomainError(errors)
    user = acting_user if acting_user is not None and acting_user.is_authenticated else None
    with transaction.atomic():
        enterprise = Enterprise.objects.create(
            uscc=cleaned["uscc"],
            name=cleaned["name"],
            legal_representative=cleaned["legal_representative"],
            region=cleaned["region"],
            contact_name=cleaned["contact_name"],
            contact_email=cleaned["contact_email"].lower(),
            contact_phone=cleaned["contact_phone"],
        )
        if licence is not None:
            item = store_upload(licence, added_by=user, added_by_label="" if user else "applicant")
            attach(item, subject=("protection.enterprise", enterprise.pk), acting_user=user)
            enterprise.licence = item
            enterprise.save(update_fields=["licence"])
        ledger.append(
            enterprise,
            action=events.ENTERPRISE_REGISTERED,
            actor=user,
            actor_label="" if user else "applicant",
            data={"uscc": enterprise.uscc, "region": enterprise.region.code},
        )
        office = office_for_region(enterprise.region)
        if office is not None:
            notify(
                organization=office,
                verb="enterprise.registered",
                link=reverse("protection:office_enterprise", args=[enterprise.pk]),
                title=message(
                    gettext_noop("Enterprise %(name)s asks to be verified"),
                    **{"name": enterprise.name},
                ),
            )
    return enterprise


@transaction.atomic
def verify_enterprise(
    enterprise: Enterprise,
    *,
    approved: Any,
    reason: Any = "",
    acting_user: User,
    existing_organization: Organization | None = None,
) -> Enterprise:
    """Approve (organization and the applicant's account are created) or reject with a reason."""
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if not can_verify_enterprise(acting_user, enterprise):
        raise NotPermitted(_("Only the office of the enterprise's region may verify it."))
    errors: dict[str, list[str]] = {}
    if not isinstance(approved, bool):
        errors["approved"] = [_("Say whether you approve: true or false.")]
    reason = reason.strip() if isinstance(reason, str) else ""
    if approved is False and not reason:
        errors["reason"] = [_("Give the reason for the rejection; the applicant reads it.")]
    elif len(reason) > 2000:
        errors["reason"] = [_("Keep the reason under 2000 characters.")]
    if errors:
        raise DomainError(errors)
    if enterprise.status != EnterpriseStatus.PENDING:
        raise StateError(_("This registration has already been decided."))
    if (
        approved
        and Enterprise.objects.filter(uscc=enterprise.uscc, status=EnterpriseStatus.VERIFIED)
        .exclude(pk=enterprise.pk)
        .exists()
    ):
        raise StateError(_("An enterprise with this code is already verified."))
    enterprise.decided_by, enterprise.decided_at = acting_user, timezone.now()
    enterprise.decision_reason = reason
    applicant: User | None = None
    if approved:
        org = existing_organization or Organization.objects.create(
            name=enterprise.name,
            kind=OrganizationKind.ENTERPRISE,
            region=enterprise.region,
            uscc=enterprise.uscc,
            email=enterprise.contact_email,
        )
        if org.uscc != enterprise.uscc:
            org.uscc = enterprise.uscc
            org.save(update_fields=["uscc"])
        enterprise.organization = org
        enterprise.status = EnterpriseStatus.VERIFIED
        if existing_organization is None:
            applicant = _create_member(
                org, name=enterprise.contact_name, email=enterprise.contact_email
            )
    else:
        enterprise.status = EnterpriseStatus.REJECTED
    enterprise.save(
        update_fields=["status", "decided_by", "decided_at", "decision_reason", "organization"]
    )
    ledger.append(
        enterprise,
        action=events.ENTERPRISE_VERIFIED if approved else events.ENTERPRISE_REJECTED,
        actor=acting_user,
        data={
            "reason": reason,
            "organization": enterprise.organization_id,
            "user": applicant.username if applicant else None,
        },
    )
    if applicant is not None:
        _send_activation(applicant)
    elif not approved:
        _mail_rejection(enterprise)
    return enterprise


def _create_member(org: Organization, *, name: str, email: str) -> User:
    """Create an enterprise user without a password; they set it through the activation link."""
    email = email.strip().lower()
    if User.objects.filter(username=email).exists():
        raise DomainError({"email": [_("This e-mail address already has an account.")]})
    user = User(
        username=email,
        email=email,
        display_name=name[:100],
        organization=org,
        role=Role.ENTERPRISE_USER,
    )
    user.set_unusable_password()
    user.save()
    return user


def set_first_password(user: User, *, password: str) -> User:
    """Set the password of an activated enterprise user (validated like every password)."""
    from django.contrib.auth.password_validation import validate_password

    if user.role != Role.ENTERPRISE_USER or user.has_usable_password():
        raise NotPermitted(_("This link has already been used."))
    try:
        validate_password(password, user)
    except forms.ValidationError as exc:
        raise DomainError({"password1": list(exc.messages)}) from None
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


def _send_activation(user: User) -> None:
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    link = reverse(
        "protection:activate",
        args=[
            urlsafe_base64_encode(force_bytes(user.pk)),
            default_token_generator.make_token(user),
        ],
    )
    notify(
        user=user,
        verb="enterprise.activation",
        link=link,
        title=message(gettext_noop("Your enterprise account on Qinglang is ready")),
        body=message(
            gettext_noop(
                "Sign-in name: %(username)s. Open the link to choose a password; on the first "
                "sign-in at /staff/login/ you will set up an authenticator app."
            ),
            **{"username": user.username},
        ),
    )


def _mail_rejection(enterprise: Enterprise) -> None:
    from django.core.mail import send_mail

    subject = _("Your enterprise registration was not approved")
    body = enterprise.decision_reason
    address = enterprise.contact_email

    def send() -> None:
        try:
            send_mail(subject, body, None, [address])
        except OSError:
            log.warning("rejection mail for enterprise %s not sent", enterprise.pk)

    call_after_commit(send)


@transaction.atomic
def add_enterprise_user(
    enterprise: Enterprise, *, name: str, email: str, acting_user: User
) -> User:
    """Give a colleague of a verified enterprise an account (two-factor sign-in like staff)."""
    _ensure_member(acting_user, enterprise)
    errors: dict[str, list[str]] = {}
    name = name.strip() if isinstance(name, str) else ""
    if not name or len(name) > 100:
        errors["name"] = [_("Enter the colleague's name (at most 100 characters).")]
    email = email.strip().lower() if isinstance(email, str) else ""
    try:
        validate_email(email)
    except forms.ValidationError:
        errors["email"] = [_("Enter a valid e-mail address.")]
    if errors:
        raise DomainError(errors)
    assert enterprise.organization is not None  # noqa: S101 - verified enterprises have one
    user = _create_member(enterprise.organization, name=name, email=email)
    ledger.append(
        enterprise,
        action=events.ENTERPRISE_USER_ADDED,
        actor=acting_user,
        data={"user": user.username},
    )
    _send_activation(user)
    return user


def _ensure_member(user: User, enterprise: Enterprise) -> None:
    if (
        not enterprise.is_verified
        or not user.is_authenticated
        or user.role != Role.ENTERPRISE_USER
        or user.organization_id != enterprise.organization_id
    ):
        raise NotPermitted(_("Only users of this verified enterprise may do this."))


# --- authorised contacts and claim checks -------------------------------------------------


@transaction.atomic
def add_authorised_contact(
    enterprise: Enterprise,
    *,
    name: Any,
    valid_from: dt.date,
    valid_until: dt.date,
    acting_user: User,
    kind: str = ContactKind.PERSON,
    email: Any = "",
    phone: Any = "",
) -> AuthorisedContact:
    """List a person or agent firm allowed to speak for the enterprise until a date."""
    _ensure_member(acting_user, enterprise)
    errors: dict[str, list[str]] = {}
    if kind not in ContactKind.values:
        errors["kind"] = [_("Choose a person or an agent firm.")]
    name = name.strip() if isinstance(name, str) else ""
    if not name or len(name) > 200:
        errors["name"] = [_("Enter a name (at most 200 characters).")]
    email = email.strip().lower() if isinstance(email, str) else ""
    if email:
        try:
            validate_email(email)
        except forms.ValidationError:
            errors["email"] = [_("Enter a valid e-mail address.")]
    raw_phone = phone.strip() if isinstance(phone, str) else ""
    phone = clean_phone(raw_phone) if raw_phone else ""
    if raw_phone and not phone:
        errors["phone"] = [_("Enter a valid phone number.")]
    if not email and not raw_phone:
        errors["email"] = [_("Give an e-mail address or a phone number.")]
    if not isinstance(valid_from, dt.date) or not isinstance(valid_until, dt.date):
        errors["valid_until"] = [_("Enter both dates as YYYY-MM-DD.")]
    elif valid_until < valid_from:
        errors["valid_until"] = [_("The end of validity must not be before its start.")]
    if errors:
        raise DomainError(errors)
    contact = AuthorisedContact.objects.create(
        enterprise=enterprise,
        kind=kind,
        name=name,
        email=email,
        phone=phone,
        valid_from=valid_from,
        valid_until=valid_until,
        added_by=acting_user,
    )
    ledger.append(
        enterprise,
        action=events.CONTACT_ADDED,
        actor=acting_user,
        data={"contact": contact.pk, "kind": kind, "valid_until": valid_until.isoformat()},
    )
    return contact


@transaction.atomic
def revoke_authorised_contact(contact: AuthorisedContact, *, acting_user: User) -> None:
    """End a contact's authorisation now (checks answer "no" from then on)."""
    _ensure_member(acting_user, contact.enterprise)
    if contact.revoked_at is not None:
        raise StateError(_("This contact is already revoked."))
    contact.revoked_at = timezone.now()
    contact.save(update_fields=["revoked_at"])
    ledger.append(
        contact.enterprise,
        action=events.CONTACT_REVOKED,
        actor=acting_user,
        data={"contact": contact.pk},
    )


@dataclass(frozen=True)
class ClaimAnswer:
    """The answer a website gets: yes or no and, if yes, until when; never the contacts."""

    check: ClaimCheck
    verified: bool
    enterprise_name: str | None
    valid_until: dt.date | None


def _claim_contact(contact: Any) -> tuple[str, str]:
    if not isinstance(contact, Mapping):
        raise DomainError({"contact": [_("Send the contact as an object with email or phone.")]})
    given = {k: v for k, v in contact.items() if k in {"email", "phone"} and v}
    if len(given) != 1 or set(contact) - {"email", "phone"}:
        raise DomainError({"contact": [_("Give exactly one of email or phone.")]})
    kind, value = next(iter(given.items()))
    if not isinstance(value, str) or len(value) > 254:
        raise DomainError({f"contact.{kind}": [_("Enter a single value.")]})
    if kind == "email":
        value = value.strip().lower()
        try:
            validate_email(value)
        except forms.ValidationError:
            raise DomainError({"contact.email": [_("Enter a valid e-mail address.")]}) from None
        return kind, value
    phone = clean_phone(value.strip())
    if not phone:
        raise DomainError({"contact.phone": [_("Enter a valid phone number.")]})
    return kind, phone


def check_claim(uscc: Any, contact: Any, *, acting_user: User) -> ClaimAnswer:
    """Answer a website whether a contact speaks for an enterprise; every check is logged."""
    if (
        not acting_user.is_authenticated
        or acting_user.role != Role.WEBSITE_OFFICER
        or acting_user.organization is None
        or acting_user.organization.kind != OrganizationKind.WEBSITE_OPERATOR
    ):
        raise NotPermitted(_("Only website operators may check claims."))
    code = clean_uscc(uscc)
    kind, value = _claim_contact(contact)
    today = timezone.localdate()
    enterprise = Enterprise.objects.filter(uscc=code, status=EnterpriseStatus.VERIFIED).first()
    match = None
    if enterprise is not None:
        match = (
            enterprise.contacts.filter(
                revoked_at__isnull=True, valid_from__lte=today, valid_until__gte=today
            )
            .filter(**{kind: value})
            .order_by("-valid_until")
            .first()
        )
    with transaction.atomic():
        check = ClaimCheck.objects.create(
            uscc=code,
            contact_kind=kind,
            contact_value=value,
            verified=match is not None,
            enterprise=enterprise,
            checked_by=acting_user,
            website=acting_user.organization,
        )
        ledger.append(
            check,
            action=events.CLAIM_CHECKED,
            actor=acting_user,
            data={"uscc": code, "contact_kind": kind, "verified": check.verified},
        )
    if match is None or enterprise is None:
        # An unknown code and a non-matching contact read the same: nothing to enumerate.
        return ClaimAnswer(check=check, verified=False, enterprise_name=None, valid_until=None)
    return ClaimAnswer(
        check=check, verified=True, enterprise_name=enterprise.name, valid_until=match.valid_until
    )


@transaction.atomic
def report_claim_as_lead(check: ClaimCheck, *, acting_user: User) -> ClaimCheck:
    """Send a failed claimant's contact to correlation as a suspected broker."""
    from qinglang.registry.services import index_identifiers

    check = ClaimCheck.objects.select_for_update().get(pk=check.pk)
    if acting_user.organization_id != check.website_id or acting_user.role != Role.WEBSITE_OFFICER:
        raise NotPermitted(_("Only the website that made the check may report it."))
    if check.verified:
        raise StateError(_("A verified claim is not a lead."))
    if check.lead_at is not None:
        raise StateError(_("This check has already been reported as a lead."))
    office = office_for_region(check.enterprise.region) if check.enterprise else None
    index_identifiers(
        source=("protection.claimcheck", str(check.pk)),
        identifiers=[(check.contact_kind, check.contact_value)],
        office_id=office.pk if office else None,
        region_code=office.region.code if office and office.region_id else None,
        acting_user=acting_user,
    )
    check.lead_at = timezone.now()
    check.save(update_fields=["lead_at"])
    ledger.append(
        check,
        action=events.CLAIM_LEAD,
        actor=acting_user,
        data={"contact_kind": check.contact_kind},
    )
    if office is not None:
        notify(
            organization=office,
            verb="enterprise.claim_lead",
            title=message(
                gettext_noop("Suspected broker claimed to speak for %(name)s"),
                **{"name": check.enterprise.name},
            ),
            body=message(
                gettext_noop("A %(kind)s that is not authorised was used in a deletion request."),
                **{"kind": check.contact_kind},
            ),
        )
    return check


# --- enterprise reports -------------------------------------------------------------------


@dataclass
class Demand:
    amount: Decimal | None = None
    channel: str = ""
    deadline_at: dt.datetime | None = None


@dataclass(frozen=True)
class ProtectionSubmission:
    protection_case: ProtectionCase
    submission: intake.Submission


class EnterpriseReportInvalidError(intake.ReportInvalidError):
    """Bad fields and the acceptance conditions the report does not meet yet."""

    def __init__(self, detail: dict[str, Any], missing: Sequence[AcceptanceCondition] = ()):
        self.missing = list(missing)
        if self.missing:
            detail = {**detail, "checklist": [c.missing_message for c in self.missing]}
        super().__init__(detail)


def _clean_demand(raw: Any, errors: dict[str, Any]) -> Demand:
    demand = Demand()
    if raw is None:
        return demand
    if not isinstance(raw, Mapping):
        errors["demand"] = {"non_field_errors": [_("Send the demand as an object.")]}
        return demand
    demand_errors: dict[str, list[str]] = {}
    amount = raw.get("amount")
    if amount not in (None, ""):
        try:
            demand.amount = Decimal(str(amount))
        except InvalidOperation:
            demand_errors["amount"] = [_("Enter an amount in yuan, e.g. 5000.00.")]
        else:
            if demand.amount < 0 or demand.amount >= Decimal("1e12") or isinstance(amount, bool):
                demand_errors["amount"] = [_("Enter an amount in yuan, e.g. 5000.00.")]
    channel = raw.get("channel")
    if channel is not None and not isinstance(channel, str):
        demand_errors["channel"] = [_("Enter a single value.")]
    elif channel and len(channel) > 200:
        demand_errors["channel"] = [_("At most 200 characters.")]
    else:
        demand.channel = (channel or "").strip()
    deadline = raw.get("deadline_at")
    if deadline not in (None, ""):
        parsed = parse_datetime(deadline) if isinstance(deadline, str) else None
        if parsed is None:
            demand_errors["deadline_at"] = [
                _("Enter the deadline as a date and time, e.g. 2026-12-03T18:00+08:00.")
            ]
        else:
            if timezone.is_naive(parsed):
                parsed = timezone.make_aware(parsed)
            demand.deadline_at = parsed
    if demand_errors:
        errors["demand"] = demand_errors
    return demand


def _content_urls(raw: Any, errors: dict[str, Any]) -> list[str]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, list) or not all(isinstance(u, str) for u in raw):
        errors["content_urls"] = [_("Send the addresses as a list of text.")]
        return []
    urls = list(dict.fromkeys(u.strip() for u in raw if u.strip()))
    if len(urls) > MAX_CONTENT_URLS:
        errors["content_urls"] = [_("At most %(n)d addresses.") % {"n": MAX_CONTENT_URLS}]
        return []
    field_ = forms.URLField(max_length=2000, assume_scheme="https")
    for url in urls:
        try:
            field_.clean(url)
        except forms.ValidationError:
            errors["content_urls"] = [_("%(url)s is not a valid web address.") % {"url": url[:100]}]
            return []
    return urls


def missing_conditions(
    incident: str,
    data: Mapping[str, Any],
    *,
    demand: Demand,
    content_urls: Sequence[str],
    has_files: bool,
) -> list[AcceptanceCondition]:
    """Return the active acceptance conditions the report does not meet (checklist order)."""
    targets = [t for t in data.get("targets") or [] if isinstance(t, Mapping)]
    target_urls = [t.get("url") for t in targets if t.get("url")]
    description = data.get("description")
    contact = data.get("contact") if isinstance(data.get("contact"), Mapping) else {}
    met = {
        ConditionRule.IDENTIFIES_TARGET: any(
            t.get(k) for t in targets for k in ("url", "website_name", "icp_number", "account")
        ),
        ConditionRule.DESCRIBES_FACTS: isinstance(description, str)
        and len(description.strip()) >= 10,
        ConditionRule.HAS_EVIDENCE: has_files or bool(content_urls) or bool(target_urls),
        ConditionRule.STATES_DEMAND: demand.amount is not None or bool(demand.channel),
        ConditionRule.HAS_CONTACT: bool(contact.get("email") or contact.get("phone")),
        ConditionRule.NAMES_CONTENT: bool(content_urls) or bool(target_urls),
    }
    return [
        c
        for c in AcceptanceCondition.objects.filter(is_active=True)
        if c.applies_to(incident) and not met.get(c.rule, True)
    ]


def is_urgent(demand: Demand, *, requested: bool, now: dt.datetime | None = None) -> bool:
    """Return whether the extortion is "happening now": asked so, or the deadline within 72 h."""
    now = now or timezone.now()
    if requested:
        return True
    return demand.deadline_at is not None and demand.deadline_at <= now + dt.timedelta(
        hours=URGENT_WINDOW_HOURS
    )


def submit_enterprise_report(
    data: Any,
    *,
    acting_user: User,
    files: Sequence[UploadedFile] = (),
) -> ProtectionSubmission:
    """File a verified enterprise's report through intake and open its protection case."""
    enterprise = enterprise_for_user(acting_user)
    if enterprise is None:
        raise NotPermitted(_("Only users of a verified enterprise report here."))
    if not isinstance(data, Mapping):
        raise EnterpriseReportInvalidError(
            {"non_field_errors": [_("Send the report as a JSON object.")]}
        )
    errors: dict[str, Any] = {}
    demand = _clean_demand(data.get("demand"), errors)
    content_urls = _content_urls(data.get("content_urls"), errors)
    urgent_requested = data.get("urgent", False)
    if not isinstance(urgent_requested, bool):
        errors["urgent"] = [_("Say true or false.")]
        urgent_requested = False
    incident = data.get("incident") or CATEGORY_INCIDENT.get(
        data.get("category"), Incident.INFRINGING_CONTENT
    )
    if incident not in Incident.values:
        errors["incident"] = [_("Choose one of the listed kinds of incident.")]
        incident = Incident.INFRINGING_CONTENT
    body = {
        k: v
        for k, v in data.items()
        if k not in {"demand", "urgent", "incident", "content_urls", "concerns_staff"}
    }
    body.setdefault("category", INCIDENT_CATEGORY[incident])
    if demand.amount is not None:
        body["amount_demanded"] = str(demand.amount)
    if demand.channel:
        body["payment_channel"] = demand.channel
    if not body.get("contact"):
        body["contact"] = {
            "name": acting_user.display_name or acting_user.username,
            "email": acting_user.email,
        }
    missing = missing_conditions(
        incident, body, demand=demand, content_urls=content_urls, has_files=bool(files)
    )
    try:
        intake.clean_report_data(body)
    except intake.ReportInvalidError as exc:
        errors.update(exc.detail)
    if errors or missing:
        raise EnterpriseReportInvalidError(errors, missing)
    now = timezone.now()
    urgent = is_urgent(demand, requested=urgent_requested, now=now)
    with transaction.atomic():
        submission = intake.submit_report(
            body,
            files=files,
            channel="enterprise",
            acting_user=acting_user,
            office=office_for_region(enterprise.region),
        )
        report = submission.report
        text, accounts = _fingerprint_source(report)
        pcase = ProtectionCase.objects.create(
            enterprise=enterprise,
            report=report,
            office=report.office,
            incident=incident,
            urgent=urgent,
            demand_amount=demand.amount,
            demand_channel=demand.channel,
            demand_deadline=demand.deadline_at,
            deadline=add_calendar_days(now, URGENT_DEADLINE_CALENDAR_DAYS)
            if urgent
            else add_working_days(now, NORMAL_DEADLINE_WORKING_DAYS),
            fingerprints=[list(signature(text))],
            accounts=accounts,
            created_by=acting_user,
        )
        for url in content_urls:
            request_capture(
                url, subject=("protection.protectioncase", pcase.pk), requested_by=acting_user
            )
        ledger.append(
            pcase,
            action=events.PROTECTION_OPENED,
            actor=acting_user,
            data={
                "report": report.pk,
                "tracking_code": report.tracking_code,
                "urgent": urgent,
                "deadline": pcase.deadline.isoformat(),
                "content_urls": content_urls,
            },
        )
        title = (
            _("URGENT: extortion in progress against %(name)s, act by %(deadline)s")
            if urgent
            else _("Enterprise %(name)s reports: act by %(deadline)s")
        )
        notify(
            organization=report.office,
            verb="protection.urgent" if urgent else "protection.opened",
            link=pcase.get_absolute_url(),
            title=title
            % {
                "name": enterprise.name,
                "deadline": timezone.localtime(pcase.deadline).strftime("%Y-%m-%d %H:%M"),
            },
            body=report.description[:500],
        )
    return ProtectionSubmission(protection_case=pcase, submission=submission)


def _fingerprint_source(report: Report) -> tuple[str, list[str]]:
    """Return the text whose signature identifies the content, and the accounts it names."""
    targets = list(report.targets.all())
    text = "\n".join([report.description, *(t.account for t in targets if t.account)])
    accounts = sorted({t.account.strip().lower() for t in targets if t.account.strip()})
    return text, accounts


# --- links to cases, reappearing content, expiring measures -------------------------------


def link_accepted_report(report: Report) -> ProtectionCase | None:
    """Link the protection case of a report just accepted to the case it went into."""
    from qinglang.cases.models import Urgency
    from qinglang.cases.services import lifecycle

    pcase = ProtectionCase.objects.filter(report=report, case__isnull=True).first()
    if pcase is None:
        return None
    case = report.cases.order_by("-pk").first()
    if case is None:
        return None
    actor = report.decided_by
    with transaction.atomic():
        pcase.case = case
        pcase.save(update_fields=["case"])
        ledger.append(pcase, action=events.PROTECTION_LINKED, actor=actor, data={"case": case.pk})
        if pcase.urgent and actor is not None and case.urgency != Urgency.IN_PROGRESS:
            lifecycle.update_case(
                case, acting_user=actor, expected_version=None, urgency=Urgency.IN_PROGRESS
            )
    return pcase


def follow_case_status(case: Any) -> int:
    """Keep protection cases in step with their case: closed with it, open again on reopening."""
    from qinglang.cases.models import CaseStatus

    status = ProtectionStatus.CLOSED if case.status == CaseStatus.CLOSED else ProtectionStatus.OPEN
    return ProtectionCase.objects.filter(case=case.pk).exclude(status=status).update(status=status)


def check_reappearance(
    text: str,
    *,
    source: tuple[str, Any],
    accounts: Sequence[str] = (),
    exclude: ProtectionCase | None = None,
) -> list[ProtectionAlert]:
    """Raise an alert on every protection case whose content or account shows up again.

    Closed cases count too: a replacement account (转世账号) appears after the first is closed.
    Called for each analysed report (signal) and open to monitoring for its hits.
    """
    sig = signature(text)
    wanted = {a.strip().lower() for a in accounts if a.strip()}
    alerts: list[ProtectionAlert] = []
    protected = ProtectionCase.objects.select_related("enterprise", "office").order_by("pk")
    if exclude is not None:
        protected = protected.exclude(pk=exclude.pk)
    for pcase in protected.iterator(chunk_size=500):
        score = max((similarity(sig, fp) for fp in pcase.fingerprints), default=0.0)
        same = wanted & set(pcase.accounts)
        if score >= NEAR_DUPLICATE_THRESHOLD:
            kind, detail = AlertKind.NEAR_DUPLICATE, ""
        elif same:
            kind, detail = AlertKind.SAME_ACCOUNT, ", ".join(sorted(same))[:300]
        else:
            continue
        alert = _raise_alert(pcase, kind=kind, source=source, score=score, detail=detail)
        if alert is not None:
            alerts.append(alert)
    return alerts


def _raise_alert(
    pcase: ProtectionCase, *, kind: str, source: tuple[str, Any], score: float, detail: str
) -> ProtectionAlert | None:
    try:
        with transaction.atomic():
            alert = ProtectionAlert.objects.create(
                protection_case=pcase,
                kind=kind,
                source_type=source[0],
                source_id=str(source[1]),
                score=round(score, 3),
                detail=detail,
            )
            ledger.append(
                pcase,
                action=events.PROTECTION_ALERT,
                actor=None,
                actor_label="system",
                data={"kind": kind, "source": f"{source[0]}:{source[1]}", "score": alert.score},
            )
            title = _("Content protected for %(name)s seen again (%(kind)s)") % {
                "name": pcase.enterprise.name,
                "kind": alert.get_kind_display(),
            }
            notify(
                organization=pcase.office,
                verb="protection.alert",
                link=pcase.get_absolute_url(),
                title=title,
            )
            if pcase.enterprise.organization_id:
                notify(
                    organization=pcase.enterprise.organization,
                    verb="protection.alert",
                    link=pcase.get_absolute_url(),
                    title=title,
                )
    except IntegrityError:
        return None  # already raised for this source
    return alert


def check_report_reappearance(report: Report) -> list[ProtectionAlert]:
    """Compare an analysed report with the protected content (the signal handler calls this)."""
    if report.is_internal:
        return []
    text, accounts = _fingerprint_source(report)
    own = ProtectionCase.objects.filter(report=report).first()
    return check_reappearance(
        text, source=("intake.report", report.pk), accounts=accounts, exclude=own
    )


def remind_measure_expiries(*, now: dt.datetime | None = None) -> int:
    """Remind the office and the enterprise of interim measures ending within a day."""
    from qinglang.cases.models import TransferFeedback, TransferKind

    now = now or timezone.now()
    soon = now + dt.timedelta(hours=REMIND_BEFORE_HOURS)
    answers = (
        TransferFeedback.objects.filter(
            transfer__kind=TransferKind.INTERIM_MEASURE,
            measure_done=True,
            until__gt=now,
            until__lte=soon,
        )
        .select_related("transfer__case", "transfer__sender_office")
        .order_by("transfer_id", "-submitted_at")
    )
    sent = 0
    seen: set[int] = set()
    for answer in answers:
        transfer = answer.transfer
        if transfer.pk in seen:
            continue
        seen.add(transfer.pk)
        latest = transfer.feedback.order_by("-submitted_at", "-pk").first()
        if latest is None or latest.pk != answer.pk:
            continue
        try:
            with transaction.atomic():
                MeasureReminder.objects.create(transfer=transfer, until=answer.until)
                _notify_expiry(transfer, answer.until)
        except IntegrityError:
            continue
        sent += 1
    return sent


def _notify_expiry(transfer: Any, until: dt.datetime) -> None:
    title = _("Interim measure on case %(number)s ends %(until)s") % {
        "number": transfer.case.number,
        "until": timezone.localtime(until).strftime("%Y-%m-%d %H:%M"),
    }
    notify(
        organization=transfer.sender_office,
        verb="protection.measure_expiring",
        link=transfer.get_absolute_url(),
        title=title,
    )
    for pcase in ProtectionCase.objects.filter(case=transfer.case_id).select_related(
        "enterprise__organization"
    ):
        if pcase.enterprise.organization is not None:
            notify(
                organization=pcase.enterprise.organization,
                verb="protection.measure_expiring",
                link=pcase.get_absolute_url(),
                title=title,
            )
        ledger.append(
            pcase,
            action=events.PROTECTION_MEASURE_REMINDED,
            actor=None,
            actor_label="system",
            data={"transfer": transfer.pk, "until": until.isoformat()},
        )


def accept_into_case(pcase: ProtectionCase, *, acting_user: User) -> Any:
    """Accept the protection case's report into a case (through cases' triage service)."""
    from qinglang.cases.services import triage

    if pcase.report.status != ReportStatus.RECEIVED:
        raise StateError(_("This report has already been triaged."))
    return triage.accept_report(pcase.report, acting_user=acting_user)
