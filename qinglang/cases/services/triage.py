"""Triage: accepting a report opens a case, or joins an open case naming the same target."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from qinglang.analysis.domains import registrable_domain
from qinglang.cases.models import Case, CaseStatus
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
from qinglang.core.models import User
from qinglang.intake.models import Report, ReportStatus


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
