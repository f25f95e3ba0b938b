"""Ledger cost: append as a ratio to a plain insert, sealing rate, verification per million.

Run: `python -m bench.ledger_append [--events N]` (SQLite by default; PostgreSQL with
QINGLANG_DATABASE_URL=postgres://…). The data goes into a database of its own
(`<db>_bench_ledger`, dropped afterwards unless `--keep`).

- append: N transactions each appending one ledger event (`ledger.append`), against N
  transactions each inserting the same row into a table of identical shape with no triggers
  (the plain insert), measured in the same run; printed as a ratio.
- seal: events sealed per second (positions, leaf hashes, Merkle frontier, signature).
- verify: `verify_log` over the whole log, extrapolated to seconds per million entries (wall
  and CPU time of this process), plain and `--against` the first checkpoint (consistency
  proof from the stored tree nodes).
- proofs: an inclusion and a consistency proof from the stored tree nodes, against the same
  proofs computed from every leaf, as a ratio (the node-based one stays flat as the log grows).
"""

from __future__ import annotations

import argparse
import sys
import time

from bench._database import setup_bench_database


def _plain_table() -> type:
    """Create a table shaped like core_ledgerevent, without triggers, and return its model."""
    from django.db import connection, models

    class PlainEvent(models.Model):
        occurred_at = models.DateTimeField()
        actor_id = models.BigIntegerField(null=True)
        actor_label = models.CharField(max_length=150)
        action = models.CharField(max_length=64, db_index=True)
        object_type = models.CharField(max_length=64)
        object_id = models.CharField(max_length=64)
        data = models.JSONField(default=dict)
        data_digest = models.CharField(max_length=64)
        position = models.BigIntegerField(null=True, unique=True)
        leaf_hash = models.CharField(max_length=64, blank=True)

        class Meta:
            app_label = "core"
            db_table = "bench_plain_event"
            indexes = [models.Index(fields=["object_type", "object_id"], name="bench_plain_obj")]

        def __str__(self) -> str:
            return self.action

    with connection.schema_editor() as editor:
        editor.create_model(PlainEvent)
    return PlainEvent


def run(events: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from qinglang.core import ledger
    from qinglang.core.canonical import canonical_json, sha256_hex
    from qinglang.core.ledger_actions import define, registered_actions

    if "bench.changed" not in registered_actions():
        define("bench.changed", "bench.changed")  # the bench's own made-up objects
    plain = _plain_table()
    data = {"report": 1, "status": "accepted", "说明": "受理"}

    def plain_insert(i: int) -> None:
        with transaction.atomic():
            plain.objects.create(
                occurred_at=timezone.now(),
                actor_label="bench",
                action="bench.changed",
                object_type="bench.thing",
                object_id=str(i),
                data=data,
                data_digest=sha256_hex(canonical_json(data)),
            )

    def ledger_append(i: int) -> None:
        with transaction.atomic():
            ledger.append(("bench.thing", i), action="bench.changed", actor=None, data=data)

    # Warm up both paths, then interleave rounds so drift affects both equally.
    for i in range(50):
        plain_insert(i)
        ledger_append(i)
    t_plain = t_ledger = 0.0
    rounds = 5
    per_round = max(1, events // rounds)
    for r in range(rounds):
        start = time.perf_counter()
        for i in range(per_round):
            plain_insert(r * per_round + i)
        t_plain += time.perf_counter() - start
        start = time.perf_counter()
        for i in range(per_round):
            ledger_append(r * per_round + i)
        t_ledger += time.perf_counter() - start
    n = per_round * rounds
    print(
        f"append: {n} events; plain insert {n / t_plain:,.0f}/s, "
        f"ledger.append {n / t_ledger:,.0f}/s"
    )
    print(f"append cost ratio (ledger.append / plain insert): {t_ledger / t_plain:.2f}")

    total = n + 50
    start = time.perf_counter()
    checkpoint = ledger.seal_all()
    t_seal = time.perf_counter() - start
    print(
        f"seal: {checkpoint.tree_size} events in {t_seal:.2f} s "
        f"({checkpoint.tree_size / t_seal:,.0f} events/s)"
    )
    assert checkpoint.tree_size == total

    start, cpu = time.perf_counter(), time.process_time()
    report = ledger.verify_log()
    t_verify, c_verify = time.perf_counter() - start, time.process_time() - cpu
    assert report.ok, report.problems
    per_million = t_verify * 1_000_000 / report.events
    # CPU seconds too: on a shared machine the wall time depends on the other processes.
    print(
        f"verify: {report.events} events in {t_verify:.2f} s (CPU {c_verify:.2f} s); "
        f"extrapolated {per_million:,.0f} s per million entries "
        f"({per_million / 60:.1f} min; CPU {c_verify * 1_000_000 / report.events:,.0f} s)"
    )
    print(
        f"verify cost ratio (verify per event / plain insert per event): "
        f"{(t_verify / report.events) / (t_plain / n):.2f}"
    )

    from qinglang.core import merkle
    from qinglang.core.models import LedgerCheckpoint, LedgerEvent

    first = LedgerCheckpoint.objects.order_by("tree_size").first()
    start = time.perf_counter()
    against = ledger.verify_log(against=ledger.checkpoint_dict(first))
    t_against = time.perf_counter() - start
    assert against.ok, against.problems
    print(
        f"verify --against the checkpoint of {first.tree_size}: {t_against:.2f} s; "
        f"ratio to plain verify {t_against / t_verify:.2f}"
    )

    size = checkpoint.tree_size
    event = LedgerEvent.objects.get(position=size // 3)
    start = time.perf_counter()
    for _ in range(20):
        ledger.inclusion_proof(event, checkpoint)
        ledger.consistency_path(first.tree_size, size)
    t_nodes = (time.perf_counter() - start) / 20
    start = time.perf_counter()
    for _ in range(3):
        leaves = ledger.leaf_hashes(size)
        merkle.inclusion_proof(leaves, event.position, size)
        merkle.consistency_proof(leaves, first.tree_size, size)
    t_leaves = (time.perf_counter() - start) / 3
    print(
        f"proofs (inclusion + consistency) at {size} entries: from stored nodes "
        f"{t_nodes * 1000:.1f} ms, from every leaf {t_leaves * 1000:.1f} ms; "
        f"ratio nodes/leaves {t_nodes / t_leaves:.3f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args(argv)
    cleanup = setup_bench_database("ledger", keep=args.keep)
    try:
        run(args.events)
    finally:
        cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
