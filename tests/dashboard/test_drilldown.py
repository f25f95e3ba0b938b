"""Every chart's numbers drill down to a list holding exactly the items counted."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from qinglang.cases.models import Task, Transfer
from qinglang.cases.services import triage
from qinglang.cases.services.deadlines import refresh_triage_due
from qinglang.cases.services.tasks import create_task
from qinglang.cases.services.transfers import send_transfer
from qinglang.dashboard.charts import CHARTS, Chart
from qinglang.dashboard.services import refresh_figures
from qinglang.intake.models import Report
from tests.cases.factories import make_case, make_report

# Charts whose numbers are not counts of a list: averages (durations), identifiers counted in
# the registry's own page, network sizes (sources linked in the registry's graph).
NOT_LIST_COUNTS = {
    "identifiers",
    "networks",
    "durations_office",
    "durations_handler",
    "durations_category",
}


def _backdate(report: Report, days: int) -> None:
    """Move a report's receipt back, with its stored triage deadline (as if filed then)."""
    Report.objects.filter(pk=report.pk).update(
        submitted_at=timezone.now() - dt.timedelta(days=days)
    )
    refresh_triage_due(report_ids=[report.pk])


@pytest.fixture
def drill(world):
    """Work across channels, offices and deadlines in Beijing, Guangdong and Shenzhen.

    Beijing: 3 reports (2 web, 1 api; one overdue). Guangdong: 2 enterprise reports (one
    overdue), a case with a co-handling transfer to Shenzhen (overdue: Shenzhen answers) and a
    task due soon. Shenzhen: 3 web reports (one overdue, one accepted), a transfer to the police
    overdue and one to telecom due soon. Beijing's own case has a transfer to the police overdue.
    """
    now = timezone.now()
    bj = [make_report(world.beijing_office) for _ in range(3)]
    Report.objects.filter(pk=bj[2].pk).update(channel="api")
    _backdate(bj[0], 20)
    gd = [make_report(world.guangdong_office) for _ in range(2)]
    Report.objects.filter(pk__in=[r.pk for r in gd]).update(channel="enterprise")
    _backdate(gd[0], 20)
    sz = [make_report(world.shenzhen_office) for _ in range(3)]
    _backdate(sz[0], 20)
    case = triage.accept_report(sz[1], acting_user=world.shenzhen_user)
    late = send_transfer(
        case,
        recipient=world.police,
        kind="criminal_referral",
        instructions="请依法查处",
        acting_user=world.shenzhen_user,
    )
    soon = send_transfer(
        case,
        recipient=world.telecom,
        kind="telecom_action",
        instructions="请核查备案",
        acting_user=world.shenzhen_user,
    )
    Transfer.objects.filter(pk=late.pk).update(deadline=now - dt.timedelta(days=1))
    Transfer.objects.filter(pk=soon.pk).update(deadline=now + dt.timedelta(hours=2))
    gd_case = make_case(world.guangdong_user, title="广东某网站敲诈")
    co = send_transfer(
        gd_case,
        recipient=world.shenzhen_office,
        kind="co_handling",
        instructions="请协同核查",
        acting_user=world.guangdong_user,
    )
    Transfer.objects.filter(pk=co.pk).update(deadline=now - dt.timedelta(days=2))
    task = create_task(
        gd_case,
        title="调取备案信息",
        acting_user=world.guangdong_user,
        assignee_user=world.guangdong_user,
    )
    Task.objects.filter(pk=task.pk).update(due_at=now + dt.timedelta(hours=3))
    bj_case = make_case(world.beijing_user, title="北京某网站敲诈")
    bj_late = send_transfer(
        bj_case,
        recipient=world.police,
        kind="criminal_referral",
        instructions="请依法查处",
        acting_user=world.beijing_user,
    )
    Transfer.objects.filter(pk=bj_late.pk).update(deadline=now - dt.timedelta(days=1))
    refresh_figures()
    return world


def _listed(response: Any) -> int:
    """Return how many items the list page shows in all (every page of it)."""
    context = response.context
    if "plan" in context:
        return len(context["plan"].items)
    return context["page"].paginator.count


def _offices(response: Any) -> set[int]:
    """Return the offices owning the items listed (first page): reports', cases', transfers'."""
    context = response.context
    if "plan" in context:
        return {item.office.pk for item in context["plan"].items}
    rows = list(context["page"].object_list)
    return {
        getattr(row, "office_id", None)
        or getattr(row, "lead_office_id", None)
        or getattr(row, "sender_office_id", None)
        for row in rows
    }


def _cells(chart: Chart) -> list[tuple[int, int, Any, str]]:
    """Return (row, column, value, link) of every linked number of a chart, the row's own link
    (its first cell) standing for the column it opens (the total, else the first series).

    Zero cells are followed once per column: enough to see an empty list is empty.
    """
    whole = next((c for c, links in chart.column_links.items() if links == chart.links), None)
    row_column = whole if whole is not None else (chart.series[0] if chart.series else None)
    out, zero_seen = [], set()
    for i, row in enumerate(chart.table):
        for c, (value, link) in enumerate(row):
            column = row_column if c == 0 else c
            shown = chart.rows[i][column] if column is not None else value
            if not link or not isinstance(shown, int):
                continue
            if shown == 0:
                if column in zero_seen:
                    continue
                zero_seen.add(column)
            out.append((i, column, shown, link))
    return out


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["national_user", "guangdong_user", "shenzhen_user"])
@pytest.mark.parametrize("name", sorted(set(CHARTS) - NOT_LIST_COUNTS))
def test_every_number_opens_a_list_of_exactly_that_many(drill, verified_client, who, name):
    user = getattr(drill, who)
    client = verified_client(user)
    chart = CHARTS[name](user, 30)
    cells = _cells(chart)
    assert cells or not any(isinstance(v, int) and v for row in chart.rows for v in row[1:]), (
        f"{name}: numbers without a list"
    )
    for i, c, value, link in cells:
        response = client.get(link)
        assert response.status_code == 200, (name, link)
        assert _listed(response) == value, (name, chart.rows[i], chart.columns[c], link)
        if who != "national_user":
            assert drill.beijing_office.pk not in _offices(response), (name, link)


@pytest.mark.django_db
def test_the_scene_has_numbers_on_every_chart_that_counts(drill):
    """The test above is not vacuous: each of its charts has non-zero numbers to follow."""
    for name in sorted(set(CHARTS) - NOT_LIST_COUNTS):
        chart = CHARTS[name](drill.guangdong_user, 30)
        assert any(isinstance(v, int) and v for row in chart.rows for v in row[1:]), name


@pytest.mark.django_db
def test_guangdong_overdue_bars_and_map_areas(drill):
    from qinglang.dashboard.charts import overdue, region_map

    bars = {row[0]: row[1:] for row in overdue(drill.guangdong_user, 30).rows}
    # Guangdong: its overdue report. Shenzhen: its overdue report, the police transfer, and the
    # co-handling transfer it must answer. Due soon: the telecom transfer (Shenzhen's to chase)
    # and Guangdong's task.
    assert bars == {"广东省网信办": [1, 1], "深圳市网信办": [3, 1]}
    chart = region_map(drill.guangdong_user, 30)
    areas = dict(zip(chart.codes, chart.rows, strict=True))
    assert areas["440300"][1:] == [3, 1, 3]
    assert areas["440000"][1:] == [1, 1, 2]  # the provincial office's own work, not Shenzhen's
    assert chart.columns[chart.series[0]] == "已超期"  # the map opens on overdue work
    assert chart.link(chart.codes.index("440000"), 1).endswith("region=4400&status=breached")
    national = region_map(drill.national_user, 30)
    assert dict(zip(national.codes, (r[1] for r in national.rows), strict=True)) == {
        "110000": 2,
        "440000": 4,
    }


@pytest.mark.django_db
def test_intake_is_per_day_and_channel_and_its_total_adds_up(drill):
    from qinglang.dashboard.charts import intake

    chart = intake(drill.national_user, 30)
    assert chart.stack
    assert chart.columns[1:] == ["举报专区（公众）", "合作方接口", "受害企业", "合计"]
    assert chart.link(29, 4) == chart.links[29]  # the total opens the whole day
    assert len(chart.rows) == 30
    assert sum(row[-1] for row in chart.rows) == 8
    assert all(sum(row[1:-1]) == row[-1] for row in chart.rows)
    assert chart.series == [1, 2, 3]
    web_today = chart.link(29, 1)
    assert "channel=web" in web_today and "date_from=" in web_today


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("cases:triage_list", {"status": "", "region": "11"}, "region"),
        ("cases:triage_list", {"status": "", "region": "4"}, "region"),
        ("cases:triage_list", {"status": "", "region": "990000"}, "region"),
        ("cases:triage_list", {"status": "", "channel": "fax"}, "channel"),
        ("cases:case_list", {"region": "11"}, "region"),
        ("cases:deadline_list", {"region": "11", "status": "breached"}, "region"),
        ("cases:deadline_list", {"region": "abc"}, "region"),
        ("cases:deadline_list", {"responsible": "beijing"}, "responsible"),
        ("cases:transfer_list", {"direction": "sent", "agency": "999999"}, "agency"),
        ("cases:transfer_list", {"direction": "sent", "pending": "maybe"}, "pending"),
    ],
)
def test_a_bad_filter_is_a_clear_error_and_lists_nothing(
    drill, verified_client, url, params, field
):
    client = verified_client(drill.guangdong_user)
    response = client.get(reverse(url), params)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert _listed(response) == 0
    html = response.content.decode()
    assert all(escape(e) in html for e in response.context["form"].errors[field])


@pytest.mark.django_db
def test_beijing_office_is_no_filter_for_guangdong(drill, verified_client):
    client = verified_client(drill.guangdong_user)
    response = client.get(reverse("cases:deadline_list"), {"responsible": drill.beijing_office.pk})
    assert response.status_code == 400
    assert "responsible" in response.context["form"].errors
    assert _listed(response) == 0


@pytest.mark.django_db
def test_a_city_may_name_its_province_and_still_sees_only_its_own(drill, verified_client):
    client = verified_client(drill.shenzhen_user)
    response = client.get(reverse("cases:triage_list"), {"status": "", "region": "44"})
    assert response.status_code == 200
    assert _listed(response) == 3
    offices = {r.office_id for r in response.context["page"].object_list}
    assert offices == {drill.shenzhen_office.pk}


@pytest.mark.django_db
def test_duration_rows_open_the_cases_they_average(drill, verified_client):
    """Averages have no count to match: an office's row opens its cases, a category's its own."""
    from qinglang.dashboard.charts import durations_category, durations_handler, durations_office

    client = verified_client(drill.guangdong_user)
    office = durations_office(drill.guangdong_user, 30)
    assert office.rows
    for i, row in enumerate(office.rows):
        response = client.get(office.links[i])
        assert response.status_code == 200
        cases = list(response.context["page"].object_list)
        assert cases and {c.lead_office.name for c in cases} == {row[0]}
    category = durations_category(drill.guangdong_user, 30)
    assert category.rows
    for link in category.links:
        response = client.get(link)
        assert response.status_code == 200
        key = link.rsplit("category=", 1)[1]
        assert {c.category for c in response.context["page"].object_list} == {key}
    # No list of another person's cases exists: a handler's row links nowhere.
    assert not any(durations_handler(drill.guangdong_user, 30).links)


@pytest.mark.django_db
def test_the_deadlines_api_takes_the_same_filters(drill):
    from tests.cases.factories import api_client

    client = api_client(drill.guangdong_user)
    body = client.get(
        "/api/v1/deadlines/", {"region": "4403", "status": "breached", "limit": 1}
    ).json()
    assert body["counts"]["breached"] == 3  # Shenzhen's, as its map area shows
    assert len(body["items"]) == 1 and body["next_cursor"]
    other = client.get(
        "/api/v1/deadlines/", {"region": "44", "limit": 1, "cursor": body["next_cursor"]}
    )
    assert other.status_code == 400  # a cursor is read under the filters it came with
    assert "cursor" in other.json()
    rest = client.get(
        "/api/v1/deadlines/",
        {"region": "4403", "status": "breached", "limit": 1, "cursor": body["next_cursor"]},
    ).json()
    assert len(rest["items"]) == 1
    assert rest["items"][0]["id"] != body["items"][0]["id"]
    mine = client.get(
        "/api/v1/deadlines/", {"responsible": drill.guangdong_office.pk, "status": "at_risk"}
    ).json()
    assert [i["kind"] for i in mine["items"]] == ["task"]
    for params in ({"region": "11"}, {"responsible": drill.beijing_office.pk}):
        response = client.get("/api/v1/deadlines/", params)
        assert response.status_code == 400
        assert set(params) <= set(response.json())
