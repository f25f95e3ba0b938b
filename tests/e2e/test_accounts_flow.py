"""Browser: password reset by e-mail (second factor still asked), and the fresh-code prompt."""

from __future__ import annotations

import re
import time
from importlib import import_module

from django.conf import settings as django_settings
from django.core import mail

from qinglang.core import tasks
from qinglang.core.fresh import FRESH_SESSION_KEY
from qinglang.core.models import IdentityAccessLog
from tests.cases.factories import make_report
from tests.core.auth import otp_device
from tests.e2e.conftest import current_totp, sign_in

NEW_PASSWORD = "Qingshui-river-2026!"
PHONE = "+8613800138000"


def test_password_reset_by_email_then_sign_in_with_the_second_factor(
    new_page, world, live_server, settings, monkeypatch
):
    settings.QINGLANG_BASE_URL = live_server.url
    monkeypatch.setattr(
        tasks.send_password_link, "delay", lambda **kw: tasks.send_password_link(**kw)
    )
    user = world.beijing_user
    otp_device(user)
    page = new_page(locale="en-US")
    page.goto("/staff/login/")
    page.click("#forgot-password")
    page.wait_for_url("**/staff/login/reset/")
    page.fill("#id_email", user.email)
    page.click("main button[type=submit]")
    assert "on its way" in page.inner_text("#reset-sent")
    (message,) = mail.outbox
    (link,) = re.findall(r"https?://\S+", message.body)
    assert link.startswith(live_server.url)

    page.goto(link)
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/staff/login/")
    assert "authenticator" in page.inner_text("main")

    page.goto(link)  # used once: refused clearly
    assert "not valid" in page.inner_text("#link-error")

    sign_in(page, user, password=NEW_PASSWORD)  # both steps: the code is still asked
    assert page.url.endswith("/staff/")


def _make_stale(page) -> None:  # type: ignore[no-untyped-def]
    key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    store = import_module(django_settings.SESSION_ENGINE).SessionStore(session_key=key)
    store[FRESH_SESSION_KEY] = time.time() - 20 * 60
    store.save()


def test_stale_code_prompts_before_the_contact_is_revealed(new_page, world):
    report = make_report(world.shenzhen_office, contact_phone=PHONE)
    user = world.shenzhen_user
    page = new_page(locale="en-US")
    sign_in(page, user)
    _make_stale(page)
    page.goto(f"/cases/triage/{report.pk}/")
    page.click("#contact-slot button[type=submit]")
    page.wait_for_url("**/staff/security/confirm/**")
    assert "15 minutes" in page.inner_text("#reverify-why")
    assert not IdentityAccessLog.objects.exists()

    page.fill("#id_token", "000000")
    page.click("main button[type=submit]")
    assert "not valid" in page.inner_text("main")
    page.fill("#id_token", current_totp(user))
    page.click("main button[type=submit]")
    page.wait_for_url(f"**/cases/triage/{report.pk}/")
    page.click("#contact-slot button[type=submit]")
    page.wait_for_selector(f"#contact-slot :text('{PHONE}')")
    assert IdentityAccessLog.objects.filter(user=user).count() == 1
