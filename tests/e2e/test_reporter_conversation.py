"""Browser: staff ask an anonymous reporter a question; the reporter answers with a file on the
tracking page; staff read the answer and see the file in the report's evidence."""

from __future__ import annotations

from tests.e2e.conftest import sign_in
from tests.e2e.test_report_flow import PNG, track


def test_question_answer_with_a_file_and_staff_see_it(new_page, world, console_errors):
    reporter = new_page()
    reporter.goto("/report/")
    reporter.check("input[name=category][value=paid_deletion]")
    reporter.fill("#id_targets-0-url", "https://news.example-bj.cn/a/456.html")
    reporter.fill("#id_targets-0-icp_number", "京ICP备12345678号-1")
    reporter.fill("#id_description", "有人在微信上报价两千元删除关于我店的差评帖，要求先付一半。")
    reporter.set_input_files(
        "#id_evidence", files=[{"name": "报价截图.png", "mimeType": "image/png", "buffer": PNG}]
    )
    reporter.click("form.report-form button[type=submit]")
    reporter.wait_for_url("**/report/done/**")
    assert "报价截图.png" in reporter.inner_text("#receipt-files")
    assert reporter.locator("#print-receipt").is_visible()
    code = reporter.inner_text("#tracking-code").strip()
    key = reporter.inner_text("#access-key").strip()

    staff = new_page()
    sign_in(staff, world.beijing_user)
    staff.goto("/cases/triage/")
    staff.click(f"text={code}")
    staff.wait_for_url("**/cases/triage/*/")
    staff.fill("#id_question", "请提供对方的微信号和付款记录。")
    staff.click("#question-form button[type=submit]")
    staff.wait_for_url("**/cases/triage/*/")
    assert "请提供对方的微信号和付款记录。" in staff.inner_text("#staff-conversation")

    track(reporter, code, key)
    assert "请提供对方的微信号和付款记录。" in reporter.inner_text("#conversation")
    assert reporter.inner_text("#report-office").strip() == world.beijing_office.name
    reporter.fill("#id_reply_text", "对方微信号 shantie888，付款记录见截图。")
    reporter.set_input_files(
        "#id_reply_files", files=[{"name": "付款记录.png", "mimeType": "image/png", "buffer": PNG}]
    )
    reporter.click("#reply-form button[type=submit]")
    reporter.locator("#track-done").wait_for()
    assert "付款记录.png" in reporter.inner_text("#conversation")

    staff.reload()
    conversation = staff.inner_text("#staff-conversation")
    assert "shantie888" in conversation and "付款记录.png" in conversation
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors
