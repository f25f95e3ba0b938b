"""The ledger's events partitioned by month on PostgreSQL (core.0009, docs/partitioning.md).

Events land in their Asia/Shanghai month's partition; sealing, verification and proofs work
across a month boundary; every partition refuses UPDATE, DELETE and TRUNCATE; partitions are
created ahead idempotently and events that fell into the DEFAULT partition move to their month;
the migration keeps every row both ways; a duplicated position (possible on PostgreSQL, where
the unique index must include the partition key) is reported by `ledger verify`.
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from qinglang.core import ledger, ledger_partitions, merkle
from qinglang.core.canonical import canonical_json, sha256_hex
from qinglang.core.ledger_partitions import Month
from qinglang.core.models import LedgerEvent
from tests.core.ledger_helpers import triggers_disabled

ONLY_POSTGRES = (
    "monthly partitions exist only on PostgreSQL (SQLite installations are not partitioned)"
)


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


def event_at(at: dt.datetime, n: int) -> LedgerEvent:
    """Record an event that occurred at `at` (as `bench seed` and imports do)."""
    data = {"n": n}
    with transaction.atomic():
        return LedgerEvent.objects.create(
            occurred_at=at,
            actor=None,
            actor_label="system",
            action="thing.changed",
            object_type="tests.thing",
            object_id=str(n),
            data=data,
            data_digest=sha256_hex(canonical_json(data)),
        )


def partition_of(event: LedgerEvent) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM core_ledgerevent WHERE id = %s", [event.pk]
        )
        return cursor.fetchone()[0]


def partition_bounds() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'core_ledgerevent'::regclass"
        )
        return dict(cursor.fetchall())


def truncate_triggers() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = c.relname || '_no_truncate' AND c.relname LIKE 'core_ledgerevent%%'"
        )
        return {row[0] for row in cursor.fetchall()}


def assert_inclusion(event: LedgerEvent, checkpoint) -> None:
    event = LedgerEvent.objects.get(pk=event.pk)
    proof = ledger.inclusion_proof(event, checkpoint)
    assert merkle.verify_inclusion(
        bytes.fromhex(proof["leaf_hash"]),
        event.position,
        checkpoint.tree_size,
        [bytes.fromhex(h) for h in proof["audit_path"]],
        bytes.fromhex(checkpoint.root_hash),
    )


# --- Months ----------------------------------------------------------------------------------


def test_months_are_asia_shanghai_months_with_utc_bounds():
    month = Month.of(dt.datetime(2026, 12, 31, 16, 0, tzinfo=dt.UTC))  # 2027-01-01 00:00 +08
    assert month == Month(2027, 1)
    assert Month.of(dt.datetime(2026, 12, 31, 15, 59, 59, 999999, tzinfo=dt.UTC)) == Month(2026, 12)
    assert month.start == dt.datetime(2026, 12, 31, 16, 0, tzinfo=dt.UTC)
    assert month.end == dt.datetime(2027, 1, 31, 16, 0, tzinfo=dt.UTC)
    assert month.name == "core_ledgerevent_2027_01"
    assert Month(2026, 11).next(3) == Month(2027, 2)
    assert month.bounds_sql() == "FROM ('2026-12-31 16:00:00+00') TO ('2027-01-31 16:00:00+00')"


@pytest.mark.skipif("connection.vendor == 'postgresql'", reason="the SQLite behaviour")
def test_sqlite_is_not_partitioned_and_ensuring_is_a_no_op(db):
    assert not ledger_partitions.is_partitioned()
    assert ledger_partitions.ensure_partitions() == []
    assert ledger_partitions.default_partition_rows() is None
    out = io.StringIO()
    call_command("ledger", "partitions", stdout=out)
    assert "not partitioned" in out.getvalue()


# --- The partitioned table -------------------------------------------------------------------


@pytest.mark.postgres
def test_the_events_table_is_range_partitioned_on_occurred_at(db):
    if connection.vendor != "postgresql":
        pytest.skip(ONLY_POSTGRES)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.partstrat, a.attname FROM pg_partitioned_table p "
            "JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0] "
            "WHERE p.partrelid = 'core_ledgerevent'::regclass"
        )
        assert cursor.fetchall() == [("r", "occurred_at")]
    bounds = partition_bounds()
    assert bounds["core_ledgerevent_default"] == "DEFAULT"
    this = Month.of(dt.datetime.now(dt.UTC))
    for month in [this.next(i) for i in range(4)]:
        assert bounds[month.name] == (
            f"FOR VALUES FROM ('{month.start:%Y-%m-%d %H:%M:%S}+00') "
            f"TO ('{month.end:%Y-%m-%d %H:%M:%S}+00')"
        )
    assert set(bounds) <= truncate_triggers()
    assert ledger_partitions.is_partitioned()


@pytest.mark.postgres
def test_events_land_in_their_month_and_seal_verify_and_prove_across_the_boundary(db):
    if connection.vendor != "postgresql":
        pytest.skip(ONLY_POSTGRES)
    boundary = Month.of(dt.datetime.now(dt.UTC)).next().start  # partitions exist 3 months ahead
    tick = dt.timedelta(microseconds=1)
    before = [event_at(boundary - 3 * tick + i * tick, i) for i in range(3)]
    with transaction.atomic():
        now = ledger.append(("tests.thing", 9), action="thing.made", actor=None, data={"n": 9})
    first = ledger.seal()
    after = [event_at(boundary + i * tick, 10 + i) for i in range(20)]
    second = ledger.seal()
    last_month, next_month = Month.of(boundary - tick), Month.of(boundary)
    assert {partition_of(e) for e in before} == {last_month.name}
    assert {partition_of(e) for e in after} == {next_month.name}
    assert partition_of(now) == Month.of(now.occurred_at).name
    assert [LedgerEvent.objects.get(pk=e.pk).position for e in [*before, now, *after]] == list(
        range(24)
    )
    assert ledger_partitions.default_partition_rows() == 0
    report = ledger.verify_log()
    assert report.ok and report.events == 24, report.problems
    for event in [before[0], now, after[0], after[-1]]:
        assert_inclusion(event, second)
    assert_inclusion(before[1], first)
    proof = ledger.consistency_proof(first.tree_size, second.tree_size)
    assert merkle.verify_consistency(
        first.tree_size,
        second.tree_size,
        bytes.fromhex(first.root_hash),
        bytes.fromhex(second.root_hash),
        [bytes.fromhex(h) for h in proof["proof"]],
    )


@pytest.mark.postgres
def test_every_partition_refuses_update_delete_and_truncate(db, no_purge):
    if connection.vendor != "postgresql":
        pytest.skip(ONLY_POSTGRES)
    event = event_at(dt.datetime.now(dt.UTC), 1)
    ledger.seal()
    stray = event_at(Month.of(dt.datetime.now(dt.UTC)).next(12).start, 2)  # in DEFAULT
    for target in (event, stray):
        table = partition_of(target)
        for sql in (
            f"UPDATE {table} SET actor_label = 'forged' WHERE id = %s",  # noqa: S608
            "UPDATE core_ledgerevent SET occurred_at = occurred_at - interval '40 days' "
            "WHERE id = %s",
            f"UPDATE {table} SET position = 7 WHERE id = %s",  # noqa: S608
            f"DELETE FROM {table} WHERE id = %s",  # noqa: S608
            "DELETE FROM core_ledgerevent WHERE id = %s",
        ):
            with (
                pytest.raises(IntegrityError, match="append-only"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(sql, [target.pk])
        with (
            pytest.raises(IntegrityError, match=f"TRUNCATE on {table} refused"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign-key checks
            cursor.execute(f"TRUNCATE {table}")
    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE core_ledgerevent")
    rows = LedgerEvent.objects.order_by("id").values_list("actor_label", "position", "occurred_at")
    assert list(rows) == [
        ("system", 0, event.occurred_at),
        ("system", None, stray.occurred_at),
    ]


# --- Creating partitions ---------------------------------------------------------------------


@pytest.mark.postgres
def test_ensure_partitions_is_idempotent_and_gives_each_its_truncate_trigger(db):
    if connection.vendor != "postgresql":
        pytest.skip(ONLY_POSTGRES)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=200)
    created = ledger_partitions.ensure_partitions(months_ahead=2, now=later)
    first = Month.of(later)
    assert created == [first.name, first.next().name, first.next(2).name]
    assert ledger_partitions.ensure_partitions(months_ahead=2, now=later) == []
    assert ledger_partitions.ensure_partitions() == []
    names = ledger_partitions.partition_names()
    assert names[-1] == "core_ledgerevent_default" and set(created) <= set(names)
    assert set(names) <= truncate_triggers()
    event = event_at(first.next().start, 1)
    assert partition_of(event) == first.next().name
    ledger.seal()
    assert ledger.verify_log().ok


@pytest.mark.postgres
def test_events_in_the_default_partition_move_to_their_new_month_unchanged(db, no_purge):
    if connection.vendor != "postgresql":
        pytest.skip(ONLY_POSTGRES)
    far = Month.of(dt.datetime.now(dt.UTC)).next(9)
    old = Month(2019, 6)
    events = [event_at(far.start + dt.timedelta(hours=i), i) for i in range(3)]
    events.append(event_at(old.start, 3))
    ledger.seal()
    rows_before = list(LedgerEvent.objects.order_by("id").values_list())
    root_before = ledger.latest_checkpoint().root_hash
    assert {partition_of(e) for e in events} == {"core_ledgerevent_default"}
    assert ledger_partitions.default_partition_rows() == 4
    out = io.StringIO()
    call_command("ledger", "partitions", stdout=out)
    assert old.name in out.getvalue() and far.name in out.getvalue()
    assert "Events in the default partition: 0" in out.getvalue()
    assert [partition_of(e) for e in events] == [far.name] * 3 + [old.name]
    assert list(LedgerEvent.objects.order_by("id").values_list()) == rows_before
    assert set(ledger_partitions.partition_names()) <= truncate_triggers()
    report = ledger.verify_log()
    assert report.ok and ledger.latest_checkpoint().root_hash == root_before, report.problems
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {far.name}")
    # Appends keep numbering after the moved rows.
    with transaction.atomic():
        new = ledger.append(("tests.thing", 4), action="thing.made", actor=None)
    assert new.pk > max(e.pk for e in events)


@pytest.mark.postgres
def test_the_partitions_command_refuses_a_bad_month_count(db):
    if connection.vendor != "postgresql":
        pytest.skip(ONLY_POSTGRES)
    before = ledger_partitions.partition_names()
    with pytest.raises(CommandError, match="between 0 and 120"):
        call_command("ledger", "partitions", "--months", "-1")
    assert ledger_partitions.partition_names() == before


@pytest.mark.postgres
def test_the_beat_task_creates_partitions_ahead(db, settings):
    from qinglang.core.tasks import ensure_ledger_partitions

    assert settings.CELERY_BEAT_SCHEDULE["ledger-partitions"]["task"] == (
        "qinglang.core.tasks.ensure_ledger_partitions"
    )
    assert ensure_ledger_partitions() == []  # the migration already made three months ahead
    if connection.vendor == "postgresql":
        this = Month.of(dt.datetime.now(dt.UTC))
        assert {this.next(i).name for i in range(4)} <= set(ledger_partitions.partition_names())


# --- Uniqueness of position ------------------------------------------------------------------


def test_a_duplicated_position_is_refused_or_reported_by_verify(db):
    """PostgreSQL's unique index must include occurred_at: an attacker with database access can
    then give two events one position; SQLite's single-column constraint refuses it."""
    events = [event_at(dt.datetime.now(dt.UTC) - dt.timedelta(days=i), i) for i in range(4)]
    ledger.seal()
    copy = LedgerEvent.objects.get(pk=events[2].pk)
    forged = {
        "occurred_at": copy.occurred_at + dt.timedelta(seconds=1),
        "actor_label": "forger",
        "action": copy.action,
        "object_type": copy.object_type,
        "object_id": copy.object_id,
        "data": copy.data,
        "data_digest": copy.data_digest,
        "position": copy.position,
    }
    forged["leaf_hash"] = ledger.compute_leaf(LedgerEvent(id=0, **forged)).hex()
    if connection.vendor != "postgresql":
        with pytest.raises(IntegrityError), transaction.atomic():
            LedgerEvent.objects.create(**forged)
        assert LedgerEvent.objects.count() == 4 and ledger.verify_log().ok
        return
    with transaction.atomic(), triggers_disabled():
        duplicate = LedgerEvent.objects.create(**forged)
    assert LedgerEvent.objects.filter(position=copy.position).count() == 2
    report = ledger.verify_log()
    assert not report.ok
    assert any(
        f"(position {copy.position}" in p and "an entry is duplicated" in p for p in report.problems
    ), report.problems
    assert report.first_bad_event_id in {copy.pk, duplicate.pk}
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="FAILED"):
        call_command("ledger", "verify", stdout=out, stderr=err)
    assert "duplicated" in err.getvalue()


# --- The migration ---------------------------------------------------------------------------


def _migrate(target: str) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    plan = executor.loader.graph.leaf_nodes("core") if target == "latest" else [("core", target)]
    executor.migrate(plan)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_every_row_back_and_forth():
    if connection.vendor != "postgresql":
        pytest.skip(ONLY_POSTGRES)
    events = [event_at(dt.datetime(2025, 3, 31, 15, 59, 59, tzinfo=dt.UTC), 0)]
    events += [event_at(dt.datetime(2025, 3, 31, 16, 0, tzinfo=dt.UTC), 1)]
    events += [event_at(dt.datetime.now(dt.UTC) - dt.timedelta(days=i), 2 + i) for i in range(5)]
    ledger.seal()
    with transaction.atomic():
        unsealed = ledger.append(("tests.thing", 9), action="thing.made", actor=None)
    saved = ledger.checkpoint_dict(ledger.latest_checkpoint())
    rows = list(LedgerEvent.objects.order_by("id").values_list())
    try:
        _migrate("0008_ledger_tree_nodes")
        assert not ledger_partitions.is_partitioned()
        assert list(LedgerEvent.objects.order_by("id").values_list()) == rows
        # The event left unsealed must not age out while a loaded machine migrates (~1 min).
        assert ledger.verify_log(against=saved, max_unsealed_age=dt.timedelta(hours=1)).ok
        # The single-column constraint is back.
        with (
            transaction.atomic(),
            triggers_disabled(),
            pytest.raises(IntegrityError),
            transaction.atomic(),
        ):
            LedgerEvent.objects.filter(pk=events[1].pk).update(position=0)
    finally:
        _migrate("latest")
    assert ledger_partitions.is_partitioned()
    assert list(LedgerEvent.objects.order_by("id").values_list()) == rows
    assert partition_of(events[0]) == "core_ledgerevent_2025_03"
    assert partition_of(events[1]) == "core_ledgerevent_2025_04"
    assert partition_of(unsealed) == Month.of(unsealed.occurred_at).name
    assert ledger_partitions.default_partition_rows() == 0
    assert set(ledger_partitions.partition_names()) <= truncate_triggers()
    ledger.seal()
    report = ledger.verify_log(against=saved)
    assert report.ok and report.events == len(rows), report.problems
    with transaction.atomic():
        later = ledger.append(("tests.thing", 10), action="thing.made", actor=None)
    assert later.pk == unsealed.pk + 1


# --- Backup and restore ----------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("portable", [False, True], ids=["pg_dump", "jsonl"])
def test_backup_and_restore_keep_the_partitions_and_a_verifying_ledger(tmp_path, portable):
    if connection.vendor != "postgresql":
        pytest.skip(ONLY_POSTGRES)
    old = Month(2024, 2)
    events = [event_at(old.start + dt.timedelta(days=1), 0)]
    events += [event_at(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=i), 1 + i) for i in range(4)]
    ledger_partitions.ensure_partitions()
    ledger.seal()
    saved = ledger.checkpoint_dict(ledger.latest_checkpoint())
    rows = list(LedgerEvent.objects.order_by("id").values_list())
    target = tmp_path / "backup"
    call_command("backup", str(target), *(["--portable"] if portable else []))
    assert json.loads((target / "manifest.json").read_text())["database"] == (
        "db.jsonl" if portable else "db.sql"
    )
    call_command("restore", str(target), "--force")
    assert ledger_partitions.is_partitioned()
    assert list(LedgerEvent.objects.order_by("id").values_list()) == rows
    assert partition_of(events[0]) == old.name
    assert ledger_partitions.default_partition_rows() == 0
    assert set(ledger_partitions.partition_names()) <= truncate_triggers()
    report = ledger.verify_log(against=saved)
    assert report.ok, report.problems
    with transaction.atomic():
        new = ledger.append(("tests.thing", 9), action="thing.made", actor=None)
    assert new.pk > max(e.pk for e in events)
    assert ledger.seal().tree_size == len(rows) + 1
    assert ledger.verify_log(against=saved).ok
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL qinglang.ledger_allow_purge = 'off'")
        cursor.execute(f"TRUNCATE {old.name}")
