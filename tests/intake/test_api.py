"""API v1: POST /reports/ (201/400/429), POST /reports/track/ (200/404/429), GET /reports/."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from qinglang.core.services import create_api_token
from qinglang.intake import services
from qinglang.intake.models import Report
from tests.intake.factories import evidence_files_on_disk, exe_as_jpg, png_file, report_body

pytestmark = pytest.mark.django_db
SUBMIT, TRACK, LIST = "/api/v1/reports/", "/api/v1/reports/track/", "/api/v1/reports/"


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr(services, "enqueue_analysis", lambda report_id: None)


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def _token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user)}")
    return client


def test_submit_json_returns_exactly_code_key_status_and_files(world, api):
    body = report_body(
        targets=[
            {
                "url": "https://a.cn/1",
                "website_name": "某网",
                "icp_number": "京ICP备12345678号",
                "platform": "网站",
                "account": "abc",
            }
        ],
        contact={"name": "王五", "phone": "13800138000", "email": "w@example.cn"},
    )
    response = api.post(SUBMIT, body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert set(data) == {"tracking_code", "access_key", "status", "files"}
    assert data["status"] == "received" and data["files"] == []
    report = Report.objects.get(tracking_code=data["tracking_code"])
    assert report.channel == "api" and report.office == world.beijing_office


def test_submit_multipart_with_payload_and_evidence(world, api):
    response = api.post(
        SUBMIT,
        {
            "payload": json.dumps(report_body()),
            "evidence": [png_file(), png_file("b.png", "green")],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    from qinglang.evidence.selectors import items_for

    report = Report.objects.get()
    assert items_for(("intake.report", report.pk)).count() == 2


def test_submit_errors_are_per_field_with_targets_nested_by_index(world, api):
    body = report_body(
        category="nope",
        description="短",
        targets=[{"url": "https://ok.cn"}, {"icp_number": "垃圾"}],
        contact={"phone": "123"},
    )
    response = api.post(SUBMIT, body, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"category", "description", "targets", "contact"}
    assert errors["targets"][0] == {} and "icp_number" in errors["targets"][1]
    assert "phone" in errors["contact"]
    assert Report.objects.count() == 0


def test_submit_without_targets(world, api):
    response = api.post(SUBMIT, report_body(targets=[]), format="json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()["targets"]


def test_multipart_with_bad_payload_or_bad_file_stores_nothing(world, api):
    response = api.post(SUBMIT, {"payload": "{not json"}, format="multipart")
    assert response.status_code == 400 and "payload" in response.json()
    response = api.post(
        SUBMIT,
        {"payload": json.dumps(report_body()), "evidence": [png_file(), exe_as_jpg()]},
        format="multipart",
    )
    assert response.status_code == 400 and "evidence" in response.json()
    assert Report.objects.count() == 0 and evidence_files_on_disk() == []


def test_json_array_body_is_refused(world, api):
    response = api.post(SUBMIT, [1, 2], format="json")
    assert response.status_code == 400
    assert Report.objects.count() == 0


def test_eleventh_submission_in_an_hour_is_throttled_and_creates_nothing(world, api):
    for _ in range(10):
        assert api.post(SUBMIT, report_body(), format="json").status_code == 201
    response = api.post(SUBMIT, report_body(), format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert "try again" in response.json()["detail"]
    assert Report.objects.count() == 10


# --- tracking ---------------------------------------------------------------------------------


def test_track_returns_status_timeline_decision(world, api):
    receipt = api.post(SUBMIT, report_body(), format="json").json()
    response = api.post(
        TRACK,
        {"tracking_code": receipt["tracking_code"], "access_key": receipt["access_key"]},
        format="json",
    )
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {
        "status",
        "office",
        "timeline",
        "decision",
        "messages",
        "review",
        "notices",
    }
    assert data["office"] == Report.objects.get().office.name and data["messages"] == []
    assert data["status"] == "received" and data["timeline"][0]["event"] == "received"
    assert data["decision"] is None
    # The reporter reads times in Asia/Shanghai, as every other answer gives them.
    assert data["timeline"][0]["at"].endswith("+08:00")


def test_track_declined_shows_the_reason(world, api):
    receipt = api.post(
        SUBMIT, report_body(targets=[{"icp_number": "京ICP备12345678号"}]), format="json"
    ).json()
    report = Report.objects.get()
    services.record_decline(
        report,
        reason_code="out_of_scope",
        reason_text="不属于本专区受理范围。",
        acting_user=world.beijing_user,
    )
    data = api.post(
        TRACK,
        {"tracking_code": receipt["tracking_code"], "access_key": receipt["access_key"]},
        format="json",
    ).json()
    assert data["status"] == "declined"
    assert data["decision"]["reason_code"] == "out_of_scope"
    assert data["decision"]["reason_text"] == "不属于本专区受理范围。"
    assert set(data["decision"]) == {
        "outcome",
        "reason_code",
        "reason_text",
        "public_result",
        "decided_at",
    }


def test_unknown_code_and_wrong_key_are_the_same_404(world, api):
    receipt = api.post(SUBMIT, report_body(), format="json").json()
    answers = []
    for body in (
        {"tracking_code": "QL-ZZZZZZZZZZ", "access_key": receipt["access_key"]},
        {"tracking_code": receipt["tracking_code"], "access_key": "AAAAA-BBBBB"},
        {"tracking_code": receipt["tracking_code"]},
        {},
    ):
        response = api.post(TRACK, body, format="json")
        answers.append((response.status_code, response.content))
    assert len(set(answers)) == 1 and answers[0][0] == 404


def test_tracking_is_throttled(world, api):
    for _ in range(30):
        api.post(TRACK, {"tracking_code": "QL-ZZZZZZZZZZ", "access_key": "x"}, format="json")
    response = api.post(TRACK, {"tracking_code": "QL-ZZZZZZZZZZ", "access_key": "x"}, format="json")
    assert response.status_code == 429


# --- staff list ---------------------------------------------------------------------------------


def test_list_requires_authentication(world, api):
    assert api.get(LIST).status_code in {401, 403}


def test_list_is_scoped_and_has_the_agreed_fields(world, api):
    api.post(
        SUBMIT,
        report_body(
            targets=[{"icp_number": "京ICP备12345678号"}],
            contact={"name": "赵六", "phone": "13800138000"},
        ),
        format="json",
    )
    api.post(SUBMIT, report_body(targets=[{"icp_number": "粤ICP备12345678号"}]), format="json")
    api.post(
        SUBMIT,
        report_body(targets=[{"icp_number": "京ICP备12345678号"}], concerns_staff=True),
        format="json",
    )
    data = _token_client(world.beijing_user).get(LIST).json()
    assert data["count"] == 1
    row = data["results"][0]
    assert {"id", "tracking_code", "status", "office"} <= set(row)
    assert row["office"] == world.beijing_office.pk
    assert "赵六" not in str(data) and "13800138000" not in str(data)  # contact needs reveal
    assert _token_client(world.national_user).get(LIST).json()["count"] == 2
    assert _token_client(world.inspector).get(LIST).json()["count"] == 1
    assert _token_client(world.police_user).get(LIST).json()["count"] == 0
    assert (
        _token_client(world.national_user)
        .get(LIST, {"office": world.guangdong_office.pk})
        .json()["count"]
        == 1
    )


def test_list_query_count_does_not_grow_with_the_page(world, api):
    client = _token_client(world.national_user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(LIST).status_code == 200
        return len(ctx.captured_queries)

    for i in range(2):
        api.post(
            SUBMIT, report_body(targets=[{"icp_number": f"京ICP备1234567{i}号"}]), format="json"
        )
    queries()  # the token's first use is recorded (then at most once a minute)
    few = queries()
    from django.core.cache import cache

    cache.clear()
    for i in range(8):
        api.post(
            SUBMIT, report_body(targets=[{"icp_number": f"粤ICP备1234567{i}号"}]), format="json"
        )
    assert queries() == few
    assert few <= 8


def test_list_counts_come_from_the_tally_and_equal_the_rows(world, api):
    """`?page=` counts match the rows for every user and filter; keyed ones skip COUNT(*)."""
    from qinglang.intake.selectors import reports_visible_to

    for icp in ("京ICP备12345678号", "粤ICP备12345678号", "粤ICP备22345678号"):
        api.post(SUBMIT, report_body(targets=[{"icp_number": icp}]), format="json")
    api.post(
        SUBMIT,
        report_body(targets=[{"icp_number": "京ICP备12345678号"}], concerns_staff=True),
        format="json",
    )
    Report.objects.filter(pk=Report.objects.order_by("pk").first().pk).update(status="declined")
    filters = [
        {},
        {"status": "received"},
        {"status": "declined"},
        {"office": world.guangdong_office.pk},
        {"office": world.beijing_office.pk, "status": "received"},
        {"category": "paid_deletion"},
        {"category": "no-such-category"},  # ignored by the list, so by the count too
        {"assignee": "none"},
    ]
    users = [world.national_user, world.beijing_user, world.inspector, world.police_user]
    for user in users:
        client = _token_client(user)
        client.get(LIST)  # the token's first use is recorded
        for params in filters:
            with CaptureQueriesContext(connection) as ctx:
                data = client.get(LIST, {**params, "page_size": 1}).json()
            expected = reports_visible_to(user)
            if params.get("status"):
                expected = expected.filter(status=params["status"])
            if params.get("office"):
                expected = expected.filter(office_id=params["office"])
            if params.get("category") == "paid_deletion":
                expected = expected.filter(category="paid_deletion")
            if params.get("assignee") == "none":
                expected = expected.filter(triage_assignee__isnull=True)
            assert data["count"] == expected.count(), (user.username, params)
            counted = [
                q["sql"]
                for q in ctx.captured_queries
                if "COUNT(" in q["sql"] and '"intake_report"' in q["sql"].split("WHERE")[0]
            ]
            keyed = not (params.get("category") == "paid_deletion" or params.get("assignee"))
            if keyed:
                assert not counted, (params, counted)
            elif user != world.police_user:  # no scope: an empty list, counted by no query
                assert counted, params  # the other filters count the rows
    assert _token_client(world.national_user).get(LIST, {"office": "x"}).status_code == 400
