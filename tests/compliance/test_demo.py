"""The demo ledger loads through the services, flags what it should, and loads once."""

from __future__ import annotations

import io

import pytest

from qinglang.compliance import demo
from qinglang.compliance.models import Audit, AuditFinding, DeletionRequest, Evaluation
from qinglang.core.models import LedgerEvent, Role
from qinglang.registry import demo as registry_demo
from tests.core.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent_and_flagged(world):
    UserFactory(
        username="demo-website", organization=world.website_operator, role=Role.WEBSITE_OFFICER
    )
    UserFactory(
        username="demo-beijing", organization=world.beijing_office, role=Role.TRIAGE_OFFICER
    )
    registry_demo.load(io.StringIO())
    demo.load(io.StringIO())
    counts = (DeletionRequest.objects.count(), LedgerEvent.objects.count())
    demo.load(io.StringIO())
    assert (DeletionRequest.objects.count(), LedgerEvent.objects.count()) == counts
    assert counts[0] == 4
    broker = DeletionRequest.objects.get(puid="shili-2026-11-0002")
    assert {"broker_contact", "four_eyes", "money_involved", "late", "no_legal_basis"} <= set(
        broker.flag_codes
    )
    assert broker.website.region.code == "110000"
    assert Audit.objects.count() == 1 and AuditFinding.objects.exists()
    evaluation = Evaluation.objects.get()
    assert evaluation.period == "2026-11" and evaluation.components and evaluation.explanation


def test_demo_without_website_is_skipped(world):
    out = io.StringIO()
    demo.load(out)
    assert "skipped" in out.getvalue() and not DeletionRequest.objects.exists()
