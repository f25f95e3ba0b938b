"""A throw-away database for one benchmark (PostgreSQL when QINGLANG_DATABASE_URL says so)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def setup_bench_database(name: str, *, keep: bool, reuse: bool = False) -> Callable[[], None]:
    """Point Django at a fresh database `<db>_bench_<name>`, migrate it, return the clean-up.

    `reuse`: keep the database if it exists (a seeded one kept by an earlier `--keep` run), only
    migrate it; it is never dropped afterwards.
    """
    import dj_database_url

    os.environ.setdefault("QINGLANG_HOME", tempfile.mkdtemp(prefix="qinglang-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qinglang.settings.embedded")
    os.environ.setdefault(
        "QINGLANG_LEDGER_KEY_PATH", str(Path(os.environ["QINGLANG_HOME"]) / "bench-ledger.pem")
    )
    url = os.environ.get("QINGLANG_DATABASE_URL", "")
    cleanup: Callable[[], None] = lambda: None  # noqa: E731
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        config = dj_database_url.parse(url)
        db_name = f"{config['NAME']}_bench_{name}"
        admin = psycopg.connect(
            host=config["HOST"] or None,
            port=config["PORT"] or None,
            user=config["USER"] or None,
            password=config["PASSWORD"] or None,
            dbname=config["NAME"],
            autocommit=True,
        )
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db_name]).fetchone()
        if not (reuse and exists):
            admin.execute(f'DROP DATABASE IF EXISTS "{db_name}"')
            admin.execute(f'CREATE DATABASE "{db_name}"')
        keep = keep or reuse
        os.environ["QINGLANG_DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + db_name

        def cleanup() -> None:
            from django.db import connections

            connections.close_all()
            if not keep:
                admin.execute(f'DROP DATABASE IF EXISTS "{db_name}"')
            admin.close()
    else:
        path = Path(os.environ["QINGLANG_HOME"]) / f"bench_{name}.sqlite3"
        if not reuse:
            path.unlink(missing_ok=True)
        os.environ["QINGLANG_DATABASE_URL"] = f"sqlite:///{path}"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    return cleanup
