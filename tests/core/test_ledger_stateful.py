"""Hypothesis state machine: append, seal, tamper, verify.

Every single change to a sealed entry (any field), every deletion and every reordering is
detected by `verify_log`; the intact log always verifies.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from qinglang.core import ledger
from qinglang.core.models import LedgerCheckpoint, LedgerEvent
from tests.core.ledger_helpers import triggers_disabled

FIELDS = [
    "action",
    "actor_label",
    "object_type",
    "object_id",
    "data",
    "data_digest",
    "occurred_at",
    "leaf_hash",
]


def _tamper_field(event: LedgerEvent, name: str) -> None:
    value = getattr(event, name)
    if name == "data":
        new = {**value, "tampered": True}
    elif name == "occurred_at":
        new = value + dt.timedelta(microseconds=1)
    elif name == "leaf_hash":
        new = ("0" if value[0] != "0" else "1") + value[1:]
    elif name == "data_digest":
        new = ("a" if value[0] != "a" else "b") + value[1:]
    else:
        new = value + "x"
    LedgerEvent.objects.filter(pk=event.pk).update(**{name: new})


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.counter = 0

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def sealed(self) -> list[LedgerEvent]:
        return list(LedgerEvent.objects.filter(position__isnull=False).order_by("position"))

    def assert_detected(self, tamper) -> None:  # type: ignore[no-untyped-def]
        """Apply a tamper inside a savepoint, check verify fails, then undo it."""
        with transaction.atomic():
            with triggers_disabled():
                tamper()
            report = ledger.verify_log()
            assert not report.ok, "tampering went undetected"
            transaction.set_rollback(True)

    @rule(n=st.integers(min_value=1, max_value=4), note=st.text(max_size=8))
    def append(self, n: int, note: str) -> None:
        with transaction.atomic():
            for _ in range(n):
                self.counter += 1
                ledger.append(
                    ("tests.thing", self.counter),
                    action="thing.changed",
                    actor=None,
                    data={"n": self.counter, "note": note},
                )

    @rule()
    def seal(self) -> None:
        ledger.seal()

    @rule(data=st.data(), name=st.sampled_from(FIELDS))
    def change_one_field(self, data: st.DataObject, name: str) -> None:
        sealed = self.sealed()
        if not sealed:
            return
        event = data.draw(st.sampled_from(sealed))
        self.assert_detected(lambda: _tamper_field(event, name))

    @rule(data=st.data())
    def delete_one(self, data: st.DataObject) -> None:
        sealed = self.sealed()
        if not sealed:
            return
        event = data.draw(st.sampled_from(sealed))
        self.assert_detected(lambda: LedgerEvent.objects.filter(pk=event.pk).delete())

    @rule(data=st.data())
    def swap_two(self, data: st.DataObject) -> None:
        sealed = self.sealed()
        if len(sealed) < 2:
            return
        a, b = data.draw(st.lists(st.sampled_from(sealed), min_size=2, max_size=2, unique=True))

        def swap() -> None:
            LedgerEvent.objects.filter(pk=a.pk).update(position=-1)
            LedgerEvent.objects.filter(pk=b.pk).update(position=a.position)
            LedgerEvent.objects.filter(pk=a.pk).update(position=b.position)

        self.assert_detected(swap)

    @rule(data=st.data())
    def swap_contents(self, data: st.DataObject) -> None:
        """Move two entries' leaf hashes together with their positions (a reordered log)."""
        sealed = self.sealed()
        if len(sealed) < 2:
            return
        a, b = data.draw(st.lists(st.sampled_from(sealed), min_size=2, max_size=2, unique=True))

        def swap() -> None:
            LedgerEvent.objects.filter(pk=a.pk).update(position=-1)
            LedgerEvent.objects.filter(pk=b.pk).update(position=a.position, leaf_hash=a.leaf_hash)
            LedgerEvent.objects.filter(pk=a.pk).update(position=b.position, leaf_hash=b.leaf_hash)

        self.assert_detected(swap)

    @rule(data=st.data())
    def rewrite_checkpoint(self, data: st.DataObject) -> None:
        checkpoints = list(LedgerCheckpoint.objects.all())
        if not checkpoints:
            return
        cp = data.draw(st.sampled_from(checkpoints))
        forged = ("f" if cp.root_hash[0] != "f" else "e") + cp.root_hash[1:]
        self.assert_detected(
            lambda: LedgerCheckpoint.objects.filter(pk=cp.pk).update(root_hash=forged)
        )

    @invariant()
    def intact_log_verifies(self) -> None:
        report = ledger.verify_log()
        assert report.ok, report.problems


def test_ledger_state_machine(db, settings, tmp_path) -> None:
    settings.QINGLANG_LEDGER_KEY_PATH = tmp_path / "ledger.pem"
    run_state_machine_as_test(
        LedgerMachine,
        settings=hypothesis_settings(
            max_examples=25,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
