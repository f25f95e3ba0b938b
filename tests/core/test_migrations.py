"""Migrations are frozen: they never import the application's live modules."""

from __future__ import annotations

import ast
from pathlib import Path

import qinglang

ROOT = Path(qinglang.__file__).parent


def test_no_migration_imports_live_application_code():
    offenders = []
    for path in sorted(ROOT.glob("*/migrations/[0-9]*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.relative_to(ROOT)}: {n}" for n in names if n.startswith("qinglang")
            ]
    assert offenders == []


def test_the_frozen_ledger_triggers_still_match_the_current_sql():
    """Until a new migration changes them, the frozen copy and ledger_sql agree (tests use both)."""
    import importlib

    from qinglang.core import ledger_sql

    frozen = importlib.import_module("qinglang.core.migrations.0003_ledger_append_only_triggers")
    for name in ("POSTGRES_FORWARD", "POSTGRES_REVERSE", "SQLITE_FORWARD", "SQLITE_REVERSE"):
        assert getattr(frozen, name) == getattr(ledger_sql, name), name


def test_the_frozen_tree_node_triggers_still_match_the_current_sql():
    """The node table's frozen triggers (core.0005) and ledger_sql agree."""
    import importlib

    from qinglang.core import ledger_sql

    frozen = importlib.import_module("qinglang.core.migrations.0008_ledger_tree_nodes")
    for name in (
        "NODE_POSTGRES_FORWARD",
        "NODE_POSTGRES_REVERSE",
        "NODE_SQLITE_FORWARD",
        "NODE_SQLITE_REVERSE",
    ):
        assert getattr(frozen, name) == getattr(ledger_sql, name), name


def test_the_frozen_partitioned_guard_still_matches_the_current_sql():
    """core.0009's guard function (before and after partitioning) and ledger_sql agree."""
    import importlib

    from qinglang.core import ledger_sql

    frozen = importlib.import_module("qinglang.core.migrations.0009_partition_ledger_events")
    assert frozen.FUNCTION_0003 == ledger_sql.POSTGRES_FUNCTION
    assert frozen.FUNCTION_PARTITIONED == ledger_sql.POSTGRES_PARTITIONED_FUNCTION
    assert frozen.DEFAULT == "core_ledgerevent_default"
