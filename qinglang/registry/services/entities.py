"""Create and change registry entities: websites, accounts, practitioners, intermediaries."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglang.core import ledger
from qinglang.core.exceptions import DomainError, StateError
from qinglang.core.models import Organization, Region, User
from qinglang.registry import validation
from qinglang.registry.models import (
    Account,
    AccountName,
    Intermediary,
    IntermediaryContact,
    IntermediaryKind,
    Practitioner,
    PractitionerRole,
    Website,
    WebsiteDomain,
    WebsiteStatus,
)
from qinglang.registry.permissions import ensure_registry_staff
from qinglang.registry.services.correlation import IdentifierValue, index_identifiers
from qinglang.registry.services.search import index_document


class FieldErrors:
    """Collect per-field messages and raise them together as one DomainError."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(str(message))

    def check(self, field: str, fn: Any, *args: Any) -> Any:
        """Return fn(*args); on DomainError record its message under `field` and return None."""
        try:
            return fn(*args)
        except DomainError as exc:
            for message in exc.messages:
                self.add(field, message)
            return None

    def raise_if_any(self) -> None:
        if self.errors:
            raise DomainError(self.errors)


def resolve_region(code: str | None) -> Region | None:
    """Return the Region for a GB/T 2260 code ('' or None = none), or raise DomainError."""
    if not code:
        return None
    region = Region.objects.filter(code=str(code).strip()).first()
    if region is None:
        raise DomainError(_("Unknown region code: %(code)s") % {"code": code})
    return region


def _required(value: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(_("%(field)s is required.") % {"field": label})
    return value


def website_identifiers(website: Website) -> list[IdentifierValue]:
    """Return the identifiers a website is known by (active domains, filings, operator USCC)."""
    values = [
        IdentifierValue("domain", d.domain) for d in website.domains.all() if d.removed_at is None
    ]
    if website.icp_number:
        values.append(IdentifierValue("icp", website.icp_number))
    if website.psb_number:
        values.append(IdentifierValue("psb", website.psb_number))
    if website.operator_uscc:
        values.append(IdentifierValue("uscc", website.operator_uscc))
    return values


def _index_website(website: Website) -> None:
    region_code = website.region.code if website.region_id else None
    index_identifiers(
        source=("registry.website", website.pk),
        identifiers=website_identifiers(website),
        office_id=None,
        region_code=region_code,
    )
    domains = " ".join(d.domain for d in website.domains.all())
    index_document(
        object_type="registry.website",
        object_id=website.pk,
        office_id=None,
        region_code=region_code,
        title=website.name,
        text=" ".join(
            [
                website.name,
                *website.other_names,
                website.operator_name,
                domains,
                website.icp_number,
                website.psb_number,
            ]
        ),
    )


def clean_website_fields(
    *,
    name: str,
    domains: Iterable[str],
    icp_number: str = "",
    psb_number: str = "",
    operator_name: str = "",
    operator_uscc: str = "",
    region_code: str | None = None,
    exclude_website: Website | None = None,
) -> dict[str, Any]:
    """Validate website fields; return cleaned values or raise DomainError per field."""
    errors = FieldErrors()
    cleaned: dict[str, Any] = {
        "name": errors.check("name", _required, name, _("Name")),
        "operator_name": (operator_name or "").strip(),
        "icp_number": errors.check("icp_number", validation.normalize_icp, icp_number)
        if (icp_number or "").strip()
        else "",
        "psb_number": errors.check("psb_number", validation.normalize_psb, psb_number)
        if (psb_number or "").strip()
        else "",
        "operator_uscc": errors.check("operator_uscc", validation.normalize_uscc, operator_uscc)
        if (operator_uscc or "").strip()
        else "",
        "region": errors.check("region_code", resolve_region, region_code),
    }
    clean_domains: list[str] = []
    for raw in domains:
        if not raw.strip():
            continue
        domain = errors.check("domains", validation.normalize_domain, raw)
        if domain and domain not in clean_domains:
            clean_domains.append(domain)
    taken = WebsiteDomain.objects.filter(domain__in=clean_domains, removed_at__isnull=True)
    if exclude_website is not None:
        taken = taken.exclude(website=exclude_website)
    for domain in taken.values_list("domain", flat=True):
        errors.add(
            "domains",
            _("The domain %(domain)s is already registered to another website.")
            % {"domain": domain},
        )
    errors.raise_if_any()
    cleaned["domains"] = clean_domains
    return cleaned


@transaction.atomic
def create_website(
    *,
    name: str,
    domains: Iterable[str] = (),
    icp_number: str = "",
    psb_number: str = "",
    operator_name: str = "",
    operator_uscc: str = "",
    region_code: str | None = None,
    other_names: Iterable[str] = (),
    operator_organization: Organization | None = None,
    acting_user: User | None,
) -> Website:
    """Register a website with validated filings and domains (None actor = system command)."""
    ensure_registry_staff(acting_user)
    cleaned = clean_website_fields(
        name=name,
        domains=domains,
        icp_number=icp_number,
        psb_number=psb_number,
        operator_name=operator_name,
        operator_uscc=operator_uscc,
        region_code=region_code,
    )
    domain_list = cleaned.pop("domains")
    website = Website.objects.create(
        **cleaned,
        other_names=[n.strip() for n in other_names if n.strip()],
        operator_organization=operator_organization,
    )
    WebsiteDomain.objects.bulk_create(
        [WebsiteDomain(website=website, domain=d) for d in domain_list]
    )
    ledger.append(
        website,
        action="registry.website.created",
        actor=acting_user,
        data={
            "name": website.name,
            "domains": domain_list,
            "icp_number": website.icp_number,
            "psb_number": website.psb_number,
            "region": region_code or "",
        },
    )
    _index_website(website)
    return website


@transaction.atomic
def update_website(
    website: Website,
    *,
    name: str,
    domains: Iterable[str],
    icp_number: str = "",
    psb_number: str = "",
    operator_name: str = "",
    operator_uscc: str = "",
    region_code: str | None = None,
    acting_user: User | None,
) -> Website:
    """Update a website's filings; domains missing from `domains` are marked removed (kept)."""
    ensure_registry_staff(acting_user)
    website = Website.objects.select_for_update().get(pk=website.pk)
    cleaned = clean_website_fields(
        name=name,
        domains=domains,
        icp_number=icp_number,
        psb_number=psb_number,
        operator_name=operator_name,
        operator_uscc=operator_uscc,
        region_code=region_code,
        exclude_website=website,
    )
    wanted = cleaned.pop("domains")
    if cleaned["name"] != website.name and cleaned["name"] not in website.other_names:
        website.other_names = [*website.other_names, website.name]
    for field, value in cleaned.items():
        setattr(website, field, value)
    website.save()
    active = {d.domain: d for d in website.domains.filter(removed_at__isnull=True)}
    now = timezone.now()
    removed = [d for name_, d in active.items() if name_ not in wanted]
    for domain in removed:
        domain.removed_at = now
        domain.save(update_fields=["removed_at"])
    added = [d for d in wanted if d not in active]
    WebsiteDomain.objects.bulk_create([WebsiteDomain(website=website, domain=d) for d in added])
    ledger.append(
        website,
        action="registry.website.updated",
        actor=acting_user,
        data={
            "name": website.name,
            "added_domains": added,
            "removed_domains": [d.domain for d in removed],
            "icp_number": website.icp_number,
            "psb_number": website.psb_number,
            "region": region_code or "",
        },
    )
    _index_website(website)
    return website


@transaction.atomic
def remove_domain(website: Website, *, domain: str, acting_user: User | None) -> WebsiteDomain:
    """Mark a domain as no longer the website's (history kept)."""
    ensure_registry_staff(acting_user)
    row = website.domains.filter(domain=domain.lower(), removed_at__isnull=True).first()
    if row is None:
        raise StateError(_("This domain is not an active domain of the website."))
    row.removed_at = timezone.now()
    row.save(update_fields=["removed_at"])
    ledger.append(
        website,
        action="registry.website.domain_removed",
        actor=acting_user,
        data={"domain": row.domain},
    )
    return row


@transaction.atomic
def set_website_status(
    website: Website, *, status: str, reason: str, acting_user: User | None
) -> Website:
    """Change a website's status (normal / under rectification / shut down) with a reason."""
    ensure_registry_staff(acting_user)
    if status not in WebsiteStatus.values:
        raise DomainError({"status": [_("Unknown status.")]})
    if not (reason or "").strip():
        raise DomainError({"reason": [_("A reason is required.")]})
    website = Website.objects.select_for_update().get(pk=website.pk)
    previous = website.status
    website.status = status
    website.save(update_fields=["status", "updated_at"])
    ledger.append(
        website,
        action="registry.website.status_changed",
        actor=acting_user,
        data={"from": previous, "to": status, "reason": reason.strip()},
    )
    return website


@transaction.atomic
def create_account(
    *,
    platform: str,
    uid: str,
    display_name: str = "",
    region_code: str | None = None,
    acting_user: User | None,
) -> Account:
    """Register a platform account (platform + uid or handle) with its current display name."""
    ensure_registry_staff(acting_user)
    errors = FieldErrors()
    platform = errors.check("platform", _required, platform, _("Platform"))
    uid = errors.check("uid", _required, uid, _("User id or handle"))
    region = errors.check("region_code", resolve_region, region_code)
    if platform and uid and Account.objects.filter(platform=platform, uid=uid).exists():
        errors.add("uid", _("This account is already registered."))
    errors.raise_if_any()
    account = Account.objects.create(platform=platform, uid=uid, region=region)
    if display_name.strip():
        AccountName.objects.create(account=account, name=display_name.strip())
    ledger.append(
        account,
        action="registry.account.created",
        actor=acting_user,
        data={"platform": platform, "uid": uid, "display_name": display_name.strip()},
    )
    index_identifiers(
        source=("registry.account", account.pk),
        identifiers=[IdentifierValue("account", f"{platform}:{uid}")],
        office_id=None,
        region_code=region.code if region else None,
    )
    index_document(
        object_type="registry.account",
        object_id=account.pk,
        office_id=None,
        region_code=region.code if region else None,
        title=f"{platform} {display_name or uid}",
        text=f"{platform} {uid} {display_name}",
    )
    return account


@transaction.atomic
def rename_account(account: Account, *, display_name: str, acting_user: User | None) -> Account:
    """Record a new display name (old names are kept, dated)."""
    ensure_registry_staff(acting_user)
    name = (display_name or "").strip()
    if not name:
        raise DomainError({"display_name": [_("A display name is required.")]})
    AccountName.objects.create(account=account, name=name)
    ledger.append(
        account, action="registry.account.renamed", actor=acting_user, data={"display_name": name}
    )
    return account


@transaction.atomic
def create_practitioner(
    *,
    name: str,
    employer: str = "",
    role: str = PractitionerRole.OTHER,
    press_card_number: str = "",
    identity_number: str = "",
    region_code: str | None = None,
    acting_user: User | None,
) -> Practitioner:
    """Register a practitioner; the identity number is kept only as a keyed hash + last 4."""
    ensure_registry_staff(acting_user)
    errors = FieldErrors()
    name = errors.check("name", _required, name, _("Name"))
    if role not in PractitionerRole.values:
        errors.add("role", _("Unknown role."))
    card = (
        errors.check("press_card_number", validation.normalize_press_card, press_card_number)
        if (press_card_number or "").strip()
        else ""
    )
    identity = (
        errors.check("identity_number", validation.normalize_identity_number, identity_number)
        if (identity_number or "").strip()
        else ""
    )
    region = errors.check("region_code", resolve_region, region_code)
    errors.raise_if_any()
    practitioner = Practitioner.objects.create(
        name=name,
        employer=(employer or "").strip(),
        role=role,
        press_card_number=card,
        identity_hash=validation.identity_hash(identity) if identity else "",
        identity_last4=identity[-4:] if identity else "",
        region=region,
    )
    ledger.append(
        practitioner,
        action="registry.practitioner.created",
        actor=acting_user,
        data={
            "name": name,
            "employer": practitioner.employer,
            "role": role,
            "press_card_number": card,
            "identity_last4": practitioner.identity_last4,
        },
    )
    index_document(
        object_type="registry.practitioner",
        object_id=practitioner.pk,
        office_id=None,
        region_code=region.code if region else None,
        title=name,
        text=f"{name} {practitioner.employer} {card}",
    )
    return practitioner


@transaction.atomic
def create_intermediary(
    *,
    kind: str,
    name: str,
    uscc: str = "",
    region_code: str | None = None,
    contacts: Iterable[tuple[str, str]] = (),
    acting_user: User | None,
) -> Intermediary:
    """Register a PR firm or broker with its advertised contacts (indexed for correlation)."""
    ensure_registry_staff(acting_user)
    errors = FieldErrors()
    if kind not in IntermediaryKind.values:
        errors.add("kind", _("Choose company or person."))
    name = errors.check("name", _required, name, _("Name"))
    uscc = errors.check("uscc", validation.normalize_uscc, uscc) if (uscc or "").strip() else ""
    region = errors.check("region_code", resolve_region, region_code)
    clean_contacts: list[tuple[str, str]] = []
    for contact_kind, value in contacts:
        normalized = errors.check("contacts", validation.normalize_identifier, contact_kind, value)
        if normalized and (contact_kind, normalized) not in clean_contacts:
            clean_contacts.append((contact_kind, normalized))
    errors.raise_if_any()
    intermediary = Intermediary.objects.create(kind=kind, name=name, uscc=uscc, region=region)
    IntermediaryContact.objects.bulk_create(
        [IntermediaryContact(intermediary=intermediary, kind=k, value=v) for k, v in clean_contacts]
    )
    ledger.append(
        intermediary,
        action="registry.intermediary.created",
        actor=acting_user,
        data={
            "kind": kind,
            "name": name,
            "uscc": uscc,
            "contacts": [f"{k}:{v}" for k, v in clean_contacts],
        },
    )
    _index_intermediary(intermediary)
    return intermediary


@transaction.atomic
def add_intermediary_contact(
    intermediary: Intermediary, *, kind: str, value: str, acting_user: User | None
) -> IntermediaryContact:
    """Add one contact to an intermediary and index it."""
    ensure_registry_staff(acting_user)
    try:
        normalized = validation.normalize_identifier(kind, value)
    except DomainError as exc:
        raise DomainError({"value": exc.messages}) from exc
    contact, created = IntermediaryContact.objects.get_or_create(
        intermediary=intermediary, kind=kind, value=normalized
    )
    if created:
        ledger.append(
            intermediary,
            action="registry.intermediary.contact_added",
            actor=acting_user,
            data={"contact": f"{kind}:{normalized}"},
        )
        _index_intermediary(intermediary)
    return contact


def _index_intermediary(intermediary: Intermediary) -> None:
    region_code = intermediary.region.code if intermediary.region_id else None
    values = [IdentifierValue(c.kind, c.value) for c in intermediary.contacts.all()]
    if intermediary.uscc:
        values.append(IdentifierValue("uscc", intermediary.uscc))
    index_identifiers(
        source=("registry.intermediary", intermediary.pk),
        identifiers=values,
        office_id=None,
        region_code=region_code,
    )
    index_document(
        object_type="registry.intermediary",
        object_id=intermediary.pk,
        office_id=None,
        region_code=region_code,
        title=intermediary.name,
        text=" ".join([intermediary.name, *(c.value for c in intermediary.contacts.all())]),
    )
