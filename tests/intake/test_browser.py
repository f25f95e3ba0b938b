"""Browser (Debian's chromium): the report form on a phone screen, with the keyboard alone."""

from __future__ import annotations

import pytest

from qinglang.intake import services
from qinglang.intake.models import Report
from tests.e2e.conftest import browser, console_errors, new_page  # noqa: F401 - fixtures

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr(services, "enqueue_analysis", lambda report_id: None)


def _tab_to(page, selector: str, limit: int = 60) -> None:  # type: ignore[no-untyped-def]
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} is not reachable with Tab")


def test_keyboard_only_report_on_a_phone(new_page, world, console_errors):  # noqa: F811
    page = new_page(locale="en-US")
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/report/")
    assert page.evaluate(
        "() => { const m = document.querySelector('main'); return m.scrollWidth <= m.clientWidth; }"
    )

    # Submitting empty: the error summary takes the focus; its links lead to the fields.
    _tab_to(page, "#id_amount_demanded")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.name") == "category"

    # Choose a category with the arrow keys, then fill the rest with Tab and typing.
    page.keyboard.press("ArrowDown")
    assert page.is_checked("#id_category_1")
    _tab_to(page, "#id_targets-0-url")
    page.keyboard.type("https://bbs.example-bj.cn/t/9")
    _tab_to(page, "#add-target")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "id_targets-1-url"
    page.keyboard.type("https://another.example.cn/p/1")
    _tab_to(page, "#id_description")
    page.keyboard.type("有人报价三千元删除论坛帖子，先删后付，微信 shantie888。")
    _tab_to(page, "#id_amount_demanded")
    page.keyboard.type("3000")
    with page.expect_navigation(url="**/report/done/"):
        page.keyboard.press("Enter")
    code = page.inner_text("#tracking-code").strip()
    report = Report.objects.get(tracking_code=code)
    assert report.category == "paid_deletion" and report.targets.count() == 2
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors
