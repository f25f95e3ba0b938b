"""API v1 of core: /me/, the organization directory, and how callers authenticate."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from qinglang.core.models import ApiToken, LedgerEvent
from qinglang.core.services import create_api_token
from tests.core.auth import login_verified
from tests.core.factories import UserFactory


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def bearer(api: APIClient, user) -> APIClient:
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user)}")
    return api


def test_me_with_bearer_token(api, world):
    response = bearer(api, world.beijing_user).get("/api/v1/me/")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "t-beijing"
    assert body["role"] == "triage_officer"
    assert body["organization"] == {
        "id": world.beijing_office.pk,
        "name": "北京市网信办",
        "kind": "regulator_office",
        "level": "provincial",
        "agency_type": "",
        "region": "110000",
        "region_name": "北京市",
    }


def test_me_of_national_office_has_no_region(api, world):
    body = bearer(api, world.national_user).get("/api/v1/me/").json()
    assert body["organization"]["region"] is None


def test_anonymous_and_bad_tokens_are_refused(api, world):
    assert api.get("/api/v1/me/").status_code == 401
    api.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert api.get("/api/v1/me/").status_code == 401


def test_revoked_token_is_refused(api, world):
    bearer(api, world.beijing_user)
    ApiToken.objects.update(revoked_at="2026-01-01T00:00:00Z")
    assert api.get("/api/v1/me/").status_code == 401


def test_session_needs_second_factor(client, world):
    client.force_login(world.beijing_user)
    assert client.get("/api/v1/me/").status_code in {401, 403}
    login_verified(client, world.beijing_user)
    assert client.get("/api/v1/me/").json()["username"] == "t-beijing"


def test_partner_agencies_directory(api, world):
    response = bearer(api, world.beijing_user).get("/api/v1/organizations/?kind=partner_agency")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    rows = {row["name"]: row for row in body["results"]}
    assert set(rows) == {"北京市公安局", "北京市通信管理局"}
    assert rows["北京市公安局"]["agency_type"] == "public_security"
    assert rows["北京市公安局"]["region"] == "110000"
    assert set(rows["北京市公安局"]) >= {"id", "name", "kind", "region"}


def test_directory_filters_by_region(api, world):
    bearer(api, world.national_user)
    names = {
        r["name"]
        for r in api.get("/api/v1/organizations/?kind=regulator_office&region=440000").json()[
            "results"
        ]
    }
    assert names == {"广东省网信办", "深圳市网信办"}


def test_directory_is_paginated_in_fixed_queries(api, world, django_assert_max_num_queries):
    bearer(api, world.website_user)
    with django_assert_max_num_queries(6):
        body = api.get("/api/v1/organizations/").json()
    assert body["count"] == 9 and "next" in body


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("kind=bogus", "kind"),
        ("region=abc", "region"),
        ("region=1100", "region"),
    ],
)
def test_directory_bad_filters_get_field_errors(api, world, query, field):
    response = bearer(api, world.beijing_user).get(f"/api/v1/organizations/?{query}")
    assert response.status_code == 400
    assert response.json()[field]


def test_directory_refused_to_users_without_organization(api, db):
    loose = UserFactory(username="loose", organization=None)
    api.force_authenticate(loose)
    assert api.get("/api/v1/organizations/").status_code == 403


def test_inactive_organizations_are_not_listed(api, world):
    world.telecom.is_active = False
    world.telecom.save()
    body = bearer(api, world.beijing_user).get("/api/v1/organizations/?kind=partner_agency").json()
    assert [r["name"] for r in body["results"]] == ["北京市公安局"]


def test_token_create_command_prints_a_working_token(api, world, capsys):
    call_command("api_token", "create", "t-police", "--name", "police system")
    raw = capsys.readouterr().out.strip()
    token = ApiToken.objects.get(user=world.police_user)
    assert token.name == "police system" and token.digest != raw and raw.startswith(token.prefix)
    assert LedgerEvent.objects.filter(action="api_token.created").count() == 1
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/me/").json()["organization"]["name"] == "北京市公安局"


def test_token_create_command_refuses_unknown_user_and_loose_accounts(db):
    with pytest.raises(CommandError, match="no such user"):
        call_command("api_token", "create", "nobody")
    UserFactory(username="loose", organization=None)
    with pytest.raises(CommandError):
        call_command("api_token", "create", "loose")
    assert not ApiToken.objects.exists()
    assert not LedgerEvent.objects.exists()


def test_schema_documents_core_endpoints(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/me/" in response.content and b"/api/v1/organizations/" in response.content


def test_schema_is_built_once_per_process_and_language(client, monkeypatch):
    from drf_spectacular.generators import SchemaGenerator

    from qinglang.core import api_schema

    api_schema._CACHE.clear()
    api_schema._RENDERED.clear()
    calls = []
    original = SchemaGenerator.get_schema

    def counting(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", counting)
    first = client.get("/api/schema/", HTTP_ACCEPT_LANGUAGE="en")
    second = client.get("/api/schema/", HTTP_ACCEPT_LANGUAGE="en")
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert len(calls) == 1
    client.get("/api/schema/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert len(calls) == 2


def test_docs_page_and_repeated_schema_requests_answer_fast_from_one_generation(
    client, monkeypatch
):
    import time

    from drf_spectacular.generators import SchemaGenerator

    from qinglang.core import api_schema

    api_schema._CACHE.clear()
    api_schema._RENDERED.clear()
    calls = []
    original = SchemaGenerator.get_schema

    def counting(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", counting)
    first_yaml = client.get("/api/schema/", HTTP_ACCEPT_LANGUAGE="en")
    for url in ("/api/docs/", "/api/schema/", "/api/schema/?format=json"):
        client.get(url, HTTP_ACCEPT_LANGUAGE="en")  # warm: the JSON rendering once
    timings = {}
    for url in ("/api/docs/", "/api/schema/", "/api/schema/?format=json"):
        started = time.perf_counter()
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        timings[url] = time.perf_counter() - started
        assert response.status_code == 200
    assert len(calls) == 1
    assert client.get("/api/schema/", HTTP_ACCEPT_LANGUAGE="en").content == first_yaml.content
    assert all(t < 0.3 for t in timings.values()), timings
    as_json = client.get("/api/schema/?format=json", HTTP_ACCEPT_LANGUAGE="en")
    assert as_json["Content-Type"].startswith("application/vnd.oai.openapi+json")
    assert as_json.json()["openapi"].startswith("3.")
