"""The API reads its inputs as the schema documents them (issue 16 part 1).

A query value the schema does not allow is a 400 naming the parameter (not silently ignored), an
empty optional query parameter is the same as leaving it out (`allowEmptyValue`), a JSON number
is not text, and the schema declares links from a created object to its operations.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from qinglang.core.api_params import MAX_INT
from qinglang.core.services import create_api_token
from qinglang.disclosure.models import Batch
from qinglang.intake import services
from qinglang.intake.models import Report
from tests.intake.factories import report_body

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr(services, "enqueue_analysis", lambda report_id: None)


def _staff(world) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {create_api_token(world.beijing_user)}")
    return client


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/v1/reports/?ordering=AAA", "ordering"),
        ("/api/v1/reports/?office=abc", "office"),
        (f"/api/v1/reports/?office={MAX_INT + 1}", "office"),
        ("/api/v1/transfers/?direction=sideways", "direction"),
        ("/api/v1/public/exposures/?page=true", "page"),
        ("/api/v1/public/exposures/?page=0", "page"),
        ("/api/v1/public/exposures/?batch=null", "batch"),
        ("/api/v1/public/rankings/?page=%D9%A1", "page"),
        ("/api/v1/organizations/?region=%D9%A1%D9%A1%D9%A1%D9%A1%D9%A1%D9%A1", "region"),
    ],
)
def test_a_query_value_the_schema_refuses_is_a_400_naming_it(world, path, name):
    response = _staff(world).get(path)
    assert response.status_code == 400, response.content
    assert list(response.json()) == [name]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/reports/?ordering=&office=",
        "/api/v1/reports/?ordering=-risk",
        "/api/v1/transfers/?direction=",
        "/api/v1/public/exposures/?page=&batch=",
        "/api/v1/public/exposures/?page=1",
    ],
)
def test_an_empty_or_documented_query_value_is_accepted(world, path):
    assert _staff(world).get(path).status_code == 200


def test_a_number_where_the_schema_says_text_is_refused_and_nothing_is_stored(world):
    before = Batch.objects.count()
    response = _staff(world).post("/api/v1/disclosure/batches/", {"title": 0}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["title"]
    assert Batch.objects.count() == before


def test_a_report_with_a_number_as_text_is_refused_and_nothing_is_stored(world):
    response = APIClient().post(
        "/api/v1/reports/", report_body(description=1234567890123), format="json"
    )
    assert response.status_code == 400
    assert "description" in response.json()
    assert not Report.objects.exists()


def test_a_report_target_with_null_fields_is_accepted_as_documented(world):
    body = report_body(targets=[{"url": "https://a.cn/1", "account": None, "platform": None}])
    response = APIClient().post("/api/v1/reports/", body, format="json")
    assert response.status_code == 201, response.content
    assert Report.objects.get().targets.get().account == ""


def test_the_schema_links_a_created_case_to_its_operations_and_allows_empty_filters(world):
    schema = _staff(world).get("/api/schema/?format=json").json()
    created = schema["paths"]["/api/v1/cases/"]["post"]["responses"]["201"]
    assert created["links"]["v1_cases_retrieve"] == {
        "operationId": "v1_cases_retrieve",
        "parameters": {"id": "$response.body#/id"},
    }
    listing = schema["paths"]["/api/v1/cases/"]["get"]["parameters"]
    assert all(p["allowEmptyValue"] for p in listing if p["in"] == "query")
    # The filters are the list's, not the creation's.
    assert "parameters" not in schema["paths"]["/api/v1/cases/"]["post"]
