"""The ledger: cheap appends, sealing, database-enforced append-only, verify, proofs."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from qinglang.core import ledger, merkle
from qinglang.core.models import LedgerCheckpoint, LedgerEvent, LedgerKey
from tests.core.ledger_helpers import raw_update


@pytest.fixture(autouse=True)
def _key(settings, tmp_path):
    settings.QINGLANG_LEDGER_KEY_PATH = tmp_path / "keys" / "ledger.pem"


@pytest.fixture
def no_purge(settings):
    """Behave like production: no flush exception for DELETE/TRUNCATE."""
    settings.QINGLANG_LEDGER_ALLOW_PURGE = False
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL qinglang.ledger_allow_purge = 'off'")


def add_events(n: int, start: int = 0) -> list[LedgerEvent]:
    with transaction.atomic():
        return [
            ledger.append(
                ("tests.thing", start + i),
                action="thing.changed",
                actor=None,
                data={"n": start + i, "说明": "测试"},
            )
            for i in range(n)
        ]


def test_append_requires_transaction(transactional_db):
    with pytest.raises(RuntimeError):
        ledger.append(("tests.thing", 1), action="x", actor=None)


def test_seal_assigns_positions_and_signs(db, settings):
    events = add_events(5)
    assert all(e.position is None for e in events)
    cp = ledger.seal()
    assert cp.tree_size == 5
    sealed = list(LedgerEvent.objects.order_by("position"))
    assert [e.position for e in sealed] == [0, 1, 2, 3, 4]
    leaves = [bytes.fromhex(e.leaf_hash) for e in sealed]
    assert merkle.root(leaves).hex() == cp.root_hash
    assert leaves[0] == merkle.leaf_hash(merkle.event_leaf_bytes(ledger.event_dict(sealed[0])))
    key_path = settings.QINGLANG_LEDGER_KEY_PATH
    assert oct(key_path.stat().st_mode & 0o777) == "0o600"
    assert LedgerKey.objects.get().key_id == cp.key_id
    assert ledger.seal() is None
    add_events(3, start=5)
    cp2 = ledger.seal()
    assert cp2.tree_size == 8
    assert merkle.root(ledger.leaf_hashes(8)).hex() == cp2.root_hash
    assert ledger.verify_log().ok


def test_update_refused_by_database(db, no_purge):
    add_events(2)
    ledger.seal()
    event = LedgerEvent.objects.first()
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEvent.objects.filter(pk=event.pk).update(position=99)
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerCheckpoint.objects.update(root_hash="0" * 64)
    assert LedgerEvent.objects.get(pk=event.pk).action == "thing.changed"


def test_unsealed_event_content_cannot_change_while_sealing(db, no_purge):
    (event,) = add_events(1)
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEvent.objects.filter(pk=event.pk).update(
            position=0, leaf_hash="a" * 64, actor_label="someone else"
        )
    assert LedgerEvent.objects.get(pk=event.pk).position is None


def test_delete_refused_by_database(db, no_purge):
    add_events(2)
    ledger.seal()
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEvent.objects.all().delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerCheckpoint.objects.all().delete()
    assert LedgerEvent.objects.count() == 2


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_truncate_refused_on_postgresql(db, no_purge):
    add_events(1)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE core_ledgerevent CASCADE")
    assert LedgerEvent.objects.count() == 1


def test_verify_command_ok(db):
    add_events(4)
    ledger.seal()
    out = io.StringIO()
    call_command("ledger", "verify", stdout=out)
    assert "Ledger OK: 4 events, 1 checkpoints" in out.getvalue()


def test_verify_names_first_altered_entry(db):
    events = add_events(6)
    ledger.seal()
    add_events(2, start=6)
    ledger.seal()
    target, later = events[2], events[4]
    raw_update("UPDATE core_ledgerevent SET actor_label = %s WHERE id = %s", ["forger", target.pk])
    raw_update("UPDATE core_ledgerevent SET action = %s WHERE id = %s", ["forged", later.pk])
    err = io.StringIO()
    with pytest.raises(CommandError, match="FAILED"):
        call_command("ledger", "verify", stderr=err)
    assert f"First bad entry: event {target.pk}" in err.getvalue()
    assert ledger.verify_log().first_bad_event_id == target.pk


def test_verify_detects_consistent_rehash(db):
    """Rewriting an event and its leaf hash still breaks the signed root."""
    events = add_events(3)
    ledger.seal()
    ev = LedgerEvent.objects.get(pk=events[1].pk)
    ev.actor_label = "forger"
    forged_leaf = ledger.compute_leaf(ev).hex()
    raw_update(
        "UPDATE core_ledgerevent SET actor_label = %s, leaf_hash = %s WHERE id = %s",
        ["forger", forged_leaf, ev.pk],
    )
    report = ledger.verify_log()
    assert not report.ok
    assert "root hash does not match" in report.problems[0]


def test_verify_detects_deletion(db):
    events = add_events(4)
    ledger.seal()
    raw_update("DELETE FROM core_ledgerevent WHERE id = %s", [events[1].pk])
    report = ledger.verify_log()
    assert report.first_bad_event_id == events[2].pk
    raw_update("DELETE FROM core_ledgerevent WHERE id = %s", [events[3].pk])
    assert any("deleted" in p for p in ledger.verify_log().problems)


def test_verify_detects_forged_checkpoint_signature(db):
    add_events(2)
    cp = ledger.seal()
    raw_update("UPDATE core_ledgercheckpoint SET signature = %s WHERE id = %s", ["00" * 64, cp.pk])
    assert "signature does not verify" in ledger.verify_log().problems[0]


def test_inclusion_and_consistency_proofs(db):
    events = add_events(7)
    cp7 = ledger.seal()
    add_events(6, start=7)
    cp13 = ledger.seal()
    event = LedgerEvent.objects.get(pk=events[3].pk)
    # By default the proof is for the first checkpoint covering the event (one batch of leaves).
    proof = ledger.inclusion_proof(event)
    assert proof["tree_size"] == 7
    assert merkle.verify_inclusion(
        bytes.fromhex(proof["leaf_hash"]),
        proof["leaf_index"],
        7,
        [bytes.fromhex(h) for h in proof["audit_path"]],
        bytes.fromhex(cp7.root_hash),
    )
    later = LedgerEvent.objects.get(position=10)
    for cp in (None, cp13):
        proof = ledger.inclusion_proof(later, cp)
        assert proof["tree_size"] == 13
        assert merkle.verify_inclusion(
            bytes.fromhex(proof["leaf_hash"]),
            10,
            13,
            [bytes.fromhex(h) for h in proof["audit_path"]],
            bytes.fromhex(cp13.root_hash),
        )
    explicit = ledger.inclusion_proof(event, cp13)
    assert merkle.verify_inclusion(
        bytes.fromhex(explicit["leaf_hash"]),
        3,
        13,
        [bytes.fromhex(h) for h in explicit["audit_path"]],
        bytes.fromhex(cp13.root_hash),
    )
    consistency = ledger.consistency_proof(7, 13)
    assert merkle.verify_consistency(
        7,
        13,
        bytes.fromhex(cp7.root_hash),
        bytes.fromhex(cp13.root_hash),
        [bytes.fromhex(h) for h in consistency["proof"]],
    )
    with pytest.raises(ValueError):
        ledger.consistency_proof(5, 13)


def test_key_rotation_keeps_old_checkpoints_verifiable(db, settings, tmp_path):
    from qinglang.core import signing

    add_events(2)
    first = ledger.seal()
    old_key = signing.local_public_key().hex()
    untrusted = (
        f"checkpoint 2: signed by key {first.key_id}, which is not trusted (pin it in "
        "QINGLANG_LEDGER_TRUSTED_KEYS; the key table alone is never trusted)"
    )
    settings.QINGLANG_LEDGER_KEY_PATH = tmp_path / "keys2" / "ledger.pem"
    add_events(2, start=2)
    # Rotated without pinning the old key first: the sealer extends no checkpoint it cannot
    # trust (the key table, which names the old key, is not enough), and signs nothing.
    with pytest.raises(ledger.LedgerIntegrityError) as refused:
        ledger.seal()
    assert refused.value.problem == untrusted
    assert LedgerCheckpoint.objects.count() == 1
    assert LedgerEvent.objects.filter(position__isnull=True).count() == 2
    settings.QINGLANG_LEDGER_TRUSTED_KEYS = [old_key]  # step 1 of a rotation (docs/ledger.md)
    second = ledger.seal()
    assert first.key_id != second.key_id
    assert LedgerKey.objects.count() == 2
    assert ledger.verify_log().ok
    assert ledger.get_signed_checkpoint(2).public_key == old_key
    # Unpinned again, the old key is in the key table, but only a pinned key is trusted.
    settings.QINGLANG_LEDGER_TRUSTED_KEYS = []
    report = ledger.verify_log()
    assert report.problems == [untrusted]
    with pytest.raises(ledger.LedgerIntegrityError) as refused:
        ledger.get_signed_checkpoint(2)
    assert refused.value.problem == untrusted
    assert ledger.get_signed_checkpoint().tree_size == 4  # signed by the local key


@pytest.mark.postgres
@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_writers_do_not_wait_on_the_sealer(transactional_db):
    """While a sealer holds its lock mid-transaction, another connection appends freely."""
    import threading
    import time

    from django.db import connections

    add_events(3)
    sealer_inside = threading.Event()
    release = threading.Event()

    def hold_sealer() -> None:
        try:
            with transaction.atomic():
                ledger._lock_sealer()
                LedgerEvent.objects.filter(position__isnull=True).count()
                sealer_inside.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=hold_sealer)
    thread.start()
    assert sealer_inside.wait(10)
    start = time.monotonic()
    add_events(5, start=3)
    elapsed = time.monotonic() - start
    release.set()
    thread.join()
    assert elapsed < 2.0
    ledger.seal_all()
    assert LedgerEvent.objects.filter(position__isnull=True).count() == 0
    assert ledger.verify_log().ok
