"""Case lifecycle: open, edit, move through states, decide, close, reopen, merge, split."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglang.analysis.domains import registrable_domain
from qinglang.cases.models import (
    ALLOWED_TRANSITIONS,
    OPEN_STATUSES,
    Case,
    CaseNumberSequence,
    CaseStatus,
    CaseTarget,
    Measure,
    Outcome,
    Severity,
    TargetKind,
    Urgency,
)
from qinglang.cases.selectors.cases import (
    HANDLING_ROLES,
    can_create_case,
    can_handle_case,
    can_lead_case,
)
from qinglang.core import jurisdiction, ledger
from qinglang.core.exceptions import DomainError, NotPermitted, StateError
from qinglang.core.models import Organization, OrganizationKind, Role, User
from qinglang.intake.models import Report, ReportCategory

MAX_TEXT = 5000


class StaleVersionError(StateError):
    """Someone else changed the case since the form or client loaded it (API answers 409)."""


@dataclass(frozen=True)
class TargetInput:
    """A target as entered: a registry website where known, else free text."""

    kind: str
    label: str = ""
    url: str = ""
    platform: str = ""
    account: str = ""
    website_id: int | None = None
    registry_ref: str = ""


# ---------------------------------------------------------------- helpers


def next_case_number(year: int | None = None) -> str:
    """Issue the next number of the year, QL-YYYY-NNNNNN; the sequence row lock serialises it."""
    year = year or timezone.localdate().year
    with transaction.atomic():
        if not CaseNumberSequence.objects.filter(year=year).update(last=F("last") + 1):
            try:
                with transaction.atomic():
                    CaseNumberSequence.objects.create(year=year, last=1)
            except IntegrityError:
                # Another transaction created the year's row first; take the next number.
                CaseNumberSequence.objects.filter(year=year).update(last=F("last") + 1)
        last = CaseNumberSequence.objects.get(year=year).last
    return f"QL-{year}-{last:06d}"


def _lock(case: Case, expected_version: int | None) -> Case:
    """Re-read the case under a row lock and check the caller saw its current version."""
    locked = (
        Case.objects.select_for_update(of=("self",))
        .select_related("lead_office", "lead_office__region")
        .get(pk=case.pk)
    )
    if expected_version is not None and int(expected_version) != locked.version:
        raise StaleVersionError(
            {"version": _("Someone else changed this case meanwhile. Reload it and try again.")}
        )
    return locked


def _set_status(case: Case, to: str) -> str:
    """Move to `to` if the lifecycle allows it; return the previous status."""
    if (case.status, to) not in ALLOWED_TRANSITIONS:
        raise StateError(
            {
                "status": _("A case cannot go from “%(old)s” to “%(new)s”.")
                % {"old": CaseStatus(case.status).label, "new": CaseStatus(to).label}
            }
        )
    old, case.status = case.status, to
    return old


def _save(case: Case, fields: Iterable[str]) -> None:
    case.version = F("version") + 1
    case.save(update_fields=[*fields, "version", "updated_at"])
    case.refresh_from_db(fields=["version"])


def _text(value: Any, field: str, *, required: bool = False, max_length: int = MAX_TEXT) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        raise DomainError({field: _("Enter text.")})
    if required and not text:
        raise DomainError({field: _("This field is required.")})
    if len(text) > max_length:
        raise DomainError({field: _("Keep this under %(n)d characters.") % {"n": max_length}})
    return text


def _choice(value: Any, choices: type, field: str) -> str:
    if value not in choices.values:
        raise DomainError({field: _("Choose one of the listed values.")})
    return value


def _ensure_lead_permission(user: User, case: Case) -> None:
    if not can_lead_case(user, case):
        raise NotPermitted(_("Only the lead office (or its superiors) may do this."))


def _ensure_handle_permission(user: User, case: Case) -> None:
    if not can_handle_case(user, case):
        raise NotPermitted(_("You may not work on this case."))


def targets_from_report(report: Report) -> list[TargetInput]:
    """Turn a report's targets into case targets."""
    from qinglang.registry.models import Account

    out = []
    for t in report.targets.all():
        if t.account:
            known = Account.objects.filter(platform=t.platform, uid=t.account).first()
            out.append(
                TargetInput(
                    kind=TargetKind.ACCOUNT,
                    label=t.account,
                    url=t.url,
                    platform=t.platform,
                    account=t.account,
                    registry_ref=f"registry.account:{known.pk}" if known else "",
                )
            )
        elif t.website_id or t.website_name or t.icp_number:
            out.append(
                TargetInput(
                    kind=TargetKind.WEBSITE,
                    url=t.url,
                    website_id=t.website_id,
                    label=t.website_name or t.url or t.icp_number,
                )
            )
        else:
            out.append(TargetInput(kind=TargetKind.URL, label=t.url, url=t.url))
    return out


def _add_targets(case: Case, targets: Sequence[TargetInput]) -> list[CaseTarget]:
    """Create targets, skipping those the case already names."""
    from qinglang.registry.models import Website

    existing = {(t.kind, t.label, t.url, t.account) for t in case.targets.all()}
    created = []
    for i, t in enumerate(targets):
        field = f"targets.{i}"
        kind = _choice(t.kind, TargetKind, field)
        url = _text(t.url, field, max_length=2000)
        account = _text(t.account, field, max_length=200)
        label = _text(t.label, field, max_length=300) or url or account
        if not label:
            raise DomainError({field: _("Describe the target.")})
        if url and not url.lower().startswith(("http://", "https://")):
            raise DomainError({field: _("Enter a web address starting with http:// or https://.")})
        website = None
        if t.website_id is not None:
            website = Website.objects.filter(pk=t.website_id).first()
            if website is None:
                raise DomainError({field: _("No such website in the registry.")})
        key = (kind, label, url, account)
        if key in existing:
            continue
        existing.add(key)
        created.append(
            CaseTarget.objects.create(
                case=case,
                kind=kind,
                label=label,
                url=url,
                domain=(registrable_domain(url) or "") if url else "",
                platform=_text(t.platform, field, max_length=100),
                account=account,
                website=website,
                registry_ref=_text(t.registry_ref, field, max_length=64),
            )
        )
    return created


def _index(case: Case) -> None:
    """Refresh the case's search entry in the background, after commit (segmenting is slow).

    Internal matters are never indexed. If the broker is down, the entry stays stale and the
    scheduled `requeue_stale_case_index` sends the work again.
    """
    if case.is_internal:
        return
    from qinglang.cases.tasks import index_case
    from qinglang.core.aftercommit import enqueue_after_commit

    enqueue_after_commit(index_case, case_id=case.pk)


def refresh_case_index(case_id: int) -> bool:
    """Write the search entry of one case now (the background task); False if not indexable."""
    from qinglang.registry.services.search import index_document, remove_document

    case = (
        Case.objects.select_related("lead_office__region")
        .prefetch_related("targets")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        return False
    if case.is_internal:
        remove_document(object_type="cases.case", object_id=case.pk)
        return False
    office = case.lead_office
    targets = list(case.targets.all())
    index_document(
        object_type="cases.case",
        object_id=case.pk,
        office_id=office.pk,
        title=f"{case.number} {case.title}",
        text="\n".join(
            [
                case.summary,
                *(t.label for t in targets),
                *(t.url for t in targets if t.url),
                case.public_result,
            ]
        ),
        region_code=office.region.code if office.region_id else None,
    )
    return True


def cases_needing_index(*, older_than: dt.timedelta) -> QuerySet[Case]:
    """Return open-to-search cases whose entry is missing or older than the case itself."""
    from django.db.models import CharField, Exists, OuterRef
    from django.db.models.functions import Cast

    from qinglang.registry.models import SearchDocument

    fresh = SearchDocument.objects.filter(
        object_type="cases.case",
        object_id=Cast(OuterRef("pk"), output_field=CharField()),
        updated_at__gte=OuterRef("updated_at"),
    )
    cutoff = timezone.now() - older_than
    return Case.objects.filter(is_internal=False, updated_at__lte=cutoff).exclude(Exists(fresh))


def requeue_stale_case_index(*, older_than: dt.timedelta = dt.timedelta(minutes=5)) -> int:
    """Send the indexing of every stale or missing case entry again; return how many.

    A case whose indexing message the embedded broker still holds is left alone: it will come,
    and a copy each run would pile up while the worker is down.
    """
    from qinglang.cases.tasks import index_case, index_task_id
    from qinglang.core.aftercommit import send_now
    from qinglang.core.broker import not_waiting

    due = cases_needing_index(older_than=older_than).values_list("pk", flat=True)[:1000]
    ids = not_waiting(due, index_task_id)
    for case_id in ids:
        send_now(index_case, case_id=case_id)
    return len(ids)


def _inspection_office() -> Organization:
    org = (
        Organization.objects.filter(kind=OrganizationKind.DISCIPLINE_INSPECTION, is_active=True)
        .order_by("pk")
        .first()
    )
    if org is None:
        raise StateError(_("No discipline-inspection organization is set up."))
    return org


# ---------------------------------------------------------------- creation


def _ensure_can_open(
    acting_user: User | None, lead_office: Organization, *, is_internal: bool
) -> None:
    """Refuse unless the system (None) or case staff whose jurisdiction covers the lead office."""
    if acting_user is None:
        return  # the system: demo data and commands
    org = acting_user.organization if acting_user.organization_id else None
    if org is None or not acting_user.is_active:
        allowed = False
    elif is_internal:
        allowed = acting_user.role == Role.INSPECTOR
    else:
        # A stationed supervisor is office staff too: a checklist finding opens a case in one step.
        allowed = (
            org.is_regulator
            and acting_user.role in {*HANDLING_ROLES, Role.SUPERVISOR}
            and jurisdiction.can_oversee(acting_user, lead_office)
        )
    if not allowed:
        raise NotPermitted(_("You may not open a case for this office."))


def open_case(
    *,
    acting_user: User | None,
    lead_office: Organization,
    category: str,
    title: str,
    summary: str = "",
    severity: str = Severity.MEDIUM,
    urgency: str = Urgency.NORMAL,
    targets: Sequence[TargetInput] = (),
    reports: Sequence[Report] = (),
    is_internal: bool = False,
    source: str = "staff",
) -> Case:
    """Create a case led by `lead_office`, if the acting user may; ledger event "case.opened"."""
    _ensure_can_open(acting_user, lead_office, is_internal=is_internal)
    category = _choice(category, ReportCategory, "category")
    severity = _choice(severity, Severity, "severity")
    urgency = _choice(urgency, Urgency, "urgency")
    title = _text(title, "title", required=True, max_length=200)
    summary = _text(summary, "summary")
    with transaction.atomic():
        case = Case.objects.create(
            number=next_case_number(),
            title=title,
            category=category,
            severity=severity,
            urgency=urgency,
            lead_office=lead_office,
            summary=summary,
            is_internal=is_internal,
            created_by=acting_user,
        )
        _add_targets(case, targets)
        if reports:
            case.reports.add(*reports)
        ledger.append(
            case,
            action="case.opened",
            actor=acting_user,
            data={
                "number": case.number,
                "source": source,
                "lead_office": lead_office.pk,
                "category": category,
                "reports": [r.pk for r in reports],
                "targets": [t.label for t in case.targets.all()],
            },
        )
        _index(case)
    return case


def create_case(
    *,
    acting_user: User,
    category: str,
    title: str,
    lead_office: Organization | None = None,
    summary: str = "",
    severity: str = Severity.MEDIUM,
    urgency: str = Urgency.NORMAL,
    targets: Sequence[TargetInput] = (),
    co_offices: Sequence[Organization] = (),
) -> Case:
    """Open a case directly (staff): lead office is the user's own or one in its jurisdiction."""
    if not can_create_case(acting_user):
        raise NotPermitted(_("You may not open cases."))
    org = acting_user.organization
    internal = org.kind == OrganizationKind.DISCIPLINE_INSPECTION
    lead_office = lead_office or org
    if internal and lead_office.pk != org.pk:
        raise DomainError({"lead_office": _("Internal matters stay with discipline inspection.")})
    if not internal and (
        not lead_office.is_regulator or not jurisdiction.can_oversee(acting_user, lead_office)
    ):
        raise DomainError({"lead_office": _("Choose an office within your jurisdiction.")})
    with transaction.atomic():
        case = open_case(
            acting_user=acting_user,
            lead_office=lead_office,
            category=category,
            title=title,
            summary=summary,
            severity=severity,
            urgency=urgency,
            targets=targets,
            is_internal=internal,
        )
        if co_offices:
            _set_co_offices(case, co_offices)
    return case


def _set_co_offices(case: Case, offices: Sequence[Organization]) -> None:
    for office in offices:
        if not office.is_regulator or office.pk == case.lead_office_id:
            raise DomainError({"co_offices": _("Co-handling offices are other regulator offices.")})
    if case.is_internal and offices:
        raise DomainError({"co_offices": _("Internal matters are not shared with offices.")})
    case.co_offices.set(offices)


# ---------------------------------------------------------------- editing and states


def update_case(
    case: Case,
    *,
    acting_user: User,
    expected_version: int | None,
    title: str | None = None,
    summary: str | None = None,
    category: str | None = None,
    severity: str | None = None,
    urgency: str | None = None,
    co_offices: Sequence[Organization] | None = None,
    add_targets: Sequence[TargetInput] = (),
) -> Case:
    """Change a case's details; only fields given change; a stale version is refused."""
    with transaction.atomic():
        case = _lock(case, expected_version)
        _ensure_handle_permission(acting_user, case)
        if case.status == CaseStatus.CLOSED:
            raise StateError(_("A closed case cannot be edited; reopen it first."))
        changes: dict[str, Any] = {}
        if title is not None:
            changes["title"] = _text(title, "title", required=True, max_length=200)
        if summary is not None:
            changes["summary"] = _text(summary, "summary")
        if category is not None:
            changes["category"] = _choice(category, ReportCategory, "category")
        if severity is not None:
            changes["severity"] = _choice(severity, Severity, "severity")
        if urgency is not None:
            changes["urgency"] = _choice(urgency, Urgency, "urgency")
        changed = {k: v for k, v in changes.items() if getattr(case, k) != v}
        data: dict[str, Any] = {k: {"old": getattr(case, k), "new": v} for k, v in changed.items()}
        for key, value in changed.items():
            setattr(case, key, value)
        if co_offices is not None:
            if not can_lead_case(acting_user, case):
                raise NotPermitted(_("Only the lead office may choose co-handling offices."))
            old = sorted(case.co_offices.values_list("pk", flat=True))
            _set_co_offices(case, co_offices)
            new = sorted(o.pk for o in co_offices)
            if old != new:
                data["co_offices"] = {"old": old, "new": new}
        added = _add_targets(case, add_targets)
        if added:
            data["targets_added"] = [t.label for t in added]
        if not data:
            return case
        _save(case, changed.keys())
        ledger.append(case, action="case.updated", actor=acting_user, data=data)
        _index(case)
    return case


def change_status(
    case: Case,
    *,
    to: str,
    acting_user: User,
    expected_version: int | None = None,
    note: str = "",
) -> Case:
    """Move an open case along its lifecycle (investigate, await feedback, resume)."""
    if to not in (CaseStatus.INVESTIGATING, CaseStatus.AWAITING_FEEDBACK):
        raise DomainError({"status": _("Use decide, close or reopen for this step.")})
    note = _text(note, "note", max_length=1000)
    with transaction.atomic():
        case = _lock(case, expected_version)
        _ensure_handle_permission(acting_user, case)
        if case.status in (CaseStatus.DECIDED, CaseStatus.CLOSED):
            raise StateError({"status": _("Reopen the case to work on it again.")})
        old = _set_status(case, to)
        _save(case, ["status"])
        ledger.append(
            case,
            action="case.status_changed",
            actor=acting_user,
            data={"from": old, "to": to, "note": note},
        )
    return case


def _measures(value: Any) -> list[dict[str, str]]:
    """Normalise measures: codes or {"measure", "legal_basis"} objects, no duplicates."""
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise DomainError({"measures": _("Give a list of measures.")})
    out: list[dict[str, str]] = []
    for item in value:
        code, basis = (
            (item, "")
            if isinstance(item, str)
            else (
                (item.get("measure"), item.get("legal_basis") or "")
                if isinstance(item, dict)
                else (None, "")
            )
        )
        if code not in Measure.values or not isinstance(basis, str):
            raise DomainError({"measures": _("Unknown measure: %(m)s") % {"m": str(code)[:50]}})
        if any(m["measure"] == code for m in out):
            raise DomainError({"measures": _("Each measure once, please.")})
        out.append({"measure": code, "legal_basis": _text(basis, "measures", max_length=1000)})
    return out


def decide_case(
    case: Case,
    *,
    acting_user: User,
    outcome: str,
    measures: Any = (),
    legal_basis: str = "",
    public_result: str,
    closure_summary: str = "",
    expected_version: int | None = None,
    target_links: Sequence[Any] = (),
) -> Case:
    """Record the decision: outcome, measures with legal basis, wording for the public.

    `target_links` (TargetLink) link targets to registry entities first, in the same transaction.
    """
    from qinglang.cases.services.targets import apply_target_links

    with transaction.atomic():
        case = _lock(case, expected_version)
        _ensure_lead_permission(acting_user, case)
        apply_target_links(case, target_links, acting_user=acting_user)
        _decide(
            case,
            acting_user=acting_user,
            outcome=outcome,
            measures=measures,
            legal_basis=legal_basis,
            public_result=public_result,
            closure_summary=closure_summary,
        )
    return case


def _decide(
    case: Case,
    *,
    acting_user: User,
    outcome: str,
    measures: Any,
    legal_basis: str,
    public_result: str,
    closure_summary: str,
) -> None:
    outcome = _choice(outcome, Outcome, "outcome")
    measure_list = _measures(list(measures) if isinstance(measures, tuple) else measures)
    if outcome == Outcome.NOT_CONFIRMED and measure_list:
        raise DomainError({"measures": _("No measures when no violation was confirmed.")})
    legal_basis = _text(legal_basis, "legal_basis")
    public_result = _text(public_result, "public_result", required=True, max_length=2000)
    closure_summary = _text(closure_summary, "closure_summary")
    if case.status == CaseStatus.NEW:
        # Deciding a fresh case means it was looked into: record that step too.
        _set_status(case, CaseStatus.INVESTIGATING)
        _save(case, ["status"])
        ledger.append(
            case,
            action="case.status_changed",
            actor=acting_user,
            data={"from": CaseStatus.NEW, "to": CaseStatus.INVESTIGATING, "note": ""},
        )
    old = _set_status(case, CaseStatus.DECIDED)
    case.outcome, case.measures, case.legal_basis = outcome, measure_list, legal_basis
    case.public_result, case.closure_summary = public_result, closure_summary
    case.decided_at = timezone.now()
    _save(
        case,
        [
            "status",
            "outcome",
            "measures",
            "legal_basis",
            "public_result",
            "closure_summary",
            "decided_at",
        ],
    )
    ledger.append(
        case,
        action="case.decided",
        actor=acting_user,
        data={
            "from": old,
            "outcome": outcome,
            "measures": measure_list,
            "legal_basis": legal_basis,
            "public_result": public_result,
        },
    )
    if outcome == Outcome.VIOLATION_CONFIRMED and not case.is_internal:
        _record_violations(case, acting_user=acting_user)


def _record_violations(case: Case, *, acting_user: User) -> None:
    """Put the decision on the registry record of each target linked to a registry entity."""
    from qinglang.cases.services.targets import record_violations

    record_violations(case, acting_user=acting_user)


def close_case(
    case: Case,
    *,
    acting_user: User,
    expected_version: int | None = None,
    closure_summary: str | None = None,
    outcome: str | None = None,
    measures: Any = None,
    legal_basis: str = "",
    public_result: str | None = None,
    target_links: Sequence[Any] = (),
) -> Case:
    """Close a decided case (deciding it first if an outcome is given); reporters get the result.

    A confirmed violation goes on the registry record of every linked target (`target_links`
    add links first); records made at decision time are not made twice.
    """
    from qinglang.cases.services.targets import apply_target_links
    from qinglang.intake import services as intake_services

    with transaction.atomic():
        case = _lock(case, expected_version)
        _ensure_lead_permission(acting_user, case)
        if case.status == CaseStatus.CLOSED:
            raise StateError({"status": _("This case is already closed.")})
        apply_target_links(case, target_links, acting_user=acting_user)
        if outcome is not None:
            if case.status == CaseStatus.DECIDED:
                raise StateError({"outcome": _("This case is already decided; close it as is.")})
            _decide(
                case,
                acting_user=acting_user,
                outcome=outcome,
                measures=measures or [],
                legal_basis=legal_basis,
                public_result=public_result or "",
                closure_summary=closure_summary or "",
            )
        elif case.status != CaseStatus.DECIDED:
            raise StateError({"outcome": _("Decide the case (give an outcome) before closing it.")})
        if closure_summary is not None and outcome is None:
            case.closure_summary = _text(closure_summary, "closure_summary")
        from qinglang.cases.services.closure import settle_open_work

        settle_open_work(case, acting_user=acting_user)
        if case.outcome == Outcome.VIOLATION_CONFIRMED and not case.is_internal:
            _record_violations(case, acting_user=acting_user)
        _set_status(case, CaseStatus.CLOSED)
        case.closed_at = timezone.now()
        _save(case, ["status", "closed_at", "closure_summary"])
        reports = list(case.reports.order_by("pk"))
        ledger.append(
            case,
            action="case.closed",
            actor=acting_user,
            data={
                "outcome": case.outcome,
                "closure_summary": case.closure_summary,
                "reports": [r.pk for r in reports],
            },
        )
        for report in reports:
            intake_services.record_result(
                report, public_result=case.public_result, acting_user=acting_user
            )
        _index(case)
    return case


def reopen_case(
    case: Case, *, acting_user: User, reason: str, expected_version: int | None = None
) -> Case:
    """Reopen a decided or closed case for further investigation, with a reason."""
    reason = _text(reason, "reason", required=True, max_length=1000)
    with transaction.atomic():
        case = _lock(case, expected_version)
        _ensure_lead_permission(acting_user, case)
        if case.merged_into_id:
            raise StateError(
                {
                    "status": _("This case was merged into %(n)s; work on that one.")
                    % {"n": case.merged_into.number}
                }
            )
        if case.status not in (CaseStatus.DECIDED, CaseStatus.CLOSED):
            raise StateError({"status": _("Only a decided or closed case can be reopened.")})
        old = _set_status(case, CaseStatus.INVESTIGATING)
        case.closed_at = None
        _save(case, ["status", "closed_at"])
        ledger.append(
            case,
            action="case.reopened",
            actor=acting_user,
            data={"from": old, "reason": reason, "previous_outcome": case.outcome},
        )
    return case


# ---------------------------------------------------------------- merge and split


def merge_cases(source: Case, *, into: Case, acting_user: User, reason: str) -> Case:
    """Merge `source` into `into`: reports, targets and co-handlers move; source closes."""
    reason = _text(reason, "reason", required=True, max_length=1000)
    if source.pk == into.pk:
        raise DomainError({"into": _("A case cannot be merged into itself.")})
    with transaction.atomic():
        # Lock both rows in id order so two opposite merges cannot deadlock.
        locked = {
            c.pk: c
            for c in Case.objects.select_for_update()
            .filter(pk__in=[source.pk, into.pk])
            .order_by("pk")
        }
        source, into = locked[source.pk], locked[into.pk]
        _ensure_lead_permission(acting_user, source)
        _ensure_lead_permission(acting_user, into)
        for case, field in ((source, "source"), (into, "into")):
            if case.status not in OPEN_STATUSES:
                raise StateError({field: _("Only open cases can be merged.")})
        if source.is_internal != into.is_internal:
            raise DomainError({"into": _("Internal matters merge only with internal matters.")})
        report_ids = list(source.reports.values_list("pk", flat=True))
        into.reports.add(*report_ids)
        source.reports.clear()
        moved = _add_targets(
            into,
            [
                TargetInput(
                    kind=t.kind,
                    label=t.label,
                    url=t.url,
                    platform=t.platform,
                    account=t.account,
                    website_id=t.website_id,
                    registry_ref=t.registry_ref,
                )
                for t in source.targets.all()
            ],
        )
        co = (
            set(into.co_offices.values_list("pk", flat=True))
            | set(source.co_offices.values_list("pk", flat=True))
            | {source.lead_office_id}
        )
        co.discard(into.lead_office_id)
        if not into.is_internal:
            into.co_offices.set(co)
        old_status = source.status
        source.merged_into, source.status = into, CaseStatus.CLOSED
        source.closed_at = timezone.now()
        _save(source, ["merged_into", "status", "closed_at"])
        _save(into, [])
        ledger.append(
            source,
            action="case.merged_into",
            actor=acting_user,
            data={
                "into": into.pk,
                "into_number": into.number,
                "from": old_status,
                "reason": reason,
                "reports": report_ids,
            },
        )
        ledger.append(
            into,
            action="case.merged",
            actor=acting_user,
            data={
                "source": source.pk,
                "source_number": source.number,
                "reason": reason,
                "reports": report_ids,
                "targets_added": [t.label for t in moved],
            },
        )
        _index(into)
    return into


def split_report(case: Case, *, report: Report, acting_user: User, reason: str) -> Case:
    """Take one report out of a case into a new case of its own (same lead office)."""
    reason = _text(reason, "reason", required=True, max_length=1000)
    with transaction.atomic():
        case = _lock(case, None)
        _ensure_lead_permission(acting_user, case)
        if case.status not in OPEN_STATUSES:
            raise StateError({"status": _("Reports are split out of open cases only.")})
        report_ids = set(case.reports.values_list("pk", flat=True))
        if report.pk not in report_ids:
            raise DomainError({"report": _("This report is not part of the case.")})
        if len(report_ids) == 1:
            raise StateError({"report": _("The case has no other report; nothing to split.")})
        case.reports.remove(report)
        new = open_case(
            acting_user=acting_user,
            lead_office=case.lead_office,
            category=report.category,
            title=_("Split from %(n)s: %(t)s") % {"n": case.number, "t": report.tracking_code},
            summary=report.description[:MAX_TEXT],
            targets=targets_from_report(report),
            reports=[report],
            is_internal=case.is_internal,
            source="split",
        )
        _save(case, [])
        ledger.append(
            case,
            action="case.report_split",
            actor=acting_user,
            data={
                "report": report.pk,
                "new_case": new.pk,
                "new_number": new.number,
                "reason": reason,
            },
        )
        ledger.append(
            new,
            action="case.split_from",
            actor=acting_user,
            data={"case": case.pk, "number": case.number, "report": report.pk, "reason": reason},
        )
        ledger.append(
            report,
            action="report.moved_case",
            actor=acting_user,
            data={"from_case": case.pk, "to_case": new.pk, "reason": reason},
        )
    return new


def lead_office_for_report(report: Report) -> Organization:
    """Return the office that leads a case from this report (inspection for internal matters)."""
    if report.is_internal:
        if report.office.kind == OrganizationKind.DISCIPLINE_INSPECTION:
            return report.office
        return _inspection_office()
    return report.office
