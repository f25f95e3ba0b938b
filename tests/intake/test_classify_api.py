"""POST /api/v1/analysis/classify/: regulator staff only, bounded input, the CLI's JSON object."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from qinglang.core.services import create_api_token
from qinglang.intake.api import CLASSIFY_MAX_CHARS
from qinglang.intake.models import Report

URL = "/api/v1/analysis/classify/"


def _client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user)}")
    return client


@pytest.mark.django_db
def test_staff_get_the_contract_object(world):
    text = "专业刪帖，先删后付，加V信 shantie888"
    response = _client(world.shenzhen_user).post(URL, {"text": text}, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert set(data) == {"genre", "category", "score", "reasons"}
    assert (data["genre"], data["category"]) == ("offer", "paid_deletion")
    assert 0.5 <= data["score"] <= 1
    for reason in data["reasons"]:
        assert set(reason) == {"phrase", "start", "end", "weight"}
        assert text[reason["start"] : reason["end"]] == reason["phrase"]


@pytest.mark.django_db
def test_category_is_null_unless_offer_or_threat(world):
    response = _client(world.national_user).post(
        URL, {"text": "本版禁止发布广告，违者删帖。"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["genre"] == "rules"
    assert response.json()["category"] is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("police_user", 403),
        ("website_user", 403),
        ("enterprise_user", 403),
        ("inspector", 403),
        (None, 401),
    ],
)
def test_only_regulator_staff(world, user, status):
    client = _client(getattr(world, user)) if user else APIClient()
    response = client.post(URL, {"text": "专业删帖"}, format="json")
    assert response.status_code == status
    assert "genre" not in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"text": None},
        {"text": ["专业删帖"]},
        {"text": "删" * (CLASSIFY_MAX_CHARS + 1)},
    ],
)
def test_bad_bodies_are_400_and_change_nothing(world, body):
    before = Report.objects.count()
    response = _client(world.shenzhen_user).post(URL, body, format="json")
    assert response.status_code == 400
    assert "text" in response.json()
    assert Report.objects.count() == before


@pytest.mark.django_db
def test_longest_text_allowed(world):
    text = "今天天气很好，我们去公园散步。\n" * (CLASSIFY_MAX_CHARS // 16)
    response = _client(world.shenzhen_user).post(URL, {"text": text[:CLASSIFY_MAX_CHARS]}, "json")
    assert response.status_code == 200
    assert response.json()["category"] is None


@pytest.mark.django_db
def test_schema_declares_the_operation(client):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"][URL]["post"]
    assert {"200", "400", "401", "403"} <= set(operation["responses"])
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    component = schema["components"]["schemas"][body.rsplit("/", 1)[-1]]
    assert component["properties"]["text"]["maxLength"] == CLASSIFY_MAX_CHARS
