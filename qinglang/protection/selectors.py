"""Scoped reads of enterprise protection: who sees which enterprise and protection case."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from qinglang.core import jurisdiction
from qinglang.core.models import (
    OfficeLevel,
    Organization,
    OrganizationKind,
    Region,
    RegionLevel,
    Role,
    User,
)
from qinglang.core.workdays import SHANGHAI
from qinglang.protection.models import (
    AcceptanceCondition,
    AuthorisedContact,
    ClaimCheck,
    Enterprise,
    EnterpriseStatus,
    ProtectionCase,
)

VERIFYING_ROLES = frozenset({Role.TRIAGE_OFFICER, Role.CASE_HANDLER, Role.OFFICE_HEAD})


def _org(user: Any) -> Organization | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.organization_id:
        return None
    return user.organization


def office_for_region(region: Region) -> Organization | None:
    """Return the office closest to a region that has triage staff (city, province, national)."""
    offices = Organization.objects.filter(kind=OrganizationKind.REGULATOR_OFFICE, is_active=True)
    triaging = offices.filter(
        members__is_active=True, members__role__in=[Role.TRIAGE_OFFICER, Role.OFFICE_HEAD]
    ).distinct()
    codes = [region.code]
    if region.level == RegionLevel.PREFECTURE and region.parent_id:
        codes.append(region.parent.code)
    for qs in (triaging, offices):
        for code in codes:
            found = qs.filter(region__code=code).order_by("pk").first()
            if found is not None:
                return found
    return offices.filter(level=OfficeLevel.NATIONAL).order_by("pk").first()


def enterprises_visible_to(user: User) -> QuerySet[Enterprise]:
    """Return the registrations an office may see: enterprises in its region or below."""
    org = _org(user)
    if org is None or not org.is_regulator or user.role not in VERIFYING_ROLES:
        return Enterprise.objects.none()
    return Enterprise.objects.filter(jurisdiction.scope_q(user, "region")).select_related(
        "region", "licence__blob"
    )


def is_office_user(user: Any) -> bool:
    """Return whether `user` works a regulator office in a role that handles protection."""
    org = _org(user)
    return org is not None and org.is_regulator and user.role in VERIFYING_ROLES


def verified_duplicate(enterprise: Enterprise) -> Enterprise | None:
    """Return another, already verified enterprise with the same code (the office is warned)."""
    return (
        Enterprise.objects.filter(uscc=enterprise.uscc, status=EnterpriseStatus.VERIFIED)
        .exclude(pk=enterprise.pk)
        .first()
    )


def get_enterprise_for(user: User, pk: Any) -> Enterprise:
    """Return a registration the office may see, or raise Http404."""
    try:
        return enterprises_visible_to(user).get(pk=int(pk))
    except (Enterprise.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def can_verify_enterprise(user: User, enterprise: Enterprise) -> bool:
    """Return whether `user` works in an office with jurisdiction over the enterprise's region."""
    return enterprises_visible_to(user).filter(pk=enterprise.pk).exists()


def enterprise_for_user(user: Any) -> Enterprise | None:
    """Return the verified enterprise an enterprise user belongs to, if any."""
    org = _org(user)
    if org is None or org.kind != OrganizationKind.ENTERPRISE or user.role != Role.ENTERPRISE_USER:
        return None
    return (
        Enterprise.objects.filter(organization=org, status=EnterpriseStatus.VERIFIED)
        .select_related("organization", "region")
        .first()
    )


def can_view_enterprise_files(user: Any, subject_id: str) -> bool:
    """Evidence resolver: the licence is for the verifying office and the enterprise itself."""
    if not subject_id.isdigit():
        return False
    own = enterprise_for_user(user)
    if own is not None and own.pk == int(subject_id):
        return True
    return enterprises_visible_to(user).filter(pk=int(subject_id)).exists()


def protection_cases_visible_to(user: User) -> QuerySet[ProtectionCase]:
    """Return the protection cases a user may see.

    The enterprise: its own. Offices: those owned by an office in their scope, or whose case
    they lead or co-handle. Agencies and websites: those whose case was transferred to them.
    """
    from qinglang.cases.models import Transfer
    from qinglang.cases.selectors.cases import cases_visible_to

    org = _org(user)
    base = ProtectionCase.objects.select_related("enterprise", "report", "case", "office").order_by(
        "-created_at", "-pk"
    )
    if org is None:
        return base.none()
    if org.kind == OrganizationKind.ENTERPRISE:
        if user.role != Role.ENTERPRISE_USER:
            return base.none()
        return base.filter(enterprise__organization=org)
    if org.is_regulator:
        if user.role not in VERIFYING_ROLES:
            return base.none()
        q = jurisdiction.office_scope_q(user, "office") | Q(
            case__in=cases_visible_to(user).values("pk")
        )
        return base.filter(q)
    if org.kind in {OrganizationKind.PARTNER_AGENCY, OrganizationKind.WEBSITE_OPERATOR}:
        received = Transfer.objects.filter(case_id=OuterRef("case_id"), recipient=org)
        return base.filter(Exists(received))
    return base.none()


def curated_cases_visible_to(user: User) -> QuerySet[ProtectionCase]:
    """Return the cases the user may see with what `curated_view` reads (transfers, alerts)."""
    from qinglang.cases.models import Transfer

    transfers = Transfer.objects.select_related("recipient").prefetch_related("feedback")
    return (
        protection_cases_visible_to(user)
        .annotate(alert_count=Count("alerts"))
        .prefetch_related(Prefetch("case__transfers", queryset=transfers))
    )


def get_protection_case_for(user: User, pk: Any) -> ProtectionCase:
    """Return one protection case the user may see, or raise Http404."""
    try:
        return protection_cases_visible_to(user).get(pk=int(pk))
    except (ProtectionCase.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def can_view_protection_case(user: Any, subject_id: str) -> bool:
    """Evidence resolver for captures of the content concerned."""
    return (
        subject_id.isdigit()
        and protection_cases_visible_to(user).filter(pk=int(subject_id)).exists()
    )


def is_office_side(user: User, pcase: ProtectionCase) -> bool:
    """Return whether `user` handles the protection case for an office (full view)."""
    return is_office_user(user)


def curated_view(pcase: ProtectionCase, user: User) -> dict[str, Any]:
    """Return what the enterprise (or a receiving party) sees: never internal notes."""
    from qinglang.cases.models import CaseStatus

    org = _org(user)
    case = pcase.case
    transfers = []
    if case is not None:
        receiving_only = (
            org is not None and org.kind != OrganizationKind.ENTERPRISE and not org.is_regulator
        )
        org_id = org.pk if org is not None else None
        shown = [t for t in case.transfers.all() if not receiving_only or t.recipient_id == org_id]
        for t in sorted(shown, key=lambda t: (t.sent_at, t.pk)):
            answers = [
                {
                    "measure_done": f.measure_done,
                    "until": f.until,
                    "summary": f.summary if t.kind == "interim_measure" else "",
                    "submitted_at": f.submitted_at,
                }
                for f in t.feedback.all()
            ]
            transfers.append(
                {
                    "id": t.pk,
                    "kind": t.kind,
                    "kind_label": t.get_kind_display(),
                    "measure": t.measure,
                    "measure_label": t.get_measure_display() if t.measure else "",
                    "recipient": t.recipient.name,
                    "status": t.status,
                    "status_label": t.get_status_display(),
                    "sent_at": t.sent_at,
                    "deadline": t.deadline,
                    "answers": answers,
                }
            )
    result = None
    if case is not None and case.status in (CaseStatus.DECIDED, CaseStatus.CLOSED):
        result = {
            "outcome": case.outcome,
            "outcome_label": case.get_outcome_display(),
            "public_result": case.public_result,
            "closed_at": case.closed_at,
        }
    return {
        "id": pcase.pk,
        "tracking_code": pcase.report.tracking_code,
        "status": pcase.status,
        "status_label": pcase.get_status_display(),
        "urgent": pcase.urgent,
        "deadline": pcase.deadline,
        "incident": pcase.incident,
        "incident_label": pcase.get_incident_display(),
        "report_status": pcase.report.status,
        "report_status_label": pcase.report.get_status_display(),
        "case_number": case.number if case else None,
        "case_status": case.status if case else None,
        "case_status_label": case.get_status_display() if case else None,
        "transfers": transfers,
        "result": result,
        "alerts": pcase.alert_count if hasattr(pcase, "alert_count") else pcase.alerts.count(),
    }


def measures_for_enterprise(user: User) -> list[dict[str, Any]]:
    """Return the interim measures on the enterprise's cases, with their latest answer."""
    from qinglang.cases.models import Transfer, TransferKind

    cases = protection_cases_visible_to(user).exclude(case__isnull=True).values("case_id")
    rows = []
    for t in (
        Transfer.objects.filter(case_id__in=cases, kind=TransferKind.INTERIM_MEASURE)
        .select_related("recipient", "case")
        .prefetch_related("feedback")
        .order_by("-sent_at")
    ):
        answers = list(t.feedback.all())
        latest = answers[-1] if answers else None
        rows.append(
            {
                "case_number": t.case.number,
                "measure_label": t.get_measure_display(),
                "recipient": t.recipient.name,
                "deadline": t.deadline,
                "status_label": t.get_status_display(),
                "done": latest.measure_done if latest else None,
                "until": latest.until if latest else None,
            }
        )
    return rows


def acceptance_checklist(incident: str | None = None) -> list[AcceptanceCondition]:
    """Return the active acceptance conditions (for one kind of incident, if given)."""
    rows = list(AcceptanceCondition.objects.filter(is_active=True))
    return [c for c in rows if incident is None or c.applies_to(incident)]


def claim_checks_by(user: User) -> QuerySet[ClaimCheck]:
    """Return the claim checks the user's website made."""
    org = _org(user)
    if org is None or org.kind != OrganizationKind.WEBSITE_OPERATOR:
        return ClaimCheck.objects.none()
    return ClaimCheck.objects.filter(website=org)


def get_claim_check_for(user: User, pk: Any) -> ClaimCheck:
    """Return one of the website's own checks, or raise Http404."""
    try:
        return claim_checks_by(user).select_related("enterprise__region").get(pk=int(pk))
    except (ClaimCheck.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


@dataclass(frozen=True)
class MonthlySummary:
    month: dt.date
    cases: int
    urgent: int
    measures_granted: int
    measures_refused: int
    median_hours_to_first_action: float | None


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Return the first instant of a month and of the next, in Asia/Shanghai."""
    start = dt.datetime(month.year, month.month, 1, tzinfo=SHANGHAI)
    nxt = dt.datetime(month.year + (month.month == 12), month.month % 12 + 1, 1, tzinfo=SHANGHAI)
    return start, nxt


def monthly_summary(user: User, month: dt.date) -> MonthlySummary:
    """Return an office's monthly figures: cases, urgent cases, measures, time to first action."""
    from qinglang.cases.models import TransferFeedback, TransferKind

    start, end = month_bounds(month)
    org = _org(user)
    if org is None or not org.is_regulator:
        scoped = ProtectionCase.objects.none()
    else:
        scoped = ProtectionCase.objects.filter(jurisdiction.office_scope_q(user, "office"))
    cases = list(
        scoped.filter(created_at__gte=start, created_at__lt=end)
        .select_related("report")
        .prefetch_related("case__transfers")
    )
    answers = TransferFeedback.objects.filter(
        transfer__kind=TransferKind.INTERIM_MEASURE,
        transfer__case__in=scoped.exclude(case__isnull=True).values("case_id"),
        submitted_at__gte=start,
        submitted_at__lt=end,
    )
    hours = []
    for pcase in cases:
        actions = [t.sent_at for t in pcase.case.transfers.all()] if pcase.case else []
        if pcase.report.decided_at:
            actions.append(pcase.report.decided_at)
        if actions:
            hours.append((min(actions) - pcase.created_at).total_seconds() / 3600)
    hours.sort()
    median = None
    if hours:
        mid = len(hours) // 2
        median = hours[mid] if len(hours) % 2 else (hours[mid - 1] + hours[mid]) / 2
    return MonthlySummary(
        month=month,
        cases=len(cases),
        urgent=sum(1 for c in cases if c.urgent),
        measures_granted=answers.filter(measure_done=True).count(),
        measures_refused=answers.filter(measure_done=False).count(),
        median_hours_to_first_action=round(median, 1) if median is not None else None,
    )


def current_month() -> dt.date:
    """Return the first day of this month in Asia/Shanghai."""
    return timezone.localdate().replace(day=1)


def verified_contacts_for(usccs: Iterable[str]) -> dict[str, set[tuple[str, str]]]:
    """Return, per USCC of a verified enterprise, the contacts it authorised that are valid today.

    The compliance checks ask this to raise `unauthorised_agent` (see
    qinglang.compliance.checks.PROTECTION_HOOK); values are canonical as the registry keeps them
    (phones E.164, e-mails lower-case), so a deletion request's requester compares directly.
    """
    from qinglang.core.exceptions import DomainError
    from qinglang.registry.validation import normalize_identifier

    today = timezone.localdate()
    found: dict[str, set[tuple[str, str]]] = {}
    rows = AuthorisedContact.objects.filter(
        enterprise__uscc__in=list(usccs),
        enterprise__status=EnterpriseStatus.VERIFIED,
        revoked_at__isnull=True,
        valid_from__lte=today,
        valid_until__gte=today,
    ).values_list("enterprise__uscc", "email", "phone")
    for uscc, email, phone in rows:
        contacts = found.setdefault(uscc, set())
        for kind, value in (("email", email), ("phone", phone)):
            if not value:
                continue
            try:
                contacts.add((kind, normalize_identifier(kind, value)))
            except DomainError:
                continue
    return found
