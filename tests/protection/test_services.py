"""Services of enterprise protection: every rule, every refusal, the ledger, the side effects."""

from __future__ import annotations

import base64
import datetime as dt
import io

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from qinglang.cases.models import Urgency
from qinglang.cases.services import transfers, triage
from qinglang.core import ledger
from qinglang.core.models import LedgerEvent, Notification, Organization, User
from qinglang.evidence.models import WebCapture
from qinglang.intake.models import Report
from qinglang.intake.services import submit_report
from qinglang.protection import guidance, selectors, services
from qinglang.protection.models import (
    AcceptanceCondition,
    ClaimCheck,
    Enterprise,
    EnterpriseStatus,
    MeasureReminder,
    ProtectionAlert,
    ProtectionCase,
)
from qinglang.registry.models import IdentifierOccurrence
from tests.protection.factories import (
    IMPOSTOR_EMAIL,
    extortion_report,
    make_uscc,
    registration,
    verified_enterprise,
)

pytestmark = pytest.mark.django_db

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
PE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56 + b"This program cannot be run in DOS mode"


def _png(name: str = "执照.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


# --- registration --------------------------------------------------------------------------


def test_registration_with_licence_is_pending_and_recorded(world):
    enterprise = services.register_enterprise(registration(), licence=_png(), licence_required=True)
    assert enterprise.status == EnterpriseStatus.PENDING
    assert enterprise.licence is not None and enterprise.licence.media_type == "image/png"
    assert ledger.events_for(enterprise).get().action == "enterprise.registered"
    assert Notification.objects.filter(
        recipient_organization=world.shenzhen_office, verb="enterprise.registered"
    ).exists()


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"uscc": "91440300MA5D000001"}, "uscc"),  # wrong check digit
        ({"uscc": "123"}, "uscc"),
        ({"region": "999999"}, "region"),
        ({"name": ""}, "name"),
        ({"contact": {"name": "李", "email": "not-an-email"}}, "contact.email"),
        ({"contact": {"name": "李", "email": "a@b.cn", "phone": "12"}}, "contact.phone"),
        ({"contact": "李"}, "contact"),
    ],
)
def test_bad_registration_is_refused_and_nothing_stored(world, override, field):
    with pytest.raises(ValidationError) as exc:
        services.register_enterprise(registration(**override))
    assert field in exc.value.message_dict
    assert not Enterprise.objects.exists() and not LedgerEvent.objects.exists()


@pytest.mark.parametrize(
    ("upload", "fragment"),
    [
        (SimpleUploadedFile("执照.png", PE, content_type="image/png"), ""),
        (SimpleUploadedFile("执照.txt", "纯文本".encode(), content_type="text/plain"), "图片"),
        (None, "营业执照"),
    ],
)
def test_disguised_or_missing_licence_is_refused(world, upload, fragment):
    with pytest.raises(ValidationError) as exc:
        services.register_enterprise(registration(), licence=upload, licence_required=True)
    assert exc.value.message_dict["licence"]
    assert fragment in " ".join(exc.value.message_dict["licence"])
    assert not Enterprise.objects.exists()


# --- verification --------------------------------------------------------------------------


def test_approval_creates_organization_and_passwordless_user(world):
    enterprise = services.register_enterprise(registration())
    services.verify_enterprise(enterprise, approved=True, acting_user=world.guangdong_user)
    enterprise.refresh_from_db()
    org = enterprise.organization
    assert enterprise.status == EnterpriseStatus.VERIFIED and org.kind == "enterprise"
    assert org.uscc == enterprise.uscc and org.region == world.shenzhen
    user = User.objects.get(organization=org)
    assert user.username == "li@example-tech.cn" and not user.has_usable_password()
    assert selectors.enterprise_for_user(user) == enterprise
    note = Notification.objects.get(recipient_user=user)
    assert "/protection/activate/" in note.link


def test_other_region_may_not_verify_and_nothing_changes(world):
    enterprise = services.register_enterprise(registration())
    with pytest.raises(PermissionDenied):
        services.verify_enterprise(enterprise, approved=True, acting_user=world.beijing_user)
    enterprise.refresh_from_db()
    assert enterprise.status == EnterpriseStatus.PENDING and enterprise.organization is None
    assert not Organization.objects.filter(uscc=enterprise.uscc).exists()


def test_rejection_needs_a_reason_and_mails_it(world, django_capture_on_commit_callbacks):
    enterprise = services.register_enterprise(registration())
    with pytest.raises(ValidationError) as exc:
        services.verify_enterprise(enterprise, approved=False, acting_user=world.shenzhen_user)
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.verify_enterprise(enterprise, approved="yes", acting_user=world.shenzhen_user)
    enterprise.refresh_from_db()
    assert enterprise.status == EnterpriseStatus.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        services.verify_enterprise(
            enterprise,
            approved=False,
            reason="营业执照与企业名称不一致。",
            acting_user=world.shenzhen_user,
        )
    enterprise.refresh_from_db()
    assert enterprise.status == EnterpriseStatus.REJECTED
    assert mail.outbox[-1].to == ["li@example-tech.cn"]
    assert "营业执照与企业名称不一致" in mail.outbox[-1].body
    with pytest.raises(ValidationError):
        services.verify_enterprise(enterprise, approved=True, acting_user=world.shenzhen_user)


def test_a_second_enterprise_with_the_same_code_cannot_be_verified(world):
    first = verified_enterprise(world.shenzhen_user)
    copy = services.register_enterprise(
        registration(uscc=first.uscc, contact={"name": "某", "email": "x@example.cn"})
    )
    assert selectors.verified_duplicate(copy) == first
    with pytest.raises(ValidationError):
        services.verify_enterprise(copy, approved=True, acting_user=world.shenzhen_user)
    copy.refresh_from_db()
    assert copy.status == EnterpriseStatus.PENDING


def test_colleagues_get_accounts_only_from_members(world):
    enterprise = verified_enterprise(world.shenzhen_user)
    owner = User.objects.get(organization=enterprise.organization)
    with pytest.raises(PermissionDenied):
        services.add_enterprise_user(
            enterprise, name="王", email="w@example.cn", acting_user=world.enterprise_user
        )
    colleague = services.add_enterprise_user(
        enterprise, name="王会计", email="Wang@Example-Tech.cn", acting_user=owner
    )
    assert colleague.organization == enterprise.organization
    assert colleague.role == "enterprise_user"
    with pytest.raises(ValidationError):
        services.add_enterprise_user(
            enterprise, name="王", email="wang@example-tech.cn", acting_user=owner
        )
    with pytest.raises(ValidationError):
        services.add_enterprise_user(enterprise, name="", email="bad", acting_user=owner)
    assert User.objects.filter(organization=enterprise.organization).count() == 2


def test_first_password_is_set_once(world):
    enterprise = verified_enterprise(world.shenzhen_user)
    owner = User.objects.get(organization=enterprise.organization)
    with pytest.raises(ValidationError):
        services.set_first_password(owner, password="123")
    services.set_first_password(owner, password="a-long-and-unusual-passphrase")
    owner.refresh_from_db()
    assert owner.check_password("a-long-and-unusual-passphrase")
    with pytest.raises(PermissionDenied):
        services.set_first_password(owner, password="another-long-passphrase-x")


# --- authorised contacts and claim checks --------------------------------------------------


@pytest.fixture
def listed(world):
    """A verified enterprise (the world's enterprise org) with one authorised contact."""
    enterprise = verified_enterprise(world.shenzhen_user, org=world.enterprise)
    services.add_authorised_contact(
        enterprise,
        name="刘法务",
        email="legal@demo-food.example.cn",
        phone="13800138000",
        valid_from=dt.date(2026, 1, 1),
        valid_until=dt.date(2030, 12, 31),
        acting_user=world.enterprise_user,
    )
    return enterprise


@pytest.mark.parametrize(
    "kwargs",
    [
        {"name": "", "email": "a@b.cn"},
        {"name": "甲"},
        {"name": "甲", "email": "nope"},
        {"name": "甲", "phone": "12"},
        {"name": "甲", "email": "a@b.cn", "valid_until": dt.date(2025, 1, 1)},
        {"name": "甲", "email": "a@b.cn", "kind": "boss"},
    ],
)
def test_bad_contact_is_refused(world, listed, kwargs):
    params = {"valid_from": dt.date(2026, 1, 1), "valid_until": dt.date(2026, 12, 31)} | kwargs
    with pytest.raises(ValidationError):
        services.add_authorised_contact(listed, acting_user=world.enterprise_user, **params)
    assert listed.contacts.count() == 1


def test_claim_answers_yes_with_validity_never_the_contacts(world, listed):
    answer = services.check_claim(
        listed.uscc, {"email": "LEGAL@demo-food.example.cn"}, acting_user=world.website_user
    )
    assert answer.verified and answer.valid_until == dt.date(2030, 12, 31)
    assert answer.enterprise_name == listed.name
    by_phone = services.check_claim(
        listed.uscc, {"phone": "138 0013 8000"}, acting_user=world.website_user
    )
    assert by_phone.verified
    assert ledger.events_for(answer.check).get().action == "enterprise.claim_checked"


def test_unknown_code_reads_like_a_wrong_contact(world, listed):
    impostor = services.check_claim(
        listed.uscc, {"email": IMPOSTOR_EMAIL}, acting_user=world.website_user
    )
    unknown = services.check_claim(
        make_uscc(), {"email": "legal@demo-food.example.cn"}, acting_user=world.website_user
    )
    for answer in (impostor, unknown):
        assert (answer.verified, answer.enterprise_name, answer.valid_until) == (False, None, None)
    assert ClaimCheck.objects.count() == 2


def test_expired_or_revoked_contacts_do_not_verify(world, listed):
    contact = listed.contacts.get()
    services.add_authorised_contact(
        listed,
        name="过期代理",
        email="old@agent.example.cn",
        valid_from=dt.date(2020, 1, 1),
        valid_until=dt.date(2021, 1, 1),
        acting_user=world.enterprise_user,
    )
    assert not services.check_claim(
        listed.uscc, {"email": "old@agent.example.cn"}, acting_user=world.website_user
    ).verified
    services.revoke_authorised_contact(contact, acting_user=world.enterprise_user)
    assert not services.check_claim(
        listed.uscc, {"email": "legal@demo-food.example.cn"}, acting_user=world.website_user
    ).verified
    with pytest.raises(ValidationError):
        services.revoke_authorised_contact(contact, acting_user=world.enterprise_user)


@pytest.mark.parametrize(
    "contact",
    [
        {"email": "a@b.cn", "phone": "13800138000"},
        {},
        "a@b.cn",
        {"email": "not-an-email"},
        {"phone": "12"},
        {"wechat": "abc"},
    ],
)
def test_malformed_claims_are_refused_and_not_logged(world, listed, contact):
    with pytest.raises(ValidationError):
        services.check_claim(listed.uscc, contact, acting_user=world.website_user)
    assert not ClaimCheck.objects.exists()


def test_only_websites_check_claims(world, listed):
    for user in (world.enterprise_user, world.shenzhen_user, world.police_user):
        with pytest.raises(PermissionDenied):
            services.check_claim(listed.uscc, {"email": "a@b.cn"}, acting_user=user)
    assert not ClaimCheck.objects.exists()


def test_failed_claim_becomes_a_broker_lead(world, listed):
    check = services.check_claim(
        listed.uscc, {"email": IMPOSTOR_EMAIL}, acting_user=world.website_user
    ).check
    services.report_claim_as_lead(check, acting_user=world.website_user)
    occurrence = IdentifierOccurrence.objects.get(source_type="protection.claimcheck")
    assert occurrence.identifier.value == IMPOSTOR_EMAIL
    check.refresh_from_db()
    assert check.lead_at is not None
    with pytest.raises(ValidationError):
        services.report_claim_as_lead(check, acting_user=world.website_user)
    good = services.check_claim(
        listed.uscc, {"email": "legal@demo-food.example.cn"}, acting_user=world.website_user
    ).check
    with pytest.raises(ValidationError):
        services.report_claim_as_lead(good, acting_user=world.website_user)
    with pytest.raises(PermissionDenied):
        services.report_claim_as_lead(check, acting_user=world.enterprise_user)


# --- enterprise reports ---------------------------------------------------------------------


def test_urgent_report_gets_a_one_day_case_and_the_office_is_told(
    world, listed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        result = services.submit_enterprise_report(
            extortion_report(content_urls=["https://weibo.example.cn/p/9"]),
            acting_user=world.enterprise_user,
        )
    pcase = result.protection_case
    assert pcase.urgent and pcase.report.channel == "enterprise"
    assert pcase.office == world.shenzhen_office == pcase.report.office
    assert pcase.deadline - pcase.created_at < dt.timedelta(days=1, seconds=5)
    assert pcase.demand_amount == 20000 and pcase.demand_channel == "微信转账"
    assert pcase.accounts == ["财经曝光哥"] and pcase.fingerprints[0]
    assert WebCapture.objects.filter(
        subject_type="protection.protectioncase", url="https://weibo.example.cn/p/9"
    ).exists()
    note = Notification.objects.get(verb="protection.urgent")
    assert note.recipient_organization == world.shenzhen_office
    assert ledger.events_for(pcase).get().data["urgent"] is True


def test_a_distant_deadline_is_not_urgent(world, listed):
    later = (timezone.now() + dt.timedelta(days=5)).isoformat()
    body = extortion_report(demand={"amount": "20000", "deadline_at": later})
    pcase = services.submit_enterprise_report(body, acting_user=world.enterprise_user)
    pcase = pcase.protection_case
    assert not pcase.urgent and pcase.deadline - pcase.created_at > dt.timedelta(days=4)
    assert Notification.objects.filter(verb="protection.opened").exists()


def test_the_owner_is_told_which_condition_is_missing(world, listed):
    body = extortion_report(demand=None, targets=[{"platform": "微博"}])
    with pytest.raises(services.EnterpriseReportInvalidError) as exc:
        services.submit_enterprise_report(body, acting_user=world.enterprise_user)
    codes = {c.code for c in exc.value.missing}
    assert codes == {"identifies-target", "has-evidence", "states-demand"}
    assert "对方要多少钱" in " ".join(exc.value.detail["checklist"])
    assert not Report.objects.exists() and not ProtectionCase.objects.exists()


def test_a_disabled_condition_no_longer_blocks(world, listed):
    AcceptanceCondition.objects.filter(code="states-demand").update(is_active=False)
    body = extortion_report(demand=None)
    assert services.submit_enterprise_report(body, acting_user=world.enterprise_user)


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"demand": {"amount": "lots"}}, "demand"),
        ({"demand": {"deadline_at": "tomorrow"}}, "demand"),
        ({"demand": "20000"}, "demand"),
        ({"urgent": "yes"}, "urgent"),
        ({"incident": "gossip"}, "incident"),
        ({"content_urls": ["javascript:alert(1)"]}, "content_urls"),
        ({"content_urls": "https://a.cn"}, "content_urls"),
        ({"category": "nonsense"}, "category"),
    ],
)
def test_bad_report_fields_are_refused(world, listed, override, field):
    with pytest.raises(services.EnterpriseReportInvalidError) as exc:
        services.submit_enterprise_report(
            extortion_report(**override), acting_user=world.enterprise_user
        )
    assert field in exc.value.detail
    assert not ProtectionCase.objects.exists()


def test_only_verified_enterprises_report_here(world):
    with pytest.raises(PermissionDenied):
        services.submit_enterprise_report(extortion_report(), acting_user=world.enterprise_user)
    with pytest.raises(PermissionDenied):
        services.submit_enterprise_report(extortion_report(), acting_user=world.shenzhen_user)
    assert not Report.objects.exists()


def test_acceptance_through_triage_links_the_case_and_marks_it_in_progress(world, listed):
    pcase = services.submit_enterprise_report(
        extortion_report(), acting_user=world.enterprise_user
    ).protection_case
    case = triage.accept_report(pcase.report, acting_user=world.shenzhen_user)
    pcase.refresh_from_db()
    assert pcase.case == case and case.urgency == "normal"
    case.refresh_from_db()
    assert case.urgency == Urgency.IN_PROGRESS
    assert ledger.events_for(pcase).filter(action="protection.linked").exists()
    with pytest.raises(ValidationError):
        services.accept_into_case(pcase, acting_user=world.shenzhen_user)


def test_the_enterprise_sees_transfers_but_not_instructions(world, listed):
    pcase = services.submit_enterprise_report(
        extortion_report(), acting_user=world.enterprise_user
    ).protection_case
    case = services.accept_into_case(pcase, acting_user=world.shenzhen_user)
    transfers.send_transfer(
        case,
        recipient=world.police,
        kind="criminal_referral",
        instructions="内部：嫌疑人另有前科，请优先核查。",
        acting_user=world.shenzhen_user,
    )
    pcase.refresh_from_db()
    view = selectors.curated_view(pcase, world.enterprise_user)
    assert view["transfers"][0]["recipient"] == "北京市公安局"
    assert "前科" not in str(view)
    assert selectors.protection_cases_visible_to(world.police_user).get() == pcase
    assert not selectors.protection_cases_visible_to(world.telecom_user).exists()
    assert not selectors.protection_cases_visible_to(world.beijing_user).exists()
    assert selectors.protection_cases_visible_to(world.guangdong_user).get() == pcase


# --- reappearance, reminders, summary, PDF -------------------------------------------------


def test_reposted_content_raises_one_alert(world, listed):
    pcase = services.submit_enterprise_report(
        extortion_report(), acting_user=world.enterprise_user
    ).protection_case
    services.check_report_reappearance(pcase.report)
    assert not ProtectionAlert.objects.exists()  # its own report is not a reappearance
    repost = submit_report(
        {
            "category": "extortion",
            "description": extortion_report()["description"],
            "targets": [{"url": "https://bbs.example-other.cn/t/7"}],
        }
    ).report
    new_account = submit_report(
        {
            "category": "other",
            "description": "另一个账号发布了类似内容，内容完全不同的一段文字。",
            "targets": [{"platform": "微博", "account": "财经曝光哥"}],
        }
    ).report
    from qinglang.intake.services import analyse_report

    analyse_report(repost.pk)
    analyse_report(new_account.pk)
    alerts = {a.source_id: a.kind for a in ProtectionAlert.objects.all()}
    assert alerts == {str(repost.pk): "near_duplicate", str(new_account.pk): "same_account"}
    services.check_report_reappearance(repost)
    assert ProtectionAlert.objects.count() == 2
    assert (
        Notification.objects.filter(
            verb="protection.alert", recipient_organization=world.enterprise
        ).count()
        == 2
    )


def _granted_measure(world, listed, *, until):
    pcase = services.submit_enterprise_report(
        extortion_report(), acting_user=world.enterprise_user
    ).protection_case
    case = services.accept_into_case(pcase, acting_user=world.shenzhen_user)
    transfer = transfers.send_transfer(
        case,
        recipient=world.website_operator,
        kind="interim_measure",
        measure="dispute_label",
        instructions="请加注争议标签。",
        acting_user=world.shenzhen_user,
    )
    transfers.submit_feedback(
        transfer,
        summary="已加注。",
        measure_done=True,
        until=until,
        acting_user=world.website_user,
    )
    return pcase, transfer


def test_expiring_measures_are_reminded_once(world, listed):
    now = timezone.now()
    _, transfer = _granted_measure(world, listed, until=now + dt.timedelta(hours=30))
    assert services.remind_measure_expiries(now=now) == 0
    later = now + dt.timedelta(hours=10)
    assert services.remind_measure_expiries(now=later) == 1
    assert services.remind_measure_expiries(now=later) == 0
    assert MeasureReminder.objects.get().transfer == transfer
    assert Notification.objects.filter(
        verb="protection.measure_expiring", recipient_organization=world.enterprise
    ).exists()
    rows = selectors.measures_for_enterprise(world.enterprise_user)
    assert rows[0]["done"] is True and rows[0]["until"] is not None


def test_monthly_summary_counts_the_offices_work(world, listed):
    _granted_measure(world, listed, until=timezone.now() + dt.timedelta(days=3))
    summary = selectors.monthly_summary(world.shenzhen_user, selectors.current_month())
    assert (summary.cases, summary.urgent, summary.measures_granted) == (1, 1, 1)
    assert summary.median_hours_to_first_action is not None
    assert selectors.monthly_summary(world.beijing_user, selectors.current_month()).cases == 0


def test_checklist_pdf_without_cjk_font_is_written_in_english():
    data = guidance.checklist_pdf({"chats"}, font=None) if guidance.cjk_font() is None else None
    if data is None:
        pytest.skip("a CJK font is installed; the Chinese path is used")
    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert data.startswith(b"%PDF") and "[x] Chat records" in text
    assert "[ ] Screenshots" in text


def test_protection_case_follows_its_case_and_stays_watched_when_closed(world, listed):
    from qinglang.cases.services import lifecycle

    pcase = services.submit_enterprise_report(
        extortion_report(), acting_user=world.enterprise_user
    ).protection_case
    case = services.accept_into_case(pcase, acting_user=world.shenzhen_user)
    lifecycle.close_case(
        case,
        acting_user=world.shenzhen_user,
        outcome="violation_confirmed",
        closure_summary="账号已关闭。",
        public_result="经查，该账号以发布负面信息相威胁索要钱财，已关闭账号并移送公安机关。",
    )
    pcase.refresh_from_db()
    assert pcase.status == "closed"
    view = selectors.curated_view(
        selectors.get_protection_case_for(world.enterprise_user, pcase.pk), world.enterprise_user
    )
    assert "已关闭账号" in view["result"]["public_result"]
    alerts = services.check_reappearance(
        "新账号再次发布", source=("monitoring.hit", 1), accounts=["财经曝光哥"]
    )
    assert [a.kind for a in alerts] == ["same_account"]
    lifecycle.reopen_case(case, acting_user=world.shenzhen_user, reason="新账号再次出现。")
    pcase.refresh_from_db()
    assert pcase.status == "open"
