"""Browser: a victim enterprise registers, is verified, reports an extortion in progress, gets a
case due within a day and a dispute label from the website; an impostor's claim is told no.
"""

from __future__ import annotations

import base64
import datetime as dt
import time
from base64 import b32decode

from django.utils import timezone
from django_otp.oath import TOTP

from qinglang.cases.models import Transfer
from qinglang.cases.services import transfers
from qinglang.core.models import Notification, User
from qinglang.protection import services
from qinglang.protection.models import Enterprise, ProtectionCase
from tests.e2e.conftest import sign_in
from tests.protection.factories import IMPOSTOR_EMAIL, make_uscc

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
PASSWORD = "a-long-unusual-passphrase-2026"


def _code_for(secret: str) -> str:
    totp = TOTP(b32decode(secret))
    totp.time = time.time()
    return f"{totp.token():06d}"


def _page(new_page):  # type: ignore[no-untyped-def]
    """A page whose /favicon.ico request (the site has no icon) does not count as an error."""
    page = new_page()
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
    return page


def test_enterprise_is_protected_in_the_browser(world, new_page, console_errors):
    uscc = make_uscc()
    # 1. The owner registers the enterprise with its business licence.
    page = _page(new_page)
    page.goto("/protection/register/")
    page.fill("#id_uscc", uscc)
    page.fill("#id_name", "深圳市示例科技有限公司")
    page.fill("#id_legal_representative", "王某")
    page.fill("#id_region", "440300")
    page.set_input_files(
        "#id_licence", files=[{"name": "营业执照.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.fill("#id_contact_name", "李法务")
    page.fill("#id_contact_email", "li@example-tech.cn")
    page.fill("#id_contact_phone", "13800138000")
    page.click("#register-form button[type=submit]")
    page.wait_for_selector("#register-done")
    enterprise = Enterprise.objects.get(uscc=uscc)

    # 2. The Shenzhen office approves it.
    office = _page(new_page)
    sign_in(office, world.shenzhen_user)
    office.goto("/protection/office/enterprises/")
    office.click("text=深圳市示例科技有限公司")
    office.check("input[name=approved][value=yes]")
    office.click("#decision-form button[type=submit]")
    office.wait_for_url("**/protection/office/enterprises/")
    enterprise.refresh_from_db()
    assert enterprise.is_verified

    # 3. The owner chooses a password, signs in and enrols an authenticator.
    owner = User.objects.get(organization=enterprise.organization)
    link = Notification.objects.get(recipient_user=owner, verb="enterprise.activation").link
    page.goto(link)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/staff/login/")
    page.fill("#id_username", owner.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/staff/login/enrol/**")
    page.fill("#id_token", _code_for(page.inner_text("#totp-secret").strip()))
    page.click("main form button[type=submit]")
    page.wait_for_selector("#backup-codes")

    # 4. It reports an extortion whose deadline is tomorrow.
    page.goto("/protection/report/")
    page.check("input[name=incident][value=extortion_threat]")
    page.fill(
        "#id_description",
        "自称记者的微博账号“财经曝光哥”要求支付两万元“公关费”，否则明天中午发布负面报道。",
    )
    page.fill("#id_account", "财经曝光哥")
    page.fill("#id_platform", "微博")
    page.fill("#id_amount", "20000")
    page.fill("#id_channel", "微信转账")
    deadline = timezone.localtime(timezone.now() + dt.timedelta(hours=20))
    page.fill("#id_deadline_at", deadline.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_content_urls", "https://weibo.example.cn/p/9")
    page.set_input_files(
        "#id_evidence", files=[{"name": "聊天截图.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.click("#enterprise-report-form button[type=submit]")
    page.wait_for_selector("#urgent-badge")
    pcase = ProtectionCase.objects.get(enterprise=enterprise)
    assert pcase.urgent and pcase.deadline - pcase.created_at <= dt.timedelta(days=1)

    # 5. The office accepts it and asks the website for a dispute label.
    office.goto(f"/protection/cases/{pcase.pk}/")
    office.click("#accept-into-case")
    office.wait_for_selector("#interim-measure-form")
    office.select_option("#id_recipient", str(world.website_operator.pk))
    office.select_option("#id_measure", "dispute_label")
    office.fill("#id_instructions", "请对 https://weibo.example.cn/p/9 加注争议标签。")
    office.click("#interim-measure-form button[type=submit]")
    office.wait_for_selector("#case-transfers >> text=争议标签")
    transfer = Transfer.objects.get(case=ProtectionCase.objects.get(pk=pcase.pk).case)
    transfers.submit_feedback(
        transfer,
        summary="已加注争议标签。",
        measure_done=True,
        until=timezone.now() + dt.timedelta(days=7),
        acting_user=world.website_user,
    )

    # The owner sees the measure done, without the office's instructions.
    page.goto(f"/protection/cases/{pcase.pk}/")
    cell = page.inner_text("#case-transfers")
    assert "争议标签" in cell and "已加注争议标签。" in cell
    assert "请对 https://weibo" not in page.content()

    # 6. A website checking a claim from an impostor's e-mail is told no.
    services.add_authorised_contact(
        enterprise,
        name="李法务",
        email="li@example-tech.cn",
        valid_from=dt.date(2026, 1, 1),
        valid_until=dt.date(2030, 12, 31),
        acting_user=owner,
    )
    answer = services.check_claim(uscc, {"email": IMPOSTOR_EMAIL}, acting_user=world.website_user)
    assert answer.verified is False and answer.enterprise_name is None
    assert not console_errors
