"""Helpers for ledger tests: tamper with rows behind the application's back."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.db import connection

from qinglang.core import ledger_sql


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
