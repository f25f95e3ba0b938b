"""Browser: a member of the public reports, tracks it; Beijing staff sign in with 2FA and accept
it; the reporter then sees it accepted (已受理). No CSP violation anywhere on the way."""

from __future__ import annotations

import base64

from tests.e2e.conftest import sign_in

# A 1×1 PNG: real image content, as the evidence check looks at the bytes, not the name.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def track(page, code: str, key: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """Follow the report with code and key; return (status value, status label shown)."""
    page.goto("/track/")
    page.fill("#id_tracking_code", code)
    page.fill("#id_access_key", key)
    page.click("main form button[type=submit]")
    status = page.locator("#report-status")
    status.wait_for()
    return status.get_attribute("data-status") or "", status.inner_text().strip()


def test_report_track_accept_and_see_accepted(new_page, world, console_errors):
    reporter = new_page()
    reporter.goto("/report/")
    reporter.check("input[name=category][value=paid_deletion]")
    reporter.fill("#id_targets-0-url", "https://news.example-bj.cn/a/123.html")
    reporter.fill("#id_targets-0-website_name", "某某资讯网")
    reporter.fill("#id_targets-0-icp_number", "京ICP备12345678号-1")
    reporter.fill(
        "#id_description", "有人自称能删除该网站上关于我公司的负面帖子，每条收费三千元，先删后付。"
    )
    reporter.fill("#id_amount_demanded", "3000.00")
    reporter.set_input_files(
        "#id_evidence",
        files=[
            {"name": "聊天截图.png", "mimeType": "image/png", "buffer": PNG},
        ],
    )
    reporter.click("form.report-form button[type=submit]")
    reporter.wait_for_url("**/report/done/**")
    code = reporter.inner_text("#tracking-code").strip()
    key = reporter.inner_text("#access-key").strip()
    assert code.startswith("QL-") and len(key) >= 16

    assert track(reporter, code, key)[0] == "received"

    staff = new_page()
    sign_in(staff, world.beijing_user)
    staff.goto("/cases/triage/")
    staff.click(f"text={code}")
    staff.wait_for_url("**/cases/triage/*/")
    assert "某某资讯网" in staff.inner_text("main")
    staff.click("form[action$='/accept/'] button[type=submit]")
    staff.wait_for_load_state()
    assert "/accept/" not in staff.url

    status, label = track(reporter, code, key)
    assert status == "accepted"
    assert label in {"已受理", "Accepted"}
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors
