"""Ledger actions come from one typed registry: an undeclared or misspelt action fails."""

from __future__ import annotations

import pytest
from django.db import transaction

from qinglang.core import ledger
from qinglang.core.ledger_actions import (
    UnknownLedgerActionError,
    define,
    get_action,
    label_for,
    registered_actions,
)
from qinglang.core.models import LedgerEvent
from qinglang.intake.events import REPORT_RECEIVED


@pytest.mark.django_db
def test_misspelt_action_is_refused_and_nothing_is_written():
    before = LedgerEvent.objects.count()
    with pytest.raises(UnknownLedgerActionError, match=r"report\.recieved"), transaction.atomic():
        ledger.append(("intake.report", 1), action="report.recieved", actor=None)
    assert LedgerEvent.objects.count() == before


@pytest.mark.django_db
def test_declared_action_object_and_its_code_are_both_accepted():
    with transaction.atomic():
        first = ledger.append(("intake.report", 1), action=REPORT_RECEIVED, actor=None)
        second = ledger.append(("intake.report", 1), action="report.received", actor=None)
    assert first.action == second.action == "report.received"


def test_declaring_a_code_twice_fails():
    with pytest.raises(ValueError, match="declared twice"):
        define("report.received", "again")


@pytest.mark.parametrize("code", ["", " report.x", "report x"])
def test_malformed_codes_are_refused(code):
    with pytest.raises(ValueError, match="malformed"):
        define(code, "bad")


def test_every_app_declares_its_actions_with_a_label():
    actions = registered_actions()
    for code in (
        "report.received",
        "case.closed",
        "transfer.sent",
        "evidence.captured",
        "registry.violation.recorded",
        "user.created",
    ):
        assert code in actions
        assert label_for(code) != code
    assert get_action("report.received").public_label is not None
    assert label_for("no.such_action") == "no.such_action"


def test_every_action_appended_in_the_source_is_declared():
    """Scan the services for literal action codes: each must be in the registry."""
    import re
    from pathlib import Path

    import qinglang

    root = Path(qinglang.__file__).parent
    codes = set()
    for path in root.rglob("*.py"):
        codes |= set(re.findall(r'action="([a-z_]+\.[a-z_.]+)"', path.read_text("utf-8")))
    assert codes, "the scan found no action codes"
    assert sorted(codes - set(registered_actions())) == []


def test_the_reporter_timeline_and_the_verifier_read_the_registry():
    from qinglang.core.ledger_actions import is_declared, public_actions

    public = public_actions()
    assert {code: a.public_name for code, a in public.items() if code.startswith("report.")} == {
        "report.received": "received",
        "report.accepted": "accepted",
        "report.declined": "declined",
        "report.result_recorded": "result",
        "report.question_asked": "question",
        "report.reply_received": "reply",
        "report.review_requested": "review_requested",
    }
    assert not public["report.reply_received"].public_text_key  # texts go to "messages"
    assert public["report.declined"].public_text_key == "reason_text"
    assert "report.analysed" not in public and is_declared("report.analysed")
    # Collaboration is internal: notes and assignments never reach the reporter's timeline.
    for internal in ("case.note_added", "case.assigned"):
        assert internal not in public and is_declared(internal)
    assert not is_declared("report.recieved")


def test_a_public_name_without_a_public_label_is_refused():
    with pytest.raises(ValueError, match="public label"):
        define("thing.half_public", "x", public_name="half")


@pytest.mark.django_db
def test_an_undeclared_action_in_the_log_fails_verification():
    from qinglang.core.ledger import verify_log
    from tests.core.ledger_helpers import raw_update

    with transaction.atomic():
        event = ledger.append(("intake.report", 1), action=REPORT_RECEIVED, actor=None)
    raw_update(
        "UPDATE core_ledgerevent SET action = %s WHERE id = %s", ["report.recieved", event.pk]
    )
    report = verify_log()
    assert report.first_bad_event_id == event.pk
    assert "not declared" in report.problems[0]
