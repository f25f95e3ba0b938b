"""Access-control matrix: every staff URL and API endpoint × every role → allow / deny / 404.

The URL patterns come from the resolver, so a new endpoint fails `test_every_endpoint_is_declared`
until it gets a row here. Codes, one per role in ROLES order: A = allowed (the request reaches
the handler: 2xx, 3xx other than to sign-in, 400 or 409 for an empty body), D = denied (403, 401,
or sent to sign-in), N = 404 (object out of scope looks missing).

Objects sit in Shenzhen (a municipal office under Guangdong): "same office" is Shenzhen,
"superior office" Guangdong, "other region" Beijing; the case has a criminal referral to the
Beijing public-security bureau (the "partner agency"), which asked for an extension.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from qinglang.cases.services import triage
from tests.cases.factories import make_report
from tests.core.auth import login_verified

ROLES = (
    "same_office",
    "superior_office",
    "other_region",
    "partner",
    "website",
    "enterprise",
    "inspection",
    "anonymous",
)
PREFIXES = ("cases/", "staff/", "registry/", "evidence/", "api/v1/")

# name: (method, subject, expected codes in ROLES order)
MATRIX: dict[str, tuple[str, str | None, str]] = {
    # --- triage (CASES) ---
    "cases:triage_list": ("GET", None, "AAADDDAD"),
    "cases:triage_detail": ("GET", "report", "AANDDDND"),
    "cases:triage_accept": ("POST", "report", "ADNDDDND"),
    "cases:triage_decline": ("POST", "report", "ADNDDDND"),
    "cases:triage_reroute": ("POST", "report", "AANDDDND"),
    "cases:triage_contact": ("POST", "report", "ADNDDDND"),
    # --- cases (CASES) ---
    "cases:case_list": ("GET", None, "AAADDDAD"),
    "cases:case_export_csv": ("GET", None, "AAADDDAD"),
    "cases:case_export_xlsx": ("GET", None, "AAADDDAD"),
    "cases:case_create": ("GET", None, "AAADDDAD"),
    "cases:case_detail": ("GET", "case", "AANDDDND"),
    "cases:case_transfer_list": ("GET", "case", "AANDDDND"),
    "cases:case_note_list": ("GET", "case", "AANDDDND"),
    "cases:case_timeline": ("GET", "case", "AANDDDND"),
    "cases:case_edit": ("POST", "case", "AANDDDND"),
    "cases:case_status": ("POST", "case", "AANDDDND"),
    "cases:case_decide": ("POST", "case", "AANDDDND"),
    "cases:case_close": ("POST", "case", "AANDDDND"),
    "cases:case_reopen": ("POST", "case", "AANDDDND"),
    "cases:case_merge": ("POST", "case", "AANDDDND"),
    "cases:case_split": ("POST", "case", "AANDDDND"),
    "api-report-detail": ("GET", "report", "AANNNNND"),
    "api-report-accept": ("POST", "report", "ADNNNNND"),
    "api-report-decline": ("POST", "report", "ADNNNNND"),
    "api-report-reroute": ("POST", "report", "AANNNNND"),
    "api-case-list": ("GET", None, "AAAAAAAD"),
    "api-case-detail": ("GET", "case", "AANNNNND"),
    "api-case-status": ("POST", "case", "AANNNNND"),
    "api-case-decide": ("POST", "case", "AANNNNND"),
    "api-case-close": ("POST", "case", "AANNNNND"),
    "api-case-reopen": ("POST", "case", "AANNNNND"),
    "api-case-merge": ("POST", "case", "AANNNNND"),
    "api-case-split": ("POST", "case", "AANNNNND"),
    # --- declared from observed behaviour of other areas' endpoints when CASES finished;
    # their owners (or the lead) confirm these rows. ---
    "api-me": ("GET", None, "AAAAAAAD"),
    "api-organizations": ("GET", None, "AAAAAAAD"),
    "api-reports": ("GET", None, "AAAAAAAD"),
    "api-reports-track": ("POST", None, "NNNNNNNN"),
    "api-case-transfers": ("GET", "case", "AANNNNND"),
    "api-transfer-list": ("GET", None, "AAAAAAAD"),
    "api-transfer-detail": ("GET", "transfer", "AANANNND"),
    "api-transfer-acknowledge": ("POST", "transfer", "DDNANNND"),
    "api-transfer-feedback": ("POST", "transfer", "DDNANNND"),
    "api-transfer-extension": ("POST", "transfer", "DDNANNND"),
    "api-transfer-extension-decide": ("POST", "transfer", "ADNDNNND"),
    "api-transfer-close": ("POST", "transfer", "ADNDNNND"),
    "api-case-tasks": ("GET", "case", "AANNNNND"),
    "api-task-detail": ("GET", "task", "AANNNNND"),
    "api-task-comments": ("POST", "task", "AANNNNND"),
    "api-task-complete": ("POST", "task", "AANNNNND"),
    "api-deadlines": ("GET", None, "AAAAAAAD"),
    "api-evidence-item": ("GET", "item", "AANNNNND"),
    "api-evidence-download": ("GET", "item", "AANNNNND"),
    "api-evidence-capture": ("POST", None, "AAADDDAD"),
    "api-evidence-package": ("GET", "package", "AANNNNND"),
    "api-ledger-checkpoint": ("GET", None, "NNNNNNNN"),
    "api-ledger-proof": ("GET", "event", "AANNNNND"),  # only for events about what one sees
    "api-ledger-consistency": ("GET", None, "AAAAAAAA"),
    "registry-websites": ("GET", None, "AAADDDDD"),
    "registry-accounts": ("GET", None, "AAADDDDD"),
    "registry-practitioners": ("GET", None, "AAADDDDD"),
    "registry-intermediaries": ("GET", None, "AAADDDDD"),
    "registry-violations": ("GET", None, "AAAADDDD"),
    "registry-identifier": ("GET", "identifier", "NNNDDDDD"),
    "registry-occurrences": ("GET", "identifier", "NNNDDDDD"),
    "registry-networks": ("GET", None, "AAADDDDD"),
    "registry-practitioner-lookup": ("POST", None, "DDDDADDD"),
    "core:login": ("GET", None, "AAAAAAAA"),
    "core:login_verify": ("GET", None, "DDDDDDDD"),
    "core:login_enrol": ("GET", None, "DDDDDDDD"),
    "core:logout": ("POST", None, "AAAAAAAA"),
    "core:workbench": ("GET", None, "AAAAAAAD"),
    "core:notifications": ("GET", None, "AAAAAAAD"),
    "core:notifications_read_all": ("POST", None, "AAAAAAAD"),
    "core:notification_read": ("POST", "notification", "ANNNNNND"),
    "core:security": ("GET", None, "AAAAAAAD"),
    "cases:transfer_list": ("GET", None, "AAAAAAAD"),
    "cases:transfer_detail": ("GET", "transfer", "AANANNND"),
    "cases:transfer_acknowledge": ("POST", "transfer", "DDNANNND"),
    "cases:transfer_feedback": ("POST", "transfer", "DDNANNND"),
    "cases:transfer_extension": ("POST", "transfer", "DDNANNND"),
    "cases:transfer_extension_decide": ("POST", "extension", "ADNDNNND"),
    "cases:transfer_close": ("POST", "transfer", "ADNDNNND"),
    "cases:transfer_create": ("GET", "case_id", "AANNNNND"),
    "cases:task_list": ("GET", "case_id", "AANNNNND"),
    "cases:task_detail": ("GET", "task", "AANNNNND"),
    "cases:task_complete": ("POST", "task", "AANNNNND"),
    "cases:task_cancel": ("POST", "task", "AANNNNND"),
    "cases:deadline_list": ("GET", None, "AAAAAAAD"),
    "evidence:item": ("GET", "item", "AANNNNND"),
    "evidence:download": ("GET", "item", "AANNNNND"),
    "evidence:preview": ("GET", "item", "NNNNNNND"),
    "evidence:custody": ("GET", "custody", "AANNNNND"),
    "evidence:package": ("POST", "package", "AANNNNND"),
    "evidence:package_custody": ("GET", "package", "AANNNNND"),
    "registry:home": ("GET", None, "AAADDDDD"),
    "registry:websites": ("GET", None, "AAADDDDD"),
    "registry:website": ("GET", "website", "AAADDDDD"),
    "registry:import": ("GET", None, "AAADDDDD"),
    "registry:import_cancel": ("POST", None, "AAADDDDD"),
    "registry:accounts": ("GET", None, "AAADDDDD"),
    "registry:account": ("GET", "account", "AAADDDDD"),
    "registry:practitioners": ("GET", None, "AAADDDDD"),
    "registry:practitioner": ("GET", "practitioner", "AAADDDDD"),
    "registry:lookup": ("GET", None, "DDDDADDD"),
    "registry:intermediaries": ("GET", None, "AAADDDDD"),
    "registry:intermediary": ("GET", "intermediary", "AAADDDDD"),
    "registry:intermediary_create": ("GET", None, "AAADDDDD"),
    "registry:violations": ("GET", None, "AAADDDDD"),
    "registry:violation": ("GET", "violation", "AAADDDDD"),
    "registry:violations_export": ("GET", None, "AAAADDDD"),
    "registry:identifier": ("GET", "identifier", "NNNDDDDD"),
    "registry:occurrences": ("GET", "identifier", "NNNDDDDD"),
    "registry:graph": ("GET", None, "AAADDDDD"),
    "registry:graph_data": ("GET", None, "AAADDDDD"),
    "registry:networks": ("GET", None, "AAADDDDD"),
    "registry:search": ("GET", None, "AAADDDDD"),
    "registry:exclusions": ("GET", None, "AAADDDDD"),
    # --- triage queue, bulk, assignment, internal re-route (triage) ---
    "cases:triage_bulk": ("POST", None, "AAADDDAD"),
    "cases:triage_assign": ("POST", "report", "ADNDDDND"),
    "cases:triage_filter_save": ("POST", None, "AAADDDAD"),
    "cases:triage_filter_delete": ("POST", "saved_filter", "ANNDDDND"),
    "api-report-bulk": ("POST", None, "AAADDDAD"),
    "api-report-assign": ("POST", "report", "ADNNNNND"),
    "api-report-reroute-request": ("POST", "report", "ADNNNNND"),
    "api-report-reroute-approve": ("POST", "report", "ADNNNNND"),
    "cases:case_picker": ("GET", None, "AAADDDAD"),
    "cases:office_picker": ("GET", None, "AAADDDAD"),
    "cases:quick_search": ("GET", None, "AAADDDAD"),
    "cases:triage_internal_reroute": ("POST", "report", "ADNDDDND"),
    "cases:triage_internal_reroute_approve": ("POST", "report", "ADNDDDND"),
    # --- disclosure ---
    "api-public-exposures": ("GET", None, "AAAAAAAA"),
    "api-public-exposure": ("GET", "disclosure_entry", "AAAAAAAA"),
    "api-public-typical-cases": ("GET", None, "AAAAAAAA"),
    "api-public-rankings": ("GET", None, "AAAAAAAA"),
    "api-public-statistics": ("GET", None, "AAAAAAAA"),
    "api-disclosure-batches": ("POST", None, "AAADDDDD"),
    "api-disclosure-batch-entries": ("POST", "disclosure_batch", "ADNNNNND"),
    "api-disclosure-batch-submit": ("POST", "disclosure_batch", "ADNNNNND"),
    "api-disclosure-batch-approve": ("POST", "disclosure_batch", "ADNNNNND"),
    "api-disclosure-batch-publish": ("POST", "disclosure_batch", "ADNNNNND"),
    "api-disclosure-entry-statement": ("POST", "disclosure_entry", "NNNNANND"),
    "api-disclosure-entry-appeals": ("POST", "disclosure_entry", "NNNNANND"),
    "api-disclosure-entry-corrections": ("POST", "disclosure_entry", "ADNNNNND"),
    "api-disclosure-appeal-decide": ("POST", "disclosure_appeal", "ADNNNNND"),
    "api-disclosure-statement-review": ("POST", "disclosure_statement", "ADNNNNND"),
    "disclosure_staff:home": ("GET", None, "AAADDDDD"),
    "disclosure_staff:batch_create": ("POST", None, "AAADDDDD"),
    "disclosure_staff:batch": ("GET", "disclosure_batch", "AANDDDDD"),
    "disclosure_staff:entry_new": ("GET", "disclosure_batch", "AANDDDDD"),
    "disclosure_staff:batch_action": ("POST", "disclosure_batch_action", "ADNDDDDD"),
    "disclosure_staff:statement_review": ("POST", "disclosure_statement", "ADNDDDDD"),
    "disclosure_staff:appeal_decide": ("POST", "disclosure_appeal", "ADNDDDDD"),
    "disclosure_staff:typical_new": ("GET", None, "AAADDDDD"),
    "disclosure_staff:typical": ("GET", "disclosure_typical", "AANDDDDD"),
    "disclosure_staff:typical_action": ("POST", "disclosure_typical_action", "ADNDDDDD"),
    "disclosure_staff:ranking_new": ("POST", None, "AAADDDDD"),
    "disclosure_staff:ranking": ("GET", "disclosure_ranking", "AANDDDDD"),
    "disclosure_staff:ranking_action": ("POST", "disclosure_ranking_action", "ADNDDDDD"),
    "disclosure_staff:guide_new": ("GET", None, "AAADDDDD"),
    "disclosure_staff:guide_edit": ("GET", "disclosure_guide", "AAADDDDD"),
    "disclosure_staff:case_amounts": ("POST", "case_id", "AANNNNND"),
    # --- compliance ---
    "compliance:home": ("GET", None, "AAADADDD"),
    "compliance:request_list": ("GET", None, "AAADADDD"),
    "compliance:request_export": ("GET", None, "AAADADDD"),
    "compliance:request_create": ("GET", None, "DDDDADDD"),
    "compliance:request_import": ("GET", None, "DDDDADDD"),
    "compliance:request_detail": ("GET", "compliance_request", "AANDNDDD"),
    "compliance:flag_list": ("GET", None, "AAADADDD"),
    "compliance:flag_answer": ("POST", "compliance_flag", "DDNDNDDD"),
    "compliance:norm_list": ("GET", None, "AAADADDD"),
    "compliance:audit_list": ("GET", None, "AAADADDD"),
    "compliance:audit_detail": ("GET", "compliance_audit", "AANDNDDD"),
    "compliance:audit_finding": ("POST", "compliance_audit", "AANDDDDD"),
    "compliance:evaluation_list": ("GET", None, "AAADADDD"),
    "compliance:interview_create": ("POST", None, "AAADDDDD"),
    "api-compliance-deletion-requests": ("POST", None, "DDDDADDD"),
    "api-compliance-audits": ("POST", None, "AAADDDDD"),
    "api-compliance-evaluations": ("GET", None, "AAAAAAAD"),
    # --- supervision ---
    "api-supervision-recruitment": ("GET", None, "AAAAAAAA"),
    "api-supervision-applications": ("GET", None, "AAAAAAAD"),
    "api-supervision-application-decide": ("POST", "sv_application", "ANNNNNND"),
    "api-supervision-supervisor-status": ("POST", "sv_supervisor", "ANNNNNND"),
    "api-supervision-assessments": ("POST", "sv_supervisor", "ANNNNNND"),
    "api-supervision-training-ack": ("POST", "sv_training", "DNNNNNND"),
    "api-supervision-pledges": ("GET", None, "AAAAAAAD"),
    "api-supervision-assignments": ("GET", None, "AAAAAAAD"),
    "api-supervision-conflicts": ("POST", None, "AAAAAAAD"),
    "api-supervision-duty-log": ("POST", "sv_assignment", "AANNNNND"),
    "api-supervision-site-inspections": ("POST", "sv_assignment", "AANNNNND"),
    "api-supervision-site-finding-refer": ("POST", "sv_site_finding", "AANNNNND"),
    "api-supervision-inspections": ("GET", None, "AAAAAAAD"),
    "api-supervision-inspection": ("GET", "sv_inspection", "AANNNNND"),
    "api-supervision-inspection-pack": ("POST", "sv_inspection", "DANNNNND"),
    "api-supervision-inspection-findings": ("POST", "sv_inspection", "AANNNNND"),
    "api-supervision-finding-answer": ("POST", "sv_inspection_finding", "AANNNNND"),
    "api-supervision-follow-up-complete": ("POST", "sv_follow_up", "ADNNNNND"),
    "api-supervision-findings": ("GET", None, "NNNNNNAD"),
    "api-supervision-findings-scan": ("POST", None, "NNNNNNAD"),
    "api-supervision-finding-case": ("POST", "sv_integrity_finding", "NNNNNNAD"),
    "supervision:staff_home": ("GET", None, "AAAAAAAD"),
    "supervision:application_decide": ("POST", "sv_application", "ANNNNNND"),
    "supervision:integrity_case": ("POST", "sv_integrity_finding", "NNNNNNAD"),
    "supervision:site_finding_refer": ("POST", "sv_site_finding", "DDNNNNND"),
    "supervision:finding_answer": ("POST", "sv_inspection_finding", "AANNNNND"),
    "supervision:pledge_sign": ("POST", None, "AAAAAAAD"),
    "supervision:training_ack": ("POST", "sv_training", "DNNNNNND"),
    # --- monitoring ---
    "monitoring-sources": ("GET", None, "AAADDDDD"),
    "monitoring-source": ("GET", "mon_source", "AANDDDDD"),
    "monitoring-source-check": ("POST", "mon_source", "AANDDDDD"),
    "monitoring-hits": ("GET", None, "AAADDDDD"),
    "monitoring-hit": ("GET", "mon_hit", "AANDDDDD"),
    "monitoring:source_list": ("GET", None, "AAADDDDD"),
    "monitoring:source_detail": ("GET", "mon_source", "AANDDDDD"),
    "monitoring:source_check": ("POST", "mon_source", "AANDDDDD"),
    "monitoring:source_resume": ("POST", "mon_source", "AANDDDDD"),
    "monitoring:hit_list": ("GET", None, "AAADDDDD"),
    "monitoring:hit_detail": ("GET", "mon_hit", "AANDDDDD"),
    "monitoring:hit_confirm": ("POST", "mon_hit", "ADNDDDDD"),
    "monitoring:hit_dismiss": ("POST", "mon_hit", "ADNDDDDD"),
    # --- protection ---
    "api-protection-enterprises": ("POST", None, "AAAAAAAA"),
    "api-protection-enterprise-verify": ("POST", "enterprise", "AANNNNND"),
    "api-protection-reports": ("POST", None, "DDDDDADD"),
    "api-protection-cases": ("GET", None, "AAAAAAAD"),
    "api-protection-case": ("GET", "protection_case", "AANNNAND"),
    "api-protection-verify-claim": ("POST", None, "DDDDADDD"),
    "api-protection-claim-lead": ("POST", "claim_check", "NNNNANND"),
    # --- dashboard ---
    "dashboard:home": ("GET", None, "AAADDDDD"),
    "dashboard:chart_csv": ("GET", "chart", "AAADDDDD"),
    "dashboard:chart_json": ("GET", "chart", "AAADDDDD"),
    "api-dashboard-summary": ("GET", None, "AAADDDDD"),
    # --- analysis ---
    "api-analysis-classify": ("POST", None, "AAADDDDD"),
    # --- accounts (core): reset, fresh code, own sessions, office users (heads only) ---
    "core:password_reset": ("GET", None, "AAAAAAAA"),
    "core:password_reset_confirm": ("GET", "reset_link", "AAAAAAAA"),  # 400: a bad link
    "core:reverify": ("GET", None, "AAAAAAAD"),
    "core:sessions": ("GET", None, "AAAAAAAD"),
    "core:session_end": ("POST", "user_session", "ANNNNNND"),
    "core:sign_out_everywhere": ("POST", None, "AAAAAAAD"),
    "core:office_users": ("GET", None, "DDDDDDDD"),
    "core:office_user_create": ("GET", None, "DDDDDDDD"),
    "core:office_user": ("GET", "office_member", "DDDDDDDD"),
    "core:office_user_role": ("POST", "office_member", "DDDDDDDD"),
    "core:office_user_deactivate": ("POST", "office_member", "DDDDDDDD"),
    "core:office_user_reactivate": ("POST", "office_member", "DDDDDDDD"),
    "core:office_user_reset_2fa": ("POST", "office_member", "DDDDDDDD"),
    # --- collaboration: owner and assignees, internal notes, colleagues, the inbox API ---
    "cases:case_assign": ("POST", "case", "AANDDDND"),
    "cases:case_note": ("POST", "case", "AANDDDND"),
    "api-case-assign": ("POST", "case", "AANNNNND"),
    "api-case-notes": ("GET", "case", "AANNNNND"),
    "api-users": ("GET", None, "AAANNNAD"),
    "api-notifications": ("GET", None, "AAAAAAAD"),
    "api-notifications-read": ("POST", None, "AAAAAAAD"),
    # --- the reporter's side (intake) ---
    "api-report-questions": ("POST", "report", "ADNNNNND"),
    "api-reports-track-reply": ("POST", None, "NNNNNNNN"),
    "api-reports-track-review": ("POST", None, "NNNNNNNN"),
    "cases:triage_question": ("POST", "report", "ADNDDDND"),
    # --- planning and closure (PLAN) ---
    "cases:deadline_calendar_feed": ("POST", None, "AAAAAAAD"),
    "cases:closure_policy": ("GET", None, "AAADDDAD"),
    # --- case evidence (uploads, captures) ---
    "cases:case_evidence_add": ("POST", "case", "AANDDDND"),
    "cases:case_captures": ("GET", "case", "AANDDDND"),
    "cases:case_capture_add": ("POST", "case", "AANDDDND"),
    "api-case-evidence": ("POST", "case", "AANDDDND"),
    "api-case-captures": ("POST", "case", "AANDDDND"),
    # --- public ledger open data (LEDGER): no checkpoint in this world yet, so 404 for all;
    # the consistency proof without sizes is a 400 for everyone. ---
    "api-public-ledger-checkpoint": ("GET", None, "NNNNNNNN"),
    "api-public-ledger-consistency": ("GET", None, "AAAAAAAA"),
    # --- decisions reach the registry: link a case target ---
    "cases:case_target_link": ("GET", "case_target", "AANDDDND"),
    "cases:case_target_create": ("POST", "case_target", "AANDDDND"),
}


@dataclass
class Scene:
    users: dict[str, Any]
    kwargs: dict[str, dict[str, Any]]


def build_scene(world: Any) -> Scene:
    """Create one object of each kind the URL patterns take, all in Shenzhen."""
    from qinglang.core.services import notify
    from qinglang.registry.models import (
        Account,
        Intermediary,
        Practitioner,
        ViolationRecord,
        Website,
    )

    report = make_report(world.shenzhen_office)
    case = triage.accept_report(
        make_report(world.shenzhen_office, targets=[{"url": "https://other.example.cn/"}]),
        acting_user=world.shenzhen_user,
    )
    kwargs: dict[str, dict[str, Any]] = {
        "report": {"pk": report.pk},
        "case": {"pk": case.pk},
        "case_id": {"case_id": case.pk},
        "case_target": {"pk": case.pk, "target_id": case.targets.first().pk},
    }
    try:
        from qinglang.cases.services.tasks import create_task
        from qinglang.cases.services.transfers import request_extension, send_transfer
    except ImportError:
        pass
    else:
        transfer = send_transfer(
            case,
            recipient=world.police,
            kind="criminal_referral",
            instructions="请依法查处",
            acting_user=world.shenzhen_user,
        )
        extension = request_extension(
            transfer, days=3, reason="需要补充调查", acting_user=world.police_user
        )
        task = create_task(
            case,
            title="核查网站备案",
            acting_user=world.shenzhen_user,
            assignee_user=world.shenzhen_user,
        )
        kwargs |= {
            "transfer": {"pk": transfer.pk},
            "task": {"pk": task.pk},
            "extension": {"pk": transfer.pk, "extension_id": extension.pk},
        }
    from django.db import transaction

    from qinglang.core.ledger import events_for
    from qinglang.evidence.services import attach, store_bytes

    with transaction.atomic():
        note = notify(user=world.shenzhen_user, title="测试通知", verb="test")
        item = store_bytes(b"chat log", name="chat.txt", media_type="text/plain", kind="upload")
        attach(item, subject=("cases.case", case.pk), acting_user=world.shenzhen_user)
    kwargs |= {
        "item": {"pk": item.pk},
        "custody": {"subject_type": "cases.case", "subject_id": str(case.pk)},
        "package": {"source": "case", "identifier": case.number},
        "event": {"pk": events_for(case).first().pk},
    }
    website = Website.objects.create(name="示例资讯网", region=world.shenzhen)
    account = Account.objects.create(platform="微博", uid="baoliao", region=world.shenzhen)
    practitioner = Practitioner.objects.create(name="张某", region=world.shenzhen)
    intermediary = Intermediary.objects.create(
        kind="company", name="某公关公司", region=world.shenzhen
    )
    violation = ViolationRecord.objects.create(
        subject_kind="website",
        website=website,
        case_type="cases.case",
        case_id=str(case.pk),
        case_number=case.number,
        issuing_office=world.shenzhen_office,
        region_code="440300",
        legal_basis="《网络安全法》",
        measure="rectification_order",
        decided_on=dt.date(2026, 11, 1),
        effective_from=dt.date(2026, 11, 1),
    )
    kwargs |= {
        "notification": {"pk": note.pk},
        "website": {"pk": website.pk},
        "account": {"pk": account.pk},
        "practitioner": {"pk": practitioner.pk},
        "intermediary": {"pk": intermediary.pk},
        "violation": {"pk": violation.pk},
        "identifier": {"kind": "domain", "value": "example-news.cn"},
        "chart": {"chart": "overdue"},
    }
    # --- disclosure subjects (separate objects in Shenzhen) ---
    from tests.disclosure.factories import matrix_subjects

    kwargs |= matrix_subjects(world)
    kwargs |= _compliance_subjects(world, website)
    # --- supervision subjects ---
    from tests.supervision.factories import matrix_subjects

    kwargs |= matrix_subjects(world)
    kwargs |= _monitoring_subjects(world)
    kwargs |= _protection_scene(world)
    kwargs |= _accounts_subjects(world)
    from qinglang.cases.models import SavedFilter

    kwargs["saved_filter"] = {
        "pk": SavedFilter.objects.create(user=world.shenzhen_user, name="待办", query="").pk
    }
    users = {
        "same_office": world.shenzhen_user,
        "superior_office": world.guangdong_user,
        "other_region": world.beijing_user,
        "partner": world.police_user,
        "website": world.website_user,
        "enterprise": world.enterprise_user,
        "inspection": world.inspector,
        "anonymous": None,
    }
    return Scene(users=users, kwargs=kwargs)


# --- compliance subjects: a deletion request (with a flag) and an audit on the Shenzhen site ---
def _compliance_subjects(world: Any, website: Any) -> dict[str, dict[str, Any]]:
    from qinglang.compliance.models import Audit, DeletionRequest, Flag

    request = DeletionRequest.objects.create(
        website=website,
        puid="matrix-1",
        digest="0" * 64,
        received_at=dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC),
        channel="email",
        requester_kind="agent",
        requester_name="刘某",
        content_urls=["https://other.example.cn/"],
        reason="要求删除",
        decision="delete",
        received_by="甲",
        source="api",
        flag_codes=["no_legal_basis"],
        flagged=True,
    )
    flag = Flag.objects.create(request=request, code="no_legal_basis")
    audit = Audit.objects.create(
        website=website,
        office=world.shenzhen_office,
        period_start=dt.date(2026, 11, 1),
        period_end=dt.date(2026, 11, 30),
        size=1,
        seed=1,
        population=1,
        sample=[request.pk],
        created_by=world.shenzhen_user,
    )
    return {
        "compliance_request": {"pk": request.pk},
        "compliance_flag": {"pk": flag.pk},
        "compliance_audit": {"pk": audit.pk},
    }


def _monitoring_subjects(world: Any) -> dict[str, dict[str, Any]]:
    """Monitoring: a source watched by Shenzhen and a lead hit from stored sample text."""
    from tests.monitoring.factories import make_hit, make_source

    source = make_source(world.shenzhen_user, "https://bbs.example-news.cn/forum-1.html")
    hit = make_hit(source)
    return {"mon_source": {"pk": source.pk}, "mon_hit": {"pk": hit.pk}}


# --- accounts: a reset link, a signed-in session of the Shenzhen officer, a colleague ---
def _accounts_subjects(world: Any) -> dict[str, dict[str, Any]]:
    from django.utils import timezone

    from qinglang.core.models import UserSession
    from tests.core.factories import UserFactory

    now = timezone.now()
    session = UserSession.objects.create(
        user=world.shenzhen_user, session_key="m" * 32, signed_in_at=now, last_seen_at=now
    )
    member = UserFactory(username="t-shenzhen-2", organization=world.shenzhen_office)
    return {
        "reset_link": {"kind": "reset", "uidb64": "MQ", "token": "bad-token"},
        "user_session": {"pk": session.pk},
        "office_member": {"pk": member.pk},
    }


# --- protection: a pending registration, a verified enterprise's case, a failed claim ---
def _protection_scene(world: Any) -> dict[str, dict[str, Any]]:
    from qinglang.protection import services as protection
    from tests.protection.factories import (
        IMPOSTOR_EMAIL,
        extortion_report,
        registration,
        verified_enterprise,
    )

    pending = protection.register_enterprise(registration())
    verified = verified_enterprise(world.shenzhen_user, org=world.enterprise)
    pcase = protection.submit_enterprise_report(
        extortion_report(), acting_user=world.enterprise_user
    ).protection_case
    check = protection.check_claim(
        verified.uscc, {"email": IMPOSTOR_EMAIL}, acting_user=world.website_user
    ).check
    return {
        "enterprise": {"pk": pending.pk},
        "protection_case": {"pk": pcase.pk},
        "claim_check": {"pk": check.pk},
    }


def endpoint_names() -> set[str]:
    """Return the names of every URL pattern under the guarded prefixes."""
    names: set[str] = set()

    def walk(patterns: list, prefix: str, namespace: str | None) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern), p.namespace or namespace)
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                if route.startswith(PREFIXES):
                    names.add(f"{namespace}:{p.name}" if namespace else str(p.name))

    walk(get_resolver().url_patterns, "", None)
    return names


def classify(response: Any) -> str:
    code = response.status_code
    if code in (401, 403):
        return "D"
    if code == 404:
        return "N"
    if code in (301, 302) and "/staff/login/" in response.get("Location", ""):
        return "D"
    assert code < 500 and code != 405, f"{code} — wrong method declared or server error"
    return "A"


def test_every_endpoint_is_declared():
    missing = sorted(endpoint_names() - MATRIX.keys())
    assert not missing, f"declare these endpoints in MATRIX: {missing}"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_access(world, name):
    method, subject, expected = MATRIX[name]
    scene = build_scene(world)
    url = reverse(name, kwargs=scene.kwargs[subject] if subject else None)
    observed = dict.fromkeys(ROLES, "?")
    # Least privileged first, so the allowed roles' requests (which may change state) come last.
    for role in reversed(ROLES):
        client = Client()
        user = scene.users[role]
        if user is not None:
            login_verified(client, user)
        response = _send(client, method, url, api=":" not in name)
        observed[role] = classify(response)
    got = "".join(observed[r] for r in ROLES)
    assert got == expected, f"{name}: expected {expected}, got {got} ({', '.join(ROLES)})"


def _send(client: Client, method: str, url: str, *, api: bool) -> Any:
    if method == "GET":
        return client.get(url)
    if api:
        return client.post(url, data="{}", content_type="application/json")
    return client.post(url, {})
