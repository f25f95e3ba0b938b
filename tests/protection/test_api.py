"""API v1 of enterprise protection: contracts, errors, throttles, scope and query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from qinglang.protection import services
from qinglang.protection.models import ClaimCheck, Enterprise, EnterpriseStatus, ProtectionCase
from tests.cases.factories import api_client
from tests.protection.factories import (
    IMPOSTOR_EMAIL,
    extortion_report,
    registration,
    verified_enterprise,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed(world):
    enterprise = verified_enterprise(world.shenzhen_user, org=world.enterprise)
    services.add_authorised_contact(
        enterprise,
        name="刘法务",
        email="legal@demo-food.example.cn",
        valid_from=dt.date(2026, 1, 1),
        valid_until=dt.date(2030, 12, 31),
        acting_user=world.enterprise_user,
    )
    return enterprise


def test_registration_errors_are_per_field_and_store_nothing(world):
    response = APIClient().post(
        "/api/v1/protection/enterprises/",
        registration(uscc="91440300MA5D000001", region="12"),
        format="json",
    )
    assert response.status_code == 400
    assert {"uscc", "region"} <= set(response.json())
    assert not Enterprise.objects.exists()


def test_registration_is_rate_limited(world, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "enterprise_register": "2/hour",
        },
    }
    from rest_framework.throttling import ScopedRateThrottle

    ScopedRateThrottle.THROTTLE_RATES = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    try:
        client = APIClient()
        codes = [
            client.post("/api/v1/protection/enterprises/", registration(), format="json")
            for _ in range(3)
        ]
    finally:
        from django.conf import settings as live

        ScopedRateThrottle.THROTTLE_RATES = live.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert [r.status_code for r in codes] == [201, 201, 429]
    assert Enterprise.objects.count() == 2


def test_verify_from_another_region_is_404(world):
    enterprise = services.register_enterprise(registration())
    response = api_client(world.beijing_user).post(
        f"/api/v1/protection/enterprises/{enterprise.pk}/verify/",
        {"approved": True},
        format="json",
    )
    assert response.status_code == 404
    response = api_client(world.shenzhen_user).post(
        f"/api/v1/protection/enterprises/{enterprise.pk}/verify/",
        {"approved": False},
        format="json",
    )
    assert response.status_code == 400 and "reason" in response.json()
    enterprise.refresh_from_db()
    assert enterprise.status == EnterpriseStatus.PENDING


def test_reports_need_a_verified_enterprise(world):
    response = api_client(world.enterprise_user).post(
        "/api/v1/protection/reports/", extortion_report(), format="json"
    )
    assert response.status_code == 403
    assert not ProtectionCase.objects.exists()


def test_report_missing_conditions_lists_them(world, listed):
    response = api_client(world.enterprise_user).post(
        "/api/v1/protection/reports/",
        extortion_report(demand={"deadline_at": "soon"}, targets=[{"platform": "微博"}]),
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert "deadline_at" in body["demand"] and len(body["checklist"]) >= 2
    assert not ProtectionCase.objects.exists()


def test_report_with_files_through_multipart(world, listed):
    import json

    from django.core.files.uploadedfile import SimpleUploadedFile

    body = extortion_report(targets=[{"platform": "微博", "account": "财经曝光哥"}])
    response = api_client(world.enterprise_user).post(
        "/api/v1/protection/reports/",
        {
            "payload": json.dumps(body, ensure_ascii=False),
            "evidence": SimpleUploadedFile("聊天.txt", "对方：明天中午前打款两万".encode()),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["urgent"] is True


def test_claim_check_contract_and_no_enumeration(world, listed):
    website = api_client(world.website_user)
    yes = website.post(
        "/api/v1/protection/verify-claim/",
        {"uscc": listed.uscc, "contact": {"email": "legal@demo-food.example.cn"}},
        format="json",
    ).json()
    assert yes["verified"] is True and yes["enterprise_name"] == listed.name
    assert "contacts" not in yes and "legal@" not in str(yes)
    no = website.post(
        "/api/v1/protection/verify-claim/",
        {"uscc": listed.uscc, "contact": {"email": IMPOSTOR_EMAIL}},
        format="json",
    ).json()
    from tests.protection.factories import make_uscc

    unknown = website.post(
        "/api/v1/protection/verify-claim/",
        {"uscc": make_uscc(), "contact": {"email": IMPOSTOR_EMAIL}},
        format="json",
    ).json()
    strip = {"check_id"}
    assert {k: v for k, v in no.items() if k not in strip} == {
        k: v for k, v in unknown.items() if k not in strip
    }
    lead = website.post(f"/api/v1/protection/claim-checks/{no['check_id']}/lead/")
    assert lead.status_code == 200
    other = api_client(world.police_user).post(
        f"/api/v1/protection/claim-checks/{no['check_id']}/lead/"
    )
    assert other.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"uscc": "x", "contact": {"email": "a@b.cn"}},
        {"uscc": "91440300MA5DF00D1N", "contact": {"email": "a@b.cn", "phone": "13800138000"}},
        {"uscc": "91440300MA5DF00D1N"},
    ],
)
def test_malformed_claim_is_400_and_not_logged(world, listed, body):
    response = api_client(world.website_user).post(
        "/api/v1/protection/verify-claim/", body, format="json"
    )
    assert response.status_code == 400
    assert not ClaimCheck.objects.exists()


def test_claim_checks_are_for_websites_and_rate_limited(world, listed, settings):
    response = api_client(world.enterprise_user).post(
        "/api/v1/protection/verify-claim/",
        {"uscc": listed.uscc, "contact": {"email": "a@b.cn"}},
        format="json",
    )
    assert response.status_code == 403
    from rest_framework.throttling import ScopedRateThrottle

    rates = {**ScopedRateThrottle.THROTTLE_RATES, "claim_check": "2/hour"}
    original = ScopedRateThrottle.THROTTLE_RATES
    ScopedRateThrottle.THROTTLE_RATES = rates
    try:
        website = api_client(world.website_user)
        codes = [
            website.post(
                "/api/v1/protection/verify-claim/",
                {"uscc": listed.uscc, "contact": {"email": "a@b.cn"}},
                format="json",
            ).status_code
            for _ in range(3)
        ]
    finally:
        ScopedRateThrottle.THROTTLE_RATES = original
    assert codes == [200, 200, 429]
    assert ClaimCheck.objects.count() == 2


def test_case_list_is_scoped_and_query_bounded(world, listed, django_assert_max_num_queries):
    for _ in range(3):
        services.submit_enterprise_report(extortion_report(), acting_user=world.enterprise_user)
    client = api_client(world.enterprise_user)
    with django_assert_max_num_queries(12):
        cases = client.get("/api/v1/protection/cases/").json()
    assert len(cases) == 3 and all(c["urgent"] for c in cases)
    assert api_client(world.beijing_user).get("/api/v1/protection/cases/").json() == []
    assert (
        api_client(world.beijing_user).get(f"/api/v1/protection/cases/{cases[0]['id']}/")
    ).status_code == 404
