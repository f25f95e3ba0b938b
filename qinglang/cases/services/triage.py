"""Triage: accepting a report opens a case, or joins an open case naming the same target."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import TextChoices
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from qinglang.analysis.domains import registrable_domain
from qinglang.cases.events import INTERNAL_REROUTE_APPROVED, INTERNAL_REROUTE_REQUESTED
from qinglang.cases.models import Case, CaseStatus, InternalRerouteRequest, SavedFilter
from qinglang.cases.selectors.cases import can_handle_case, cases_visible_to, open_cases_naming
from qinglang.cases.services.lifecycle import (
    _add_targets,
    _index,
    _save,
    lead_office_for_report,
    open_case,
    targets_from_report,
)
from qinglang.core import ledger
from qinglang.core.exceptions import DomainError, NotPermitted, StateError
from qinglang.core.models import Organization, OrganizationKind, Role, User
from qinglang.intake.models import DeclineReason, Report, ReportStatus


def _report_keys(report: Report) -> tuple[set[str], set[str], set[tuple[str, str]]]:
    """Return the URLs, registrable domains and (platform, account) pairs a report names."""
    urls, domains, accounts = set(), set(), set()
    for t in report.targets.all():
        if t.url:
            urls.add(t.url)
            domain = t.domain or registrable_domain(t.url)
            if domain:
                domains.add(domain)
        elif t.domain:
            domains.add(t.domain)
        if t.account:
            accounts.add((t.platform, t.account))
    return urls, domains, accounts


def find_case_to_join(report: Report, *, acting_user: User) -> Case | None:
    """Return the open case this report should join: same lead office first, newest first."""
    urls, domains, accounts = _report_keys(report)
    if not (urls or domains or accounts):
        return None
    candidates = [
        c
        for c in open_cases_naming(
            acting_user, urls=urls, domains=domains, accounts=accounts, internal=report.is_internal
        ).select_related("lead_office")
        if can_handle_case(acting_user, c)
    ]
    lead = lead_office_for_report(report)
    candidates.sort(key=lambda c: c.lead_office_id != lead.pk)
    return candidates[0] if candidates else None


def accept_report(report: Report, *, acting_user: User, case: Case | None = None) -> Case:
    """Accept a received report: join `case` (or an open case naming its target) or open one."""
    from qinglang.intake import services as intake_services

    with transaction.atomic():
        report = (
            Report.objects.select_for_update(of=("self",))
            .select_related("office")
            .get(pk=report.pk)
        )
        if not intake_services.can_triage(acting_user, report):
            raise NotPermitted(_("Only the triage staff of the office concerned may do this."))
        if report.status != ReportStatus.RECEIVED:
            raise StateError({"status": _("This report has already been triaged.")})
        if case is not None:
            case = cases_visible_to(acting_user).filter(pk=case.pk).first()
            if case is None:
                raise DomainError({"case": _("No such case.")})
        else:
            case = find_case_to_join(report, acting_user=acting_user)
        if case is not None:
            case = _join(case, report=report, acting_user=acting_user)
        else:
            case = open_case(
                acting_user=acting_user,
                lead_office=lead_office_for_report(report),
                category=report.category,
                title=_title_for(report),
                summary=report.description[:5000],
                targets=targets_from_report(report),
                reports=[report],
                is_internal=report.is_internal,
                source="report",
            )
        intake_services.record_acceptance(report, case=case, acting_user=acting_user)
    return case


def _join(case: Case, *, report: Report, acting_user: User) -> Case:
    case = (
        Case.objects.select_for_update(of=("self",)).select_related("lead_office").get(pk=case.pk)
    )
    if not can_handle_case(acting_user, case):
        raise NotPermitted(_("You may not add reports to this case."))
    if (
        case.status not in (CaseStatus.NEW, CaseStatus.INVESTIGATING, CaseStatus.AWAITING_FEEDBACK)
        or case.merged_into_id
    ):
        raise StateError({"case": _("Reports join open cases only.")})
    if case.is_internal != report.is_internal:
        raise DomainError({"case": _("Internal matters and office cases are kept apart.")})
    case.reports.add(report)
    added = _add_targets(case, targets_from_report(report))
    _save(case, [])
    ledger.append(
        case,
        action="case.report_joined",
        actor=acting_user,
        data={
            "report": report.pk,
            "tracking_code": report.tracking_code,
            "targets_added": [t.label for t in added],
        },
    )
    _index(case)
    return case


def _title_for(report: Report) -> str:
    """Return a short case title: the category and the first target."""
    first = report.targets.first()
    name = str(first) if first else ""
    label = report.get_category_display()
    return f"{label}：{name}"[:200] if name else label[:200]


# --- bulk triage ----------------------------------------------------------------------------


class BulkAction(TextChoices):
    ACCEPT = "accept", _lazy("Accept")
    DECLINE = "decline", _lazy("Decline")
    REROUTE = "reroute", _lazy("Re-route")
    ASSIGN = "assign", _lazy("Assign")


@dataclass(frozen=True)
class BulkOutcome:
    """What happened to one report of a batch: done, or why not."""

    id: int | str
    ok: bool
    error: str = ""
    case_id: int | None = None
    case_number: str = ""
    tracking_code: str = ""

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "ok": self.ok}
        if self.tracking_code:
            out["tracking_code"] = self.tracking_code
        if self.error:
            out["error"] = self.error
        if self.case_id is not None:
            out["case"] = {"id": self.case_id, "number": self.case_number}
        return out


MAX_BATCH = 200


def may_triage(user: User | None) -> bool:
    """Return whether `user` holds a triage role in an office or in discipline inspection."""
    from qinglang.intake.services import TRIAGE_ROLES

    if user is None or not user.is_authenticated or not user.is_active:
        return False
    org = user.organization if user.organization_id else None
    if org is None or not org.is_active:
        return False
    if org.kind == OrganizationKind.DISCIPLINE_INSPECTION:
        return user.role == Role.INSPECTOR
    return org.kind == OrganizationKind.REGULATOR_OFFICE and user.role in TRIAGE_ROLES


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(str(m) for m in exc.messages)
    return str(exc) or _("Not permitted.")


def bulk_triage(
    ids: list[Any],
    *,
    action: str,
    acting_user: User,
    reason: str = "",
    reason_code: str = "",
    office: Organization | None = None,
    assignee: User | None = None,
) -> list[BulkOutcome]:
    """Apply one triage action to each report, each through its single-item service.

    One reason serves the whole batch. Each report is decided in its own transaction, so a report
    that fails (out of scope, already triaged, not permitted) is reported and the others proceed.
    """
    from qinglang.intake import services as intake_services
    from qinglang.intake.assignment import assign_report
    from qinglang.intake.selectors import reports_visible_to

    if not may_triage(acting_user):
        raise NotPermitted(_("Only triage staff may decide on reports."))
    if action not in BulkAction.values:
        raise DomainError({"action": [_("Choose accept, decline, re-route or assign.")]})
    if not isinstance(ids, list) or not ids:
        raise DomainError({"ids": [_("Choose at least one report.")]})
    if len(ids) > MAX_BATCH:
        raise DomainError({"ids": [_("At most %(n)s reports at a time.") % {"n": MAX_BATCH}]})
    reason = reason.strip() if isinstance(reason, str) else ""
    if action == BulkAction.DECLINE and not reason:
        raise DomainError({"reason": [_("Explain the decision to the reporter.")]})
    if action == BulkAction.REROUTE and not reason:
        raise DomainError({"reason": [_("Say why the reports are re-routed.")]})
    if action == BulkAction.REROUTE and office is None:
        raise DomainError({"office": [_("Choose the office to send the reports to.")]})
    wanted = [int(i) for i in ids if isinstance(i, int) or (isinstance(i, str) and i.isdigit())]
    found = {r.pk: r for r in reports_visible_to(acting_user).filter(pk__in=wanted)}
    outcomes: list[BulkOutcome] = []
    for raw in dict.fromkeys(ids):
        pk = raw if isinstance(raw, int) else int(raw) if str(raw).isdigit() else None
        report = found.get(pk) if pk is not None else None
        if report is None:
            outcomes.append(BulkOutcome(id=raw, ok=False, error=str(_("No such report."))))
            continue
        try:
            if action == BulkAction.ACCEPT:
                case = accept_report(report, acting_user=acting_user)
                outcomes.append(
                    BulkOutcome(
                        id=report.pk,
                        ok=True,
                        case_id=case.pk,
                        case_number=case.number,
                        tracking_code=report.tracking_code,
                    )
                )
                continue
            if action == BulkAction.DECLINE:
                intake_services.record_decline(
                    report,
                    reason_code=reason_code or DeclineReason.OTHER,
                    reason_text=reason,
                    acting_user=acting_user,
                )
            elif action == BulkAction.REROUTE:
                intake_services.reroute_report(
                    report,
                    office=cast(Organization, office),
                    reason=reason,
                    acting_user=acting_user,
                )
            else:
                assign_report(report, assignee=assignee, acting_user=acting_user)
        except (ValidationError, PermissionDenied) as exc:
            outcomes.append(
                BulkOutcome(
                    id=report.pk,
                    ok=False,
                    error=_message(exc),
                    tracking_code=report.tracking_code,
                )
            )
        else:
            outcomes.append(BulkOutcome(id=report.pk, ok=True, tracking_code=report.tracking_code))
    return outcomes


# --- internal matters: re-routing to an ordinary office needs a second inspector ------------


def _ensure_inspector_of(user: User, report: Report) -> None:
    from qinglang.intake.services import can_triage

    if not (report.is_internal and can_triage(user, report) and user.role == Role.INSPECTOR):
        raise NotPermitted(_("Only an inspector holding this internal matter may do this."))


@transaction.atomic
def request_internal_reroute(
    report: Report,
    *,
    office: Organization,
    reason: str,
    acknowledged_warning: bool,
    acting_user: User,
) -> InternalRerouteRequest:
    """Ask a second inspector to approve sending an internal matter to an ordinary office."""
    report = Report.objects.select_for_update(of=("self",)).get(pk=report.pk)
    _ensure_inspector_of(acting_user, report)
    errors: dict[str, list[str]] = {}
    if (
        not isinstance(office, Organization)
        or office.kind != OrganizationKind.REGULATOR_OFFICE
        or not office.is_active
    ):
        errors["office"] = [_("Choose an active regulator office.")]
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        errors["reason"] = [_("Say why the report is re-routed.")]
    if acknowledged_warning is not True:
        errors["acknowledge_warning"] = [
            _("Confirm that you read the warning: the office may read about its own staff.")
        ]
    if errors:
        raise DomainError(errors)
    if report.status != ReportStatus.RECEIVED:
        raise StateError(_("Only a report awaiting triage can be re-routed."))
    request = InternalRerouteRequest.objects.create(
        report=report, office=office, reason=reason, requested_by=acting_user
    )
    ledger.append(
        report,
        action=INTERNAL_REROUTE_REQUESTED,
        actor=acting_user,
        data={"request": request.pk, "to": office.pk, "reason": reason},
    )
    return request


@transaction.atomic
def approve_internal_reroute(request: InternalRerouteRequest, *, acting_user: User) -> Report:
    """Approve (as the second inspector) and carry out a requested internal re-route."""
    from qinglang.intake.services import reroute_report

    request = (
        InternalRerouteRequest.objects.select_for_update(of=("self",))
        .select_related("report", "office", "requested_by")
        .get(pk=request.pk)
    )
    _ensure_inspector_of(acting_user, request.report)
    if request.requested_by_id == acting_user.pk:
        raise NotPermitted(_("A second inspector must approve; you asked for this re-route."))
    if request.approved_by_id is not None:
        raise StateError(_("This re-route was approved already."))
    request.approved_by, request.approved_at = acting_user, timezone.now()
    request.save(update_fields=["approved_by", "approved_at"])
    ledger.append(
        request.report,
        action=INTERNAL_REROUTE_APPROVED,
        actor=acting_user,
        data={"request": request.pk, "to": request.office_id},
    )
    return reroute_report(
        request.report,
        office=request.office,
        reason=request.reason,
        acting_user=request.requested_by,
        second_approver=acting_user,
    )


def pending_internal_reroutes(report: Report) -> list[InternalRerouteRequest]:
    """Return the re-route requests of a report still awaiting the second inspector."""
    return list(
        InternalRerouteRequest.objects.filter(report=report, approved_by__isnull=True)
        .select_related("office", "requested_by")
        .order_by("requested_at", "id")
    )


# --- saved filters --------------------------------------------------------------------------


def save_filter(*, name: str, query: str, acting_user: User) -> SavedFilter:
    """Save (or overwrite by name) the user's current queue filters."""
    name = name.strip() if isinstance(name, str) else ""
    if not name or len(name) > 80:
        raise DomainError({"name": [_("Give the filter a name of at most 80 characters.")]})
    query = query if isinstance(query, str) else ""
    if len(query) > 1000:
        raise DomainError({"query": [_("These filters are too long to save.")]})
    saved, _created = SavedFilter.objects.update_or_create(
        user=acting_user, name=name, defaults={"query": query}
    )
    return saved


def delete_filter(saved: SavedFilter, *, acting_user: User) -> None:
    """Delete one of the user's saved filters (another user's is not found)."""
    if saved.user_id != acting_user.pk:
        raise NotPermitted(_("This filter is not yours."))
    saved.delete()
