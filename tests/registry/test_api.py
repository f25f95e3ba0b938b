"""API v1 of the registry: staff-only lists, no identity data, correlation, candidate checks."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import override_settings
from rest_framework.test import APIClient

from qinglang.core.services import create_api_token
from qinglang.registry import services
from qinglang.registry.models import PractitionerLookup
from tests.registry import factories


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def _client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user)}")
    return client


@pytest.mark.parametrize(
    "name",
    [
        "websites",
        "accounts",
        "practitioners",
        "intermediaries",
        "violations",
        "networks",
    ],
)
def test_lists_are_staff_only_with_bounded_queries(world, django_assert_max_num_queries, name):
    for i in range(4):
        site = factories.website(domain=f"api{i}.com.cn")
        factories.violation(site, office=world.beijing_office, user=world.beijing_user, case_id=i)
        factories.intermediary(contacts=[("qq", "7777777")])
        services.create_account(platform="微博", uid=f"u{i}", display_name="名", acting_user=None)
    factories.practitioner()
    client = _client(world.guangdong_user)
    with django_assert_max_num_queries(10):
        response = client.get(f"/api/v1/registry/{name}/")
    assert response.status_code == 200
    assert _client(world.website_user).get(f"/api/v1/registry/{name}/").status_code == 403
    assert APIClient().get(f"/api/v1/registry/{name}/").status_code in {401, 403}


def test_practitioners_api_has_no_identity_data(world):
    factories.practitioner()
    body = _client(world.beijing_user).get("/api/v1/registry/practitioners/").json()
    row = body["results"][0]
    assert set(row) == {"id", "name", "employer", "role", "press_card_number", "region"}
    assert "002X" not in str(body)


def test_website_and_violation_payloads(world):
    site = factories.website(domain="shili-news.com.cn", name="示例资讯网")
    factories.violation(site, office=world.beijing_office, user=world.beijing_user)
    client = _client(world.beijing_user)
    websites = client.get("/api/v1/registry/websites/?q=shili").json()["results"]
    assert websites[0]["domains"] == ["shili-news.com.cn"] and websites[0]["region"] == "110000"
    violation = client.get("/api/v1/registry/violations/").json()["results"][0]
    assert violation["subject"] == {"id": site.pk, "name": "示例资讯网"}
    assert violation["evidence_item_ids"] == ["11", "12"]
    # Partner agencies read violation records (for enforcement) but not the entity lists.
    police = _client(world.police_user)
    assert police.get("/api/v1/registry/violations/").status_code == 200
    assert police.get("/api/v1/registry/websites/").status_code == 403


def test_identifier_summary_scoped(world):
    for pk, office, code in [
        (1, world.beijing_office, "110000"),
        (2, world.guangdong_office, "440000"),
    ]:
        services.index_identifiers(
            source=("intake.report", pk),
            identifiers=[("qq", "2876543210")],
            office_id=office.pk,
            region_code=code,
        )
    body = _client(world.beijing_user).get("/api/v1/registry/identifiers/qq/2876543210/").json()
    assert body["reports"] == 2 and body["regions"] == 2 and body["hidden"] == 1
    assert [v["source_id"] for v in body["visible"]] == ["1"]
    assert (
        _client(world.beijing_user).get("/api/v1/registry/identifiers/qq/111111/").status_code
        == 404
    )
    from qinglang.registry.services.networks import rebuild_networks

    rebuild_networks()
    networks = _client(world.national_user).get("/api/v1/registry/networks/").json()["results"]
    assert networks[0]["size"] == 2 and networks[0]["regions"] == ["北京市", "广东省"]


def test_practitioner_lookup_api(world):
    person = factories.practitioner()
    factories.violation(person, office=world.beijing_office, user=world.beijing_user)
    client = _client(world.website_user)
    url = "/api/v1/registry/practitioner-lookup/"
    response = client.post(
        url, {"identity_number": factories.IDENTITY, "purpose": "聘用核查"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["found"] is True and "张某" not in response.content.decode()
    response = client.post(url, {"press_card_number": "B1", "purpose": "聘用核查"}, format="json")
    assert response.status_code == 400 and "press_card_number" in response.json()
    response = client.post(url, {"press_card_number": "B11012345678"}, format="json")
    assert response.status_code == 400 and "purpose" in response.json()
    assert (
        _client(world.beijing_user)
        .post(url, {"press_card_number": "B11012345678", "purpose": "聘用核查"}, format="json")
        .status_code
        == 403
    )
    assert PractitionerLookup.objects.count() == 1


@override_settings(QINGLANG_PRACTITIONER_LOOKUPS_PER_DAY=1)
def test_practitioner_lookup_api_rate_limit(world):
    client = _client(world.website_user)
    url = "/api/v1/registry/practitioner-lookup/"
    body = {"press_card_number": "B11012345678", "purpose": "聘用核查"}
    assert client.post(url, body, format="json").status_code == 200
    response = client.post(url, body, format="json")
    assert response.status_code == 429
    assert PractitionerLookup.objects.count() == 1
