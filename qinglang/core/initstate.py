"""Whether `qinglang init` has anything to do: pending migrations and a fingerprint of its inputs.

The fingerprint covers what init loads besides the schema: the reference data (the divisions
file and the code that maps it) and, with --demo, every app's demo module and the demo password.
Any change to one of them, or a pending migration, makes init run again; so does a database
with no record of a complete init (a new home, an emptied or replaced database).
"""

from __future__ import annotations

import hashlib
import importlib.util
from importlib import resources
from pathlib import Path

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

import qinglang.core.regions
from qinglang.core.models import InitRecord

RECORD_NAME = "init"
# Raise when what init does changes in a way the hashed files do not show.
INIT_VERSION = "1"


def pending_migrations(database: str = DEFAULT_DB_ALIAS) -> bool:
    """Return whether any migration is unapplied (a new database has them all pending)."""
    executor = MigrationExecutor(connections[database])
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def demo_modules() -> list[Path]:
    """Return the source file of each app's demo module, in app order."""
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("qinglang."):
            continue
        spec = importlib.util.find_spec(f"{config.name}.demo")
        if spec is not None and spec.origin:
            found.append(Path(spec.origin))
    return found


def reference_data() -> bytes:
    """Return what the reference data is made from: the divisions file and the code reading it."""
    divisions = resources.files("stdnum").joinpath("cn/loc.dat").read_bytes()
    return divisions + b"\0" + Path(qinglang.core.regions.__file__).read_bytes()


def fingerprint(*, demo: bool) -> str:
    """Return a digest of init's inputs other than migrations (reference data, demo data)."""
    from qinglang.core.demo import demo_password

    digest = hashlib.sha256(f"qinglang init {INIT_VERSION}\0demo={demo}\0".encode())
    digest.update(hashlib.sha256(reference_data()).digest())
    if demo:
        for path in demo_modules():
            digest.update(f"\0{path.parent.name}\0".encode())
            digest.update(path.read_bytes())
        # The password itself stays out of the record: only its digest enters this one.
        digest.update(hashlib.sha256(demo_password().encode()).digest())
    return digest.hexdigest()


def is_current(expected: str, database: str = DEFAULT_DB_ALIAS) -> bool:
    """Return whether the database is migrated and its last complete init had `expected`."""
    if pending_migrations(database):
        return False
    record = InitRecord.objects.using(database).filter(name=RECORD_NAME).first()
    return record is not None and record.fingerprint == expected
