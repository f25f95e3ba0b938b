"""Browser: collaborative handling end to end.

(a) Beijing accepts a report, transfers it to public security and orders the website to rectify;
both answer in their portals; Beijing closes the case; the reporter sees the result.
(b) An overdue transfer escalates and appears on the superior office's deadlines page.
"""

from __future__ import annotations

import base64
import datetime as dt

from django.utils import timezone

from qinglang.cases import tasks as case_tasks
from qinglang.cases.models import Case, Transfer, TransferKind
from qinglang.cases.services import transfers
from tests.cases.factories import make_case
from tests.e2e.conftest import sign_in

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
PUBLIC_RESULT = "经查，该网站存在有偿删帖行为，已责令整改，相关人员已移送公安机关。"


def file_report(page) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    page.goto("/report/")
    page.check("input[name=category][value=paid_deletion]")
    page.fill("#id_targets-0-url", "https://news.example-bj.cn/a/456.html")
    page.fill("#id_targets-0-website_name", "示例资讯网")
    page.fill("#id_targets-0-icp_number", "京ICP备12345678号-1")
    page.fill(
        "#id_description", "该网站编辑称可有偿删除我公司的负面报道，每条收费五千元，先删后付。"
    )
    page.set_input_files(
        "#id_evidence", files=[{"name": "转账记录.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.click("form.report-form button[type=submit]")
    page.wait_for_url("**/report/done/**")
    return page.inner_text("#tracking-code").strip(), page.inner_text("#access-key").strip()


def send_transfer(
    page,
    case: Case,
    *,
    kind: str,
    recipient_id: int,  # type: ignore[no-untyped-def]
    instructions: str,
    measures: str = "",
) -> int:
    page.goto(f"/cases/{case.pk}/tasks/")
    page.click("#new-transfer")
    page.wait_for_url(f"**/cases/{case.pk}/transfers/new/")
    page.select_option("#id_kind", kind)
    page.select_option("#id_recipient", str(recipient_id))
    page.fill("#id_instructions", instructions)
    if measures:
        page.fill("#id_measures", measures)
    page.check("input[name=reports]")
    page.check("input[name=evidence]")
    page.click("#transfer-form button[type=submit]")
    page.wait_for_load_state()
    if page.locator("#transfer-preview").count():
        # A website's copy is previewed first, the reporter's details highlighted.
        page.click("#transfer-form button[type=submit]")
    page.wait_for_url("**/cases/transfers/*/")
    return int(page.url.rstrip("/").rsplit("/", 1)[1])


def answer(page, user, transfer_id: int, summary: str) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, user)
    page.goto("/cases/transfers/")
    page.click(f"a[href='/cases/transfers/{transfer_id}/']")
    page.wait_for_url(f"**/cases/transfers/{transfer_id}/")
    assert "转账记录.png" in page.inner_text("#transfer-evidence")
    page.click("#acknowledge")
    page.wait_for_selector("[data-status=acknowledged]")
    page.fill("#id_summary", summary)
    page.set_input_files(
        "#id_attachments", files=[{"name": "处置回执.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.click("#feedback-form button[type=submit]")
    page.wait_for_selector("[data-status=answered]")
    assert summary in page.inner_text("main")


def test_transfer_answer_close_and_reporter_sees_result(new_page, world, console_errors):
    reporter = new_page()
    code, key = file_report(reporter)

    office = new_page()
    sign_in(office, world.beijing_user)
    office.goto("/cases/triage/")
    office.click(f"text={code}")
    office.wait_for_url("**/cases/triage/*/")
    office.click("form[action$='/accept/'] button[type=submit]")
    office.wait_for_load_state()
    case = Case.objects.get(reports__tracking_code=code)

    to_police = send_transfer(
        office,
        case,
        kind="criminal_referral",
        recipient_id=world.police.pk,
        instructions="涉嫌以删帖为名敲诈勒索，请依法立案侦查并反馈。",
    )
    to_website = send_transfer(
        office,
        case,
        kind="rectification_order",
        recipient_id=world.website_operator.pk,
        instructions="请立即整改并书面反馈。",
        measures="删除涉事帖子\n关闭有偿删帖渠道\n处理涉事编辑",
    )

    police = new_page()
    answer(police, world.police_user, to_police, "已立案侦查，涉案人员已到案。")
    # The police see neither the website's order nor the case itself.
    assert police.goto(f"/cases/transfers/{to_website}/").status == 404
    assert police.goto(f"/cases/{case.pk}/").status in {403, 404}

    website = new_page()
    answer(website, world.website_user, to_website, "已删除涉事帖子，关闭渠道，涉事编辑已停职。")

    office.goto(f"/cases/transfers/{to_police}/")
    assert "已立案侦查" in office.inner_text("main")
    office.click("#close-transfer")
    office.wait_for_selector("[data-status=closed]")

    office.goto(f"/cases/{case.pk}/")
    decide = office.locator("form[action$='/decide/']")
    decide.locator("select[name=outcome]").select_option("violation_confirmed")
    decide.locator("input[name=measures][value=rectification]").check()
    decide.locator("input[name=measures][value=criminal_referral]").check()
    decide.locator("textarea[name=public_result]").fill(PUBLIC_RESULT)
    decide.locator("input[name=close_now]").check()
    decide.locator("button[type=submit]").click()
    office.wait_for_load_state()
    case.refresh_from_db()
    assert case.status == "closed"
    assert office.locator("#timeline [data-action='transfer.answered']").count() == 2
    assert office.locator("#timeline [data-action='case.closed']").count() == 1
    timeline = office.inner_text("#timeline")
    assert "已收到反馈" in timeline and "案件已办结" in timeline

    reporter.goto("/track/")
    reporter.fill("#id_tracking_code", code)
    reporter.fill("#id_access_key", key)
    reporter.click("main form button[type=submit]")
    reporter.locator("#report-status").wait_for()
    assert reporter.get_attribute("#report-status", "data-status") == "closed"
    assert PUBLIC_RESULT in reporter.inner_text("main")
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors


def test_overdue_transfer_escalates_to_the_superior_office(new_page, world, console_errors):
    case = make_case(
        world.shenzhen_user, title="深圳某论坛有偿删帖", url="https://bbs.example-sz.cn/t/9"
    )
    transfer = transfers.send_transfer(
        case,
        recipient=world.police,
        kind=TransferKind.CRIMINAL_REFERRAL,
        instructions="请核查。",
        acting_user=world.shenzhen_user,
    )
    # Move time forward: the deadline has passed.
    Transfer.objects.filter(pk=transfer.pk).update(deadline=timezone.now() - dt.timedelta(days=3))
    assert case_tasks.escalate_overdue() == 1
    assert case_tasks.escalate_overdue() == 0  # idempotent

    superior = new_page()
    sign_in(superior, world.guangdong_user)
    superior.goto("/cases/deadlines/")
    escalated = superior.inner_text("#escalated-to-us")
    assert case.number in escalated and world.shenzhen_office.name in escalated

    responsible = new_page()
    sign_in(responsible, world.shenzhen_user)
    responsible.goto("/cases/deadlines/")
    assert case.number in responsible.inner_text("#deadline-transfers")
    assert world.guangdong_office.name in responsible.inner_text("#escalated-against-us")
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors
