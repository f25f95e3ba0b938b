"""Database triggers that make the ledger append-only (PostgreSQL and SQLite).

The only UPDATE allowed on an event is the sealer's one-time assignment of `position` and
`leaf_hash` (from NULL / empty), every other column unchanged. DELETE and TRUNCATE are refused,
except on a test database being flushed (`qinglang.ledger_allow_purge` on PostgreSQL, the
`qinglang_ledger_purge_allowed()` function on SQLite; see settings.QINGLANG_LEDGER_ALLOW_PURGE).
"""

EVENT = "core_ledgerevent"
CHECKPOINT = "core_ledgercheckpoint"
KEY = "core_ledgerkey"

_SEALING_ONLY = """
    OLD.position IS NULL AND NEW.position IS NOT NULL
    AND OLD.leaf_hash = '' AND NEW.leaf_hash <> ''
    AND NEW.id = OLD.id
    AND NEW.occurred_at = OLD.occurred_at
    AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
    AND NEW.actor_label = OLD.actor_label
    AND NEW.action = OLD.action
    AND NEW.object_type = OLD.object_type
    AND NEW.object_id = OLD.object_id
    AND NEW.data = OLD.data
    AND NEW.data_digest = OLD.data_digest
"""

POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION qinglang_ledger_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = '{EVENT}' THEN
        IF ({_SEALING_ONLY}) THEN
            RETURN NEW;
        END IF;
    END IF;
    IF TG_OP IN ('DELETE', 'TRUNCATE')
       AND coalesce(current_setting('qinglang.ledger_allow_purge', true), '') = 'on' THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NULL;
    END IF;
    RAISE EXCEPTION USING
        MESSAGE = 'qinglang ledger is append-only: ' || TG_OP || ' on ' || TG_TABLE_NAME
                  || ' refused',
        ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql
"""
POSTGRES_FORWARD = [
    POSTGRES_FUNCTION,
    *[
        stmt
        for table in (EVENT, CHECKPOINT, KEY)
        for stmt in (
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION qinglang_ledger_guard()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION qinglang_ledger_guard()",
        )
    ],
]
# After core.0009 the PostgreSQL events table is partitioned by month (docs/partitioning.md): a
# row trigger cloned to a partition reports the partition's name, so the parent's trigger passes
# the argument 'sealable' and the guard accepts the sealer's update on any partition too.
POSTGRES_PARTITIONED_FUNCTION = POSTGRES_FUNCTION.replace(
    f"TG_TABLE_NAME = '{EVENT}' THEN",
    f"(TG_TABLE_NAME = '{EVENT}' OR (TG_NARGS > 0 AND TG_ARGV[0] = 'sealable')) THEN",
)
POSTGRES_REVERSE = [
    *[
        stmt
        for table in (EVENT, CHECKPOINT, KEY)
        for stmt in (
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
        )
    ],
    "DROP FUNCTION IF EXISTS qinglang_ledger_guard()",
]

_SQLITE_SEALING_ONLY = _SEALING_ONLY.replace("IS NOT DISTINCT FROM", "IS").replace(
    "NEW.data = OLD.data", "NEW.data IS OLD.data"
)

SQLITE_FORWARD = [
    f"""
CREATE TRIGGER {EVENT}_no_update BEFORE UPDATE ON {EVENT}
WHEN NOT ({_SQLITE_SEALING_ONLY})
BEGIN SELECT RAISE(ABORT, 'qinglang ledger is append-only: UPDATE refused'); END;
""",
    *[
        f"""
CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
BEGIN SELECT RAISE(ABORT, 'qinglang ledger is append-only: UPDATE refused'); END;
"""
        for table in (CHECKPOINT, KEY)
    ],
    *[
        f"""
CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
WHEN NOT qinglang_ledger_purge_allowed()
BEGIN SELECT RAISE(ABORT, 'qinglang ledger is append-only: DELETE refused'); END;
"""
        for table in (EVENT, CHECKPOINT, KEY)
    ],
]

SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {table}_{what};"
    for table in (EVENT, CHECKPOINT, KEY)
    for what in ("no_update", "no_delete")
]

# The stored Merkle tree nodes (core.0005) are append-only too: no UPDATE, DELETE only on a test
# database being flushed. The PostgreSQL guard function above already refuses both for any table.
NODE = "core_ledgernode"
NODE_POSTGRES_FORWARD = [
    f"CREATE TRIGGER {NODE}_append_only BEFORE UPDATE OR DELETE ON {NODE} "
    "FOR EACH ROW EXECUTE FUNCTION qinglang_ledger_guard()",
    f"CREATE TRIGGER {NODE}_no_truncate BEFORE TRUNCATE ON {NODE} "
    "FOR EACH STATEMENT EXECUTE FUNCTION qinglang_ledger_guard()",
]
NODE_POSTGRES_REVERSE = [
    f"DROP TRIGGER IF EXISTS {NODE}_append_only ON {NODE}",
    f"DROP TRIGGER IF EXISTS {NODE}_no_truncate ON {NODE}",
]
NODE_SQLITE_FORWARD = [
    f"""
CREATE TRIGGER {NODE}_no_update BEFORE UPDATE ON {NODE}
BEGIN SELECT RAISE(ABORT, 'qinglang ledger is append-only: UPDATE refused'); END;
""",
    f"""
CREATE TRIGGER {NODE}_no_delete BEFORE DELETE ON {NODE}
WHEN NOT qinglang_ledger_purge_allowed()
BEGIN SELECT RAISE(ABORT, 'qinglang ledger is append-only: DELETE refused'); END;
""",
]
NODE_SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {NODE}_{what};" for what in ("no_update", "no_delete")
]
