"""The schema documents every error status an operation can answer, centrally."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def operations() -> list[tuple[str, str, dict]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (path, method, op)
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]


def test_every_operation_documents_its_error_statuses_with_a_body(operations):
    assert len(operations) > 50
    for path, method, op in operations:
        responses = op["responses"]
        assert {"400", "404"} <= set(responses), (method, path)
        if method in {"post", "put", "patch"}:
            assert {"403", "409", "413", "415"} <= set(responses), (method, path)
        for code, response in responses.items():
            if code.startswith("4"):
                assert response["content"]["application/json"]["schema"], (method, path, code)
        assert responses["400"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/FieldErrors"
        }


def test_authenticated_operations_document_401_and_throttled_ones_429(operations):
    by_label = {f"{m.upper()} {p}": op for p, m, op in operations}
    assert "401" in by_label["GET /api/v1/cases/"]["responses"]
    assert "403" in by_label["GET /api/v1/cases/"]["responses"]
    assert "429" in by_label["POST /api/v1/reports/"]["responses"]
    assert "429" not in by_label["GET /api/v1/cases/"]["responses"]


def test_bodies_without_files_are_json_only(operations):
    by_label = {f"{m.upper()} {p}": op for p, m, op in operations}
    assert set(by_label["POST /api/v1/cases/"]["requestBody"]["content"]) == {"application/json"}
    assert "multipart/form-data" in by_label["POST /api/v1/reports/"]["requestBody"]["content"]


@pytest.mark.parametrize("path", ["/api/v1/cases/abc/", "/api/v1/no-such-thing/"])
def test_api_not_found_is_json(client, db, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"detail"}


def test_page_not_found_outside_the_api_stays_a_page(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
