"""Browser: an office head opens the dashboard, sees a subordinate's overdue work, drills down."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from qinglang.cases.models import Transfer
from qinglang.cases.services import transfers
from qinglang.core.models import Role
from qinglang.dashboard.services import refresh_figures
from tests.cases.factories import make_case
from tests.core.factories import UserFactory
from tests.e2e.conftest import sign_in


def test_office_head_sees_subordinates_overdue_work_and_drills_down(
    new_page, world, console_errors
):
    case = make_case(
        world.shenzhen_user, title="深圳某论坛有偿删帖", url="https://bbs.example-sz.cn/t/9"
    )
    transfer = transfers.send_transfer(
        case,
        recipient=world.police,
        kind="criminal_referral",
        instructions="请依法查处",
        acting_user=world.shenzhen_user,
    )
    Transfer.objects.filter(pk=transfer.pk).update(deadline=timezone.now() - dt.timedelta(days=3))
    beijing_case = make_case(
        world.beijing_user, title="北京某网站敲诈", url="https://bj.example.cn/"
    )
    refresh_figures()
    head = UserFactory(
        username="gd-head", organization=world.guangdong_office, role=Role.OFFICE_HEAD
    )

    page = new_page()
    sign_in(page, head)
    page.click("nav >> text=数据看板")
    page.wait_for_url("**/staff/dashboard/")
    overdue = page.locator("#chart-overdue")
    overdue.locator("canvas").first.wait_for()  # ECharts drew the chart (served locally)
    table = overdue.locator("table")
    row = table.locator("tr", has_text="深圳市网信办")
    assert row.locator("td").nth(1).inner_text() == "1"
    assert "北京" not in page.inner_text("main")
    row.locator("a").click()
    page.wait_for_url("**/cases/?office=*")
    listing = page.inner_text("main")
    assert case.number in listing
    assert beijing_case.number not in listing
    # No CSP violation and no script error (the favicon's 404 is the only expected message).
    assert not [e for e in console_errors if "404" not in e], console_errors


def test_national_head_sees_china_map_and_provincial_head_its_prefectures(
    new_page, world, console_errors
):
    from tests.cases.factories import make_report

    for _ in range(2):
        make_report(world.shenzhen_office)
    make_report(world.beijing_office)
    refresh_figures()
    national = UserFactory(
        username="cn-head", organization=world.national_office, role=Role.OFFICE_HEAD
    )
    page = new_page()
    sign_in(page, national)
    page.goto("/staff/dashboard/")
    china = page.locator('#chart-region_map [data-map-ready="china"]')
    china.wait_for()
    assert china.locator("canvas").count() == 1
    table = page.locator("#chart-region_map table")
    assert "广东省" in table.text_content() and "北京市" in table.text_content()

    head = UserFactory(
        username="gd-head-map", organization=world.guangdong_office, role=Role.OFFICE_HEAD
    )
    page2 = new_page()
    sign_in(page2, head)
    page2.goto("/staff/dashboard/")
    page2.locator('#chart-region_map [data-map-ready="province-44"]').wait_for()
    text = page2.locator("#chart-region_map table").text_content()
    assert "深圳市" in text and "北京" not in text
    assert not [e for e in console_errors if "404" not in e], console_errors
