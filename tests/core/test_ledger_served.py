"""What the ledger hands out — inclusion proofs, evidence packages, checkpoints sent to witnesses.

Each is compared with the answer of the old code (ORM checkpoints, the key table, proofs over
every leaf: `old_*` below) byte for byte, and measured at two log sizes: the same number of
queries, and rows read (`ledger_reads`) bounded by the proof's length, not the log's.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from qinglang.core import ledger, ledger_witness, merkle
from qinglang.core.canonical import canonical_json
from qinglang.core.models import LedgerCheckpoint, LedgerEvent, LedgerKey
from qinglang.evidence import package_format as fmt
from qinglang.evidence import packages, services
from tests.evidence.factories import FAKE_SUBJECT, allow_subject, api_client, png_bytes, upload

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

SMALL = 40
LARGE = 1200  # 30 times as many entries
# Rows a proof may read: the nodes on its path, fewer than 2 * 2**NODE_MIN_LEVEL leaves at the
# ragged edges, and a few single rows (the checkpoint, its key, the event).
EDGE_LEAVES = 2 * (1 << ledger.NODE_MIN_LEVEL)


def row_budget(size: int) -> int:
    return 2 * math.ceil(math.log2(size)) + EDGE_LEAVES + 8


@pytest.fixture(autouse=True)
def _key(settings, tmp_path):
    settings.QINGLANG_LEDGER_KEY_PATH = tmp_path / "keys" / "ledger.pem"
    settings.QINGLANG_LEDGER_TRUSTED_KEYS = []
    settings.QINGLANG_LEDGER_WITNESS_URLS = []


@pytest.fixture(autouse=True)
def _forget_fake_subject():
    yield
    from qinglang.evidence.access import unregister_subject_resolver

    unregister_subject_resolver(FAKE_SUBJECT)


def grow_to(size: int, *, batch: int = 97) -> list[LedgerEvent]:
    """Append events about FAKE_SUBJECT up to `size` in all, sealed in batches (checkpoints)."""
    start = LedgerEvent.objects.count()
    with transaction.atomic():
        events = [
            ledger.append((FAKE_SUBJECT, i % 7), action="thing.changed", actor=None, data={"n": i})
            for i in range(start, size)
        ]
    while ledger.seal(batch_size=batch) is not None:
        pass
    if connection.vendor == "postgresql":  # the statistics autovacuum keeps (plans as deployed)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE core_ledgerevent, core_ledgernode, core_ledgercheckpoint")
    return events


# --- The old code, as the oracle -----------------------------------------------------------------


def all_leaves() -> list[bytes]:
    return [
        bytes.fromhex(h)
        for h in LedgerEvent.objects.filter(position__isnull=False)
        .order_by("position")
        .values_list("leaf_hash", flat=True)
    ]


def old_checkpoint_dict(cp: LedgerCheckpoint) -> dict[str, Any]:
    key = LedgerKey.objects.filter(key_id=cp.key_id).first()
    return {
        "origin": merkle.CHECKPOINT_ORIGIN,
        "tree_size": cp.tree_size,
        "root_hash": cp.root_hash,
        "signed_at": ledger.format_time(cp.signed_at),
        "key_id": cp.key_id,
        "signature": cp.signature,
        "public_key": key.public_key if key else "",
    }


def old_inclusion_proof(event: LedgerEvent) -> dict[str, Any]:
    event.refresh_from_db()
    cp = LedgerCheckpoint.objects.filter(tree_size__gt=event.position).order_by("tree_size").first()
    path = merkle.inclusion_proof(all_leaves()[: cp.tree_size], event.position, cp.tree_size)
    return {
        "event_id": event.pk,
        "leaf_index": event.position,
        "leaf_hash": event.leaf_hash,
        "tree_size": cp.tree_size,
        "audit_path": [h.hex() for h in path],
        "checkpoint": old_checkpoint_dict(cp),
    }


# --- Measuring ------------------------------------------------------------------------------------


@dataclass
class Reads:
    """Queries made, and rows the ledger's tables gave to them (EXPLAIN ANALYZE on PostgreSQL)."""

    queries: int = 0
    rows: int = 0
    statements: list[tuple[str, Any]] = field(default_factory=list)


def _scanned(plan: dict) -> int:
    """Return the rows a PostgreSQL plan's scans read (returned plus filtered out), all loops."""
    rows = 0
    if "Scan" in plan["Node Type"] and plan["Node Type"] != "Bitmap Index Scan":
        read = plan["Actual Rows"] + plan.get("Rows Removed by Filter", 0)
        rows += read * plan["Actual Loops"]
    return rows + sum(_scanned(p) for p in plan.get("Plans", []))


@contextlib.contextmanager
def ledger_reads() -> Iterator[Reads]:
    """Count the queries of the block and the rows its SELECTs read from the ledger's tables.

    PostgreSQL: each SELECT on a ledger table is run again under EXPLAIN ANALYZE and the rows
    its scans read are summed. SQLite (which says no such thing): the rows it returns.
    """
    reads = Reads()

    def record(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        select = sql.lstrip(" (").upper().startswith("SELECT")  # (a UNION is in parentheses)
        if not many and select and "core_ledger" in sql:
            reads.statements.append((sql, params))
        return execute(sql, params, many, context)

    with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(record):
        yield reads
    reads.queries = len(captured)
    with connection.cursor() as cursor:
        for sql, params in reads.statements:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
                plan = cursor.fetchone()[0]
                cursor.execute("SET LOCAL enable_seqscan = on")
                plan = json.loads(plan) if isinstance(plan, str) else plan
                reads.rows += _scanned(plan[0]["Plan"])
            else:
                cursor.execute(sql, params)
                reads.rows += len(cursor.fetchall())


# --- The inclusion proof endpoint ----------------------------------------------------------------


def proof_answer(user, event: LedgerEvent) -> tuple[Any, Reads]:
    client = api_client(user)
    with ledger_reads() as reads:
        answer = client.get(f"/api/v1/ledger/events/{event.pk}/proof/")
    return answer, reads


def test_the_inclusion_proof_is_the_old_one_byte_for_byte_and_bounded(world):
    allow_subject({world.beijing_user.pk})
    early = grow_to(SMALL)[SMALL // 2]
    small, small_reads = proof_answer(world.beijing_user, early)
    assert small.status_code == 200, small.content
    assert small.content == type(small.accepted_renderer)().render(old_inclusion_proof(early))
    late = grow_to(LARGE)[-30]
    large, large_reads = proof_answer(world.beijing_user, late)
    assert large.status_code == 200, large.content
    expected = old_inclusion_proof(late)
    assert expected["tree_size"] > LARGE - 100  # a proof into a large tree
    assert large.content == type(large.accepted_renderer)().render(expected)
    assert large_reads.queries == small_reads.queries
    assert large_reads.rows <= row_budget(LARGE), large_reads.statements
    assert LedgerCheckpoint.objects.count() > 12  # many checkpoints, none read but the one


# --- Evidence packages ---------------------------------------------------------------------------

SOURCE = "tests-served"
SUBJECT = ("tests.folder", "91")


@pytest.fixture
def package_source(world):
    packages.register_package_source(
        SOURCE, lambda identifier, user: packages.PackageSource(title="测试", subjects=[SUBJECT])
    )
    item = services.store_upload(upload("截图.png", png_bytes((9, 8, 7))), added_by=None)
    services.attach(item, subject=SUBJECT, acting_user=world.beijing_user)
    yield world
    packages.unregister_package_source(SOURCE)


def built_package(user) -> tuple[dict[str, Any], dict[str, bytes], Reads]:
    with ledger_reads() as reads:
        content = packages.build_package(SOURCE, "x", acting_user=user).content
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    return json.loads(members[fmt.MANIFEST]), members, reads


def assert_old_ledger_parts(manifest: dict[str, Any], members: dict[str, bytes]) -> None:
    """The package's checkpoint, keys and proofs are what the old code put there, byte for byte."""
    latest = LedgerCheckpoint.objects.order_by("-tree_size").first()
    checkpoint = old_checkpoint_dict(latest)
    assert members[fmt.CHECKPOINT] == canonical_json(checkpoint)
    assert manifest["checkpoint"] == checkpoint
    assert manifest["public_keys"] == {k.key_id: k.public_key for k in LedgerKey.objects.all()}
    leaves = all_leaves()[: latest.tree_size]
    positions = dict(
        LedgerEvent.objects.filter(pk__in=[e["id"] for e in manifest["events"]]).values_list(
            "pk", "position"
        )
    )
    assert manifest["proofs"] == {
        str(pk): {
            "leaf_index": position,
            "tree_size": latest.tree_size,
            "audit_path": [h.hex() for h in merkle.inclusion_proof(leaves, position, len(leaves))],
        }
        for pk, position in positions.items()
        if position is not None and position < latest.tree_size
    }
    assert manifest["proofs"]  # (the item's events are sealed: there is something to compare)


def test_a_package_carries_the_old_checkpoint_keys_and_proofs_and_reads_no_more(package_source):
    user = package_source.beijing_user
    grow_to(SMALL)
    manifest, members, small = built_package(user)
    assert_old_ledger_parts(manifest, members)
    assert manifest["checkpoint"]["tree_size"] < SMALL + 10
    grow_to(LARGE)
    manifest, members, large = built_package(user)
    assert_old_ledger_parts(manifest, members)
    assert manifest["checkpoint"]["tree_size"] >= LARGE
    # (the second package seals the first one's export event and one more custody event)
    assert large.queries <= small.queries + 2
    # Per proof its path and edge leaves; the sealer's checks and single rows besides.
    budget = len(manifest["proofs"]) * row_budget(LARGE) + len(manifest["events"]) + 20
    assert large.rows <= budget, large.statements


# --- Checkpoints sent to witnesses ---------------------------------------------------------------


@pytest.fixture
def witness_url(tmp_path, settings) -> Iterator[Any]:
    """A witness over HTTP; returns a function giving the URL of a log at it (a fresh log each)."""
    w = ledger_witness.Witness(tmp_path / "witness")
    server = ledger_witness.make_server(w, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield w, lambda log: f"http://127.0.0.1:{server.server_address[1]}/{log}/"
    finally:
        server.shutdown()
        server.server_close()


def sent(settings, w, url_of, log: str) -> tuple[dict[str, Any], Reads]:
    settings.QINGLANG_LEDGER_WITNESS_URLS = [url_of(log)]
    with ledger_reads() as reads:
        outcome = ledger_witness.send_latest_checkpoint()
    assert outcome == {url_of(log): "cosigned"}
    return w.latest(log)["checkpoint"], reads


def test_the_checkpoint_sent_to_witnesses_is_the_old_one_and_bounded(db, settings, witness_url):
    w, url_of = witness_url
    grow_to(SMALL)
    checkpoint, small = sent(settings, w, url_of, "small")
    old = old_checkpoint_dict(LedgerCheckpoint.objects.order_by("-tree_size").first())
    assert canonical_json(checkpoint) == canonical_json(old)
    grow_to(LARGE)
    checkpoint, large = sent(settings, w, url_of, "large")
    old = old_checkpoint_dict(LedgerCheckpoint.objects.order_by("-tree_size").first())
    assert canonical_json(checkpoint) == canonical_json(old)
    assert checkpoint["tree_size"] == LARGE
    assert large.queries == small.queries
    assert large.rows <= 4, large.statements  # the latest checkpoint and its key


# --- The sealer's check of the stored nodes: index ranges, stopped at the first row -------------


@pytest.mark.parametrize(("level", "index"), [(4, 2), (5, 1), (6, 0), (9, 0)])
def test_the_sealer_refuses_a_stored_node_past_the_latest_checkpoint(db, level, index):
    from qinglang.core.models import LedgerNode
    from tests.core.ledger_helpers import snapshot

    grow_to(SMALL)  # nodes (4, 0), (4, 1), (5, 0) under a checkpoint of 40
    LedgerNode.objects.create(level=level, index=index, hash="00" * 32)  # (INSERT is allowed)
    with transaction.atomic():
        ledger.append((FAKE_SUBJECT, 1), action="thing.changed", actor=None)
    before = snapshot()
    with pytest.raises(ledger.LedgerIntegrityError) as refused:
        ledger.seal()
    assert refused.value.problem == (
        f"stored tree node (level {level}, index {index}) covers positions past the latest "
        f"checkpoint's size {SMALL}; nothing is sealed after it"
    )
    assert snapshot() == before


def test_the_sealer_reads_no_stored_node_to_find_none_past_the_checkpoint(db):
    grow_to(LARGE)
    with transaction.atomic():
        ledger.append((FAKE_SUBJECT, 1), action="thing.changed", actor=None)
    with ledger_reads() as reads:
        ledger.seal()
    node_rows = [sql for sql, _ in reads.statements if '"core_ledgernode"' in sql]
    assert len(node_rows) == 1
    assert reads.rows <= 20, reads.statements  # the checkpoint, its key, the one pending event
