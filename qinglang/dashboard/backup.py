"""Backup and restore: the database, the file storages (vault, media) and the keys.

A backup directory holds `manifest.json` (SHA-256 of every file), the database as `db.sql`
(PostgreSQL, pg_dump) or `db.jsonl` (any engine: one serialized row per line, in dependency
order, timestamps to the microsecond so ledger leaves still hash the same), `storage/<name>/…`
and `keys/`. Restoring refuses a database that already holds data unless forced, in which case
the schema is dropped first (the ledger's triggers refuse row deletes, by design).

Vault files are named by their SHA-256, so the backup checks each one against its name while it
copies it (one streamed read): a file altered before the backup refuses the backup, naming it, and
leaves no manifest (nothing a restore would accept) unless the operator asks to record such files
and go on (`accept_damaged`); the manifest then lists them under `damaged` and a restore reports
them. A restore checks the names again.

The backup is the trusted copy: nothing is restored from it until every file it lists matches
its digest and it holds nothing unlisted. A stored file that differs from the backup's (altered
or damaged since) is replaced by the backup's and reported; a key file that differs is moved
aside (`<name>.before-restore-<time>`), never deleted, and reported.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.files.base import File
from django.core.files.storage import Storage, storages
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

FORMAT_VERSION = 1
STORAGE_NAMES = ("evidence", "default")
# Rebuilt by `migrate` (or meaningless elsewhere): never copied.
EXCLUDED_MODELS = {
    "contenttypes.contenttype",
    "auth.permission",
    "sessions.session",
    # Trigger-kept counts (core.tallies): restored rows rebuild them; copied, they would count
    # every report and case twice.
    "intake.reporttally",
    "cases.casetally",
}
BATCH = 1000
CHUNK = 1 << 20
# Where the vault keeps the bytes whose SHA-256 is <sha>: aa/bb/<sha> (evidence.vault.storage_name).
_VAULT_NAME = re.compile(r"(?P<a>[0-9a-f]{2})/(?P<b>[0-9a-f]{2})/(?P<sha>(?P=a)(?P=b)[0-9a-f]{60})")


class BackupError(Exception):
    """A backup or restore that cannot go on (the message says why, translated)."""


def named_digest(rel: str) -> str | None:
    """Return the SHA-256 a backup path's vault name promises (None: not a vault file)."""
    parts = PurePosixPath(rel).parts
    if len(parts) < 3 or parts[0] != "storage" or parts[1] != "evidence":
        return None
    match = _VAULT_NAME.fullmatch("/".join(parts[2:]))
    return match["sha"] if match else None


def _damaged_message(files: list[str], hint: str) -> str:
    return ngettext(
        "%(n)d vault file does not match the SHA-256 in its name (altered or damaged): "
        "%(files)s. %(hint)s",
        "%(n)d vault files do not match the SHA-256 in their names (altered or damaged): "
        "%(files)s. %(hint)s",
        len(files),
    ) % {"n": len(files), "files": ", ".join(files), "hint": hint}


def _copy(src: IO[bytes], dest: Path, *, mode: int = 0o644) -> str:
    """Copy a stream into the new file `dest`; return the SHA-256 of what was written (one read)."""
    digest = hashlib.sha256()
    with os.fdopen(os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode), "wb") as out:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()  # full precision (DjangoJSONEncoder would cut microseconds)
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _models() -> list[Any]:
    """Return every concrete model to copy, parents before the rows that point at them."""
    app_list = dict.fromkeys(apps.get_app_configs())
    ordered = serializers.sort_dependencies(app_list.items(), allow_cycles=True)
    return [
        m
        for m in ordered
        if m._meta.label_lower not in EXCLUDED_MODELS and not m._meta.proxy and m._meta.managed
    ]


def _rows() -> Iterator[dict[str, Any]]:
    for model in _models():
        qs = model._default_manager.order_by("pk")
        for start in range(0, qs.count(), BATCH):
            objects = list(qs[start : start + BATCH])
            yield from serializers.serialize(
                "python", objects, use_natural_foreign_keys=True, use_natural_primary_keys=False
            )


def dump_database_jsonl(path: Path) -> tuple[int, str]:
    """Write every row as one JSON line; return the number of rows and the file's SHA-256."""
    count = 0
    digest = hashlib.sha256()
    with path.open("wb") as fh, transaction.atomic():
        for row in _rows():
            line = (json.dumps(row, default=_json_default, ensure_ascii=False) + "\n").encode()
            digest.update(line)
            fh.write(line)
            count += 1
    return count, digest.hexdigest()


def _pg_env() -> tuple[list[str], dict[str, str]]:
    db = settings.DATABASES[DEFAULT_DB_ALIAS]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = ["--dbname", str(db["NAME"])]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    return args, env


def use_pg_tools(portable: bool) -> bool:
    """Return whether to use pg_dump/psql (PostgreSQL, tools installed, not asked for JSONL)."""
    return (
        not portable
        and connection.vendor == "postgresql"
        and bool(shutil.which("pg_dump"))
        and bool(shutil.which("psql"))
    )


def _walk(storage: Storage, prefix: str = "") -> Iterator[str]:
    try:
        dirs, files = storage.listdir(prefix)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{prefix}{name}"
    for name in dirs:
        yield from _walk(storage, f"{prefix}{name}/")


def _key_files() -> dict[str, Path]:
    """Return the key files of this installation by their name in a backup."""
    return {
        "ledger-ed25519.pem": Path(settings.QINGLANG_LEDGER_KEY_PATH),
        "secret_key": Path(settings.QINGLANG_HOME) / "secret_key",
    }


def backup(target: Path, *, portable: bool = False, accept_damaged: bool = False) -> dict[str, Any]:
    """Write a complete backup into the empty (or new) directory `target`; return the manifest.

    Refuses (BackupError) when a vault file does not match its name, unless
    `accept_damaged`; a backup that does not complete leaves `target` as it found it.
    """
    created = not target.exists()
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    if any(target.iterdir()):
        raise BackupError(_("%(path)s is not empty") % {"path": target})
    try:
        manifest = _write_backup(target, portable=portable, accept_damaged=accept_damaged)
    except BaseException:
        _remove_partial(target, created=created)
        raise
    return manifest


def _remove_partial(target: Path, *, created: bool) -> None:
    """Remove what an incomplete backup wrote (the directory too if the backup made it)."""
    if created:
        shutil.rmtree(target, ignore_errors=True)
        return
    for path in target.iterdir():
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _write_backup(target: Path, *, portable: bool, accept_damaged: bool) -> dict[str, Any]:
    files: dict[str, str] = {}
    manifest: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "vendor": connection.vendor,
        "files": files,
    }
    if use_pg_tools(portable):
        args, env = _pg_env()
        subprocess.run(  # noqa: S603 - fixed program; arguments from settings
            [
                shutil.which("pg_dump") or "pg_dump",
                "--no-owner",
                "--no-privileges",
                "--file",
                str(target / "db.sql"),
                *args,
            ],
            env=env,
            check=True,
        )
        manifest["database"] = "db.sql"
        files["db.sql"] = _sha256(target / "db.sql")
    else:
        manifest["rows"], files["db.jsonl"] = dump_database_jsonl(target / "db.jsonl")
        manifest["database"] = "db.jsonl"
    damaged: list[str] = []
    for name in STORAGE_NAMES:
        storage = storages[name]
        for stored in _walk(storage):
            rel = f"storage/{name}/{stored}"
            dest = target / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            with storage.open(stored, "rb") as src:
                files[rel] = _copy(src, dest)
            promised = named_digest(rel)
            if promised is not None and promised != files[rel]:
                damaged.append(rel)
    damaged.sort()
    if damaged and not accept_damaged:
        raise BackupError(
            _damaged_message(
                damaged,
                _(
                    "No backup was written. Look into these files (restore them from an older "
                    "backup), or run the backup again with --accept-damaged to record them as "
                    "damaged and go on."
                ),
            )
        )
    manifest["damaged"] = damaged
    for name, path in _key_files().items():
        if path.exists():
            dest = target / "keys" / name
            dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            with path.open("rb") as src:
                files[f"keys/{name}"] = _copy(src, dest, mode=0o600)
    # Written last, under its name only once complete: without it no restore accepts the rest.
    partial = target / "manifest.json.partial"
    partial.write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    partial.rename(target / "manifest.json")
    return manifest


DATABASE_FILES = ("db.sql", "db.jsonl")


def _listed_path(rel: Any) -> str:
    """Return a manifest path if it is one a backup writes (no absolute or `..` paths)."""
    path = PurePosixPath(rel) if isinstance(rel, str) else None
    if (
        path is None
        or not path.parts
        or path.is_absolute()
        or ".." in path.parts
        or not (
            rel in DATABASE_FILES
            or (path.parts[0] == "storage" and len(path.parts) > 2)
            or (path.parts[0] == "keys" and len(path.parts) == 2)
        )
    ):
        raise BackupError(_("the manifest lists an unexpected path %(path)r") % {"path": rel})
    return str(path)


def _missing(rel: str) -> BackupError:
    return BackupError(_("%(file)s is missing or damaged") % {"file": rel})


def read_manifest(source: Path, *, accept_damaged: bool = False) -> dict[str, Any]:
    """Return the backup's manifest after checking it names every file, each by its digest.

    Vault files are checked against their names as well: one that does not match is refused
    unless the backup recorded it as damaged (or `accept_damaged`); `manifest["damaged"]` then
    names every such file, for the restore to report.
    """
    try:
        manifest = json.loads((source / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(_("%(path)s has no readable manifest.json") % {"path": source}) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise BackupError(_("unknown backup format %(format)r") % {"format": found})
    files = manifest.get("files")
    recorded = manifest.setdefault("damaged", [])
    if (
        not isinstance(files, dict)
        or manifest.get("database") not in DATABASE_FILES
        or not isinstance(recorded, list)
    ):
        raise BackupError(_("manifest.json is incomplete (no file list or no database)"))
    if manifest["database"] not in files:
        raise _missing(manifest["database"])
    for rel, digest in files.items():
        path = source / _listed_path(rel)
        if not path.is_file() or _sha256(path) != digest:
            raise _missing(rel)
    for path in sorted(source.rglob("*")):
        rel = str(path.relative_to(source))
        if path.is_file() and rel != "manifest.json" and rel not in files:
            raise BackupError(
                _("%(file)s is not listed in the manifest: the backup was changed") % {"file": rel}
            )
    mismatched = sorted(
        rel for rel, digest in files.items() if named_digest(rel) not in (None, digest)
    )
    unrecorded = [rel for rel in mismatched if rel not in recorded]
    if unrecorded and not accept_damaged:
        raise BackupError(
            _damaged_message(
                unrecorded,
                _(
                    "The backup does not record them as damaged. Nothing was restored; run the "
                    "restore with --accept-damaged to restore them as they are."
                ),
            )
        )
    manifest["damaged"] = mismatched
    return manifest


def database_has_data() -> bool:
    """Return whether the database holds users, organizations or ledger events."""
    from django.db.utils import DatabaseError

    from qinglang.core.models import LedgerEvent, Organization, User

    try:
        return any(m.objects.exists() for m in (User, Organization, LedgerEvent))
    except DatabaseError:  # no schema yet
        return False


def _drop_schema() -> None:
    """Remove every table (and trigger) so the backup lands in an empty database."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
        return
    if connection.vendor != "sqlite":
        raise BackupError(
            _("--force is not supported on %(vendor)s") % {"vendor": connection.vendor}
        )
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys = OFF")
        # Virtual (full-text) tables first: dropping one drops its shadow tables with it.
        tables = [
            row[0]
            for row in cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "ORDER BY sql NOT LIKE 'CREATE VIRTUAL%'"
            ).fetchall()
        ]
        for table in tables:
            cursor.execute(f'DROP TABLE IF EXISTS "{table}"')
        cursor.execute("PRAGMA foreign_keys = ON")


def _load_jsonl(path: Path) -> int:
    count = 0
    deferred: list[Any] = []
    with path.open(encoding="utf-8") as fh, transaction.atomic():
        batch: list[dict[str, Any]] = []
        for line in fh:
            batch.append(json.loads(line))
            if len(batch) >= BATCH:
                count += _save(batch, deferred)
                batch = []
        count += _save(batch, deferred)
        for obj in deferred:
            obj.save_deferred_fields()
    return count


def _save(batch: Iterable[dict[str, Any]], deferred: list[Any]) -> int:
    count = 0
    for obj in serializers.deserialize("python", list(batch), handle_forward_references=True):
        obj.save()
        if obj.deferred_fields:
            deferred.append(obj)
        count += 1
    return count


def _reset_sequences() -> None:
    if connection.vendor != "postgresql":
        return
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), _models())
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _partition_ledger_months() -> None:
    """Give the restored ledger events their month partitions (PostgreSQL; they land in DEFAULT)."""
    from qinglang.core.ledger_partitions import ensure_partitions

    ensure_partitions()


def _rebuild_search_index() -> None:
    """Refill SQLite's full-text table (not a model, so not in db.jsonl) from its documents."""
    if connection.vendor != "sqlite":
        return
    from qinglang.registry.models import SearchDocument
    from qinglang.registry.services.search import _sync_fts

    with transaction.atomic():
        for document in SearchDocument.objects.order_by("pk").iterator(chunk_size=BATCH):
            _sync_fts(document)


def restore(source: Path, *, force: bool = False, accept_damaged: bool = False) -> dict[str, Any]:
    """Restore a backup into this installation; refuse a database with data unless `force`.

    The answer is the manifest with `replaced` (stored files put back), `damaged` (vault files
    whose bytes do not match their names), `kept_intact` (those of them the vault already held
    intact, so kept) and `keys_set_aside`.
    """
    manifest = read_manifest(source, accept_damaged=accept_damaged)
    from_sql = manifest["database"] == "db.sql"
    if from_sql and (connection.vendor != "postgresql" or not shutil.which("psql")):
        raise BackupError(_("this backup was made with pg_dump: restore it on PostgreSQL"))
    if database_has_data() and not force:
        raise BackupError(_("the database already holds data; use --force to replace it"))
    if from_sql or force:
        # psql needs an empty schema (migrations may have run); --force replaces what is there.
        _drop_schema()
    if from_sql:
        connection.close()
        args, env = _pg_env()
        subprocess.run(  # noqa: S603 - fixed program; arguments from settings
            [
                shutil.which("psql") or "psql",
                "--quiet",
                "--set",
                "ON_ERROR_STOP=1",
                "--file",
                str(source / "db.sql"),
                *args,
            ],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        call_command("migrate", interactive=False, verbosity=0)
    else:
        call_command("migrate", interactive=False, verbosity=0)
        _load_jsonl(source / "db.jsonl")
        _reset_sequences()
        _partition_ledger_months()
        _rebuild_search_index()
    manifest["replaced"], manifest["kept_intact"] = _restore_files(
        source, manifest["files"], damaged=set(manifest["damaged"])
    )
    manifest["keys_set_aside"] = _restore_keys(source)
    return manifest


def _stored_digest(storage: Storage, name: str) -> str:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _restore_files(
    source: Path, files: dict[str, str], *, damaged: set[str]
) -> tuple[list[str], list[str]]:
    """Put every listed storage file in place; return (replaced, damaged ones kept intact).

    The backup is the trusted copy: a file altered (or damaged) since the backup is replaced,
    never silently kept, and named in the answer so the operator can look into it. A vault file
    the backup holds damaged never replaces a stored copy that matches its name.
    """
    replaced: list[str] = []
    kept_intact: list[str] = []
    for rel, digest in sorted(files.items()):
        parts = PurePosixPath(rel).parts
        if parts[0] != "storage" or parts[1] not in STORAGE_NAMES:
            continue
        storage, name = storages[parts[1]], "/".join(parts[2:])
        if storage.exists(name):
            stored = _stored_digest(storage, name)
            if stored == digest:
                continue
            if rel in damaged and stored == named_digest(rel):
                kept_intact.append(rel)
                continue
            storage.delete(name)
            replaced.append(rel)
        with (source / rel).open("rb") as fh:
            saved = storage.save(name, File(fh))
        if saved != name:
            raise BackupError(
                _("%(file)s could not be restored under its name (saved as %(saved)s)")
                % {"file": rel, "saved": saved}
            )
    return replaced, kept_intact


def _restore_keys(source: Path) -> list[str]:
    """Install the backup's keys; return the differing key files moved aside for them.

    The restored ledger's checkpoints are signed with the backup's ledger key, so that key must
    be the one in place; a different key found there is kept beside it, never deleted.
    """
    set_aside: list[str] = []
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    for name, dest in _key_files().items():
        src = source / "keys" / name
        if not src.is_file():
            continue
        if dest.exists():
            if dest.read_bytes() == src.read_bytes():
                continue
            aside = dest.with_name(f"{dest.name}.before-restore-{stamp}")
            dest.rename(aside)
            set_aside.append(str(aside))
        dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        shutil.copy2(src, dest)
        dest.chmod(0o600)
    return set_aside
