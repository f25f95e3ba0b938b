"""The demo case loads from the intake demo reports, once."""

from __future__ import annotations

import io

import pytest

from qinglang.cases import demo
from qinglang.cases.models import Case

pytestmark = pytest.mark.django_db


def test_demo_case_is_idempotent(world):
    from qinglang.intake import demo as intake_demo

    intake_demo.load(io.StringIO())
    out = io.StringIO()
    demo.load(out)
    demo.load(out)
    case = Case.objects.get()
    assert case.reports.count() == 1
    assert "already present" in out.getvalue()
    # The demo transfers (sent once) put the case in "awaiting feedback".
    transfers = sorted(case.transfers.values_list("kind", flat=True))
    assert transfers == ["criminal_referral", "rectification_order"]
    assert case.status == "awaiting_feedback"


def test_demo_without_reports_is_skipped(world):
    out = io.StringIO()
    demo.load(out)
    assert not Case.objects.exists() and "skipped" in out.getvalue()
