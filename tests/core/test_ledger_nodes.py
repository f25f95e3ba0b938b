"""Stored Merkle tree nodes: proofs from O(log n) rows, equal to proofs over every leaf."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from qinglang.core import ledger, merkle
from qinglang.core.models import LedgerCheckpoint, LedgerEvent, LedgerNode
from tests.core.ledger_helpers import triggers_disabled

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _key(settings, tmp_path):
    settings.QINGLANG_LEDGER_KEY_PATH = tmp_path / "keys" / "ledger.pem"
    settings.QINGLANG_LEDGER_WITNESS_URLS = []


def add(n: int, start: int = 0) -> None:
    with transaction.atomic():
        for i in range(start, start + n):
            ledger.append(("tests.thing", i), action="thing.changed", actor=None, data={"n": i})


def all_leaves() -> list[bytes]:
    return [
        bytes.fromhex(h)
        for h in LedgerEvent.objects.order_by("position").values_list("leaf_hash", flat=True)
    ]


@pytest.fixture
def sizes() -> list[int]:
    """Seal 75 events in uneven batches; return the checkpoint sizes."""
    made = []
    for n in (5, 11, 16, 1, 30, 12):
        add(n, start=sum(made[-1:]) if made else 0)
        made.append(ledger.seal().tree_size)
    return made


def test_sealing_stores_every_complete_subtree_of_the_minimum_level_and_up(sizes):
    leaves = all_leaves()
    stored = {(n.level, n.index): n.hash for n in LedgerNode.objects.all()}
    expected = {
        (level, index): merkle.root(leaves[index << level : (index + 1) << level]).hex()
        for level in range(ledger.NODE_MIN_LEVEL, 8)
        for index in range(len(leaves) >> level)
    }
    assert stored == expected
    assert len(stored) == 4 + 2 + 1  # 75 leaves: four of 16, two of 32, one of 64


def test_proofs_from_stored_nodes_equal_proofs_over_every_leaf(sizes):
    leaves = all_leaves()
    for size in sizes:
        checkpoint = LedgerCheckpoint.objects.get(tree_size=size)
        for event in LedgerEvent.objects.filter(position__lt=size):
            proof = ledger.inclusion_proof(event, checkpoint)
            assert [bytes.fromhex(h) for h in proof["audit_path"]] == merkle.inclusion_proof(
                leaves, event.position, size
            )
            assert merkle.verify_inclusion(
                bytes.fromhex(event.leaf_hash),
                event.position,
                size,
                [bytes.fromhex(h) for h in proof["audit_path"]],
                bytes.fromhex(checkpoint.root_hash),
            )
    for first in sizes:
        for second in sizes:
            if first <= second:
                got = ledger.consistency_proof(first, second)["proof"]
                want = merkle.consistency_proof(leaves, first, second)
                assert [bytes.fromhex(h) for h in got] == want


def test_a_proof_reads_a_bounded_number_of_rows(sizes, django_assert_max_num_queries):
    event = LedgerEvent.objects.get(position=37)
    with django_assert_max_num_queries(5):
        ledger.inclusion_proof(event)
    with django_assert_max_num_queries(6):  # two checkpoints and their keys, nodes, leaves
        ledger.consistency_proof(16, 75)
    # The leaves read come only from blocks smaller than a stored node, at the ragged edges.
    ranges = merkle.consistency_ranges(16, 75)
    small = [
        b for a, z in ranges for b in merkle.aligned_blocks(a, z) if b[0] < ledger.NODE_MIN_LEVEL
    ]
    assert sum(1 << level for level, _ in small) < 2 * (1 << ledger.NODE_MIN_LEVEL)


def test_missing_nodes_fall_back_to_leaves_and_can_be_stored_again(sizes):
    leaves = all_leaves()
    with triggers_disabled():
        LedgerNode.objects.all().delete()
    assert ledger.consistency_proof(16, 75)["proof"] == [
        h.hex() for h in merkle.consistency_proof(leaves, 16, 75)
    ]
    assert ledger.store_missing_nodes() == 7
    assert LedgerNode.objects.count() == 7
    assert ledger.store_missing_nodes() == 0


def test_nodes_are_append_only(sizes):
    from django.db import IntegrityError, InternalError

    node = LedgerNode.objects.first()
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        LedgerNode.objects.filter(pk=node.pk).update(hash="00" * 32)
    assert LedgerNode.objects.get(pk=node.pk).hash == node.hash


def test_altered_nodes_give_a_proof_that_does_not_verify(sizes, tmp_path):
    import json

    saved = ledger.checkpoint_dict(LedgerCheckpoint.objects.get(tree_size=16))
    with triggers_disabled():
        LedgerNode.objects.filter(level=4, index=1).update(hash="11" * 32)
    report = ledger.verify_log(against=saved)
    # The log itself is intact (its root is recomputed from the leaves), the nodes are not.
    assert report.problems == [
        "no valid consistency proof from the checkpoint verified against (16) to the log (75) "
        "from the stored tree nodes: the nodes were altered"
    ]
    (tmp_path / "cp.json").write_text(json.dumps(saved))
    assert "the nodes were altered" in _verify_against_fails(str(tmp_path / "cp.json"))


def _verify_against_fails(source: str) -> str:
    import io

    from django.core.management import CommandError, call_command

    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("ledger", "verify", "--against", source, stderr=err)
    return err.getvalue()


# --- The public open-data endpoints -----------------------------------------------------------


def test_public_checkpoint_is_served_to_anyone(sizes):
    answer = Client().get(reverse("api-public-ledger-checkpoint"))
    assert answer.status_code == 200
    assert answer["Access-Control-Allow-Origin"] == "*"
    body = answer.json()
    assert body == ledger.checkpoint_dict(ledger.latest_checkpoint())
    assert body["tree_size"] == 75


def test_public_checkpoint_404_without_any(db):
    assert Client().get(reverse("api-public-ledger-checkpoint")).status_code == 404


def test_public_consistency_proof_verifies(sizes):
    answer = Client().get(reverse("api-public-ledger-consistency"), {"first": 16, "second": 75})
    assert answer.status_code == 200
    body = answer.json()
    assert merkle.verify_consistency(
        16,
        75,
        bytes.fromhex(body["first"]["root_hash"]),
        bytes.fromhex(body["second"]["root_hash"]),
        [bytes.fromhex(h) for h in body["proof"]],
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({}, "first"),
        ({"first": "x", "second": 75}, "first"),
        ({"first": 16, "second": -1}, "second"),
        ({"first": 16, "second": 2**70}, "second"),
        ({"first": 75, "second": 16}, "first"),
    ],
)
def test_public_consistency_bad_input_is_a_400_naming_the_field(sizes, query, field):
    before = LedgerCheckpoint.objects.count()
    answer = Client().get(reverse("api-public-ledger-consistency"), query)
    assert answer.status_code == 400
    assert field in json_fields(answer.json())
    assert LedgerCheckpoint.objects.count() == before


def json_fields(body: dict) -> set[str]:
    """Return the field names an error answer names (flat or under `errors`)."""
    names = set(body)
    for key in ("errors", "fields", "detail"):
        if isinstance(body.get(key), dict):
            names |= set(body[key])
    return names


def test_public_consistency_404_for_sizes_without_a_checkpoint(sizes):
    answer = Client().get(reverse("api-public-ledger-consistency"), {"first": 15, "second": 75})
    assert answer.status_code == 404
