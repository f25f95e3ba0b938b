"""Deterministic tamper tests: every field of a sealed and of an unsealed event, a deletion, a
reordering; verification must fail and name the first bad entry (the hypothesis state machine
samples these; here each case runs every time)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from qinglang.core import ledger
from qinglang.core.models import LedgerCheckpoint, LedgerEvent
from tests.core.factories import UserFactory
from tests.core.ledger_helpers import (
    CHECKPOINT_VALUES,
    SEALED_ONLY,
    STORED_VALUES,
    snapshot,
    store_value,
    triggers_disabled,
)

pytestmark = pytest.mark.django_db
SEALED, UNSEALED = 6, 3


@pytest.fixture(autouse=True)
def _key(settings, tmp_path):
    settings.QINGLANG_LEDGER_KEY_PATH = tmp_path / "keys" / "ledger.pem"


@dataclass
class Log:
    sealed: list[LedgerEvent]
    unsealed: list[LedgerEvent]


@pytest.fixture
def log() -> Log:
    """Six sealed events (one checkpoint) followed by three not yet sealed."""
    with transaction.atomic():
        sealed = [
            ledger.append(("tests.thing", i), action="thing.changed", actor=None, data={"n": i})
            for i in range(SEALED)
        ]
    ledger.seal()
    with transaction.atomic():
        unsealed = [
            ledger.append(("tests.thing", i), action="thing.made", actor=None, data={"n": i})
            for i in range(SEALED, SEALED + UNSEALED)
        ]
    sealed = list(LedgerEvent.objects.filter(pk__in=[e.pk for e in sealed]).order_by("id"))
    assert ledger.verify_log().ok
    return Log(sealed, unsealed)


def _changed(event: LedgerEvent, name: str) -> object:
    """Return a different, well-formed value for one column of `event`."""
    value = getattr(event, name)
    if name == "data":
        return {**value, "n": -1}
    if name == "occurred_at":
        return value + dt.timedelta(microseconds=1)
    if name in {"leaf_hash", "data_digest"}:
        return ("0" if (value or "x")[0] != "0" else "1") + (value or "0" * 64)[1:]
    if name == "actor_id":
        return UserFactory(username="forger").pk
    if name == "action":
        return "thing.forged"  # a code no app declared
    return value + "x"


def _tamper(event: LedgerEvent, **changes: object) -> None:
    with triggers_disabled():
        LedgerEvent.objects.filter(pk=event.pk).update(**changes)


def _assert_first_bad(expected: LedgerEvent) -> ledger.LedgerReport:
    report = ledger.verify_log()
    assert not report.ok, "tampering went undetected"
    assert report.first_bad_event_id == expected.pk, report.problems
    assert report.problems[0].startswith(f"event {expected.pk} ")
    return report


SEALED_FIELDS = [
    "occurred_at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "data",
    "data_digest",
    "leaf_hash",
]


@pytest.mark.parametrize("name", SEALED_FIELDS)
def test_changing_any_field_of_a_sealed_event_names_it(log, name):
    target = log.sealed[2]
    _tamper(target, **{name: _changed(target, name)})
    _assert_first_bad(target)


@pytest.mark.parametrize("name", SEALED_FIELDS)
def test_the_earliest_of_two_altered_events_is_named(log, name):
    first, later = log.sealed[1], log.sealed[4]
    _tamper(later, **{name: _changed(later, name)})
    _tamper(first, **{name: _changed(first, name)})
    _assert_first_bad(first)


# An unsealed event is protected by its data digest, the empty leaf and the registry of actions
# until the sealer (every 30 s) binds every column into the signed tree.
UNSEALED_FIELDS = ["data", "data_digest", "leaf_hash", "action"]


@pytest.mark.parametrize("name", UNSEALED_FIELDS)
def test_changing_a_protected_field_of_an_unsealed_event_names_it(log, name):
    target = log.unsealed[1]
    _tamper(target, **{name: _changed(target, name)})
    _assert_first_bad(target)


def test_a_sealed_event_altered_before_an_unsealed_one_is_named_first(log):
    _tamper(log.unsealed[0], data={"n": -1})
    _tamper(log.sealed[3], actor_label="forger")
    _assert_first_bad(log.sealed[3])


def test_deleting_a_sealed_event_names_the_entry_after_the_gap(log):
    with triggers_disabled():
        LedgerEvent.objects.filter(pk=log.sealed[2].pk).delete()
    report = _assert_first_bad(log.sealed[3])
    assert "missing or deleted" in report.problems[0]
    assert any("sealed entries were deleted" in p for p in report.problems)


def test_deleting_the_last_sealed_event_breaks_the_checkpoint(log):
    with triggers_disabled():
        LedgerEvent.objects.filter(pk=log.sealed[-1].pk).delete()
    report = ledger.verify_log()
    assert not report.ok
    assert any("signed for 6 events but the log has 5" in p for p in report.problems)


def test_reordering_two_sealed_events_names_the_first_moved(log):
    a, b = log.sealed[1], log.sealed[4]
    with triggers_disabled():
        LedgerEvent.objects.filter(pk=a.pk).update(position=-1)
        LedgerEvent.objects.filter(pk=b.pk).update(position=a.position, leaf_hash=a.leaf_hash)
        LedgerEvent.objects.filter(pk=a.pk).update(position=b.position, leaf_hash=b.leaf_hash)
    report = _assert_first_bad(b)
    assert "contents do not match the sealed leaf hash" in report.problems[0]


def test_reordering_positions_only_names_the_first_moved(log):
    a, b = log.sealed[0], log.sealed[5]
    with triggers_disabled():
        LedgerEvent.objects.filter(pk=a.pk).update(position=-1)
        LedgerEvent.objects.filter(pk=b.pk).update(position=a.position)
        LedgerEvent.objects.filter(pk=a.pk).update(position=b.position)
    _assert_first_bad(b)


# --- Stored values no event could have: reported, never raised (cases: ledger_helpers) ----


def _verify_reports(target: LedgerEvent, finding: str, where: str, first: LedgerEvent) -> None:
    """Verify (the service, then the command): `first` named first, `target`'s finding given."""
    before = snapshot()
    report = ledger.verify_log()
    assert not report.ok, "tampering went undetected"
    assert report.first_bad_event_id == first.pk, report.problems
    assert report.problems[0].startswith(f"event {first.pk} "), report.problems
    mine = [p for p in report.problems if p.startswith(f"event {target.pk} ({where}")]
    assert any(finding in p for p in mine), report.problems
    stdout, stderr = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="Ledger verification FAILED"):
        call_command("ledger", "verify", stdout=stdout, stderr=stderr)
    assert f"First bad entry: event {first.pk}" in stderr.getvalue()
    assert all(p in stderr.getvalue() for p in report.problems)
    assert snapshot() == before  # verification changed nothing


@pytest.mark.parametrize("case", [*STORED_VALUES, *SEALED_ONLY])
def test_a_sealed_value_no_event_could_hold_is_reported_not_raised(log, case):
    target = log.sealed[2]
    cases = {**STORED_VALUES, **SEALED_ONLY}
    store_value(target, cases[case][0], cases, case)
    if case == "position-text":  # SQLite orders text after numbers: the gap is found first
        _verify_reports(target, cases[case][3], "position 'abc'", log.sealed[3])
    else:
        _verify_reports(target, cases[case][3], "position 2,", target)


@pytest.mark.parametrize("case", list(STORED_VALUES))
def test_an_unsealed_value_no_event_could_hold_is_reported_not_raised(log, case):
    target = log.unsealed[1]
    store_value(target, STORED_VALUES[case][0], STORED_VALUES, case)
    _verify_reports(target, STORED_VALUES[case][3], "unsealed,", target)


@pytest.mark.parametrize("case", list(CHECKPOINT_VALUES))
def test_a_checkpoint_value_no_sealer_could_write_is_reported_not_raised(log, case):
    checkpoint = LedgerCheckpoint.objects.get()
    store_value(checkpoint, CHECKPOINT_VALUES[case][0], CHECKPOINT_VALUES, case)
    before = snapshot()
    report = ledger.verify_log()
    assert not report.ok, "tampering went undetected"
    assert report.events == SEALED + UNSEALED
    assert any(CHECKPOINT_VALUES[case][3] in p for p in report.problems), report.problems
    assert all(p.startswith("checkpoint ") for p in report.problems), report.problems
    stderr = io.StringIO()
    with pytest.raises(CommandError, match="Ledger verification FAILED"):
        call_command("ledger", "verify", stdout=io.StringIO(), stderr=stderr)
    assert all(p in stderr.getvalue() for p in report.problems)
    assert snapshot() == before
