"""Bulk factories for the query budgets: N rows in a few statements, with what each list shows.

Every maker is `make(world, ctx, n)`: it adds `n` rows visible to the list's user, each with the
related objects its page or API shows (so an N+1 would show), and a name, title or code that
contains `MARK` (the test checks the rows appear). `ctx` holds objects a list needs once (a case,
a website, an office head), built by the spec's `setup(world)`. No services are called: rows are
written with `bulk_create`, so 1,000 of them take a fraction of a second.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

MARK = "QBROW"
_serial = itertools.count(1)


def tag() -> str:
    """Return a fresh marked label (unique within the test run)."""
    return f"{MARK}{next(_serial):07d}"


def _now() -> dt.datetime:
    return timezone.now()


# --- core -------------------------------------------------------------------------------------


def office_head(world: Any) -> dict[str, Any]:
    """Return the Shenzhen office's head (who manages its users)."""
    from qinglang.core.models import Role, User

    head = User.objects.create(
        username="qb-head", organization=world.shenzhen_office, role=Role.OFFICE_HEAD
    )
    return {"user": head}


def users(world: Any, ctx: dict, n: int) -> None:
    """Add `n` case handlers to the Shenzhen office."""
    from qinglang.core.models import Role, User

    User.objects.bulk_create(
        User(
            username=tag(),
            password="!",  # an unusable password
            organization=world.shenzhen_office,
            role=Role.CASE_HANDLER,
            display_name="同事",
        )
        for _ in range(n)
    )


def sessions(world: Any, ctx: dict, n: int) -> None:
    """Add `n` open sessions of the Shenzhen user."""
    from qinglang.core.models import UserSession

    now = _now()
    UserSession.objects.bulk_create(
        UserSession(
            user=world.shenzhen_user,
            session_key=f"qb{next(_serial):030d}",
            device=tag(),
            network="10.0.0.0/24",
            signed_in_at=now,
            last_seen_at=now,
        )
        for _ in range(n)
    )


def organizations(world: Any, ctx: dict, n: int) -> None:
    """Add `n` partner agencies in Shenzhen."""
    from qinglang.core.models import AgencyType, Organization, OrganizationKind

    Organization.objects.bulk_create(
        Organization(
            name=tag(),
            kind=OrganizationKind.PARTNER_AGENCY,
            level="",
            agency_type=AgencyType.PUBLIC_SECURITY,
            region=world.shenzhen,
        )
        for _ in range(n)
    )


def offices(world: Any, ctx: dict, n: int) -> None:
    """Add `n` municipal regulator offices under Guangdong."""
    from qinglang.core.models import OfficeLevel, Organization, OrganizationKind

    Organization.objects.bulk_create(
        Organization(
            name=tag(),
            kind=OrganizationKind.REGULATOR_OFFICE,
            level=OfficeLevel.MUNICIPAL,
            region=world.shenzhen,
            parent=world.guangdong_office,
        )
        for _ in range(n)
    )


def notifications(world: Any, ctx: dict, n: int) -> None:
    """Add `n` messages to the Shenzhen user, half to the office."""
    from qinglang.core.models import Notification

    Notification.objects.bulk_create(
        Notification(
            recipient_user=world.shenzhen_user if i % 2 else None,
            recipient_organization=None if i % 2 else world.shenzhen_office,
            verb="test",
            title=tag(),
        )
        for i in range(n)
    )


# --- registry ---------------------------------------------------------------------------------


def websites(world: Any, ctx: dict, n: int) -> list[Any]:
    """Add `n` websites in Shenzhen with an active and a removed domain and a violation."""
    from qinglang.registry.models import ViolationRecord, Website, WebsiteDomain

    rows = Website.objects.bulk_create(
        Website(name=tag(), region=world.shenzhen, icp_number="粤ICP备00000000号") for _ in range(n)
    )
    now = _now()
    WebsiteDomain.objects.bulk_create(
        [WebsiteDomain(website=w, domain=f"{w.name}.example.cn") for w in rows]
        + [WebsiteDomain(website=w, domain=f"old-{w.name}.cn", removed_at=now) for w in rows]
    )
    ViolationRecord.objects.bulk_create(
        _violation(world, subject_kind="website", website=w) for w in rows
    )
    return rows


def _violation(world: Any, **subject: Any) -> Any:
    from qinglang.registry.models import ViolationRecord

    today = timezone.localdate()
    return ViolationRecord(
        **subject,
        case_type="cases.case",
        case_id="1",
        case_number=tag(),
        issuing_office=world.shenzhen_office,
        region_code="440300",
        legal_basis="《网络信息内容生态治理规定》",
        measure="warning",
        decided_on=today,
        effective_from=today,
    )


def accounts(world: Any, ctx: dict, n: int) -> None:
    """Add `n` accounts, each with two display names."""
    from qinglang.registry.models import Account, AccountName

    rows = Account.objects.bulk_create(
        Account(platform="weibo", uid=tag(), region=world.shenzhen) for _ in range(n)
    )
    AccountName.objects.bulk_create(
        AccountName(account=a, name=f"{a.uid}-{k}") for a in rows for k in range(2)
    )


def practitioners(world: Any, ctx: dict, n: int) -> None:
    """Add `n` practitioners in Shenzhen."""
    from qinglang.registry.models import Practitioner

    Practitioner.objects.bulk_create(
        Practitioner(name=tag(), employer="某报社", region=world.shenzhen, identity_last4="1234")
        for _ in range(n)
    )


def intermediaries(world: Any, ctx: dict, n: int) -> list[Any]:
    """Add `n` intermediaries, each with two contacts."""
    from qinglang.registry.models import Intermediary, IntermediaryContact

    rows = Intermediary.objects.bulk_create(
        Intermediary(kind="company", name=tag(), region=world.shenzhen) for _ in range(n)
    )
    IntermediaryContact.objects.bulk_create(
        IntermediaryContact(intermediary=i, kind=kind, value=f"{i.pk}-{kind}")
        for i in rows
        for kind in ("phone", "wechat")
    )
    return rows


def violations(world: Any, ctx: dict, n: int) -> None:
    """Add `n` violation records spread over the four kinds of subject."""
    from qinglang.registry.models import (
        Account,
        Intermediary,
        Practitioner,
        ViolationRecord,
        Website,
    )

    quarter = max(1, n // 4)
    sites = Website.objects.bulk_create(
        Website(name=tag(), region=world.shenzhen) for _ in range(quarter)
    )
    people = Account.objects.bulk_create(
        Account(platform="weibo", uid=tag()) for _ in range(quarter)
    )
    press = Practitioner.objects.bulk_create(Practitioner(name=tag()) for _ in range(quarter))
    brokers = Intermediary.objects.bulk_create(
        Intermediary(kind="company", name=tag()) for _ in range(n - 3 * quarter)
    )
    ViolationRecord.objects.bulk_create(
        [_violation(world, subject_kind="website", website=s) for s in sites]
        + [_violation(world, subject_kind="account", account=s) for s in people]
        + [_violation(world, subject_kind="practitioner", practitioner=s) for s in press]
        + [_violation(world, subject_kind="intermediary", intermediary=s) for s in brokers]
    )


def networks(world: Any, ctx: dict, n: int) -> None:
    """Add `n` stored intermediary networks, each naming two intermediaries and two regions."""
    from qinglang.registry.models import IntermediaryNetwork

    brokers = intermediaries(world, ctx, 2 * n)
    start = IntermediaryNetwork.objects.count()
    now = _now()
    IntermediaryNetwork.objects.bulk_create(
        IntermediaryNetwork(
            number=start + i + 1,
            size=3,
            reports=2,
            region_codes=["440300", "110000"],
            identifier_labels=[f"phone:{brokers[2 * i].name}"],
            intermediary_ids=[brokers[2 * i].pk, brokers[2 * i + 1].pk],
            computed_at=now,
        )
        for i in range(n)
    )


def exclusions(world: Any, ctx: dict, n: int) -> None:
    """Add `n` correlation exclusions made by the Shenzhen user."""
    from qinglang.registry.models import CorrelationExclusion

    CorrelationExclusion.objects.bulk_create(
        CorrelationExclusion(
            kind="phone", value=tag(), reason="客服热线", created_by=world.shenzhen_user
        )
        for _ in range(n)
    )


def search_documents(world: Any, ctx: dict, n: int) -> None:
    """Add `n` search documents in Shenzhen matching 删帖 (full-text index filled on SQLite)."""
    from django.db import connection

    from qinglang.registry.models import SearchDocument

    docs = SearchDocument.objects.bulk_create(
        SearchDocument(
            object_type="intake.report",
            object_id=str(next(_serial)),
            office=world.shenzhen_office,
            region_code="440300",
            title=f"删帖 公关 {tag()}",
            body_segmented="删帖 公关 微信",
        )
        for _ in range(n)
    )
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO registry_searchdocument_fts (title, body, doc_id) VALUES (%s, %s, %s)",
                [(d.title, d.body_segmented, d.pk) for d in docs],
            )


def lookups(world: Any, ctx: dict, n: int) -> None:
    """Add `n` practitioner lookups by the website officer (its own log)."""
    from qinglang.registry.models import PractitionerLookup

    PractitionerLookup.objects.bulk_create(
        PractitionerLookup(
            user=world.website_user,
            organization=world.website_operator,
            lookup_kind="press_card",
            query_hash="0" * 64,
            purpose=tag(),
            found=False,
        )
        for _ in range(n)
    )


IDENTIFIER = ("phone", "13800138000")


def identifier(world: Any) -> dict[str, Any]:
    """Return the broker's phone number as a registry identifier."""
    from qinglang.registry.models import Identifier

    return {"identifier": Identifier.objects.create(kind=IDENTIFIER[0], value=IDENTIFIER[1])}


def occurrences(world: Any, ctx: dict, n: int) -> None:
    """Add `n` Shenzhen reports in which the identifier occurs."""
    from qinglang.registry.models import IdentifierOccurrence

    now = _now()
    IdentifierOccurrence.objects.bulk_create(
        IdentifierOccurrence(
            identifier=ctx["identifier"],
            source_type="intake.report",
            source_id=str(r.pk),
            office=world.shenzhen_office,
            region_code="440300",
            seen_at=now,
        )
        for r in reports(world.shenzhen_office, n)
    )


# --- compliance -------------------------------------------------------------------------------


def compliance_website(world: Any) -> dict[str, Any]:
    """Return the website operator's site in Beijing (its officer and the Beijing office see it)."""
    from qinglang.registry.models import Website

    site = Website.objects.create(
        name="示例资讯网", region=world.beijing, operator_organization=world.website_operator
    )
    return {"website": site}


def deletion_requests(world: Any, ctx: dict, n: int) -> list[Any]:
    """Add `n` deletion requests to the context's website, each with two flags."""
    from qinglang.compliance.models import DeletionRequest, Flag

    now = _now()
    rows = DeletionRequest.objects.bulk_create(
        DeletionRequest(
            website=ctx["website"],
            puid=tag(),
            digest="0" * 64,
            received_at=now - dt.timedelta(minutes=i),
            channel="web_form",
            requester_kind="person",
            requester_name="张三",
            content_urls=["https://shili-news.com.cn/a/1"],
            reason="帖子捏造事实",
            decision="delete",
            received_by="李受理",
            source="api",
            flag_codes=["no_legal_basis", "four_eyes"],
            flagged=True,
        )
        for i in range(n)
    )
    Flag.objects.bulk_create(
        Flag(request=r, code=code, answered_by=world.website_user if k else None)
        for r in rows
        for k, code in enumerate(("no_legal_basis", "four_eyes"))
    )
    return rows


def norms(world: Any, ctx: dict, n: int) -> None:
    """Add `n` norms in force (one version each)."""
    from qinglang.compliance.models import Norm

    start = timezone.localdate() - dt.timedelta(days=30)
    Norm.objects.bulk_create(
        Norm(
            code=tag(),
            scope="deletion" if i % 2 else "publishing",
            title=tag(),
            body="删除须有法律依据",
            legal_basis="《网络信息内容生态治理规定》第三十四条",
            effective_from=start,
        )
        for i in range(n)
    )


def audits(world: Any, ctx: dict, n: int) -> None:
    """Add `n` Beijing websites of the operator, each audited by the office, with a finding."""
    from qinglang.compliance.models import Audit, AuditFinding
    from qinglang.registry.models import Website

    requests = deletion_requests(world, ctx, 1)
    sites = Website.objects.bulk_create(
        Website(name=tag(), region=world.beijing, operator_organization=world.website_operator)
        for _ in range(n)
    )
    today = timezone.localdate()
    rows = Audit.objects.bulk_create(
        Audit(
            website=w,
            office=world.beijing_office,
            period_start=today - dt.timedelta(days=30),
            period_end=today,
            size=1,
            seed=next(_serial),
            population=1,
            sample=[requests[0].pk],
            created_by=world.beijing_user,
        )
        for w in sites
    )
    AuditFinding.objects.bulk_create(
        AuditFinding(
            audit=a, request=requests[0], verdict="compliant", reviewed_by=world.beijing_user
        )
        for a in rows
    )


def evaluations(world: Any, ctx: dict, n: int) -> None:
    """Add `n` websites of the operator in Beijing, each evaluated for this month."""
    from qinglang.compliance.models import Evaluation, EvaluationFormula
    from qinglang.registry.models import Website

    formula = EvaluationFormula.objects.order_by("-version").first()
    if formula is None:
        formula = EvaluationFormula.objects.create(
            version=1, name="测试", config={}, effective_from=dt.date(2020, 1, 1)
        )
    sites = Website.objects.bulk_create(
        Website(name=tag(), region=world.beijing, operator_organization=world.website_operator)
        for _ in range(n)
    )
    today = timezone.localdate()
    Evaluation.objects.bulk_create(
        Evaluation(
            website=w,
            period=today.strftime("%Y-%m"),
            period_start=today.replace(day=1),
            period_end=today,
            formula=formula,
            score=80 + i % 20,
            components=[],
            explanation=f"{w.name} 综合评议",
            computed_by=world.beijing_user,
            computed_at=_now(),
        )
        for i, w in enumerate(sites)
    )


# --- monitoring -------------------------------------------------------------------------------


def sources(world: Any, ctx: dict, n: int) -> list[Any]:
    """Add `n` watched sources of the Shenzhen office, owned by its user."""
    from qinglang.monitoring.models import WatchedSource

    return WatchedSource.objects.bulk_create(
        WatchedSource(
            office=world.shenzhen_office,
            owner=world.shenzhen_user,
            url=f"https://bbs.example.cn/{tag()}",
            kind="page",
            keywords=["删帖"],
            status="active",
        )
        for _ in range(n)
    )


def hits(world: Any, ctx: dict, n: int) -> None:
    """Add `n` hits of one Shenzhen source."""
    from qinglang.monitoring.models import Hit

    source = ctx.get("source") or sources(world, ctx, 1)[0]
    ctx["source"] = source
    Hit.objects.bulk_create(
        Hit(
            source=source,
            office=world.shenzhen_office,
            url=f"https://bbs.example.cn/t/{next(_serial)}",
            item_key=str(next(_serial)),
            title=tag(),
            text="专业删帖，微信 abc123",
            content_hash="0" * 64,
            score=0.9,
            status="lead",
        )
        for _ in range(n)
    )


# --- supervision ------------------------------------------------------------------------------


def _people(world: Any, n: int, role: str, org: Any = None) -> list[Any]:
    from qinglang.core.models import User

    return User.objects.bulk_create(
        User(username=tag(), password="!", organization=org, role=role) for _ in range(n)
    )


def calls(world: Any, ctx: dict, n: int) -> list[Any]:
    """Add `n` open recruitment calls of the Shenzhen office."""
    from qinglang.supervision.models import RecruitmentCall

    today = timezone.localdate()
    return RecruitmentCall.objects.bulk_create(
        RecruitmentCall(
            office=world.shenzhen_office,
            title=tag(),
            body="招募群众监督员",
            opens_on=today - dt.timedelta(days=1),
            closes_on=today + dt.timedelta(days=30),
            created_by=world.shenzhen_user,
        )
        for _ in range(n)
    )


def applications(world: Any, ctx: dict, n: int, *, status: str = "first_approval") -> list[Any]:
    """Add `n` applications to one Shenzhen call, each approved once (by a named colleague)."""
    from qinglang.supervision.models import Application, ApplicationDecision

    if "call" not in ctx:
        ctx["call"] = calls(world, ctx, 1)[0]
    rows = Application.objects.bulk_create(
        Application(
            call=ctx["call"],
            name=tag(),
            identity_hash=f"{next(_serial):064d}",
            phone="13900000000",
            region=world.shenzhen,
            statement="热心公益",
            status=status,
        )
        for _ in range(n)
    )
    ApplicationDecision.objects.bulk_create(
        ApplicationDecision(application=a, decided_by=world.shenzhen_user, approved=True)
        for a in rows
    )
    return rows


def supervisors(world: Any, ctx: dict, n: int) -> None:
    """Add `n` active citizen supervisors vetted by the Shenzhen office."""
    from qinglang.core.models import Role
    from qinglang.supervision.models import CitizenSupervisor

    people = _people(world, n, Role.CITIZEN_SUPERVISOR)
    apps = applications(world, ctx, n, status="approved")
    today = timezone.localdate()
    CitizenSupervisor.objects.bulk_create(
        CitizenSupervisor(
            application=a,
            user=u,
            office=world.shenzhen_office,
            region=world.shenzhen,
            public_name=tag(),
            term_starts_on=today - dt.timedelta(days=1),
            term_ends_on=today + dt.timedelta(days=365),
            status="active",
        )
        for a, u in zip(apps, people, strict=True)
    )


def assignments(world: Any, ctx: dict, n: int) -> None:
    """Add `n` stationed supervisors at the website, each with a site inspection and finding."""
    from qinglang.core.models import Role
    from qinglang.supervision.models import (
        Assignment,
        IntegrityPledge,
        SiteFinding,
        SiteInspection,
    )

    people = _people(world, n, Role.SUPERVISOR, world.shenzhen_office)
    today = timezone.localdate()
    rows = Assignment.objects.bulk_create(
        Assignment(
            office=world.shenzhen_office,
            supervisor=u,
            website=world.website_operator,
            website_kind="local",
            starts_on=today,
            ends_on=today + dt.timedelta(days=180),
            status="active",
            created_by=world.shenzhen_user,
        )
        for u in people
    )
    visits = SiteInspection.objects.bulk_create(
        SiteInspection(assignment=a, performed_on=today) for a in rows
    )
    SiteFinding.objects.bulk_create(
        SiteFinding(inspection=v, item="deletion_log", note=tag()) for v in visits
    )
    IntegrityPledge.objects.get_or_create(
        signer=world.website_user,
        organization=world.website_operator,
        kind="integrity",
        defaults={"text": "廉洁承诺"},
    )


def inspections(world: Any, ctx: dict, n: int) -> None:
    """Add `n` inspections of the Shenzhen office by Guangdong, each with a finding and a task."""
    from qinglang.supervision.models import FollowUpTask, Inspection, InspectionFinding

    today = timezone.localdate()
    rows = Inspection.objects.bulk_create(
        Inspection(
            inspecting_office=world.guangdong_office,
            office=world.shenzhen_office,
            scheduled_for=today,
            period_start=today - dt.timedelta(days=90),
            period_end=today,
            scope=tag(),
            status="planned",
            created_by=world.guangdong_user,
        )
        for _ in range(n)
    )
    found = InspectionFinding.objects.bulk_create(
        InspectionFinding(
            inspection=i, item="deadlines", text=tag(), responded_by=world.shenzhen_user
        )
        for i in rows
    )
    FollowUpTask.objects.bulk_create(
        FollowUpTask(finding=f, title=tag(), due_on=today) for f in found
    )


def integrity_findings(world: Any, ctx: dict, n: int) -> None:
    """Add `n` integrity findings about Shenzhen staff (discipline inspection reads them)."""
    from qinglang.supervision.models import IntegrityFinding

    people = _people(world, n, "triage_officer", world.shenzhen_office)
    IntegrityFinding.objects.bulk_create(
        IntegrityFinding(
            kind="identity_without_role",
            staff=u,
            office=world.shenzhen_office,
            fingerprint=tag(),
            summary=tag(),
            evidence={"views": 3},
            status="open",
        )
        for u in people
    )


def pledges(world: Any, ctx: dict, n: int) -> None:
    """Add `n` pledges signed by `n` colleagues of the Shenzhen office."""
    from qinglang.supervision.models import IntegrityPledge

    people = _people(world, n, "case_handler", world.shenzhen_office)
    IntegrityPledge.objects.bulk_create(
        IntegrityPledge(signer=u, organization=world.shenzhen_office, kind="integrity", text="承诺")
        for u in people
    )


# --- intake and cases -------------------------------------------------------------------------


def reports(office: Any, n: int, **fields: Any) -> list[Any]:
    """Insert `n` received reports of `office` (one statement each for reports and targets)."""
    from qinglang.intake.models import Report, ReportTarget

    values = {
        "access_key_hash": "x",
        "category": "paid_deletion",
        "description": "有偿删帖",
        "office": office,
        "triage_due": _now() + dt.timedelta(days=3),
        **fields,
    }
    rows = Report.objects.bulk_create(Report(tracking_code=tag(), **values) for _ in range(n))
    ReportTarget.objects.bulk_create(
        ReportTarget(report=r, url=f"https://bbs.example.cn/{r.pk}", domain="example.cn")
        for r in rows
    )
    return rows


def cases(office: Any, n: int, *, created_by: Any = None) -> list[Any]:
    """Insert `n` open cases led by `office`, each with a target."""
    from qinglang.cases.models import Case, CaseTarget

    rows = Case.objects.bulk_create(
        Case(
            number=f"QB-{next(_serial)}",
            title=tag(),
            category="paid_deletion",
            lead_office=office,
            created_by=created_by,
        )
        for _ in range(n)
    )
    CaseTarget.objects.bulk_create(
        CaseTarget(case=c, kind="url", label="x", url="https://bbs.example.cn/") for c in rows
    )
    return rows


def one_case(world: Any) -> dict[str, Any]:
    """Return a Shenzhen case (lists of its tasks, transfers, notes and captures grow)."""
    return {"case": cases(world.shenzhen_office, 1, created_by=world.shenzhen_user)[0]}


def transfers_for(world: Any, case_list: list[Any], **fields: Any) -> list[Any]:
    """Send one transfer to the police for each case, from Shenzhen, with one feedback."""
    from qinglang.cases.models import Transfer, TransferFeedback

    now = _now()
    rows = Transfer.objects.bulk_create(
        Transfer(
            case=c,
            kind=fields.get("kind", "criminal_referral"),
            measure=fields.get("measure", ""),
            sender_office=world.shenzhen_office,
            recipient=world.police,
            instructions=tag(),
            status="answered",
            deadline=now + dt.timedelta(days=5),
            sent_at=now,
            sent_by=world.shenzhen_user,
            acknowledged_at=now,
            acknowledged_by=world.police_user,
            answered_at=now,
        )
        for c in case_list
    )
    TransferFeedback.objects.bulk_create(
        TransferFeedback(
            transfer=t,
            summary=tag(),
            result="done",
            submitted_by=world.police_user,
            submitted_at=now,
        )
        for t in rows
    )
    return rows


def sent_transfers(world: Any, ctx: dict, n: int) -> None:
    """Add `n` Shenzhen cases, each transferred to the police (and answered)."""
    transfers_for(world, cases(world.shenzhen_office, n, created_by=world.shenzhen_user))


def case_transfers(world: Any, ctx: dict, n: int) -> None:
    """Add `n` transfers of the context's case."""
    transfers_for(world, [ctx["case"]] * n)


def tasks(world: Any, ctx: dict, n: int) -> None:
    """Add `n` tasks to the context's case, half to a colleague, half to an office."""
    from qinglang.cases.models import Task

    now = _now()
    Task.objects.bulk_create(
        Task(
            case=ctx["case"],
            title=tag(),
            assignee_user=world.shenzhen_user if i % 2 else None,
            assignee_organization=None if i % 2 else world.police,
            status="open",
            due_at=now + dt.timedelta(days=1 + i % 9),
            created_by=world.shenzhen_user,
            created_at=now,
        )
        for i in range(n)
    )


def notes(world: Any, ctx: dict, n: int) -> None:
    """Add `n` internal notes to the context's case."""
    from qinglang.cases.models import CaseNote

    CaseNote.objects.bulk_create(
        CaseNote(case=ctx["case"], author=world.shenzhen_user, text=tag()) for _ in range(n)
    )


def captures(world: Any, ctx: dict, n: int) -> None:
    """Add `n` web captures ordered for the context's case, some done, some failed."""
    from qinglang.evidence.models import WebCapture

    now = _now()
    WebCapture.objects.bulk_create(
        WebCapture(
            url=f"https://bbs.example.cn/{tag()}",
            subject_type="cases.case",
            subject_id=str(ctx["case"].pk),
            requested_by=world.shenzhen_user,
            status=["done", "failed", "refused"][i % 3],
            completed_at=now,
            error="",
        )
        for i in range(n)
    )


def evidence(world: Any, ctx: dict, n: int) -> None:
    """Add `n` files attached to the context's case (rows only: no bytes in the vault)."""
    from qinglang.evidence.models import EvidenceAttachment, EvidenceBlob, EvidenceItem

    blobs = EvidenceBlob.objects.bulk_create(
        EvidenceBlob(
            sha256=f"{next(_serial):064x}", size=3, media_type="image/png", storage_name="x"
        )
        for _ in range(n)
    )
    items = EvidenceItem.objects.bulk_create(
        EvidenceItem(
            blob=b,
            original_name=f"{tag()}.png",
            media_type="image/png",
            size=3,
            added_by=world.shenzhen_user,
        )
        for b in blobs
    )
    EvidenceAttachment.objects.bulk_create(
        EvidenceAttachment(
            item=i,
            subject_type="cases.case",
            subject_id=str(ctx["case"].pk),
            attached_by=world.shenzhen_user,
        )
        for i in items
    )


def deadlines(world: Any, ctx: dict, n: int) -> None:
    """Add work with deadlines: reports awaiting triage, transfers and tasks (n in all)."""
    third = max(1, n // 3)
    reports(world.shenzhen_office, n - 2 * third)
    transfers_for(world, cases(world.shenzhen_office, third, created_by=world.shenzhen_user))
    if "case" not in ctx:
        ctx.update(one_case(world))
    tasks(world, ctx, third)


# --- protection -------------------------------------------------------------------------------


def enterprises(world: Any, ctx: dict, n: int) -> None:
    """Add `n` registrations in Shenzhen, half awaiting verification, half rejected."""
    from qinglang.protection.models import Enterprise

    Enterprise.objects.bulk_create(
        Enterprise(
            uscc=f"91440300{next(_serial):010d}"[:18],
            name=tag(),
            legal_representative="王五",
            region=world.shenzhen,
            contact_name="赵六",
            contact_email="zhao@example.cn",
            status="pending" if i % 2 else "rejected",
            decided_by=None if i % 2 else world.shenzhen_user,
        )
        for i in range(n)
    )


def verified_enterprise(world: Any) -> dict[str, Any]:
    """Return the world's enterprise, verified and in Shenzhen."""
    from qinglang.protection.models import Enterprise

    enterprise = Enterprise.objects.create(
        uscc="91440300MA5FXXXX0X",
        name="示例食品有限公司",
        legal_representative="王五",
        region=world.shenzhen,
        contact_name="赵六",
        contact_email="zhao@example.cn",
        status="verified",
        organization=world.enterprise,
    )
    return {"enterprise": enterprise}


def protection_cases(world: Any, ctx: dict, n: int) -> None:
    """Add `n` protection cases of the enterprise, each with a case, a transfer and feedback."""
    from qinglang.protection.models import ProtectionAlert, ProtectionCase

    filed = reports(world.shenzhen_office, n, category="extortion")
    opened = cases(world.shenzhen_office, n, created_by=world.shenzhen_user)
    transfers_for(world, opened, kind="interim_measure", measure="dispute_label")
    rows = ProtectionCase.objects.bulk_create(
        ProtectionCase(
            enterprise=ctx["enterprise"],
            report=r,
            case=c,
            office=world.shenzhen_office,
            incident="extortion_threat",
            deadline=_now() + dt.timedelta(days=1),
            status="open",
            created_by=world.enterprise_user,
        )
        for r, c in zip(filed, opened, strict=True)
    )
    ProtectionAlert.objects.bulk_create(
        ProtectionAlert(
            protection_case=p, kind="near_duplicate", source_type="monitoring.hit", source_id="1"
        )
        for p in rows
    )


# --- disclosure -------------------------------------------------------------------------------


def _article(world: Any) -> Any:
    from qinglang.disclosure.models import LawArticle, LawInstrument, LawVersion

    instrument, _ = LawInstrument.objects.get_or_create(
        slug="qb-law",
        defaults={
            "title": "网络信息内容生态治理规定",
            "kind": "rule",
            "issuing_body": "国家互联网信息办公室",
            "issued_on": dt.date(2019, 12, 15),
        },
    )
    version, _ = LawVersion.objects.get_or_create(instrument=instrument, number=1)
    article, _ = LawArticle.objects.get_or_create(
        version=version, number=34, defaults={"heading": "第三十四条", "text": "……"}
    )
    return article


def batches(world: Any, ctx: dict, n: int, *, status: str = "draft") -> list[Any]:
    """Add `n` batches of the Shenzhen office."""
    from qinglang.disclosure.models import Batch

    now = _now()
    return Batch.objects.bulk_create(
        Batch(
            office=world.shenzhen_office,
            status=status,
            created_by=world.shenzhen_user,
            approved_by=world.guangdong_user if status == "published" else None,
            published_at=now if status == "published" else None,
            year=2026,
            number=next(_serial),
            title=tag(),
        )
        for _ in range(n)
    )


def entries(world: Any, ctx: dict, n: int) -> None:
    """Add `n` listed entries to the context's batch, each with two versions and a statement."""
    from qinglang.disclosure.models import Entry, EntryVersion, Statement

    if "batch" not in ctx:
        ctx["batch"] = batches(world, ctx, 1, status=ctx.get("status", "draft"))[0]
    subjects = cases(world.shenzhen_office, n, created_by=world.shenzhen_user)
    rows = Entry.objects.bulk_create(
        Entry(
            batch=ctx["batch"],
            case=c,
            operator_organization=world.website_operator,
            status="listed",
            current_version=2,
            created_by=world.shenzhen_user,
        )
        for c in subjects
    )
    today = timezone.localdate()
    versions = EntryVersion.objects.bulk_create(
        EntryVersion(
            entry=e,
            number=number,
            website_name=tag(),
            domain="example.cn",
            category="paid_deletion",
            summary="有偿删帖",
            measure="warning",
            decided_on=today,
            created_by=world.shenzhen_user,
        )
        for e in rows
        for number in (1, 2)
    )
    article = _article(world)
    EntryVersion.articles.through.objects.bulk_create(
        EntryVersion.articles.through(entryversion_id=v.pk, lawarticle_id=article.pk)
        for v in versions
    )
    Statement.objects.bulk_create(
        Statement(entry=e, text=tag(), status="shown", submitted_by=world.website_user)
        for e in rows
    )


def published_entries(world: Any, ctx: dict, n: int) -> None:
    """Add `n` listed entries of one published batch (the exposure board shows them)."""
    ctx.setdefault("status", "published")
    entries(world, ctx, n)


def typical_cases(world: Any, ctx: dict, n: int, *, status: str = "published") -> None:
    """Add `n` typical cases of the Shenzhen office, each citing one article."""
    from qinglang.disclosure.models import TypicalCase

    now = _now()
    rows = TypicalCase.objects.bulk_create(
        TypicalCase(
            office=world.shenzhen_office,
            status=status,
            created_by=world.shenzhen_user,
            approved_by=world.guangdong_user,
            published_at=now,
            title=tag(),
            facts="某公关公司收费删帖",
            handling="约谈并处罚",
            lessons="提高警惕",
            category="paid_deletion",
            region=world.shenzhen,
            tags=["删帖"],
            search_text="删帖",
        )
        for _ in range(n)
    )
    article = _article(world)
    TypicalCase.articles.through.objects.bulk_create(
        TypicalCase.articles.through(typicalcase_id=t.pk, lawarticle_id=article.pk) for t in rows
    )


def rankings(world: Any, ctx: dict, n: int, *, status: str = "published") -> None:
    """Add `n` ranking publications of the Shenzhen office."""
    from qinglang.disclosure.models import RankingPublication

    now = _now()
    RankingPublication.objects.bulk_create(
        RankingPublication(
            office=world.shenzhen_office,
            status=status,
            created_by=world.shenzhen_user,
            approved_by=world.guangdong_user,
            published_at=now,
            period=f"{1000 + next(_serial) % 9000}-{1 + i % 12:02d}",
            region=world.shenzhen,
            title=tag(),
            rows=[{"rank": 1, "website": "示例资讯网", "score": 90}],
        )
        for i in range(n)
    )


def staff_items(world: Any, ctx: dict, n: int) -> None:
    """Add `n` batches, typical cases and rankings (draft) of the Shenzhen office."""
    batches(world, ctx, n)
    typical_cases(world, ctx, n, status="draft")
    rankings(world, ctx, n, status="draft")


def instruments(world: Any, ctx: dict, n: int) -> None:
    """Add `n` laws to the library."""
    from qinglang.disclosure.models import LawInstrument

    LawInstrument.objects.bulk_create(
        LawInstrument(
            slug=tag(),
            title=tag(),
            kind="rule",
            issuing_body="国家互联网信息办公室",
            issued_on=dt.date(2020, 1, 1),
        )
        for _ in range(n)
    )


def guides(world: Any, ctx: dict, n: int) -> None:
    """Add `n` prevention guides, each with two versions."""
    from qinglang.disclosure.models import Guide, GuideVersion

    rows = Guide.objects.bulk_create(
        Guide(slug=tag(), audience="public", current_version=2) for _ in range(n)
    )
    GuideVersion.objects.bulk_create(
        GuideVersion(
            guide=g,
            number=number,
            title=f"{g.slug} v{number}",
            body_markdown="防范",
            body_html="<p>防范</p>",
            created_by=world.shenzhen_user,
        )
        for g in rows
        for number in (1, 2)
    )


def releases(world: Any, ctx: dict, n: int) -> None:
    """Add `n` open-data releases, one a day going back."""
    from qinglang.disclosure.models import OpenDataRelease

    first = OpenDataRelease.objects.order_by("day").first()
    start = first.day if first else timezone.localdate()
    OpenDataRelease.objects.bulk_create(
        OpenDataRelease(
            day=start - dt.timedelta(days=i + 1),
            manifest={"files": [{"name": f"{tag()}.csv", "sha256": "0" * 64, "rows": 1}]},
            signature="x",
            key_id=tag(),
        )
        for i in range(n)
    )


# --- dashboard --------------------------------------------------------------------------------


def figures(world: Any, ctx: dict, n: int) -> None:
    """Add `n` aggregate intake figures of Shenzhen over the last 300 days."""
    from qinglang.dashboard.models import Figure, Metric

    today = timezone.localdate()
    Figure.objects.bulk_create(
        Figure(
            metric=Metric.INTAKE,
            office=world.shenzhen_office,
            region_code="440300",
            day=today - dt.timedelta(days=i % 300),
            key=f"channel{i % 7}",
            category="paid_deletion",
            count=1,
        )
        for i in range(n)
    )


def staff_reports(world: Any, ctx: dict, n: int) -> None:
    """Add `n` reports awaiting triage in Shenzhen, assigned to its triage officer."""
    reports(world.shenzhen_office, n, triage_assignee=world.shenzhen_user)


def staff_cases(world: Any, ctx: dict, n: int) -> None:
    """Add `n` open Shenzhen cases."""
    cases(world.shenzhen_office, n, created_by=world.shenzhen_user)
