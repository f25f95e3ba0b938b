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
    row.locator("a").first.click()
    page.wait_for_url("**/cases/deadlines/?responsible=*&status=breached")
    listing = page.inner_text("#deadline-transfers")
    assert case.number in listing
    assert beijing_case.number not in page.inner_text("main")
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


# The centre of an area on the drawn map, in the chart's pixels (the map's names are codes).
AREA_CENTRE = """(code) => {
  const node = document.querySelector('#chart-region_map [data-chart]');
  const geo = echarts.getInstanceByDom(node).getModel().getSeriesByIndex(0).coordinateSystem;
  const [x, y] = geo.dataToPoint(geo.getRegion(code).getCenter());
  return {x, y};
}"""


def test_provincial_head_sees_overdue_work_on_the_map_and_clicks_an_area_to_its_list(
    new_page, world, console_errors
):
    from qinglang.cases.services.deadlines import refresh_triage_due
    from qinglang.intake.models import Report
    from tests.cases.factories import make_report

    late = [make_report(world.shenzhen_office) for _ in range(2)]
    fresh = make_report(world.shenzhen_office)
    beijing = make_report(world.beijing_office)
    Report.objects.filter(pk__in=[r.pk for r in [*late, beijing]]).update(
        submitted_at=timezone.now() - dt.timedelta(days=20)
    )
    refresh_triage_due(report_ids=[r.pk for r in [*late, beijing]])
    refresh_figures()
    head = UserFactory(
        username="gd-head-overdue", organization=world.guangdong_office, role=Role.OFFICE_HEAD
    )
    page = new_page()
    sign_in(page, head)
    page.goto("/staff/dashboard/")
    drawn = page.locator('#chart-region_map [data-map-ready="province-44"]')
    drawn.wait_for()
    assert drawn.get_attribute("data-map-series") == "1"  # overdue work, the default
    toggle = page.locator("#chart-region_map [data-map-toggle] .active")
    assert toggle.inner_text() == "已超期"
    row = page.locator("#chart-region_map table tr", has_text="深圳市")
    assert row.locator("td").nth(1).inner_text() == "2"
    assert "北京" not in page.locator("#chart-region_map").inner_text()

    # Due soon and reports received are a click away, and back.
    page.click("#chart-region_map [data-series='3']")
    assert drawn.get_attribute("data-map-series") == "3"
    page.click("#chart-region_map [data-series='1']")
    assert drawn.get_attribute("data-map-series") == "1"

    centre = page.evaluate(AREA_CENTRE, world.shenzhen_office.region.code)
    box = drawn.bounding_box()
    page.mouse.click(box["x"] + centre["x"], box["y"] + centre["y"])
    page.wait_for_url("**/cases/deadlines/?region=4403&status=breached")
    triage = page.inner_text("#deadline-triage")
    assert all(r.tracking_code in triage for r in late)
    assert fresh.tracking_code not in triage
    assert beijing.tracking_code not in page.inner_text("main")
    assert page.locator("#deadline-counts [data-count='breached']").inner_text() == "2"
    assert not [e for e in console_errors if "404" not in e], console_errors
