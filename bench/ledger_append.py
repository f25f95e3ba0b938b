"""Ledger cost: append as a ratio to a plain insert, sealing rate, verification per million.

Run: `python -m bench.ledger_append [--events N] [--distinct-payloads] [--baseline REF]`
(SQLite by default; PostgreSQL with QINGLANG_DATABASE_URL=postgres://…). The data goes into a
database of its own (`<db>_bench_ledger`, dropped afterwards unless `--keep`).

- append: N transactions each appending one ledger event (`ledger.append`), against N
  transactions each inserting the same row into a table of identical shape with no triggers
  (the plain insert), measured in the same run; printed as a ratio.
- seal: events sealed per second (positions, leaf hashes, Merkle frontier, signature).
- verify: `verify_log` over the whole log, extrapolated to seconds per million entries (wall
  and CPU time of this process), plain and `--against` the first checkpoint (consistency
  proof from the stored tree nodes).
- proofs: an inclusion and a consistency proof from the stored tree nodes, against the same
  proofs computed from every leaf, as a ratio (the node-based one stays flat as the log grows).
- `--distinct-payloads`: every event's data differs (no digest memo hits, the worst case).
- `--baseline REF`: `verify_log` as of git REF (its ledger, canonical and merkle modules, loaded
  beside the current ones) and the current one, interleaved in `--rounds` on the same log; the
  medians of this process's CPU seconds per million entries and their ratio. Then the sealers
  of both by turns, each sealing `--events / --rounds` new events: events per CPU second.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import types
from pathlib import Path
from typing import Any

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


_BASELINE_MODULES = ("canonical", "merkle", "ledger")  # the modules verification's speed is in


def _baseline_ledger(ref: str) -> types.ModuleType:
    """Return `qinglang.core.ledger` as of git `ref`, using that ref's canonical and merkle.

    Each module's source is run in a module of its own; its references to the current modules
    (and to names imported from them) are pointed at the ref's. Models and the rest are shared.
    """
    import qinglang.core

    root = Path(__file__).resolve().parent.parent
    loaded: dict[str, types.ModuleType] = {}
    for name in _BASELINE_MODULES:
        source = subprocess.run(  # noqa: S603 - git with a ref the user gave
            ["git", "-C", str(root), "show", f"{ref}:qinglang/core/{name}.py"],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        module = types.ModuleType(f"bench_baseline_{name}")
        sys.modules[module.__name__] = module  # dataclasses look their module up
        exec(compile(source, f"{ref}:{name}.py", "exec"), module.__dict__)  # noqa: S102
        for key, value in list(module.__dict__.items()):
            for dep, old in loaded.items():
                current = getattr(qinglang.core, dep)
                if value is current:
                    module.__dict__[key] = old
                elif getattr(value, "__module__", None) == current.__name__ and hasattr(old, key):
                    module.__dict__[key] = getattr(old, key)
        loaded[name] = module
    return loaded["ledger"]


def compare_verify(ref: str, rounds: int) -> None:
    """Interleave `verify_log` of `ref` and of this tree on the same log; print CPU medians."""
    from qinglang.core import ledger

    versions: dict[str, Any] = {
        ref: _baseline_ledger(ref).verify_log,
        "this tree": ledger.verify_log,
    }
    cpu: dict[str, list[float]] = {name: [] for name in versions}
    for _ in range(rounds):
        for name, verify in versions.items():
            start = time.process_time()
            report = verify()
            cpu[name].append((time.process_time() - start) * 1_000_000 / report.events)
            assert report.ok, (name, report.problems[:3])
    medians = {name: statistics.median(values) for name, values in cpu.items()}
    for name, values in cpu.items():
        spread = ", ".join(f"{v:.1f}" for v in values)
        print(f"verify CPU s per million, {name}: median {medians[name]:.1f} ({spread})")
    print(f"verify CPU ratio (this tree / {ref}): {medians['this tree'] / medians[ref]:.2f}")


def compare_seal(ref: str, rounds: int, per_round: int) -> None:
    """Seal batches of `per_round` new events by turns with `ref`'s sealer and this tree's.

    Each extends the checkpoint the other made (the same format); the order alternates each
    round; printed are the medians of events sealed per CPU second and their ratio.
    """
    from django.db import transaction

    from qinglang.core import ledger

    versions: dict[str, Any] = {ref: _baseline_ledger(ref).seal_all, "this tree": ledger.seal_all}
    rate: dict[str, list[float]] = {name: [] for name in versions}
    n = 0
    for r in range(rounds):
        order = list(versions) if r % 2 == 0 else list(reversed(versions))
        for name in order:
            with transaction.atomic():
                for _ in range(per_round):
                    n += 1
                    ledger.append(
                        ("bench.seal", n), action="bench.changed", actor=None, data={"n": n}
                    )
            start = time.process_time()
            checkpoint = versions[name]()
            rate[name].append(per_round / (time.process_time() - start))
            assert checkpoint is not None
    medians = {name: statistics.median(values) for name, values in rate.items()}
    for name, values in rate.items():
        spread = ", ".join(f"{v:,.0f}" for v in values)
        print(f"seal events per CPU s, {name}: median {medians[name]:,.0f} ({spread})")
    print(f"seal rate ratio (this tree / {ref}): {medians['this tree'] / medians[ref]:.2f}")
    assert ledger.verify_log().ok


def run(events: int, *, distinct: bool = False) -> None:
    from django.db import transaction
    from django.utils import timezone

    from qinglang.core import ledger
    from qinglang.core.canonical import canonical_json, sha256_hex
    from qinglang.core.ledger_actions import define, registered_actions

    if "bench.changed" not in registered_actions():
        define("bench.changed", "bench.changed")  # the bench's own made-up objects
    plain = _plain_table()

    def payload(i: int) -> dict[str, Any]:
        if distinct:  # no two alike: each digest is computed (the memo never hits)
            return {"report": i, "status": "accepted", "说明": f"受理 {i}"}
        return {"report": 1, "status": "accepted", "说明": "受理"}

    def plain_insert(i: int) -> None:
        data = payload(i)
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
            ledger.append(("bench.thing", i), action="bench.changed", actor=None, data=payload(i))

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
    parser.add_argument(
        "--distinct-payloads", action="store_true", help="every event's data differs"
    )
    parser.add_argument("--baseline", metavar="REF", help="git ref whose verify_log to compare")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (--baseline)")
    args = parser.parse_args(argv)
    cleanup = setup_bench_database("ledger", keep=args.keep)
    try:
        run(args.events, distinct=args.distinct_payloads)
        if args.baseline:
            compare_verify(args.baseline, args.rounds)
            compare_seal(args.baseline, args.rounds, max(100, args.events // args.rounds))
    finally:
        cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
