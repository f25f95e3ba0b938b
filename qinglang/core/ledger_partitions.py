"""Monthly range partitions of the ledger's events on PostgreSQL (see docs/partitioning.md).

`core_ledgerevent` is partitioned by `occurred_at` (migration core.0009): one partition per
Asia/Shanghai calendar month, bounds written in UTC, plus a DEFAULT partition for anything no
month partition covers. `ensure_partitions` creates the months ahead (a beat task and
`qinglang ledger partitions`); the append-only row trigger on the parent is cloned to every
partition by PostgreSQL, the TRUNCATE statement trigger is not, so this module creates it on
each. SQLite (embedded mode) is never partitioned: every function here is a no-op there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone

from qinglang.core.ledger_sql import EVENT

PARENT = EVENT
DEFAULT = f"{EVENT}_default"
MONTHS_AHEAD = 3
PARTITION_TZ = ZoneInfo("Asia/Shanghai")
PARTITION_LOCK_ID = 0x51_4C_50_54  # "QLPT": advisory lock held while partitions change
# At most this many rows are counted in the DEFAULT partition (it should hold none).
DEFAULT_COUNT_LIMIT = 100_000


@dataclass(frozen=True)
class Month:
    """One Asia/Shanghai calendar month: a partition's name and its UTC bounds."""

    year: int
    month: int

    @classmethod
    def of(cls, instant: dt.datetime) -> Month:
        local = instant.astimezone(PARTITION_TZ)
        return cls(local.year, local.month)

    def next(self, count: int = 1) -> Month:
        index = self.year * 12 + self.month - 1 + count
        return Month(index // 12, index % 12 + 1)

    @property
    def start(self) -> dt.datetime:
        return dt.datetime(self.year, self.month, 1, tzinfo=PARTITION_TZ).astimezone(dt.UTC)

    @property
    def end(self) -> dt.datetime:
        return self.next().start

    @property
    def name(self) -> str:
        return f"{PARENT}_{self.year:04d}_{self.month:02d}"

    def bounds_sql(self) -> str:
        fmt = "%Y-%m-%d %H:%M:%S+00"
        return f"FROM ('{self.start.strftime(fmt)}') TO ('{self.end.strftime(fmt)}')"


def is_partitioned() -> bool:
    """Return whether the events table is a partitioned table (PostgreSQL after core.0009)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s)", [PARENT]
        )
        return cursor.fetchone() is not None


def partition_names() -> list[str]:
    """Return the names of the events table's partitions (month ones sorted, DEFAULT last)."""
    if not is_partitioned():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(%s) ORDER BY c.relname",
            [PARENT],
        )
        names = [row[0] for row in cursor.fetchall()]
    return sorted(names, key=lambda n: (n == DEFAULT, n))


def default_partition_rows() -> int | None:
    """Return how many events sit in the DEFAULT partition (None when not partitioned)."""
    if not is_partitioned():
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {connection.ops.quote_name(DEFAULT)} "  # noqa: S608
            "LIMIT %s) AS capped",
            [DEFAULT_COUNT_LIMIT],
        )
        return int(cursor.fetchone()[0])


def _truncate_trigger_sql(table: str) -> str:
    return (
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION qinglang_ledger_guard()"
    )


def _months_in_default(cursor) -> set[Month]:
    local = "occurred_at AT TIME ZONE %s"
    cursor.execute(
        f"SELECT DISTINCT extract(year FROM {local})::int, extract(month FROM {local})::int "  # noqa: S608 - fixed names
        f"FROM {DEFAULT}",
        [PARTITION_TZ.key, PARTITION_TZ.key],
    )
    return {Month(year, month) for year, month in cursor.fetchall()}


def ensure_partitions(
    months_ahead: int = MONTHS_AHEAD, now: dt.datetime | None = None
) -> list[str]:
    """Create the partitions of this month and `months_ahead` more, and of any month whose
    events fell into the DEFAULT partition; give every partition its TRUNCATE trigger.

    Idempotent; returns the names of the partitions it created. Events in the DEFAULT partition
    are moved into their month's new partition unchanged (the same rows, ids and positions: the
    DEFAULT partition is detached, replaced, and its rows inserted again through the parent).
    """
    if not is_partitioned():
        return []
    first = Month.of(now or timezone.now())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PARTITION_LOCK_ID])
        existing = set(partition_names())
        stray = _months_in_default(cursor)
        wanted = {first.next(i) for i in range(months_ahead + 1)} | stray
        missing = sorted((m for m in wanted if m.name not in existing), key=lambda m: m.name)
        if stray & set(missing):
            # A new partition may not cover rows that sit in the DEFAULT partition: set them
            # aside in the detached old DEFAULT, create the months, and route the rows again.
            aside = f"{DEFAULT}_moving"
            cursor.execute(f"LOCK TABLE {PARENT} IN ACCESS EXCLUSIVE MODE")
            cursor.execute(f"ALTER TABLE {PARENT} DETACH PARTITION {DEFAULT}")
            cursor.execute(f"ALTER TABLE {DEFAULT} RENAME TO {aside}")
            cursor.execute(f"CREATE TABLE {DEFAULT} PARTITION OF {PARENT} DEFAULT")
            for month in missing:
                cursor.execute(
                    f"CREATE TABLE {month.name} PARTITION OF {PARENT} "
                    f"FOR VALUES {month.bounds_sql()}"
                )
            cursor.execute(
                f"INSERT INTO {PARENT} OVERRIDING SYSTEM VALUE "  # noqa: S608 - fixed names
                f"SELECT * FROM {aside} ORDER BY id"
            )
            # Rows written to the DEFAULT partition earlier in this transaction leave deferred
            # foreign-key checks on it: run them now, then defer again (Django's default).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"DROP TABLE {aside}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            for month in missing:
                cursor.execute(
                    f"CREATE TABLE {month.name} PARTITION OF {PARENT} "
                    f"FOR VALUES {month.bounds_sql()}"
                )
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(%s) AND NOT EXISTS ("
            "  SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = c.relname || %s)",
            [PARENT, "_no_truncate"],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(_truncate_trigger_sql(name))
    return [m.name for m in missing]
