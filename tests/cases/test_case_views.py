"""Web pages of triage and cases: scoping, actions without JS, exports, fixed query counts."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qinglang.cases.models import Case, CaseStatus
from qinglang.cases.services import lifecycle, triage
from qinglang.core.ledger import events_for
from qinglang.core.models import IdentityAccessLog
from qinglang.intake.models import ReportStatus
from tests.cases.factories import make_case, make_report

pytestmark = pytest.mark.django_db


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("rows", [5, 50])
def test_triage_queue_queries_do_not_grow_with_rows(
    world, verified_client, rows, django_assert_max_num_queries
):
    client = verified_client(world.guangdong_user)
    for i in range(rows):
        make_report(
            world.shenzhen_office if i % 2 else world.guangdong_office,
            targets=[{"url": f"https://s{i}.example.cn/"}, {"account": f"a{i}"}],
        )
    # Constant: + counts per status, saved filters, deadline policies, bulk-form choices.
    with django_assert_max_num_queries(18):
        response = client.get(reverse("cases:triage_list"))
    assert response.status_code == 200
    assert response.content.decode().count("/cases/triage/") >= rows


@pytest.mark.parametrize("rows", [5, 50])
def test_case_list_queries_do_not_grow_with_rows(
    world, verified_client, rows, django_assert_max_num_queries
):
    for i in range(rows):
        make_case(
            world.guangdong_user, url=f"https://s{i}.example.cn/", co_offices=[world.beijing_office]
        )
    client = verified_client(world.guangdong_user)
    # The page count is two small queries (the tally's sum of cases led in scope, the cases
    # co-handled but led elsewhere) instead of one COUNT over every case in scope.
    with django_assert_max_num_queries(13):
        response = client.get(reverse("cases:case_list"))
    assert response.status_code == 200
    assert response.content.decode().count('href="/cases/') >= rows


def test_list_query_count_is_the_same_for_5_and_50_rows(world, verified_client):
    client = verified_client(world.beijing_user)
    for i in range(5):
        make_case(world.beijing_user, url=f"https://a{i}.example.cn/")
        make_report(world.beijing_office)
    few = (count_queries(client, "/cases/"), count_queries(client, "/cases/triage/"))
    for i in range(45):
        make_case(world.beijing_user, url=f"https://b{i}.example.cn/")
        make_report(world.beijing_office)
    assert (count_queries(client, "/cases/"), count_queries(client, "/cases/triage/")) == few


def test_pages_need_office_staff(world, verified_client, client):
    assert client.get("/cases/").status_code == 302  # not signed in
    client.force_login(world.beijing_user)  # password only, no second factor
    assert client.get("/cases/triage/").status_code == 302
    partner = verified_client(world.police_user)
    assert partner.get("/cases/").status_code == 403
    assert partner.get("/cases/triage/").status_code == 403


def test_triage_filters_and_paging(world, verified_client):
    for i in range(55):
        make_report(world.beijing_office, category="extortion" if i < 3 else "paid_deletion")
    client = verified_client(world.beijing_user)
    first = client.get("/cases/triage/").content.decode()
    assert "55" in first and "page=2" in first
    filtered = client.get("/cases/triage/?category=extortion").content.decode()
    assert len(re.findall(r'href="/cases/triage/\d+/', filtered)) == 3
    # A bad filter says so and lists nothing (not the unfiltered queue).
    bad = client.get("/cases/triage/?date_from=notadate")
    assert bad.status_code == 400
    assert "date_from" in bad.context["form"].errors
    assert not re.findall(r'href="/cases/triage/\d+/', bad.content.decode())


def test_accept_from_the_detail_page(world, verified_client):
    report = make_report(world.beijing_office)
    client = verified_client(world.beijing_user)
    page = client.get(f"/cases/triage/{report.pk}/")
    assert page.status_code == 200 and report.tracking_code in page.content.decode()
    response = client.post(f"/cases/triage/{report.pk}/accept/")
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    again = client.post(f"/cases/triage/{report.pk}/accept/")
    assert again.status_code == 400 and Case.objects.count() == 1


def test_decline_and_reroute_errors_change_nothing(world, verified_client):
    report = make_report(world.beijing_office)
    client = verified_client(world.beijing_user)
    bad = client.post(f"/cases/triage/{report.pk}/decline/", {"reason_code": "nope"})
    assert bad.status_code == 400
    bad = client.post(
        f"/cases/triage/{report.pk}/reroute/", {"office": world.beijing_office.pk, "reason": "x"}
    )
    assert bad.status_code == 400 and "office" in bad.context["reroute_form"].errors
    report.refresh_from_db()
    assert report.status == ReportStatus.RECEIVED and not events_for(report).exists()
    ok = client.post(
        f"/cases/triage/{report.pk}/decline/",
        {"reason_code": "out_of_scope", "reason_text": "不属于本专区受理范围"},
    )
    assert ok.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.DECLINED


def test_guessed_report_id_is_404(world, verified_client):
    report = make_report(world.guangdong_office)
    client = verified_client(world.beijing_user)
    assert client.get(f"/cases/triage/{report.pk}/").status_code == 404
    assert client.post(f"/cases/triage/{report.pk}/accept/").status_code == 404
    assert client.post(f"/cases/triage/{report.pk}/contact/").status_code == 404


def test_contact_only_for_owning_triage_staff_and_logged(world, verified_client):
    report = make_report(world.shenzhen_office, contact_phone="+8613800138000")
    superior = verified_client(world.guangdong_user)
    page = superior.get(f"/cases/triage/{report.pk}/").content.decode()
    assert "+8613800138000" not in page and "contact/" not in page
    assert superior.post(f"/cases/triage/{report.pk}/contact/").status_code == 403
    assert not IdentityAccessLog.objects.exists()
    owner = verified_client(world.shenzhen_user)
    page = owner.get(f"/cases/triage/{report.pk}/").content.decode()
    assert "+8613800138000" not in page and f"/cases/triage/{report.pk}/contact/" in page
    shown = owner.post(f"/cases/triage/{report.pk}/contact/", HTTP_HX_REQUEST="true")
    assert "+8613800138000" in shown.content.decode()
    assert IdentityAccessLog.objects.get().user == world.shenzhen_user


def test_create_case_page(world, verified_client):
    client = verified_client(world.guangdong_user)
    assert client.get("/cases/new/").status_code == 200
    bad = client.post(
        "/cases/new/",
        {"title": "", "category": "extortion", "severity": "medium", "urgency": "normal"},
    )
    assert bad.status_code == 400 and not Case.objects.exists()
    bad = client.post(
        "/cases/new/",
        {
            "title": "x",
            "category": "extortion",
            "severity": "medium",
            "urgency": "normal",
            "target_urls": "not a url",
        },
    )
    assert bad.status_code == 400 and not Case.objects.exists()
    ok = client.post(
        "/cases/new/",
        {
            "title": "某公关公司有偿删帖",
            "category": "paid_deletion",
            "severity": "high",
            "urgency": "normal",
            "lead_office": world.shenzhen_office.pk,
            "target_urls": "https://bbs.example.cn/t/1",
            "target_accounts": "微信:删帖中介",
            "target_people": "李某",
        },
    )
    case = Case.objects.get()
    assert ok.status_code == 302 and case.lead_office == world.shenzhen_office
    assert sorted(case.targets.values_list("kind", flat=True)) == ["account", "person", "url"]
    assert verified_client(world.police_user).get("/cases/new/").status_code == 403


def test_case_actions_without_js_and_stale_form(world, verified_client):
    case = make_case(world.beijing_user)
    client = verified_client(world.beijing_user)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert case.number in page and "case.opened" in page
    ok = client.post(f"/cases/{case.pk}/status/", {"status": "investigating", "version": 1})
    assert ok.status_code == 302
    stale = client.post(
        f"/cases/{case.pk}/edit/",
        {"version": 1, "title": "改", "category": "other", "severity": "low", "urgency": "normal"},
    )
    assert stale.status_code == 409 and "version" in stale.context["edit_form"].errors
    assert Case.objects.get(pk=case.pk).title == "某论坛有偿删帖"
    decided = client.post(
        f"/cases/{case.pk}/decide/",
        {
            "version": 2,
            "outcome": "violation_confirmed",
            "measures": ["rectification", "fine"],
            "public_result": "已责令整改并罚款。",
            "close_now": "on",
        },
    )
    assert decided.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.measures[1]["measure"] == "fine"
    reopened = client.post(
        f"/cases/{case.pk}/reopen/", {"version": case.version, "reason": "新证据"}
    )
    assert reopened.status_code == 302
    assert Case.objects.get(pk=case.pk).status == CaseStatus.INVESTIGATING


def test_merge_and_split_pages(world, verified_client):
    r1, r2 = make_report(world.beijing_office), make_report(world.beijing_office)
    case = triage.accept_report(r1, acting_user=world.beijing_user)
    triage.accept_report(r2, acting_user=world.beijing_user)
    client = verified_client(world.beijing_user)
    assert (
        client.post(f"/cases/{case.pk}/split/", {"report": r2.pk, "reason": ""}).status_code == 400
    )
    assert (
        client.post(f"/cases/{case.pk}/split/", {"report": r2.pk, "reason": "另案处理"}).status_code
        == 302
    )
    new = Case.objects.exclude(pk=case.pk).get()
    bad = client.post(f"/cases/{new.pk}/merge/", {"into": "QL-0000-000000", "reason": "同案"})
    assert bad.status_code == 400
    ok = client.post(f"/cases/{new.pk}/merge/", {"into": case.number, "reason": "同案"})
    assert ok.status_code == 302 and ok["Location"] == f"/cases/{case.pk}/"


def test_case_detail_scoping(world, verified_client):
    case = make_case(world.shenzhen_user)
    assert verified_client(world.guangdong_user).get(f"/cases/{case.pk}/").status_code == 200
    assert verified_client(world.beijing_user).get(f"/cases/{case.pk}/").status_code == 404


def test_exports_are_filtered_scoped_and_defused(world, verified_client):
    make_case(world.beijing_user, title='=HYPERLINK("http://evil")')
    lifecycle.close_case(
        make_case(world.beijing_user, title="已办结"),
        acting_user=world.beijing_user,
        outcome="not_confirmed",
        public_result="未发现违规。",
    )
    make_case(world.guangdong_user, title="广东案件")
    client = verified_client(world.beijing_user)
    response = client.get("/cases/export.csv?status=new")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 2 and rows[1][1] == '\'=HYPERLINK("http://evil")'
    assert "广东案件" not in text and "已办结" not in text
    from openpyxl import load_workbook

    xlsx = client.get("/cases/export.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    titles = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(titles) == sorted(['\'=HYPERLINK("http://evil")', "已办结"])


def test_lead_office_chooses_co_handlers_on_the_edit_form(world, verified_client):
    case = make_case(world.guangdong_user)
    lead = verified_client(world.guangdong_user)
    ok = lead.post(
        f"/cases/{case.pk}/edit/",
        {
            "version": 1,
            "title": case.title,
            "category": case.category,
            "severity": "medium",
            "urgency": "normal",
            "co_offices": [world.beijing_office.pk],
        },
    )
    assert ok.status_code == 302
    assert list(case.co_offices.all()) == [world.beijing_office]
    from django.test import Client

    other = Client()
    from tests.core.auth import login_verified

    login_verified(other, world.beijing_user)
    page = other.get(f"/cases/{case.pk}/")
    assert page.status_code == 200 and "co_offices" not in page.context["edit_form"].fields
    edited = other.post(
        f"/cases/{case.pk}/edit/",
        {
            "version": 2,
            "title": "协办修改标题",
            "category": case.category,
            "severity": "medium",
            "urgency": "normal",
            "co_offices": [],
        },
    )
    assert edited.status_code == 302
    case.refresh_from_db()
    assert case.title == "协办修改标题" and case.co_offices.count() == 1
