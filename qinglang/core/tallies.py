"""Row counts kept by database triggers, so a national page never counts a million rows.

A tally table holds signed delta rows keyed by a few columns of a big table: a trigger on that
table appends +1 for each inserted row, -1 for each deleted one and -1/+1 when an update moves
a row between keys. Appending (never updating a shared counter row) keeps concurrent writers
off each other's locks. `compact` folds the deltas into one row per key; a count is the sum of a
key's rows, which stays small between compactions. Triggers catch every write, the ORM's bulk
updates and raw SQL included; only PostgreSQL's TRUNCATE bypasses them, and the test runner's
flush truncates the tally along with its table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


@dataclass(frozen=True)
class TallySpec:
    """A tally table `tally` counting rows of `source` by the columns `keys` (same names)."""

    source: str
    tally: str
    keys: tuple[str, ...]

    def __post_init__(self) -> None:
        # The names go into SQL text (S608 below): only plain identifiers, fixed in code.
        for name in (self.source, self.tally, *self.keys):
            if not _IDENTIFIER.fullmatch(name):
                raise ValueError(f"not a plain SQL identifier: {name!r}")

    @property
    def trigger(self) -> str:
        return f"{self.tally}_keep"


def _values(spec: TallySpec, row: str, n: int) -> str:
    cols = ", ".join(spec.keys)
    vals = ", ".join(f"{row}.{key}" for key in spec.keys)
    return f"INSERT INTO {spec.tally} ({cols}, n) VALUES ({vals}, {n})"  # noqa: S608


def create_sql(spec: TallySpec, vendor: str) -> list[str]:
    """Return the statements that create the triggers keeping `spec.tally` (for a migration)."""
    columns = ", ".join(spec.keys)
    if vendor == "sqlite":
        moved = " OR ".join(f"OLD.{key} IS NOT NEW.{key}" for key in spec.keys)
        return [
            f"CREATE TRIGGER {spec.trigger}_ins AFTER INSERT ON {spec.source} "
            f"BEGIN {_values(spec, 'NEW', 1)}; END",
            f"CREATE TRIGGER {spec.trigger}_del AFTER DELETE ON {spec.source} "
            f"BEGIN {_values(spec, 'OLD', -1)}; END",
            f"CREATE TRIGGER {spec.trigger}_upd AFTER UPDATE OF {columns} ON {spec.source} "
            f"FOR EACH ROW WHEN {moved} "
            f"BEGIN {_values(spec, 'OLD', -1)}; {_values(spec, 'NEW', 1)}; END",
        ]
    if vendor == "postgresql":
        moved = " OR ".join(f"OLD.{key} IS DISTINCT FROM NEW.{key}" for key in spec.keys)
        return [
            f"""CREATE OR REPLACE FUNCTION {spec.trigger}() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_values(spec, "NEW", 1)};
    ELSIF TG_OP = 'DELETE' THEN
        {_values(spec, "OLD", -1)};
    ELSIF {moved} THEN
        {_values(spec, "OLD", -1)};
        {_values(spec, "NEW", 1)};
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql""",
            f"CREATE TRIGGER {spec.trigger} AFTER INSERT OR DELETE OR UPDATE OF {columns} "
            f"ON {spec.source} FOR EACH ROW EXECUTE FUNCTION {spec.trigger}()",
        ]
    return []


def drop_sql(spec: TallySpec, vendor: str) -> list[str]:
    """Return the statements that drop what `create_sql` made."""
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {spec.trigger}_{op}" for op in ("ins", "del", "upd")]
    if vendor == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {spec.trigger} ON {spec.source}",
            f"DROP FUNCTION IF EXISTS {spec.trigger}()",
        ]
    return []


def backfill_sql(spec: TallySpec) -> str:
    """Return the statement that starts the tally from the rows already in `spec.source`."""
    columns = ", ".join(spec.keys)
    return (
        f"INSERT INTO {spec.tally} ({columns}, n) "  # noqa: S608
        f"SELECT {columns}, COUNT(*) FROM {spec.source} GROUP BY {columns}"
    )


def install(spec: TallySpec, conn: BaseDatabaseWrapper) -> None:
    """Create the triggers and backfill (a migration's forward step, on its connection)."""
    with conn.cursor() as cursor:
        cursor.execute(f"DELETE FROM {spec.tally}")  # noqa: S608
        for sql in create_sql(spec, conn.vendor):
            cursor.execute(sql)
        cursor.execute(backfill_sql(spec))


def uninstall(spec: TallySpec, conn: BaseDatabaseWrapper) -> None:
    """Drop the triggers (a migration's backward step)."""
    with conn.cursor() as cursor:
        for sql in drop_sql(spec, conn.vendor):
            cursor.execute(sql)


def compact(spec: TallySpec) -> int:
    """Fold the delta rows into one row per key (zero sums dropped); return the rows written.

    On PostgreSQL one statement deletes and re-inserts from the same snapshot, so a delta
    committed meanwhile is neither summed nor deleted. SQLite has one writer: the insert takes
    the write lock before it reads, and the delete removes just the rows it summed.
    """
    keys = ", ".join(spec.keys)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH gone AS (DELETE FROM {spec.tally} RETURNING {keys}, n) "  # noqa: S608
                f"INSERT INTO {spec.tally} ({keys}, n) SELECT {keys}, SUM(n) FROM gone "
                f"GROUP BY {keys} HAVING SUM(n) <> 0"
            )
            return max(cursor.rowcount, 0)
        cursor.execute(f"SELECT MAX(id) FROM {spec.tally}")  # noqa: S608
        top = cursor.fetchone()[0]
        if top is None:
            return 0
        cursor.execute(
            f"INSERT INTO {spec.tally} ({keys}, n) SELECT {keys}, SUM(n) FROM {spec.tally} "  # noqa: S608
            f"WHERE id <= %s GROUP BY {keys} HAVING SUM(n) <> 0",
            [top],
        )
        written = max(cursor.rowcount, 0)
        cursor.execute(f"DELETE FROM {spec.tally} WHERE id <= %s", [top])  # noqa: S608
        return written


_registered: dict[str, TallySpec] = {}


def register(spec: TallySpec) -> TallySpec:
    """Name `spec` for the scheduled compaction (apps register theirs with their models)."""
    _registered[spec.tally] = spec
    return spec


def compact_all() -> dict[str, int]:
    """Compact every registered tally; return the rows each holds afterwards."""
    return {name: compact(spec) for name, spec in sorted(_registered.items())}
