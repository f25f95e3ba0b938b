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


def test_the_service_validates_with_shared_fields_and_the_same_messages():
    from qinglang.intake.forms import ReportFieldsCheck, ReportFieldsForm, form_errors

    bad = {"category": "nope", "description": "短", "occurred_on": "2999-01-01"}
    check, form = ReportFieldsCheck(data=bad), ReportFieldsForm(data=bad)
    assert not check.is_valid() and not form.is_valid()
    assert form_errors(check) == form_errors(form) and set(form_errors(check)) == {
        "category",
        "description",
        "occurred_on",
    }
    # The check shares the class's fields (no copy per instance); a web form keeps its own.
    assert check.fields["category"] is ReportFieldsCheck.base_fields["category"]
    assert form.fields["category"] is not ReportFieldsForm.base_fields["category"]
