"""A report submission stays cheap: issue #17 part 7 (no new work on the submission path)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from qinglang.intake import services
from tests.intake.factories import report_body

pytestmark = pytest.mark.django_db
# 8 before the reporter's conversation landed; 6 since routing reads cached offices and the
# tracking code relies on its unique constraint (BEGIN and COMMIT included on SQLite).
MAX_STATEMENTS = 6


def test_a_json_report_without_files_makes_a_bounded_number_of_statements(world, monkeypatch):
    monkeypatch.setattr(services, "enqueue_analysis", lambda report_id: None)
    api = APIClient()
    api.post("/api/v1/reports/", report_body(), format="json")  # warm caches (regions, throttle)
    with CaptureQueriesContext(connection) as ctx:
        response = api.post("/api/v1/reports/", report_body(), format="json")
    assert response.status_code == 201
    assert len(ctx.captured_queries) <= MAX_STATEMENTS
