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


def test_the_frozen_tally_triggers_still_match_the_current_sql():
    """The tallies' frozen triggers (intake 0009, cases 0012) and core.tallies agree."""
    import importlib

    from qinglang.cases.models import CASE_TALLY
    from qinglang.core import tallies
    from qinglang.intake.models import REPORT_TALLY

    for spec, name in [
        (REPORT_TALLY, "qinglang.intake.migrations.0009_tallies"),
        (CASE_TALLY, "qinglang.cases.migrations.0012_tallies"),
    ]:
        frozen = importlib.import_module(name)
        assert tallies.create_sql(spec, "sqlite") == frozen.SQLITE_CREATE
        assert tallies.drop_sql(spec, "sqlite") == frozen.SQLITE_DROP
        assert tallies.create_sql(spec, "postgresql") == frozen.POSTGRES_CREATE
        assert tallies.drop_sql(spec, "postgresql") == frozen.POSTGRES_DROP
        assert tallies.backfill_sql(spec) == frozen.BACKFILL
