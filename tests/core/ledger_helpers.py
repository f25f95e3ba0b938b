"""Helpers for ledger tests: tamper with rows behind the application's back."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from django.db import DatabaseError, connection, transaction

from qinglang.core import ledger_sql
from qinglang.core.models import LedgerCheckpoint, LedgerEvent, LedgerNode


@contextlib.contextmanager
def triggers_disabled() -> Iterator[None]:
    """Disable the append-only triggers inside the current transaction, then restore them."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Superuser only: what an attacker with database access would do.
            cursor.execute("SET LOCAL session_replication_role = replica")
        else:
            for statement in [*ledger_sql.SQLITE_REVERSE, *ledger_sql.NODE_SQLITE_REVERSE]:
                cursor.execute(statement)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL session_replication_role = origin")
            else:
                for statement in [*ledger_sql.SQLITE_FORWARD, *ledger_sql.NODE_SQLITE_FORWARD]:
                    cursor.execute(statement)


def raw_update(sql: str, params: list) -> None:
    """Run an UPDATE/DELETE on the ledger with the triggers off."""
    with triggers_disabled(), connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- Stored values no event could have (only raw SQL writes them) ---------------------------
# Raw SQL can store what no `append` writes: a time that is not one, text that is not UTF-8, a
# lone surrogate in the data, a BLOB, JSON nested deeper than any decoder goes. Each case gives
# the SQL for SQLite and for PostgreSQL; when the engine refuses the value (jsonb has no \u0000
# and no lone surrogate, timestamptz no unparseable text, text no invalid UTF-8), the case is
# skipped with the engine's own reason, after checking that it refuses.

DEEP = "[" * 5000 + "]" * 5000  # jsonb holds it; Python's decoder stops at about 1,000 levels

STORED_VALUES = {
    "time-text": ("occurred_at", "'not a time'", "'not a time'", "stored time 'not a time'"),
    "time-shape": (
        "occurred_at",
        "'2026-13-45 25:61:00.000000'",
        "'2026-13-45 25:61:00.000000'",
        "is not a time",
    ),
    "time-number": ("occurred_at", "12345", "12345", "stored time '12345' is not a time"),
    "time-infinity": ("occurred_at", "'infinity'", "'infinity'", "stored time 'infinity'"),
    "time-year-10000": (
        "occurred_at",
        "'10000-01-01 00:00:00+00'",
        "'10000-01-01 00:00:00+00'",
        "is not a time",
    ),
    "time-bc": (
        "occurred_at",
        "'0100-01-01 00:00:00+00 BC'",
        "'0100-01-01 00:00:00+00 BC'",
        "is not a time",
    ),
    "time-not-utf8": (
        "occurred_at",
        "CAST(X'32ff' AS TEXT)",
        "CAST(convert_from(CAST('\\x32ff' AS bytea), 'UTF8') AS timestamptz)",
        "is not a time",
    ),
    "data-lone-surrogate": (
        "data",
        "'\"\\ud800\"'",
        "CAST('\"\\ud800\"' AS jsonb)",
        "data cannot be encoded as canonical JSON: it holds '\\ud800', a lone surrogate",
    ),
    "data-lone-low-surrogate": (
        "data",
        '\'{"n": "x\\udc00"}\'',
        'CAST(\'{"n": "x\\udc00"}\' AS jsonb)',
        "a lone surrogate",
    ),
    "data-nul": (
        "data",
        '\'{"n": "\\u0000"}\'',
        'CAST(\'{"n": "\\u0000"}\' AS jsonb)',
        "data does not match its digest",
    ),
    "data-too-deep": (
        "data",
        f"'{DEEP}'",
        f"CAST('{DEEP}' AS jsonb)",
        "data cannot be read: it is nested too deeply",
    ),
    "data-huge-number": (
        "data",
        "'" + "9" * 5000 + "'",
        "CAST('" + "9" * 5000 + "' AS jsonb)",
        "data does not match its digest",
    ),
    "data-blob": ("data", "X'00ff'", "CAST('\\x00ff' AS bytea)", "it is a binary value"),
    "data-not-utf8": (
        "data",
        "CAST(X'7bff7d' AS TEXT)",
        "CAST(convert_from(CAST('\\x7bff7d' AS bytea), 'UTF8') AS jsonb)",
        "it holds '\\udcff', a lone surrogate",
    ),
}
SEALED_ONLY = {
    "label-not-utf8": (
        "actor_label",
        "CAST(X'c3' AS TEXT)",
        "convert_from(CAST('\\xc3' AS bytea), 'UTF8')",
        "actor_label cannot be encoded as canonical JSON: it holds '\\udcc3'",
    ),
    "object-blob": ("object_id", "X'01'", "CAST('\\x01' AS bytea)", "sealed leaf hash"),
    "digest-blob": (
        "data_digest",
        "X'01'",
        "CAST('\\x01' AS bytea)",
        "data does not match its digest",  # PostgreSQL stores the bytea's text
    ),
    "leaf-not-hex": ("leaf_hash", "'" + "zz" * 32 + "'", "'" + "zz" * 32 + "'", "sealed leaf"),
    "leaf-blob": ("leaf_hash", "X'00'", "CAST('\\x00' AS bytea)", "sealed leaf hash"),
    "position-text": (
        "position",
        "'abc'",
        "'abc'",
        "the stored position is not a whole number",
    ),
}


def snapshot() -> list[tuple]:
    """Return every stored value of the ledger's tables, as raw bytes where SQLite has them."""
    rows = []
    for model in (LedgerEvent, LedgerCheckpoint, LedgerNode):
        table = connection.ops.quote_name(model._meta.db_table)
        names = [connection.ops.quote_name(f.column) for f in model._meta.concrete_fields]
        if connection.vendor == "sqlite":  # hex(): text that is not UTF-8 cannot be fetched
            columns = ", ".join(f"typeof({n}) || ':' || hex({n})" for n in names)
        else:
            columns = ", ".join(f"CAST({n} AS TEXT)" for n in names)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {columns} FROM {table} ORDER BY 1")  # noqa: S608 - names
            rows += cursor.fetchall()
    return rows


def store_value(row: LedgerEvent | LedgerCheckpoint, column: str, cases: dict, case: str) -> None:
    """Write one case's value with raw SQL, or skip when the engine cannot hold it."""
    name, sqlite_sql, postgres_sql, _ = cases[case]
    expression = postgres_sql if connection.vendor == "postgresql" else sqlite_sql
    table = connection.ops.quote_name(row._meta.db_table)
    sql = f"UPDATE {table} SET {name} = {expression} WHERE id = %s"  # noqa: S608 - constants
    sql = sql.replace("%", "%%").replace("%%s", "%s")
    try:
        with transaction.atomic(), triggers_disabled(), connection.cursor() as cursor:
            if connection.vendor == "sqlite":  # as an attacker would: past JSON_VALID
                cursor.execute("PRAGMA ignore_check_constraints = ON")
            try:
                with transaction.atomic():  # a refused value leaves the transaction usable
                    cursor.execute(sql, [row.pk])
            finally:
                if connection.vendor == "sqlite":
                    cursor.execute("PRAGMA ignore_check_constraints = OFF")
    except DatabaseError as exc:
        assert connection.vendor == "postgresql", exc  # SQLite, past its checks, holds any value
        pytest.skip(f"PostgreSQL cannot hold it: {str(exc).splitlines()[0]}")


CHECKPOINT_VALUES = {
    "time-text": ("signed_at", "'not a time'", "'not a time'", "the stored time 'not a time'"),
    "time-infinity": ("signed_at", "'infinity'", "'infinity'", "the stored time 'infinity'"),
    "signature-not-hex": ("signature", "'zz'", "'zz'", "the stored signature 'zz'"),
    "signature-blob": ("signature", "X'00'", "CAST('\\x00' AS bytea)", "signature does not"),
    "root-not-utf8": (
        "root_hash",
        "CAST(X'ff' AS TEXT)",
        "convert_from(CAST('\\xff' AS bytea), 'UTF8')",
        "root hash does not match",
    ),
    "size-text": ("tree_size", "'abc'", "'abc'", "the stored tree size is not a whole number"),
}
