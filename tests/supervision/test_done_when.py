"""The issue's acceptance path: citizen supervisor lane, a checklist finding opening a case,
and an identity view without a role visible to the inspector only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from qinglang.cases.models import Case
from qinglang.cases.selectors.triage import triage_queue
from qinglang.core.models import IdentityAccessLog
from qinglang.core.services import create_api_token
from qinglang.intake.models import Report
from qinglang.intake.services import reveal_contact, submit_report
from qinglang.supervision import services
from qinglang.supervision.models import Application, CitizenSupervisor
from tests.cases.factories import api_client
from tests.core.auth import login_verified
from tests.supervision.factories import (
    application_data,
    beijing_lead,
    make_assignment,
    make_call,
)

pytestmark = pytest.mark.django_db

REPORT = {
    "category": "paid_deletion",
    "description": "某论坛版主收费删除负面帖子，每条报价三千元。",
    "targets": [{"icp_number": "京ICP备12345678号"}],
}


def test_citizen_applies_is_approved_twice_and_reports_first_in_the_beijing_queue(world):
    lead = beijing_lead(world)
    call = make_call(world)
    public = APIClient()
    assert public.get(reverse("api-supervision-recruitment")).json()[0]["id"] == call.pk

    response = public.post(
        reverse("api-supervision-applications"), application_data(call), format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json() == {"id": response.json()["id"], "status": "submitted"}
    application = Application.objects.get(pk=response.json()["id"])
    assert "11010519491231002X" not in str(Application.objects.values().get(pk=application.pk))

    decide = reverse("api-supervision-application-decide", args=[application.pk])
    first = api_client(world.beijing_user).post(decide, {"approved": True}, format="json")
    assert first.status_code == 200 and first.json()["status"] == "first_approval"
    again = api_client(world.beijing_user).post(decide, {"approved": True}, format="json")
    assert again.status_code == 409
    application.refresh_from_db()
    assert application.status == "first_approval" and application.decisions.count() == 1
    assert not CitizenSupervisor.objects.exists()
    second = api_client(lead).post(decide, {"approved": True, "reason": "同意"}, format="json")
    assert second.status_code == 200 and second.json()["status"] == "approved"
    citizen = CitizenSupervisor.objects.get(application=application).user
    assert citizen.role == "citizen_supervisor" and citizen.organization is None
    assert citizen.check_password(second.json()["initial_password"])

    # Older ordinary and urgent reports are already waiting in Beijing.
    submit_report(REPORT, channel="api")
    submit_report(
        {**REPORT, "category": "extortion", "description": "对方威胁24小时内不付钱就发负面稿件。"},
        channel="api",
    )
    token = create_api_token(citizen, name="app")
    filed = APIClient().post(
        reverse("api-reports"), REPORT, format="json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert filed.status_code == 201, filed.json()
    mine = Report.objects.get(tracking_code=filed.json()["tracking_code"])
    assert mine.office == world.beijing_office and mine.priority == "supervisor"

    listed = api_client(world.beijing_user).get(reverse("api-reports")).json()["results"]
    assert [r["priority"] for r in listed] == ["supervisor", "urgent", "normal"]
    assert listed[0]["id"] == mine.pk
    assert triage_queue(world.beijing_user).first() == mine
    detail = api_client(world.beijing_user).get(reverse("api-report-detail", args=[mine.pk]))
    assert detail.json()["priority"] == "supervisor"
    assert detail.json()["supervisor"] == {"filed": 1, "accepted": 0}

    page = login_verified(APIClient(), world.beijing_user).get(reverse("cases:triage_list"))
    html = page.content.decode()
    assert html.index(mine.tracking_code) < min(
        html.index(r.tracking_code) for r in Report.objects.exclude(pk=mine.pk)
    )


def test_suspended_citizen_supervisor_files_in_the_normal_lane(world):
    from tests.supervision.factories import make_citizen

    supervisor = make_citizen(world)
    services.change_supervisor_status(
        supervisor, action="suspend", reason="滥用监督员名义", acting_user=world.beijing_user
    )
    report = submit_report(REPORT, channel="api", acting_user=supervisor.user).report
    assert report.priority == "normal"


def test_stationed_supervisors_checklist_finding_opens_a_case(world):
    assignment = make_assignment(world)
    client = api_client(assignment.supervisor)
    response = client.post(
        reverse("api-supervision-site-inspections", args=[assignment.pk]),
        {
            "performed_on": timezone.localdate().isoformat(),
            "results": [
                {"item": "two_person_deletion", "outcome": "fail", "note": "删帖仅一人审批"},
                {"item": "deletion_log", "outcome": "pass"},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    [finding_id] = response.json()["findings"]
    referred = client.post(
        reverse("api-supervision-site-finding-refer", args=[finding_id]),
        {"open": "case"},
        format="json",
    )
    assert referred.status_code == 200, referred.json()
    case = Case.objects.get(pk=referred.json()["case"])
    assert case.lead_office == world.beijing_office and not case.is_internal
    assert "示例资讯网" in case.title and "删帖仅一人审批" in case.summary
    # One step only: the same finding cannot open a second case.
    again = client.post(
        reverse("api-supervision-site-finding-refer", args=[finding_id]),
        {"open": "case"},
        format="json",
    )
    assert again.status_code == 409 and Case.objects.count() == 1


def test_identity_view_without_a_role_is_seen_by_the_inspector_and_nowhere_else(world):
    snooper = world.beijing_user
    colleague = beijing_lead(world)
    report = submit_report(
        {**REPORT, "contact": {"name": "王五", "phone": "13900139000"}}, channel="api"
    ).report
    reveal_contact(report, acting_user=snooper)  # never works on it afterwards
    IdentityAccessLog.objects.update(accessed_at=timezone.now() - dt.timedelta(days=2))

    assert services.scan_integrity() == 1
    inspector = api_client(world.inspector)
    listed = inspector.get(reverse("api-supervision-findings")).json()
    assert [(f["kind"], f["staff"]) for f in listed] == [
        ("identity_without_role", snooper.username)
    ]
    assert listed[0]["evidence"]["report"] == report.pk

    for user in (snooper, colleague, world.national_user, world.police_user, world.website_user):
        assert api_client(user).get(reverse("api-supervision-findings")).status_code == 404
    assert APIClient().get(reverse("api-supervision-findings")).status_code in (401, 403)

    opened = inspector.post(reverse("api-supervision-finding-case", args=[listed[0]["id"]]))
    assert opened.status_code == 200
    case = Case.objects.get(pk=opened.json()["case"])
    assert case.is_internal and case.lead_office == world.inspection
    for user in (snooper, colleague, world.national_user):
        cases = api_client(user).get(reverse("api-case-list")).json()
        rows = cases["results"] if isinstance(cases, dict) else cases
        assert case.pk not in [c["id"] for c in rows]
    assert services.scan_integrity() == 0  # known findings are not raised again


def test_staff_who_worked_on_the_report_is_not_flagged(world):
    from qinglang.cases.services.triage import accept_report

    report = submit_report(
        {**REPORT, "contact": {"name": "王五", "phone": "13900139000"}}, channel="api"
    ).report
    reveal_contact(report, acting_user=world.beijing_user)
    accept_report(report, acting_user=world.beijing_user)
    IdentityAccessLog.objects.update(accessed_at=timezone.now() - dt.timedelta(days=2))
    assert services.scan_integrity() == 0


def test_signed_in_citizen_supervisor_files_through_the_web_form_in_the_lane(world, client):
    from tests.supervision.factories import make_citizen

    supervisor = make_citizen(world)
    form = {
        "category": "paid_deletion",
        "description": "某论坛版主收费删除负面帖子，每条报价三千元。",
        "targets-0-icp_number": "京ICP备12345678号",
        "contact-name": "",
        "contact-phone": "",
        "contact-email": "",
    }
    client.force_login(supervisor.user)  # password only, no second factor: ordinary lane
    assert client.post("/report/", form).status_code == 302
    login_verified(client, supervisor.user)
    assert client.post("/report/", form).status_code == 302
    assert list(Report.objects.order_by("pk").values_list("priority", flat=True)) == [
        "normal",
        "supervisor",
    ]


def test_other_orders_on_request(world):
    first = submit_report(REPORT, channel="api").report
    second = submit_report(
        {**REPORT, "category": "extortion", "description": "对方威胁24小时内不付钱就发负面稿件。"},
        channel="api",
    ).report
    third = submit_report(REPORT, channel="api").report
    client = api_client(world.beijing_user)

    def ids(ordering):
        url = reverse("api-reports") + (f"?ordering={ordering}" if ordering else "")
        return [r["id"] for r in client.get(url).json()["results"]]

    assert ids("") == [second.pk, third.pk, first.pk]
    # An order the schema does not name is a 400 naming the parameter, not the default order.
    refused = client.get(reverse("api-reports") + "?ordering=nonsense")
    assert refused.status_code == 400 and list(refused.json()) == ["ordering"]
    assert ids("newest") == [third.pk, second.pk, first.pk]
    assert ids("oldest") == [first.pk, second.pk, third.pk]
    from qinglang.cases.selectors.triage import TriageFilters

    oldest = triage_queue(world.beijing_user, TriageFilters(ordering="oldest"))
    assert list(oldest) == [first, second, third]


def test_openapi_schema_includes_supervision(world, client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/supervision/applications/" in paths
    assert "429" in paths["/api/v1/supervision/applications/"]["post"]["responses"]
