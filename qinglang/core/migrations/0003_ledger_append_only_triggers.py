"""Make the ledger append-only in the database itself (PostgreSQL and SQLite triggers)."""

from django.db import migrations

from qinglang.core import ledger_sql


def _run(schema_editor, statements: dict) -> None:
    for statement in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


def forward(apps, schema_editor):
    _run(
        schema_editor,
        {"postgresql": ledger_sql.POSTGRES_FORWARD, "sqlite": ledger_sql.SQLITE_FORWARD},
    )


def reverse(apps, schema_editor):
    _run(
        schema_editor,
        {"postgresql": ledger_sql.POSTGRES_REVERSE, "sqlite": ledger_sql.SQLITE_REVERSE},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_ledger_checkpoints_keys"),
    ]

    operations = [
        migrations.RunPython(forward, reverse),
    ]
