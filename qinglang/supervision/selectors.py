"""Scoped reads of supervision: open calls, the public roster, lists per role, the analytics."""

from __future__ import annotations

import datetime as dt
import random
import statistics
from collections import Counter, defaultdict
from typing import Any

from django.apps import apps
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from qinglang.core import jurisdiction
from qinglang.core.models import IdentityAccessLog, LedgerEvent, OrganizationKind, Role, User
from qinglang.supervision.models import (
    Application,
    ApplicationStatus,
    Assignment,
    AssignmentStatus,
    CitizenSupervisor,
    FollowUpTask,
    Inspection,
    InspectionFinding,
    IntegrityFinding,
    IntegrityPledge,
    RecruitmentCall,
    SiteFinding,
    SupervisorStatus,
    TrainingMaterial,
)

# Office roles that run supervision work (calls, vetting, assignments, inspections).
OFFICE_ROLES = frozenset({Role.TRIAGE_OFFICER, Role.CASE_HANDLER, Role.OFFICE_HEAD})
# Selector of the compliance app, used when it is installed: declines followed by deletion
# requests. Signature: deletion_requests_for_urls(urls: set[str], *, since: datetime)
#   -> iterable of {"id", "url", "requested_at"} (requested_at an aware datetime).
COMPLIANCE_SELECTOR = "qinglang.compliance.selectors.deletion_requests_for_urls"


def _org(user: Any) -> Any:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user.organization if user.organization_id else None


def is_office_staff(user: Any, office: Any = None) -> bool:
    """Return whether `user` works supervision in a regulator office (`office`, if named)."""
    org = _org(user)
    if org is None or not org.is_regulator or user.role not in OFFICE_ROLES:
        return False
    return office is None or org.pk == office.pk


def is_inspector(user: Any) -> bool:
    org = _org(user)
    return (
        org is not None
        and org.kind == OrganizationKind.DISCIPLINE_INSPECTION
        and user.role == Role.INSPECTOR
    )


def _404(qs: QuerySet, pk: Any) -> Any:
    try:
        return qs.get(pk=int(pk))
    except (qs.model.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc


# --- citizen supervisors ---------------------------------------------------------------------


def active_supervisor_for(user: Any, *, on: dt.date | None = None) -> CitizenSupervisor | None:
    """Return the user's citizen-supervisor record if active and within its term today."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.role != Role.CITIZEN_SUPERVISOR:
        return None
    today = on or timezone.localdate()
    return (
        CitizenSupervisor.objects.filter(
            user_id=user.pk,
            status=SupervisorStatus.ACTIVE,
            term_starts_on__lte=today,
            term_ends_on__gte=today,
        )
        .select_related("office", "region")
        .first()
    )


def priority_lane_for(user: User) -> str | None:
    """Intake's priority resolver: an active citizen supervisor's reports go first."""
    return "supervisor" if active_supervisor_for(user) is not None else None


def open_calls(*, on: dt.date | None = None) -> QuerySet[RecruitmentCall]:
    """Return the recruitment calls open today (public)."""
    today = on or timezone.localdate()
    return (
        RecruitmentCall.objects.filter(opens_on__lte=today, closes_on__gte=today)
        .select_related("office", "office__region")
        .order_by("closes_on", "id")
    )


def public_roster() -> QuerySet[CitizenSupervisor]:
    """Return active citizen supervisors within their term, by region (public names only)."""
    today = timezone.localdate()
    return (
        CitizenSupervisor.objects.filter(
            status=SupervisorStatus.ACTIVE, term_starts_on__lte=today, term_ends_on__gte=today
        )
        .select_related("region", "office")
        .order_by("region__code", "public_name", "id")
    )


def applications_visible_to(user: User) -> QuerySet[Application]:
    """Return the applications to calls of the user's own office (office staff only)."""
    if not is_office_staff(user):
        return Application.objects.none()
    return (
        Application.objects.filter(call__office_id=user.organization_id)
        .select_related("call", "region")
        .prefetch_related("decisions__decided_by")
    )


def applications_to_vet(user: User) -> QuerySet[Application]:
    """Return the applications of the user's office still awaiting a decision, newest first."""
    return applications_visible_to(user).filter(
        status__in=[ApplicationStatus.SUBMITTED, ApplicationStatus.FIRST_APPROVAL]
    )


def get_application_for(user: User, pk: Any) -> Application:
    return _404(applications_visible_to(user), pk)


def supervisors_visible_to(user: User) -> QuerySet[CitizenSupervisor]:
    """Return the citizen supervisors the user's office vetted."""
    if not is_office_staff(user):
        return CitizenSupervisor.objects.none()
    # The model's order ends with the id here, so pages of the list never share or skip a row.
    return (
        CitizenSupervisor.objects.filter(office_id=user.organization_id)
        .select_related("user", "region", "office")
        .order_by("region__code", "public_name", "pk")
    )


def get_supervisor_for(user: User, pk: Any) -> CitizenSupervisor:
    return _404(supervisors_visible_to(user), pk)


def training_for(user: User) -> QuerySet[TrainingMaterial]:
    """Return the training material of the citizen supervisor's office (or own office)."""
    record = CitizenSupervisor.objects.filter(user_id=getattr(user, "pk", None)).first()
    if record is not None:
        return TrainingMaterial.objects.filter(office_id=record.office_id)
    if is_office_staff(user):
        return TrainingMaterial.objects.filter(office_id=user.organization_id)
    return TrainingMaterial.objects.none()


def get_training_for(user: User, pk: Any) -> TrainingMaterial:
    return _404(training_for(user), pk)


def pledges_for_organization(org_id: int) -> QuerySet[IntegrityPledge]:
    return IntegrityPledge.objects.filter(organization_id=org_id).select_related("signer")


# --- stationed supervisors -------------------------------------------------------------------


def assignments_visible_to(user: User) -> QuerySet[Assignment]:
    """Return assignments of the user's office (and its subordinates), or the user's own."""
    org = _org(user)
    base = Assignment.objects.select_related("office", "supervisor", "website")
    if org is None or not org.is_regulator:
        return base.none()
    if user.role == Role.SUPERVISOR:
        return base.filter(supervisor_id=user.pk)
    if user.role not in OFFICE_ROLES:
        return base.none()
    return base.filter(jurisdiction.office_scope_q(user, "office"))


def get_assignment_for(user: User, pk: Any) -> Assignment:
    return _404(assignments_visible_to(user), pk)


def site_findings_visible_to(user: User) -> QuerySet[SiteFinding]:
    return SiteFinding.objects.filter(
        inspection__assignment__in=assignments_visible_to(user)
    ).select_related("inspection__assignment__website", "inspection__assignment__office")


def get_site_finding_for(user: User, pk: Any) -> SiteFinding:
    return _404(site_findings_visible_to(user), pk)


def days_served(supervisor_id: int, website_id: int, *, until: dt.date) -> int:
    """Return the days a supervisor has been (or is booked to be) stationed at a website."""
    total = 0
    for a in Assignment.objects.filter(supervisor_id=supervisor_id, website_id=website_id):
        end = a.ends_on if a.status == AssignmentStatus.ACTIVE else min(a.ends_on, until)
        total += max(0, (end - a.starts_on).days)
    return total


# --- periodic inspection ---------------------------------------------------------------------


def inspections_visible_to(user: User) -> QuerySet[Inspection]:
    """Return inspections the user's office runs, or of which it is the inspected office."""
    org = _org(user)
    if org is None or not org.is_regulator or user.role not in OFFICE_ROLES:
        return Inspection.objects.none()
    return Inspection.objects.filter(
        Q(inspecting_office_id=org.pk) | Q(office_id=org.pk)
    ).select_related("office", "inspecting_office")


def get_inspection_for(user: User, pk: Any) -> Inspection:
    return _404(inspections_visible_to(user), pk)


def get_inspection_finding_for(user: User, pk: Any) -> InspectionFinding:
    qs = InspectionFinding.objects.filter(
        inspection__in=inspections_visible_to(user)
    ).select_related("inspection")
    return _404(qs, pk)


def get_follow_up_for(user: User, pk: Any) -> FollowUpTask:
    qs = FollowUpTask.objects.filter(finding__inspection__in=inspections_visible_to(user))
    return _404(qs, pk)


def website_pledges(website_ids: list[int]) -> dict[int, list[IntegrityPledge]]:
    """Return the pledges signed by staff of these website operators, by website (one query)."""
    found: dict[int, list[IntegrityPledge]] = defaultdict(list)
    for pledge in IntegrityPledge.objects.filter(organization_id__in=website_ids).select_related(
        "signer"
    ):
        found[pledge.organization_id].append(pledge)
    return found


def _aware(day: dt.date, *, end: bool = False) -> dt.datetime:
    moment = dt.datetime.combine(day, dt.time.max if end else dt.time.min)
    return timezone.make_aware(moment)


def inspection_pack(inspection: Inspection) -> dict[str, Any]:
    """Return the period's figures for an inspection, item by item of its checklist."""
    from qinglang.cases.models import OPEN_STATUSES, Case, Escalation, Task, Transfer
    from qinglang.intake.models import Report, ReportStatus

    office = inspection.office
    start, end = _aware(inspection.period_start), _aware(inspection.period_end, end=True)
    now = timezone.now()
    reports = Report.objects.filter(office=office, is_internal=False)
    in_period = reports.filter(submitted_at__range=(start, end))
    pack: dict[str, Any] = {
        "office": {"id": office.pk, "name": office.name},
        "period": [inspection.period_start.isoformat(), inspection.period_end.isoformat()],
        "reports_received": in_period.count(),
    }
    items = set(inspection.checklist)
    if "backlog" in items:
        pack["backlog"] = {
            "reports_awaiting_triage": reports.filter(
                status=ReportStatus.RECEIVED, submitted_at__lte=end
            ).count(),
            "open_cases": Case.objects.filter(
                lead_office=office, is_internal=False, status__in=OPEN_STATUSES
            ).count(),
        }
    if "overdue_rate" in items:
        tasks = Task.objects.filter(case__lead_office=office, due_at__range=(start, end))
        transfers = Transfer.objects.filter(sender_office=office, deadline__range=(start, end))
        due = tasks.count() + transfers.count()
        late = (
            tasks.filter(
                Q(completed_at__gt=F("due_at")) | Q(completed_at__isnull=True, due_at__lt=now)
            ).count()
            + transfers.filter(
                Q(closed_at__gt=F("deadline")) | Q(closed_at__isnull=True, deadline__lt=now)
            ).count()
        )
        pack["overdue_rate"] = {
            "due": due,
            "overdue": late,
            "rate": round(late / due, 3) if due else 0.0,
        }
    if "decline_reasons" in items:
        declined = in_period.filter(status=ReportStatus.DECLINED)
        counts = Counter(declined.values_list("decline_reason", flat=True))
        ids = sorted(declined.values_list("pk", flat=True))
        sample = random.Random(inspection.pk).sample(ids, min(10, len(ids)))  # noqa: S311
        pack["decline_reasons"] = {
            "counts": dict(sorted(counts.items())),
            "sample": [
                {
                    "id": r.pk,
                    "tracking_code": r.tracking_code,
                    "reason": r.decline_reason,
                    "text": r.decision_text,
                    "decided_by": r.decided_by.username if r.decided_by_id else "",
                }
                for r in Report.objects.filter(pk__in=sample)
                .select_related("decided_by")
                .order_by("pk")
            ],
        }
    if "identity_access" in items:
        views = IdentityAccessLog.objects.filter(
            user__organization=office, accessed_at__range=(start, end)
        )
        per_user = Counter(views.values_list("user__username", flat=True))
        pack["identity_access"] = {
            "views": sum(per_user.values()),
            "by_staff": dict(sorted(per_user.items())),
            "by_purpose": dict(sorted(Counter(views.values_list("purpose", flat=True)).items())),
        }
    if "escalations" in items:
        escalations = list(
            Escalation.objects.filter(responsible_office=office, created_at__range=(start, end))
        )
        pack["escalations"] = {
            "received": len(escalations),
            "answered": sum(1 for e in escalations if _escalation_answered(e)),
        }
    staff = User.objects.filter(organization=office, is_active=True).order_by("username")
    pledges = defaultdict(list)
    for p in pledges_for_organization(office.pk):
        pledges[p.signer_id].append({"kind": p.kind, "signed_at": p.signed_at.isoformat()})
    pack["pledges"] = [{"staff": u.username, "pledges": pledges.get(u.pk, [])} for u in staff]
    return pack


def _escalation_answered(escalation: Any) -> bool:
    """Return whether the overdue item behind an escalation has since been dealt with."""
    from qinglang.cases.models import Task, Transfer
    from qinglang.intake.models import Report, ReportStatus

    if escalation.item_type == "transfer":
        return Transfer.objects.filter(pk=escalation.item_id, closed_at__isnull=False).exists()
    if escalation.item_type == "task":
        return Task.objects.filter(pk=escalation.item_id, completed_at__isnull=False).exists()
    return (
        Report.objects.filter(pk=escalation.item_id).exclude(status=ReportStatus.RECEIVED).exists()
    )


# --- discipline-inspection analytics ---------------------------------------------------------

IDENTITY_ROLE_GRACE = dt.timedelta(days=1)
DECLINE_WINDOW = dt.timedelta(days=90)
DECLINE_CLUSTER_MIN = 3
DECLINE_CLUSTER_SHARE = 0.5
ACCESS_WINDOW = dt.timedelta(days=7)
ACCESS_VOLUME_MIN = 20
ACCESS_VOLUME_FACTOR = 3
# Ledger actions that do not by themselves give a person a role on a report.
_NO_ROLE_ACTIONS = {"report.received", "report.contact_revealed", "report.analysed"}


def integrity_findings_visible_to(user: User) -> QuerySet[IntegrityFinding]:
    """Return integrity findings: discipline inspectors only (everyone else sees none)."""
    if not is_inspector(user):
        return IntegrityFinding.objects.none()
    qs = IntegrityFinding.objects.select_related("staff", "office", "case")
    region = user.organization.region
    if region is not None:
        qs = qs.filter(office__region__code__startswith=region.scope_prefix)
    return qs


def get_integrity_finding_for(user: User, pk: Any) -> IntegrityFinding:
    return _404(integrity_findings_visible_to(user), pk)


def _has_role_on_report(user: User, report_id: int) -> bool:
    """Return whether `user` worked on the report or on a case holding it (not just looked)."""
    from qinglang.cases.models import Case, Task

    acted = LedgerEvent.objects.filter(
        object_type="intake.report", object_id=str(report_id), actor_id=user.pk
    ).exclude(action__in=_NO_ROLE_ACTIONS)
    if acted.exists():
        return True
    case_ids = list(Case.objects.filter(reports__pk=report_id).values_list("pk", flat=True))
    if not case_ids:
        return False
    if Case.objects.filter(pk__in=case_ids, created_by_id=user.pk).exists():
        return True
    if Task.objects.filter(case_id__in=case_ids, assignee_user_id=user.pk).exists():
        return True
    return LedgerEvent.objects.filter(
        object_type="cases.case", object_id__in=[str(c) for c in case_ids], actor_id=user.pk
    ).exists()


def identity_views_without_role(*, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Return reporter-identity views by staff who never worked on that report or its case."""
    now = now or timezone.now()
    entries = (
        IdentityAccessLog.objects.filter(
            object_type="intake.report",
            accessed_at__lte=now - IDENTITY_ROLE_GRACE,
            accessed_at__gte=now - DECLINE_WINDOW,
        )
        .select_related("user", "user__organization")
        .order_by("id")
    )
    found = []
    for entry in entries:
        try:
            report_id = int(entry.object_id)
        except ValueError:
            continue
        if _has_role_on_report(entry.user, report_id):
            continue
        found.append(
            {
                "key": f"log:{entry.pk}",
                "staff": entry.user,
                "evidence": {
                    "log_entry": entry.pk,
                    "report": report_id,
                    "accessed_at": entry.accessed_at.isoformat(),
                    "purpose": entry.purpose,
                    "ip_address": entry.ip_address or "",
                },
            }
        )
    return found


def decline_clusters(*, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Return staff whose declines concentrate on one website domain or one contact."""
    from qinglang.intake.models import Report, ReportStatus

    now = now or timezone.now()
    declined = (
        Report.objects.filter(
            status=ReportStatus.DECLINED,
            decided_at__gte=now - DECLINE_WINDOW,
            decided_by__isnull=False,
        )
        .select_related("decided_by", "decided_by__organization")
        .prefetch_related("targets")
    )
    by_staff: dict[int, list[Any]] = defaultdict(list)
    for report in declined:
        by_staff[report.decided_by_id].append(report)
    found = []
    for reports in by_staff.values():
        keys: dict[str, list[int]] = defaultdict(list)
        for report in reports:
            names = {f"domain:{t.domain}" for t in report.targets.all() if t.domain}
            names |= {
                f"{i['kind']}:{i['value']}"
                for i in (report.analysis or {}).get("identifiers", [])
                if i.get("kind") in {"phone", "wechat", "qq", "email"}
            }
            for name in names:
                keys[name].append(report.pk)
        for name, ids in keys.items():
            if len(ids) >= DECLINE_CLUSTER_MIN and len(ids) / len(reports) >= DECLINE_CLUSTER_SHARE:
                found.append(
                    {
                        "key": f"cluster:{name}",
                        "staff": reports[0].decided_by,
                        "evidence": {
                            "on": name,
                            "declines": len(reports),
                            "declines_on_it": len(ids),
                            "reports": sorted(ids),
                        },
                    }
                )
    return found


def unusual_access_volumes(*, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Return staff whose identity views in the last week far exceed their office's median."""
    now = now or timezone.now()
    since = now - ACCESS_WINDOW
    counts = Counter(
        IdentityAccessLog.objects.filter(accessed_at__gte=since).values_list("user_id", flat=True)
    )
    users = {u.pk: u for u in User.objects.filter(pk__in=counts).select_related("organization")}
    by_org: dict[Any, list[int]] = defaultdict(list)
    for uid, n in counts.items():
        by_org[users[uid].organization_id].append(n)
    found = []
    for uid, n in counts.items():
        peers = by_org[users[uid].organization_id]
        others = list(peers)
        others.remove(n)
        baseline = statistics.median(others) if others else 0
        if n >= ACCESS_VOLUME_MIN and n > ACCESS_VOLUME_FACTOR * baseline:
            found.append(
                {
                    "key": f"volume:{since.date().isocalendar()[:2]}",
                    "staff": users[uid],
                    "evidence": {
                        "views": n,
                        "office_median": baseline,
                        "since": since.isoformat(),
                    },
                }
            )
    return found


def declines_followed_by_deletion(*, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Return declines of reports whose URLs later got deletion requests (compliance hook)."""
    if not apps.is_installed("qinglang.compliance"):
        return []
    from django.utils.module_loading import import_string

    try:
        requests_for = import_string(COMPLIANCE_SELECTOR)
    except ImportError:
        return []
    from qinglang.intake.models import Report, ReportStatus

    now = now or timezone.now()
    found = []
    declined = Report.objects.filter(
        status=ReportStatus.DECLINED,
        decided_at__gte=now - DECLINE_WINDOW,
        decided_by__isnull=False,
    ).prefetch_related("targets")
    for report in declined.select_related("decided_by"):
        urls = {t.url for t in report.targets.all() if t.url}
        if not urls:
            continue
        later = list(requests_for(urls, since=report.decided_at))
        if later:
            found.append(
                {
                    "key": f"deletion:{report.pk}",
                    "staff": report.decided_by,
                    "evidence": {
                        "report": report.pk,
                        "declined_at": report.decided_at.isoformat(),
                        "deletion_requests": [
                            {"id": r["id"], "url": r["url"], "at": str(r["requested_at"])}
                            for r in later
                        ],
                    },
                }
            )
    return found
