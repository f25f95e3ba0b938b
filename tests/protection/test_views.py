"""Pages of enterprise protection: registration, verification, report flow, cases, guidance."""

from __future__ import annotations

import base64
import datetime as dt
import io

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from qinglang.core.models import User
from qinglang.protection import services
from qinglang.protection.models import Enterprise, EnterpriseStatus, ProtectionCase
from tests.core.auth import login_verified
from tests.protection.factories import extortion_report, make_uscc, verified_enterprise

pytestmark = pytest.mark.django_db

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def _form(**overrides):
    data = {
        "uscc": make_uscc(),
        "name": "深圳市示例科技有限公司",
        "legal_representative": "王某",
        "region": "440300",
        "contact_name": "李法务",
        "contact_email": "li@example-tech.cn",
        "contact_phone": "13800138000",
    }
    return data | overrides


def test_register_page_stores_the_licence(world, client):
    assert client.get("/protection/register/").status_code == 200
    data = _form(licence=SimpleUploadedFile("执照.png", PNG, content_type="image/png"))
    response = client.post("/protection/register/", data)
    assert response.status_code == 200 and 'id="register-done"' in response.content.decode()
    assert Enterprise.objects.get().licence is not None


def test_register_page_refuses_a_bad_code_and_a_missing_licence(world, client):
    response = client.post("/protection/register/", _form(uscc="91440300MA5D000001"))
    page = response.content.decode()
    assert "统一社会信用代码" in page and "营业执照" in page
    assert not Enterprise.objects.exists()


def test_office_verifies_in_the_browser(world, client):
    enterprise = services.register_enterprise(
        {
            "uscc": make_uscc(),
            "name": "深圳市示例科技有限公司",
            "legal_representative": "王某",
            "region": "440300",
            "contact": {"name": "李", "email": "li@example-tech.cn"},
        }
    )
    login_verified(client, world.shenzhen_user)
    assert (
        "深圳市示例科技有限公司" in client.get("/protection/office/enterprises/").content.decode()
    )
    page = client.get(f"/protection/office/enterprises/{enterprise.pk}/")
    assert page.status_code == 200
    response = client.post(
        f"/protection/office/enterprises/{enterprise.pk}/", {"approved": "no", "reason": ""}
    )
    assert response.status_code == 200
    enterprise.refresh_from_db()
    assert enterprise.status == EnterpriseStatus.PENDING
    client.post(f"/protection/office/enterprises/{enterprise.pk}/", {"approved": "yes"})
    enterprise.refresh_from_db()
    assert enterprise.status == EnterpriseStatus.VERIFIED
    other = Client()
    login_verified(other, world.beijing_user)
    assert other.get(f"/protection/office/enterprises/{enterprise.pk}/").status_code == 404
    login_verified(other, world.enterprise_user)
    assert other.get("/protection/office/enterprises/").status_code == 404


def test_activation_link_sets_a_password_once(world, client):
    enterprise = verified_enterprise(world.shenzhen_user)
    user = User.objects.get(organization=enterprise.organization)
    url = (
        f"/protection/activate/{urlsafe_base64_encode(force_bytes(user.pk))}/"
        f"{default_token_generator.make_token(user)}/"
    )
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"password1": "a-long-unusual-passphrase", "password2": "a-long-unusual-passphrase"}
    )
    assert response.status_code == 302 and response["Location"].endswith("/staff/login/")
    user.refresh_from_db()
    assert user.check_password("a-long-unusual-passphrase")
    assert client.get(url).status_code == 400
    assert client.get("/protection/activate/xx/yy/").status_code == 400


@pytest.fixture
def verified_client(world, client):
    verified_enterprise(world.shenzhen_user, org=world.enterprise)
    login_verified(client, world.enterprise_user)
    return client


def _report_form(**overrides):
    data = {
        "incident": "extortion_threat",
        "description": "自称记者的人要求支付两万元公关费，否则明天发布负面报道。",
        "account": "财经曝光哥",
        "platform": "微博",
        "amount": "20000",
        "channel": "微信转账",
        "deadline_at": timezone.localtime(timezone.now() + dt.timedelta(hours=20)).strftime(
            "%Y-%m-%dT%H:%M"
        ),
        "content_urls": "https://weibo.example.cn/p/9",
    }
    return data | overrides


def test_report_flow_tells_what_is_missing(world, verified_client):
    page = verified_client.get("/protection/report/").content.decode()
    assert "不要付钱" in page and "受理举报前我们核对的事项" in page
    response = verified_client.post(
        "/protection/report/", _report_form(amount="", channel="", account="", platform="")
    )
    page = response.content.decode()
    assert 'id="checklist-missing"' in page and "对方要多少钱" in page
    assert not ProtectionCase.objects.exists()


def test_report_flow_opens_an_urgent_case(world, verified_client):
    response = verified_client.post("/protection/report/", _report_form())
    pcase = ProtectionCase.objects.get()
    assert response.status_code == 302 and response["Location"] == pcase.get_absolute_url()
    page = verified_client.get(pcase.get_absolute_url()).content.decode()
    assert 'id="urgent-badge"' in page and pcase.report.tracking_code in page
    dashboard = verified_client.get("/protection/").content.decode()
    assert 'id="verified-badge"' in dashboard and pcase.report.tracking_code in dashboard


def test_report_flow_stores_several_files_and_refuses_a_disguised_one(world, verified_client):
    png = SimpleUploadedFile("截图.png", PNG, content_type="image/png")
    chat = SimpleUploadedFile("聊天.txt", "明天中午前打款".encode(), content_type="text/plain")
    fake = SimpleUploadedFile("转账.png", b"MZ\x90\x00" + b"\x00" * 60, content_type="image/png")
    response = verified_client.post("/protection/report/", _report_form(evidence=[png, fake]))
    assert response.status_code == 200 and not ProtectionCase.objects.exists()
    png.seek(0)
    response = verified_client.post("/protection/report/", _report_form(evidence=[png, chat]))
    assert response.status_code == 302
    from qinglang.evidence.selectors import items_for

    pcase = ProtectionCase.objects.get()
    assert items_for(("intake.report", pcase.report_id)).count() == 2


def test_unverified_enterprise_is_sent_to_public_reporting(world, client):
    login_verified(client, world.enterprise_user)
    page = client.get("/protection/report/").content.decode()
    assert "/report/" in page and "尚未通过认证" in page


def test_office_accepts_and_requests_a_measure(world, verified_client):
    pcase = services.submit_enterprise_report(
        extortion_report(), acting_user=world.enterprise_user
    ).protection_case
    office = Client()
    login_verified(office, world.shenzhen_user)
    office.post(f"/protection/cases/{pcase.pk}/accept/")
    pcase.refresh_from_db()
    assert pcase.case is not None
    office.post(
        f"/protection/cases/{pcase.pk}/measure/",
        {
            "recipient": world.website_operator.pk,
            "measure": "dispute_label",
            "instructions": "请加注争议标签。",
        },
    )
    transfer = pcase.case.transfers.get()
    assert transfer.kind == "interim_measure" and transfer.measure == "dispute_label"
    page = verified_client.get(f"/protection/cases/{pcase.pk}/").content.decode()
    assert "争议标签" in page and "请加注争议标签" not in page
    guessed = Client()
    login_verified(guessed, world.beijing_user)
    assert guessed.get(f"/protection/cases/{pcase.pk}/").status_code == 404
    assert guessed.post(f"/protection/cases/{pcase.pk}/accept/").status_code == 404


def test_contacts_and_colleagues_from_the_dashboard(world, verified_client):
    verified_client.post(
        "/protection/contacts/add/",
        {
            "kind": "person",
            "name": "刘法务",
            "email": "legal@demo-food.example.cn",
            "valid_from": "2026-01-01",
            "valid_until": "2027-12-31",
        },
    )
    verified_client.post(
        "/protection/contacts/add/",
        {"kind": "person", "name": "无效", "valid_from": "2027-01-01", "valid_until": "2026-01-01"},
    )
    enterprise = Enterprise.objects.get(organization=world.enterprise)
    assert list(enterprise.contacts.values_list("name", flat=True)) == ["刘法务"]
    verified_client.post("/protection/colleagues/add/", {"name": "王会计", "email": "w@x.cn"})
    assert User.objects.filter(username="w@x.cn", organization=world.enterprise).exists()


def test_guidance_and_checklist_pdf(world, client):
    page = client.get("/protection/guidance/").content.decode()
    assert "不要付钱" in page and 'id="evidence-checklist"' in page
    response = client.get("/protection/guidance/checklist.pdf?item=chats&item=urls")
    assert response["Content-Type"] == "application/pdf"
    from pypdf import PdfReader

    assert len(PdfReader(io.BytesIO(response.content)).pages) >= 1


def test_monthly_summary_for_offices_only(world, client, django_assert_max_num_queries):
    login_verified(client, world.guangdong_user)
    with django_assert_max_num_queries(20):
        response = client.get("/protection/office/summary/?month=2026-12")
    assert response.status_code == 200 and 'id="monthly-summary"' in response.content.decode()
    assert client.get("/protection/office/summary/?month=bad").status_code == 200
    other = Client()
    login_verified(other, world.website_user)
    assert other.get("/protection/office/summary/").status_code == 404
    assert Client().get("/protection/office/summary/").status_code == 302
