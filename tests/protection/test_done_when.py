"""The issue's acceptance path through the API: register, verify, report, measure, claim."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from qinglang.cases.models import Case, Transfer, Urgency
from qinglang.core.models import Notification, Organization, User
from qinglang.protection.models import Enterprise, EnterpriseStatus, ProtectionCase
from qinglang.protection.services import add_authorised_contact
from tests.cases.factories import api_client
from tests.protection.factories import IMPOSTOR_EMAIL, extortion_report, registration

pytestmark = pytest.mark.django_db


def test_enterprise_is_protected_end_to_end(world):
    body = registration()
    response = APIClient().post("/api/v1/protection/enterprises/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "pending"
    enterprise_id = response.json()["id"]

    office = api_client(world.shenzhen_user)
    response = office.post(
        f"/api/v1/protection/enterprises/{enterprise_id}/verify/",
        {"approved": True, "reason": ""},
        format="json",
    )
    assert response.status_code == 200, response.json()
    enterprise = Enterprise.objects.get(pk=enterprise_id)
    assert enterprise.status == EnterpriseStatus.VERIFIED
    owner = User.objects.get(organization=enterprise.organization)
    assert owner.role == "enterprise_user" and not owner.has_usable_password()
    assert Notification.objects.filter(recipient_user=owner, verb="enterprise.activation")

    before = timezone.now()
    response = api_client(owner).post(
        "/api/v1/protection/reports/", extortion_report(), format="json"
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["tracking_code"].startswith("QL-")
    deadline = dt.datetime.fromisoformat(data["case"]["deadline"])
    assert before + dt.timedelta(hours=23) < deadline <= timezone.now() + dt.timedelta(days=1)
    pcase = ProtectionCase.objects.get(pk=data["case"]["id"])
    assert pcase.urgent
    assert Notification.objects.filter(
        recipient_organization=pcase.office, verb="protection.urgent"
    ).exists()

    triage = api_client(world.shenzhen_user)
    response = triage.post(f"/api/v1/reports/{pcase.report_id}/accept/", {}, format="json")
    assert response.status_code in (200, 201), response.json()
    pcase.refresh_from_db()
    assert pcase.case is not None
    assert Case.objects.get(pk=pcase.case_id).urgency == Urgency.IN_PROGRESS

    website = Organization.objects.get(pk=world.website_operator.pk)
    response = triage.post(
        f"/api/v1/cases/{pcase.case_id}/transfers/",
        {
            "recipient": website.pk,
            "kind": "interim_measure",
            "measure": "dispute_label",
            "instructions": "请对该微博内容加注争议标签。",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    transfer = Transfer.objects.get(pk=response.json()["id"])
    assert transfer.deadline - transfer.sent_at == dt.timedelta(hours=24)

    until = timezone.now() + dt.timedelta(days=7)
    response = api_client(world.website_user).post(
        f"/api/v1/transfers/{transfer.pk}/feedback/",
        {"summary": "已加注争议标签。", "measure_done": True, "until": until.isoformat()},
        format="json",
    )
    assert response.status_code == 201, response.json()
    view = api_client(owner).get(f"/api/v1/protection/cases/{pcase.pk}/").json()
    answer = view["transfers"][0]["answers"][0]
    assert view["transfers"][0]["measure"] == "dispute_label" and answer["measure_done"] is True

    add_authorised_contact(
        enterprise,
        name="李法务",
        email="legal@example-tech.cn",
        valid_from=dt.date(2026, 1, 1),
        valid_until=dt.date(2030, 12, 31),
        acting_user=owner,
    )
    checker = api_client(world.website_user)
    response = checker.post(
        "/api/v1/protection/verify-claim/",
        {"uscc": body["uscc"], "contact": {"email": IMPOSTOR_EMAIL}},
        format="json",
    )
    assert response.status_code == 200
    assert response.json() | {"check_id": 0} == {
        "verified": False,
        "enterprise_name": None,
        "valid_until": None,
        "check_id": 0,
    }
    response = checker.post(
        "/api/v1/protection/verify-claim/",
        {"uscc": body["uscc"], "contact": {"email": "LEGAL@example-tech.cn"}},
        format="json",
    )
    assert response.json()["verified"] is True
    assert response.json()["valid_until"] == "2030-12-31"
