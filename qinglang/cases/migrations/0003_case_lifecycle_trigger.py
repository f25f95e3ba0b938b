"""Refuse illegal case status transitions in the database itself (SQLite and PostgreSQL)."""

from django.db import migrations

# Frozen copy of qinglang.cases.models.ALLOWED_TRANSITIONS at the time of this migration.
PAIRS = [
    ("new", "investigating"),
    ("new", "awaiting_feedback"),
    ("investigating", "awaiting_feedback"),
    ("awaiting_feedback", "investigating"),
    ("investigating", "decided"),
    ("awaiting_feedback", "decided"),
    ("decided", "closed"),
    ("decided", "investigating"),
    ("closed", "investigating"),
]
ALLOWED = " OR ".join(f"(OLD.status = '{old}' AND NEW.status = '{new}')" for old, new in PAIRS)
# A case merged into another closes from any open state.
MERGED = (
    "(NEW.merged_into_id IS NOT NULL AND NEW.status = 'closed' "
    "AND OLD.status IN ('new', 'investigating', 'awaiting_feedback', 'decided'))"
)

SQLITE_CREATE = f"""
CREATE TRIGGER cases_case_status_transition
BEFORE UPDATE OF status ON cases_case
FOR EACH ROW WHEN NEW.status <> OLD.status AND NOT ({ALLOWED} OR {MERGED})
BEGIN
    SELECT RAISE(ABORT, 'illegal case status transition');
END;
"""
SQLITE_DROP = "DROP TRIGGER IF EXISTS cases_case_status_transition;"

PG_CREATE = f"""
CREATE OR REPLACE FUNCTION cases_case_status_transition() RETURNS trigger AS $$
BEGIN
    IF NEW.status <> OLD.status AND NOT ({ALLOWED} OR {MERGED}) THEN
        RAISE EXCEPTION 'illegal case status transition: % -> %', OLD.status, NEW.status
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER cases_case_status_transition
BEFORE UPDATE OF status ON cases_case
FOR EACH ROW EXECUTE FUNCTION cases_case_status_transition();
"""
PG_DROP = """
DROP TRIGGER IF EXISTS cases_case_status_transition ON cases_case;
DROP FUNCTION IF EXISTS cases_case_status_transition();
"""


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE)
    elif vendor == "postgresql":
        schema_editor.execute(PG_CREATE, None)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)
    elif vendor == "postgresql":
        schema_editor.execute(PG_DROP, None)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_case_fields_targets_numbering"),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]
