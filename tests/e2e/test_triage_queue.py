"""Browser: the triage queue — bulk accept of three reports, and the keyboard shortcuts."""

from __future__ import annotations

from qinglang.intake.models import Report, ReportStatus
from tests.cases.factories import make_report
from tests.e2e.conftest import sign_in


def _errors(errors: list[str]) -> list[str]:
    """Return the console errors that are not the browser asking for /favicon.ico."""
    return [e for e in errors if "status of 404" not in e]


def _reports(world, n: int) -> list[Report]:  # type: ignore[no-untyped-def]
    return [
        make_report(world.beijing_office, targets=[{"url": f"https://bbs.q{i}-bj.cn/t/1"}])
        for i in range(n)
    ]


def test_bulk_accept_three_reports(new_page, world, console_errors):
    reports = _reports(world, 3)
    page = new_page()
    sign_in(page, world.beijing_user)
    page.goto("/cases/triage/")
    assert "3 件举报待决定" in page.inner_text("#queue-count")
    for r in reports:
        page.check(f"input[name=ids][value='{r.pk}']")
    page.select_option("#bulk-form select[name=action]", "accept")
    page.click("#bulk-submit")
    page.wait_for_load_state("load")
    assert "已完成 3 件举报" in page.inner_text("main")
    assert (
        Report.objects.filter(pk__in=[r.pk for r in reports], status=ReportStatus.ACCEPTED).count()
        == 3
    )
    assert "0 件举报待决定" in page.inner_text("#queue-count")
    assert _errors(console_errors) == []


def test_keyboard_shortcuts_move_accept_and_help(new_page, world, console_errors):
    reports = _reports(world, 2)
    page = new_page()
    sign_in(page, world.beijing_user)
    page.goto("/cases/triage/")
    page.keyboard.press("?")
    page.wait_for_selector("#shortcut-help.show")
    assert "键盘快捷键" in page.inner_text("#shortcut-help")
    page.click("#shortcut-help .btn-close")
    page.wait_for_selector("#shortcut-help", state="hidden")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    first = page.locator("tr.table-active")
    assert first.count() == 1
    chosen = int(first.get_attribute("data-report-id"))
    page.keyboard.press("a")
    page.wait_for_load_state("load")
    page.wait_for_selector("#queue-count")
    assert Report.objects.get(pk=chosen).status == ReportStatus.ACCEPTED
    other = next(r for r in reports if r.pk != chosen)
    assert Report.objects.get(pk=other.pk).status == ReportStatus.RECEIVED
    # s on the queue opens the report at its assignee form.
    page.keyboard.press("j")
    page.keyboard.press("s")
    page.wait_for_url(f"**/cases/triage/{other.pk}/#assign-form")
    # Ctrl-K: the quick search jumps to the report by its tracking code.
    page.goto("/cases/triage/")
    page.keyboard.press("Control+k")
    page.wait_for_selector("#quick-search.show")
    page.fill("#quick-search-q", other.tracking_code)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/cases/triage/{other.pk}/")
    assert _errors(console_errors) == []
