"""Periodic inspection: planning by a superior office, the pack, findings and answers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from qinglang.core.exceptions import DomainError, NotPermitted
from qinglang.core.services import log_identity_access
from qinglang.intake.services import record_decline
from qinglang.supervision import services
from qinglang.supervision.models import Inspection, InspectionFinding
from tests.cases.factories import api_client, make_report

pytestmark = pytest.mark.django_db


def _plan(world, user=None, office=None, **kw):
    return api_client(user or world.guangdong_user).post(
        reverse("api-supervision-inspections"),
        {
            "office": (office or world.shenzhen_office).pk,
            "scheduled_for": timezone.localdate().isoformat(),
            "checklist": kw.pop("checklist", ["backlog", "decline_reasons", "identity_access"]),
            **kw,
        },
        format="json",
    )


def test_only_a_superior_office_plans_an_inspection(world):
    assert _plan(world, user=world.beijing_user).status_code == 403
    assert _plan(world, user=world.shenzhen_user).status_code == 403
    assert _plan(world, office=world.guangdong_office).status_code == 403  # itself
    assert _plan(world, user=world.website_user).status_code == 403
    assert _plan(world, checklist=["nonsense"]).status_code == 400
    assert _plan(world, checklist=[]).status_code == 400
    assert _plan(world, office=world.police).status_code == 400
    assert not Inspection.objects.exists()
    response = _plan(world)
    assert response.status_code == 201 and set(response.json()) == {"id"}
    assert _plan(world, user=world.national_user, office=world.guangdong_office).status_code == 201


def test_pack_has_the_periods_figures_and_the_office_answers(world):
    report = make_report(world.shenzhen_office)
    make_report(world.shenzhen_office)
    record_decline(
        report,
        reason_code="out_of_scope",
        reason_text="不属于受理范围",
        acting_user=world.shenzhen_user,
    )
    log_identity_access(user=world.shenzhen_user, object_type="intake.report", object_id=report.pk)
    services.sign_pledge(kind="integrity", text="廉洁承诺", acting_user=world.shenzhen_user)
    inspection = Inspection.objects.get(pk=_plan(world).json()["id"])
    pack_url = reverse("api-supervision-inspection-pack", args=[inspection.pk])
    assert api_client(world.shenzhen_user).post(pack_url).status_code == 403
    pack = api_client(world.guangdong_user).post(pack_url).json()["pack"]
    assert pack["reports_received"] == 2
    assert pack["backlog"] == {"reports_awaiting_triage": 1, "open_cases": 0}
    assert pack["decline_reasons"]["counts"] == {"out_of_scope": 1}
    assert pack["decline_reasons"]["sample"][0]["tracking_code"] == report.tracking_code
    assert pack["identity_access"]["by_staff"] == {world.shenzhen_user.username: 1}
    assert "overdue_rate" not in pack
    [row] = pack["pledges"]
    assert row["staff"] == world.shenzhen_user.username and row["pledges"][0]["kind"] == "integrity"

    due = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    findings_url = reverse("api-supervision-inspection-findings", args=[inspection.pk])
    body = {
        "item": "backlog",
        "text": "积压举报未及时处理",
        "follow_ups": [{"title": "清理积压", "due_on": due}],
    }
    assert (
        api_client(world.shenzhen_user).post(findings_url, body, format="json").status_code == 403
    )
    past = {**body, "follow_ups": [{"title": "x", "due_on": "2020-01-01"}]}
    assert (
        api_client(world.guangdong_user).post(findings_url, past, format="json").status_code == 400
    )
    other = {**body, "item": "escalations"}  # not on this inspection's checklist
    assert (
        api_client(world.guangdong_user).post(findings_url, other, format="json").status_code == 400
    )
    assert not InspectionFinding.objects.exists()
    finding_id = (
        api_client(world.guangdong_user).post(findings_url, body, format="json").json()["id"]
    )

    answer = reverse("api-supervision-finding-answer", args=[finding_id])
    assert (
        api_client(world.beijing_user).post(answer, {"response": "x"}, format="json").status_code
        == 404
    )
    assert (
        api_client(world.guangdong_user).post(answer, {"response": "x"}, format="json").status_code
        == 403
    )
    ok = api_client(world.shenzhen_user).post(
        answer, {"response": "已于本周清理完毕"}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["response"] == "已于本周清理完毕"
    again = api_client(world.shenzhen_user).post(answer, {"response": "再答"}, format="json")
    assert again.status_code == 409
    detail = (
        api_client(world.shenzhen_user)
        .get(reverse("api-supervision-inspection", args=[inspection.pk]))
        .json()
    )
    follow_up = detail["findings"][0]["follow_ups"][0]
    assert follow_up["title"] == "清理积压" and follow_up["completed_at"] is None
    done = reverse("api-supervision-follow-up-complete", args=[follow_up["id"]])
    assert api_client(world.guangdong_user).post(done).status_code == 403
    assert api_client(world.beijing_user).post(done).status_code == 404
    assert api_client(world.shenzhen_user).post(done).json()["completed_at"]
    assert api_client(world.shenzhen_user).post(done).status_code == 409


def test_inspection_list_is_query_bounded(world, django_assert_max_num_queries):
    for _ in range(3):
        _plan(world)
    with django_assert_max_num_queries(8):
        rows = api_client(world.shenzhen_user).get(reverse("api-supervision-inspections")).json()
    assert len(rows) == 3
    assert api_client(world.beijing_user).get(reverse("api-supervision-inspections")).json() == []


def test_service_refuses_a_period_ending_before_it_starts(world):
    with pytest.raises(DomainError):
        services.plan_inspection(
            world.shenzhen_office,
            scheduled_for=timezone.localdate(),
            checklist=["backlog"],
            period_start="2026-06-01",
            period_end="2026-05-01",
            acting_user=world.guangdong_user,
        )
    with pytest.raises(NotPermitted):
        services.generate_pack(
            services.plan_inspection(
                world.shenzhen_office,
                scheduled_for=timezone.localdate(),
                checklist=["backlog"],
                acting_user=world.guangdong_user,
            ),
            acting_user=world.national_user,
        )
