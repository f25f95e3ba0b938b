"""Browser tests: Django's live server (static files served) and Debian's chromium via Playwright.

Every test in this directory is marked `e2e`. Playwright's sync API runs an event loop in the
test thread, so Django's async-safety guard is relaxed while a module's browser runs (tests only).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest
from django.conf import settings
from django_otp.oath import TOTP

from qinglang.core.models import User
from tests.core.auth import otp_device
from tests.core.factories import PASSWORD
from tests.services import require_chromium

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """Launch Debian's chromium once per test module (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    executable = getattr(settings, "QINGLANG_CHROMIUM", "") or "/usr/bin/chromium"
    require_chromium(executable)
    # Only while the browser runs: other tests must keep Django's guard (and subprocesses
    # must not inherit the variable).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def console_errors() -> list[str]:
    """Collect browser console errors (CSP violations show up here)."""
    return []


@pytest.fixture
def new_page(browser, live_server, console_errors):  # type: ignore[no-untyped-def]
    """Return a factory of pages, each in a fresh context (separate cookies) on the live server."""
    contexts = []

    def make(locale: str = "zh-CN"):  # type: ignore[no-untyped-def]
        context = browser.new_context(base_url=live_server.url, locale=locale)
        context.set_default_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda msg: msg.type == "error" and console_errors.append(msg.text))
        page.on("pageerror", lambda exc: console_errors.append(str(exc)))
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):  # type: ignore[no-untyped-def]
    return new_page()


def current_totp(user: User) -> str:
    """Return the code the user's authenticator app would show now (a fresh 30 s window)."""
    device = otp_device(user)
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if totp.t() <= device.last_t:  # this window's code was used already: wait for the next
        time.sleep(device.step - (time.time() - device.t0) % device.step + 0.5)
        totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def sign_in(page, user: User, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    """Sign a staff user in through both steps of the real form (password, then TOTP)."""
    otp_device(user)
    page.goto("/staff/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_url("**/staff/login/verify/")
    page.fill("#id_token", current_totp(user))
    page.click("main button[type=submit]")
    page.wait_for_url("**/staff/")
