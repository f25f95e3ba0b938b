"""A report body with values of the wrong JSON type is a 400 naming the field, never a 500."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from qinglang.intake import services
from qinglang.intake.models import Report
from tests.intake.factories import report_body


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr(services, "enqueue_analysis", lambda report_id: None)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("occurred_on", False),
        ("occurred_on", 20261118),
        ("description", True),
        ("payment_channel", False),
        ("category", True),
    ],
)
def test_wrong_json_type_is_400_naming_the_field(world, field, value):
    response = APIClient().post("/api/v1/reports/", {**report_body(), field: value}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Report.objects.exists()


def test_concerns_staff_takes_true_and_false(world):
    response = APIClient().post(
        "/api/v1/reports/", {**report_body(), "concerns_staff": False}, format="json"
    )
    assert response.status_code == 201, response.content
