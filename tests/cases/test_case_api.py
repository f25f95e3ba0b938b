"""Staff API: reports (detail, accept, decline, re-route) and cases (list, detail, close...)."""

from __future__ import annotations

import pytest

from qinglang.cases.models import Case, CaseStatus
from qinglang.cases.services import triage
from qinglang.core.ledger import events_for
from qinglang.intake.models import Report, ReportStatus
from tests.cases.factories import api_client, make_case, make_report

pytestmark = pytest.mark.django_db


def test_report_detail_is_scoped(world):
    report = make_report(world.shenzhen_office, contact_phone="+8613800138000")
    body = api_client(world.guangdong_user).get(f"/api/v1/reports/{report.pk}/").json()
    assert body["tracking_code"] == report.tracking_code
    assert body["office"] == {"id": world.shenzhen_office.pk, "name": "深圳市网信办"}
    assert body["has_contact"] is True and "contact_phone" not in body
    assert "+8613800138000" not in str(body)
    assert body["targets"][0]["domain"] == "example-news.cn"
    for user in (world.beijing_user, world.police_user, world.inspector):
        assert api_client(user).get(f"/api/v1/reports/{report.pk}/").status_code == 404
    assert api_client(world.beijing_user).get("/api/v1/reports/999999/").status_code == 404


def test_anonymous_gets_401(world):
    from rest_framework.test import APIClient

    report = make_report(world.beijing_office)
    assert APIClient().get(f"/api/v1/reports/{report.pk}/").status_code in (401, 403)
    assert APIClient().post(f"/api/v1/reports/{report.pk}/accept/").status_code in (401, 403)


def test_accept_returns_case_ref(world):
    report = make_report(world.beijing_office)
    response = api_client(world.beijing_user).post(
        f"/api/v1/reports/{report.pk}/accept/", {}, format="json"
    )
    assert response.status_code == 200
    case = Case.objects.get()
    assert response.json() == {"case": {"id": case.pk, "number": case.number}}
    again = api_client(world.beijing_user).post(f"/api/v1/reports/{report.pk}/accept/")
    assert again.status_code == 400 and "status" in again.json()


def test_accept_wrong_role_403_out_of_scope_404(world):
    report = make_report(world.shenzhen_office)
    # The superior office sees the report but only the owning office triages it.
    assert (
        api_client(world.guangdong_user).post(f"/api/v1/reports/{report.pk}/accept/").status_code
        == 403
    )
    assert (
        api_client(world.beijing_user).post(f"/api/v1/reports/{report.pk}/accept/").status_code
        == 404
    )
    assert (
        api_client(world.website_user).post(f"/api/v1/reports/{report.pk}/accept/").status_code
        == 404
    )
    bad = api_client(world.shenzhen_user).post(
        f"/api/v1/reports/{report.pk}/accept/", {"case": "x"}, format="json"
    )
    assert bad.status_code == 400 and "case" in bad.json()
    report.refresh_from_db()
    assert report.status == ReportStatus.RECEIVED and not Case.objects.exists()


def test_decline(world):
    report = make_report(world.beijing_office)
    client = api_client(world.beijing_user)
    bad = client.post(
        f"/api/v1/reports/{report.pk}/decline/",
        {"reason_code": "bored", "reason_text": ""},
        format="json",
    )
    assert bad.status_code == 400 and "reason_code" in bad.json()
    empty = client.post(
        f"/api/v1/reports/{report.pk}/decline/",
        {"reason_code": "duplicate", "reason_text": " "},
        format="json",
    )
    assert empty.status_code == 400 and "reason_text" in empty.json()
    assert Report.objects.get(pk=report.pk).status == ReportStatus.RECEIVED
    ok = client.post(
        f"/api/v1/reports/{report.pk}/decline/",
        {"reason_code": "duplicate", "reason_text": "与QT0001重复"},
        format="json",
    )
    assert ok.status_code == 200 and ok.json() == {"status": "declined"}
    report.refresh_from_db()
    assert report.decline_reason == "duplicate" and report.decision_text == "与QT0001重复"
    assert events_for(report).last().action == "report.declined"


def test_reroute(world):
    report = make_report(world.national_office)
    client = api_client(world.national_user)
    bad = client.post(
        f"/api/v1/reports/{report.pk}/reroute/", {"office": 999999, "reason": "x"}, format="json"
    )
    assert bad.status_code == 400 and "office" in bad.json()
    missing = client.post(
        f"/api/v1/reports/{report.pk}/reroute/", {"office": world.beijing_office.pk}, format="json"
    )
    assert missing.status_code == 400 and "reason" in missing.json()
    ok = client.post(
        f"/api/v1/reports/{report.pk}/reroute/",
        {"office": world.beijing_office.pk, "reason": "网站备案在北京"},
        format="json",
    )
    assert ok.status_code == 200 and ok.json()["office"] == world.beijing_office.pk
    assert events_for(report).last().data["reason"] == "网站备案在北京"


def test_case_list_and_detail_with_timeline(world):
    report = make_report(world.beijing_office)
    case = triage.accept_report(report, acting_user=world.beijing_user)
    make_case(world.guangdong_user)
    client = api_client(world.beijing_user)
    listing = client.get("/api/v1/cases/").json()
    assert [c["number"] for c in listing["results"]] == [case.number]
    assert client.get("/api/v1/cases/?status=closed").json()["count"] == 0
    assert client.get("/api/v1/cases/?status=bogus").status_code == 400
    detail = client.get(f"/api/v1/cases/{case.pk}/").json()
    assert detail["reports"] == [
        {"id": report.pk, "tracking_code": report.tracking_code, "status": "accepted"}
    ]
    assert [e["action"] for e in detail["timeline"]] == ["case.opened", "report.accepted"]
    assert client.get(f"/api/v1/cases/{case.pk + 1}/").status_code == 404
    assert api_client(world.police_user).get(f"/api/v1/cases/{case.pk}/").status_code == 404
    assert api_client(world.police_user).get("/api/v1/cases/").json()["count"] == 0


def test_close_via_api_gives_reporters_the_result(world):
    report = make_report(world.beijing_office)
    case = triage.accept_report(report, acting_user=world.beijing_user)
    client = api_client(world.beijing_user)
    bad = client.post(
        f"/api/v1/cases/{case.pk}/close/",
        {"outcome": "guilty", "measures": ["flogging"]},
        format="json",
    )
    assert bad.status_code == 400 and "outcome" in bad.json()
    no_text = client.post(
        f"/api/v1/cases/{case.pk}/close/", {"outcome": "not_confirmed"}, format="json"
    )
    assert no_text.status_code == 400 and "public_result" in no_text.json()
    bad = client.post(
        f"/api/v1/cases/{case.pk}/close/",
        {"outcome": "violation_confirmed", "measures": ["flogging"], "public_result": "x"},
        format="json",
    )
    assert bad.status_code == 400 and "measures" in bad.json()
    assert Case.objects.get(pk=case.pk).status == CaseStatus.NEW
    ok = client.post(
        f"/api/v1/cases/{case.pk}/close/",
        {
            "outcome": "violation_confirmed",
            "measures": ["rectification", {"measure": "fine", "legal_basis": "第六十八条"}],
            "public_result": "已责令涉事网站整改。",
        },
        format="json",
    )
    assert ok.status_code == 200, ok.json()
    assert ok.json()["status"] == "closed"
    report.refresh_from_db()
    assert report.status == ReportStatus.CLOSED and report.public_result == "已责令涉事网站整改。"
    assert (
        api_client(world.guangdong_user)
        .post(f"/api/v1/cases/{case.pk}/reopen/", {"reason": "x"}, format="json")
        .status_code
        == 404
    )


def test_stale_version_is_409(world):
    case = make_case(world.beijing_user)
    client = api_client(world.beijing_user)
    ok = client.post(
        f"/api/v1/cases/{case.pk}/status/", {"status": "investigating", "version": 1}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = client.post(
        f"/api/v1/cases/{case.pk}/status/",
        {"status": "awaiting_feedback", "version": 1},
        format="json",
    )
    assert stale.status_code == 409 and "version" in stale.json()
    assert Case.objects.get(pk=case.pk).status == CaseStatus.INVESTIGATING


def test_co_handler_may_not_close_403(world):
    case = make_case(world.beijing_user, co_offices=[world.guangdong_office])
    response = api_client(world.guangdong_user).post(
        f"/api/v1/cases/{case.pk}/close/",
        {"outcome": "not_confirmed", "public_result": "未发现违规。"},
        format="json",
    )
    assert response.status_code == 403
    assert Case.objects.get(pk=case.pk).status == CaseStatus.NEW


def test_merge_and_split_via_api(world):
    r1, r2 = make_report(world.beijing_office), make_report(world.beijing_office)
    a = triage.accept_report(r1, acting_user=world.beijing_user)
    triage.accept_report(r2, acting_user=world.beijing_user)
    client = api_client(world.beijing_user)
    split = client.post(
        f"/api/v1/cases/{a.pk}/split/", {"report": r2.pk, "reason": "另案"}, format="json"
    )
    assert split.status_code == 201
    new_id = split.json()["id"]
    merged = client.post(
        f"/api/v1/cases/{new_id}/merge/", {"into": a.pk, "reason": "同案"}, format="json"
    )
    assert merged.status_code == 200 and merged.json()["id"] == a.pk
    assert {r["id"] for r in merged.json()["reports"]} == {r1.pk, r2.pk}
    g = make_case(world.guangdong_user)
    assert (
        client.post(
            f"/api/v1/cases/{a.pk}/merge/", {"into": g.pk, "reason": "x"}, format="json"
        ).status_code
        == 400
    )


def test_case_evidence_resolver_is_registered(world):
    from qinglang.evidence.access import can_view_subject

    case = make_case(world.shenzhen_user)
    assert can_view_subject(world.shenzhen_user, "cases.case", str(case.pk))
    assert can_view_subject(world.guangdong_user, "cases.case", str(case.pk))
    assert not can_view_subject(world.beijing_user, "cases.case", str(case.pk))
    assert not can_view_subject(world.police_user, "cases.case", str(case.pk))
    assert not can_view_subject(world.shenzhen_user, "cases.case", "nonsense")


def test_report_detail_shows_correlation_counts(world):
    report = make_report(world.beijing_office)
    body = api_client(world.beijing_user).get(f"/api/v1/reports/{report.pk}/").json()
    assert body["correlation"] == {"reports": 0, "regions": 0}


def test_case_list_api_queries_do_not_grow_with_rows(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_client(world.beijing_user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/cases/").status_code == 200
        return len(ctx.captured_queries)

    for i in range(5):
        make_case(
            world.beijing_user, url=f"https://a{i}.example.cn/", co_offices=[world.guangdong_office]
        )
    queries()  # the token's first use is recorded (then at most once a minute)
    few = queries()
    for i in range(45):
        make_case(
            world.beijing_user, url=f"https://b{i}.example.cn/", co_offices=[world.guangdong_office]
        )
    assert queries() == few


def test_create_and_patch_case_via_api(world):
    client = api_client(world.guangdong_user)
    bad = client.post(
        "/api/v1/cases/",
        {"title": "", "category": "nope", "targets": [{"kind": "url", "url": "ftp://x"}]},
        format="json",
    )
    assert bad.status_code == 400 and {"title", "category"} <= set(bad.json())
    bad = client.post(
        "/api/v1/cases/",
        {"title": "t", "category": "extortion", "targets": [{"kind": "url", "url": "ftp://x"}]},
        format="json",
    )
    assert bad.status_code == 400 and "targets.0" in bad.json()
    bad = client.post(
        "/api/v1/cases/",
        {"title": "t", "category": "extortion", "lead_office": world.beijing_office.pk},
        format="json",
    )
    assert bad.status_code == 400 and "lead_office" in bad.json()
    assert not Case.objects.exists()
    created = client.post(
        "/api/v1/cases/",
        {
            "title": "某财经网敲诈企业",
            "category": "extortion",
            "severity": "high",
            "lead_office": world.shenzhen_office.pk,
            "co_offices": [world.beijing_office.pk],
            "targets": [
                {"kind": "url", "url": "https://www.example-caijing.cn/n/1"},
                {"kind": "person", "label": "王某"},
            ],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["lead_office"]["id"] == world.shenzhen_office.pk
    assert [o["id"] for o in body["co_offices"]] == [world.beijing_office.pk]
    assert (
        api_client(world.police_user)
        .post("/api/v1/cases/", {"title": "t", "category": "other"}, format="json")
        .status_code
        == 403
    )
    patched = client.patch(
        f"/api/v1/cases/{body['id']}/",
        {
            "version": 1,
            "summary": "补充情况",
            "add_targets": [{"kind": "account", "platform": "微博", "account": "x"}],
        },
        format="json",
    )
    assert patched.status_code == 200 and patched.json()["version"] == 2
    stale = client.patch(
        f"/api/v1/cases/{body['id']}/", {"version": 1, "title": "旧"}, format="json"
    )
    assert stale.status_code == 409
    co = api_client(world.beijing_user).patch(
        f"/api/v1/cases/{body['id']}/", {"co_offices": []}, format="json"
    )
    assert co.status_code == 403
    assert Case.objects.get().co_offices.count() == 1
