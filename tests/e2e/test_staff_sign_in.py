"""Browser: staff two-factor sign-in and the workbench, with no CSP violation on the way."""

from __future__ import annotations

from tests.core.auth import otp_device
from tests.core.factories import PASSWORD
from tests.e2e.conftest import sign_in


def test_staff_signs_in_with_two_factors(page, world, console_errors):
    page.goto("/staff/")
    page.wait_for_url("**/staff/login/?next=/staff/")
    sign_in(page, world.beijing_user)
    assert "北京市网信办" in page.inner_text("#whoami")
    assert page.locator('#work-areas a[href="/cases/triage/"]').count() == 1
    assert page.evaluate("typeof htmx") == "object"  # static files served by the live server
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors


def test_wrong_code_keeps_the_door_shut(new_page, world):
    page = new_page(locale="en-US")
    otp_device(world.beijing_user)
    page.goto("/staff/login/")
    page.fill("#id_username", world.beijing_user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/staff/login/verify/")
    page.fill("#id_token", "000000")
    page.click("main button[type=submit]")
    assert "not valid" in page.inner_text("main")
    page.goto("/staff/")
    assert "/staff/login/" in page.url
