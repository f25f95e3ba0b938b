"""Make the ledger append-only in the database itself (PostgreSQL and SQLite triggers).

The SQL is frozen here as it was when this migration was written: a migration must keep doing
what it did, whatever `qinglang.core.ledger_sql` says later (a change there needs a new migration).
"""

from django.db import migrations

POSTGRES_FORWARD = [
    """
CREATE OR REPLACE FUNCTION qinglang_ledger_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'core_ledgerevent' THEN
        IF (
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
) THEN
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
""",
    "CREATE TRIGGER core_ledgerevent_append_only BEFORE UPDATE OR DELETE ON core_ledgerevent FOR EACH ROW EXECUTE FUNCTION qinglang_ledger_guard()",
    "CREATE TRIGGER core_ledgerevent_no_truncate BEFORE TRUNCATE ON core_ledgerevent FOR EACH STATEMENT EXECUTE FUNCTION qinglang_ledger_guard()",
    "CREATE TRIGGER core_ledgercheckpoint_append_only BEFORE UPDATE OR DELETE ON core_ledgercheckpoint FOR EACH ROW EXECUTE FUNCTION qinglang_ledger_guard()",
    "CREATE TRIGGER core_ledgercheckpoint_no_truncate BEFORE TRUNCATE ON core_ledgercheckpoint FOR EACH STATEMENT EXECUTE FUNCTION qinglang_ledger_guard()",
    "CREATE TRIGGER core_ledgerkey_append_only BEFORE UPDATE OR DELETE ON core_ledgerkey FOR EACH ROW EXECUTE FUNCTION qinglang_ledger_guard()",
    "CREATE TRIGGER core_ledgerkey_no_truncate BEFORE TRUNCATE ON core_ledgerkey FOR EACH STATEMENT EXECUTE FUNCTION qinglang_ledger_guard()",
]

POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS core_ledgerevent_append_only ON core_ledgerevent",
    "DROP TRIGGER IF EXISTS core_ledgerevent_no_truncate ON core_ledgerevent",
    "DROP TRIGGER IF EXISTS core_ledgercheckpoint_append_only ON core_ledgercheckpoint",
    "DROP TRIGGER IF EXISTS core_ledgercheckpoint_no_truncate ON core_ledgercheckpoint",
    "DROP TRIGGER IF EXISTS core_ledgerkey_append_only ON core_ledgerkey",
    "DROP TRIGGER IF EXISTS core_ledgerkey_no_truncate ON core_ledgerkey",
    "DROP FUNCTION IF EXISTS qinglang_ledger_guard()",
]

SQLITE_FORWARD = [
    """
CREATE TRIGGER core_ledgerevent_no_update BEFORE UPDATE ON core_ledgerevent
WHEN NOT (
    OLD.position IS NULL AND NEW.position IS NOT NULL
    AND OLD.leaf_hash = '' AND NEW.leaf_hash <> ''
    AND NEW.id = OLD.id
    AND NEW.occurred_at = OLD.occurred_at
    AND NEW.actor_id IS OLD.actor_id
    AND NEW.actor_label = OLD.actor_label
    AND NEW.action = OLD.action
    AND NEW.object_type = OLD.object_type
    AND NEW.object_id = OLD.object_id
    AND NEW.data IS OLD.data
    AND NEW.data_digest = OLD.data_digest
)
BEGIN SELECT RAISE(ABORT, 'qinglang ledger is append-only: UPDATE refused'); END;
""",
    """
CREATE TRIGGER core_ledgercheckpoint_no_update BEFORE UPDATE ON core_ledgercheckpoint
BEGIN SELECT RAISE(ABORT, 'qinglang ledger is append-only: UPDATE refused'); END;
""",
    """
CREATE TRIGGER core_ledgerkey_no_update BEFORE UPDATE ON core_ledgerkey
BEGIN SELECT RAISE(ABORT, 'qinglang ledger is append-only: UPDATE refused'); END;
""",
    """
CREATE TRIGGER core_ledgerevent_no_delete BEFORE DELETE ON core_ledgerevent
WHEN NOT qinglang_ledger_purge_allowed()
BEGIN SELECT RAISE(ABORT, 'qinglang ledger is append-only: DELETE refused'); END;
""",
    """
CREATE TRIGGER core_ledgercheckpoint_no_delete BEFORE DELETE ON core_ledgercheckpoint
WHEN NOT qinglang_ledger_purge_allowed()
BEGIN SELECT RAISE(ABORT, 'qinglang ledger is append-only: DELETE refused'); END;
""",
    """
CREATE TRIGGER core_ledgerkey_no_delete BEFORE DELETE ON core_ledgerkey
WHEN NOT qinglang_ledger_purge_allowed()
BEGIN SELECT RAISE(ABORT, 'qinglang ledger is append-only: DELETE refused'); END;
""",
]

SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS core_ledgerevent_no_update;",
    "DROP TRIGGER IF EXISTS core_ledgerevent_no_delete;",
    "DROP TRIGGER IF EXISTS core_ledgercheckpoint_no_update;",
    "DROP TRIGGER IF EXISTS core_ledgercheckpoint_no_delete;",
    "DROP TRIGGER IF EXISTS core_ledgerkey_no_update;",
    "DROP TRIGGER IF EXISTS core_ledgerkey_no_delete;",
]


def _run(schema_editor, statements: dict) -> None:
    for statement in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


def forward(apps, schema_editor):
    _run(schema_editor, {"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD})


def reverse(apps, schema_editor):
    _run(schema_editor, {"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE})


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_ledger_checkpoints_keys"),
    ]

    operations = [
        migrations.RunPython(forward, reverse),
    ]
