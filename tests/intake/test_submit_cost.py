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


@pytest.mark.django_db(transaction=True)
def test_a_submission_writes_in_one_transaction_and_the_throttle_stays_out_of_it(
    world, monkeypatch
):
    """Every write of a public submission (report, targets, ledger event) lands in one
    transaction, committed once; the rate limit touches no database table (issue #17 part 7)."""
    monkeypatch.setattr(services, "enqueue_analysis", lambda report_id: None)
    api = APIClient()
    api.post("/api/v1/reports/", report_body(), format="json")  # warm caches (regions, throttle)
    statements: list[tuple[str, bool]] = []
    commits: list[int] = []

    def record(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        statements.append((sql.lstrip().split(None, 1)[0].upper(), connection.in_atomic_block))
        return execute(sql, params, many, context)

    real_commit = connection.commit

    def commit():  # type: ignore[no-untyped-def]
        commits.append(len(statements))
        return real_commit()

    monkeypatch.setattr(connection, "commit", commit)
    with connection.execute_wrapper(record):
        response = api.post("/api/v1/reports/", report_body(), format="json")
    assert response.status_code == 201
    writes = [(verb, atomic) for verb, atomic in statements if verb in {"INSERT", "UPDATE"}]
    assert len(writes) >= 3  # the report, its targets, the ledger event
    assert all(atomic for _verb, atomic in writes), statements
    assert len(commits) == 1, (commits, statements)
    assert commits[0] == len(statements), "nothing is written after the commit"
    assert not [verb for verb, atomic in statements if verb in {"SAVEPOINT", "DELETE"}]
    from django.db import connection as db

    tables = db.introspection.table_names()
    assert not [t for t in tables if "cache" in t.lower()], "no database cache table exists"
