"""Backup and restore: the ledger still verifies and evidence packages still verify afterwards.

A full restore runs every migration (nearly all of its time), so there are two, each checked for
several facts: a disaster (native dump, empty database) and a forced restore (JSON lines, over
data). The refusals change nothing and cost no restore.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import translation

from qinglang.cases.models import Case
from qinglang.core import ledger, merkle
from qinglang.core.models import LedgerCheckpoint, LedgerEvent, User
from qinglang.evidence import packages
from qinglang.evidence.verify import verify_package
from qinglang.intake.models import Report
from tests.cases.factories import make_case

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _english(_default_language):
    """Check the messages in English here (one test checks them in Chinese)."""
    with translation.override("en"):
        yield


def _tallies_match() -> bool:
    """Return whether the trigger-kept counts equal real counts of reports and cases."""
    from django.db.models import Count, Sum

    from qinglang.cases.models import CaseTally
    from qinglang.intake.models import ReportTally

    pairs = [
        (Report, ReportTally, ("office_id", "status", "is_internal")),
        (Case, CaseTally, ("lead_office_id", "status", "is_internal")),
    ]
    for model, tally, keys in pairs:
        real = {
            tuple(r[:-1]): r[-1]
            for r in model.objects.order_by().values_list(*keys).annotate(n=Count("*"))
        }
        kept = {
            tuple(r[:-1]): r[-1]
            for r in tally.objects.order_by().values_list(*keys).annotate(n=Sum("n"))
            if r[-1]
        }
        if real != kept:
            return False
    return True


def _make_data(world):
    from qinglang.evidence.services import attach, store_bytes
    from tests.cases.factories import make_report

    make_report(world.guangdong_office)
    case = make_case(world.beijing_user)
    with transaction.atomic():
        item = store_bytes(
            "聊天记录：删帖五千元".encode(), name="chat.txt", media_type="text/plain", kind="upload"
        )
        attach(item, subject=("cases.case", case.pk), acting_user=world.beijing_user)
    ledger.seal_all()
    return case


@pytest.mark.django_db
def test_restore_refuses_a_damaged_backup(world, tmp_path):
    _make_data(world)
    target = tmp_path / "backup"
    call_command("backup", str(target), "--portable")
    db = target / "db.jsonl"
    db.write_text(db.read_text().replace("北京", "上海", 1))
    reports = Report.objects.count()
    with pytest.raises(CommandError, match="damaged"):
        call_command("restore", str(target), "--force")
    assert Report.objects.count() == reports


@pytest.mark.django_db
def test_backup_refuses_a_non_empty_directory(world, tmp_path):
    (tmp_path / "stray.txt").write_text("x")
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stray.txt"]


# --- a real disaster: database, vault and keys gone ----------------------------------------


@pytest.fixture
def own_keys(settings, tmp_path):
    """Give the test its own ledger key and home (secret key) so that it may delete them."""
    settings.QINGLANG_LEDGER_KEY_PATH = tmp_path / "keys" / "ledger-ed25519.pem"
    settings.QINGLANG_HOME = tmp_path / "home"
    settings.QINGLANG_HOME.mkdir()
    (settings.QINGLANG_HOME / "secret_key").write_text("the-installation-secret")
    return settings


def _wipe_database() -> None:
    """Leave the database as a new server's: no table at all (the ledger's triggers with them)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
        else:
            cursor.execute("PRAGMA foreign_keys = OFF")
            while tables := [
                name
                for (name,) in cursor.execute(
                    # Virtual (full-text) tables first: their shadow tables go with them.
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY sql NOT LIKE 'CREATE VIRTUAL%'"
                ).fetchall()
            ]:
                for table in tables:
                    cursor.execute(f'DROP TABLE IF EXISTS "{table}"')
            cursor.execute("PRAGMA foreign_keys = ON")
    assert connection.introspection.table_names() == []


def _vault_files(root) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _package_matches_the_ledger(old, content: bytes) -> None:
    """The package's checkpoint, events and files are those of the restored platform."""
    import zipfile

    from qinglang.evidence import package_format as fmt

    manifest = json.loads(zipfile.ZipFile(io.BytesIO(content)).read(fmt.MANIFEST))
    checkpoint = manifest["checkpoint"]
    # Signed by the key the restored platform trusts, not merely by the key it carries.
    trusted = {key.hex() for key in ledger.trusted_keys().values()}
    result = verify_package(content, trusted_keys=trusted)
    assert result.ok, result.failures
    assert result.items_checked >= 1 and result.events_checked >= 1
    # The same checkpoint is in the restored ledger, and today's tree extends it.
    restored = LedgerCheckpoint.objects.get(tree_size=checkpoint["tree_size"])
    assert ledger.checkpoint_dict(restored) == checkpoint
    latest = ledger.latest_checkpoint()
    proof = ledger.consistency_proof(restored.tree_size, latest.tree_size)
    assert merkle.verify_consistency(
        restored.tree_size,
        latest.tree_size,
        bytes.fromhex(restored.root_hash),
        bytes.fromhex(latest.root_hash),
        [bytes.fromhex(h) for h in proof["proof"]],
    )
    # Every custody event is the restored ledger's own, leaf for leaf.
    for event in manifest["events"]:
        assert LedgerEvent.objects.get(pk=event["id"]).leaf_hash == event["leaf_hash"]
    # Every file is in the restored vault with those bytes.
    from qinglang.evidence.models import EvidenceBlob
    from qinglang.evidence.vault import read_blob

    for item in manifest["items"]:
        blob = EvidenceBlob.objects.get(sha256=item["sha256"])
        assert hashlib.sha256(read_blob(blob.storage_name)).hexdigest() == item["sha256"]
    # And the restored ledger records that this very package was exported.
    assert LedgerEvent.objects.filter(
        action="evidence.package_exported", data__manifest_sha256=old.manifest_sha256
    ).exists()


def _new_ledger_key() -> bytes:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    return Ed25519PrivateKey.generate().private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
    )


@pytest.mark.django_db
def test_restore_refuses_a_database_with_data_and_changes_nothing(world, tmp_path, own_keys):
    from qinglang.evidence.models import EvidenceBlob

    _make_data(world)
    target = tmp_path / "backup"
    call_command("backup", str(target), "--portable")
    blob = EvidenceBlob.objects.get()
    (tmp_path / "vault" / blob.storage_name).write_bytes(b"altered after the backup")
    own_keys.QINGLANG_LEDGER_KEY_PATH.write_bytes(b"not the backup's key")
    counts = (LedgerEvent.objects.count(), Report.objects.count(), Case.objects.count())

    with pytest.raises(CommandError) as refused:
        call_command("restore", str(target))
    assert str(refused.value) == "the database already holds data; use --force to replace it"
    assert (LedgerEvent.objects.count(), Report.objects.count(), Case.objects.count()) == counts
    # Nothing else was touched either: not the vault, not the keys.
    assert (tmp_path / "vault" / blob.storage_name).read_bytes() == b"altered after the backup"
    assert own_keys.QINGLANG_LEDGER_KEY_PATH.read_bytes() == b"not the backup's key"
    assert not list(own_keys.QINGLANG_LEDGER_KEY_PATH.parent.glob("*.before-restore-*"))


def _truncate(path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _first_vault_file(target):
    return next(p for p in sorted((target / "storage" / "evidence").rglob("*")) if p.is_file())


def _with_files(target, **extra: str) -> None:
    manifest = json.loads((target / "manifest.json").read_text())
    manifest["files"] = {**manifest["files"], **extra} if extra else {}
    (target / "manifest.json").write_text(json.dumps(manifest))


def _alter_consistently(target) -> None:
    """Change a vault file in the backup and its digest in the manifest to match (by hand)."""
    path = _first_vault_file(target)
    path.write_bytes(b"edited, manifest and all")
    rel = str(path.relative_to(target))
    _with_files(target, **{rel: hashlib.sha256(path.read_bytes()).hexdigest()})


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda t: (t / "manifest.json").unlink(), "no readable manifest.json"),
        (lambda t: _truncate(t / "manifest.json"), "no readable manifest.json"),
        (lambda t: _truncate(t / "db.jsonl"), "db.jsonl is missing or damaged"),
        (lambda t: (t / "db.jsonl").unlink(), "db.jsonl is missing or damaged"),
        (lambda t: _truncate(_first_vault_file(t)), "is missing or damaged"),
        (lambda t: shutil.rmtree(t / "keys"), "keys/ledger-ed25519.pem is missing or damaged"),
        (
            lambda t: (t / "storage" / "evidence" / "planted.txt").write_text("x"),
            "storage/evidence/planted.txt is not listed in the manifest",
        ),
        (lambda t: _with_files(t), "db.jsonl is missing or damaged"),
        (lambda t: _with_files(t, **{"../outside": "0" * 64}), "unexpected path '../outside'"),
        (_alter_consistently, "does not match the SHA-256 in its name"),
    ],
    ids=[
        "no-manifest",
        "truncated-manifest",
        "truncated-db",
        "no-db",
        "truncated-vault-file",
        "no-keys",
        "unlisted-file",
        "manifest-without-files",
        "path-outside",
        "vault-name-mismatch",
    ],
)
def test_a_damaged_backup_is_refused_before_anything_changes(
    world, tmp_path, own_keys, damage, message
):
    """Even with --force: the database, the vault and the keys stay as they were."""
    _make_data(world)
    target = tmp_path / "backup"
    call_command("backup", str(target), "--portable")
    make_case(world.beijing_user, title="备份之后的案件")  # the database moved on since
    damage(target)
    counts = (LedgerEvent.objects.count(), Report.objects.count(), Case.objects.count())
    vault = _vault_files(tmp_path / "vault")
    key = own_keys.QINGLANG_LEDGER_KEY_PATH.read_bytes()
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("restore", str(target), "--force")
    assert (LedgerEvent.objects.count(), Report.objects.count(), Case.objects.count()) == counts
    assert Case.objects.filter(title="备份之后的案件").exists()
    assert _vault_files(tmp_path / "vault") == vault
    assert own_keys.QINGLANG_LEDGER_KEY_PATH.read_bytes() == key


# --- vault files altered before the backup ---------------------------------------------------


def _store_loose(data: bytes):
    """Store an item in the vault that no case points at (a package never holds it)."""
    from qinglang.evidence.services import store_bytes

    with transaction.atomic():
        return store_bytes(data, name="note.txt", media_type="text/plain", kind="upload")


def _damage(vault_root, item) -> tuple[str, bytes]:
    """Overwrite an item's vault file in place; return its backup path and its intact bytes."""
    path = vault_root / item.blob.storage_name
    intact = path.read_bytes()
    path.write_bytes(intact + b" (edited in place)")
    return f"storage/evidence/{item.blob.storage_name}", intact


@pytest.mark.django_db
@pytest.mark.parametrize("existing", [False, True], ids=["new-directory", "empty-directory"])
def test_backup_refuses_vault_files_altered_before_it(world, tmp_path, own_keys, existing):
    """Named, exit status non-zero, and nothing left that a restore would accept."""
    _make_data(world)
    damaged = sorted(
        _damage(tmp_path / "vault", _store_loose(text.encode()))[0] for text in ("甲", "乙")
    )
    target = tmp_path / "backup"
    if existing:
        target.mkdir()
    with pytest.raises(CommandError) as refused:
        call_command("backup", str(target), "--portable")
    message = str(refused.value)
    assert "2 vault files do not match the SHA-256 in their names" in message
    assert all(rel in message for rel in damaged)
    assert "--accept-damaged" in message
    # Not half-written: the directory is as it was (or not there), and a restore refuses it.
    assert (sorted(target.iterdir()) == []) if existing else not target.exists()
    target.mkdir(exist_ok=True)
    counts = (LedgerEvent.objects.count(), Report.objects.count(), Case.objects.count())
    with pytest.raises(CommandError, match=re.escape("no readable manifest.json")):
        call_command("restore", str(target), "--force")
    assert (LedgerEvent.objects.count(), Report.objects.count(), Case.objects.count()) == counts


@pytest.mark.django_db
def test_a_backup_whose_manifest_does_not_record_a_damaged_file_is_refused(
    world, tmp_path, own_keys
):
    """A backup made before names were checked (or edited): restore checks the names again."""
    _make_data(world)
    rel, _intact = _damage(tmp_path / "vault", _store_loose(b"loose"))
    target = tmp_path / "backup"
    err = io.StringIO()
    call_command("backup", str(target), "--portable", "--accept-damaged", stderr=err)
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["damaged"] == [rel]
    assert f"{rel} does not match the SHA-256 in its name: recorded as damaged" in err.getvalue()
    manifest["damaged"] = []
    (target / "manifest.json").write_text(json.dumps(manifest))
    counts = (LedgerEvent.objects.count(), Report.objects.count(), Case.objects.count())
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(target), "--force")
    assert rel in str(refused.value) and "--accept-damaged" in str(refused.value)
    assert (LedgerEvent.objects.count(), Report.objects.count(), Case.objects.count()) == counts


# --- messages in the platform's language -------------------------------------------------------


@pytest.mark.django_db
def test_backup_and_restore_speak_the_active_language(tmp_path):
    (tmp_path / "stray.txt").write_text("x")
    with translation.override("zh-hans"), pytest.raises(CommandError) as chinese:
        call_command("backup", str(tmp_path))
    assert str(chinese.value) == f"{tmp_path} 不是空目录"
    with translation.override("en"), pytest.raises(CommandError) as english:
        call_command("restore", str(tmp_path))
    assert str(english.value) == f"{tmp_path} has no readable manifest.json"


def test_the_backup_command_refuses_with_a_non_zero_status_in_chinese(tmp_path):
    """The `qinglang` command speaks the settings' language (Chinese by default) and fails."""
    import os

    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "stray.txt").write_text("x")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QINGLANG_", "DJANGO_"))}
    env["QINGLANG_HOME"] = str(tmp_path / "home")
    result = subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "qinglang.cli", "backup", str(tmp_path / "backup")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert f"{tmp_path / 'backup'} 不是空目录" in result.stderr
    assert sorted(p.name for p in (tmp_path / "backup").iterdir()) == ["stray.txt"]


# --- restored installations: one full restore each, several facts checked on it --------------


def _disaster(world, root: Path, case) -> SimpleNamespace:
    """Back up (natively: pg_dump on PostgreSQL); lose database, vault, media and keys; restore.

    The secret key is simply gone; a new installation made a ledger key of its own (kept aside,
    never deleted). The restore runs without --force, on an empty database.
    """
    from qinglang.dashboard.backup import database_has_data

    old = packages.build_package("case", case.number, acting_user=world.beijing_user)
    ledger.seal_all()
    key_path, secret_path = root / "keys" / "ledger-ed25519.pem", root / "home" / "secret_key"
    before = SimpleNamespace(
        events=LedgerEvent.objects.count(),
        checkpoints=LedgerCheckpoint.objects.count(),
        key=key_path.read_bytes(),
        vault=_vault_files(root / "vault"),
    )
    assert before.vault
    target = root / "backup"
    call_command("backup", str(target))
    manifest = json.loads((target / "manifest.json").read_text())

    _wipe_database()
    assert not database_has_data()
    shutil.rmtree(root / "vault")
    shutil.rmtree(root / "media", ignore_errors=True)
    secret_path.unlink()
    new_key = _new_ledger_key()
    key_path.write_bytes(new_key)

    out, err = io.StringIO(), io.StringIO()
    call_command("restore", str(target), stdout=out, stderr=err)
    return SimpleNamespace(
        root=root,
        world=world,
        case=case,
        old=old,
        before=before,
        manifest=manifest,
        new_key=new_key,
        out=out.getvalue(),
        err=err.getvalue(),
    )


def _the_backup_holds_the_vault_and_both_keys(disaster):
    files = set(disaster.manifest["files"])
    assert any(name.startswith("storage/evidence/") for name in files)
    assert {"keys/ledger-ed25519.pem", "keys/secret_key"} <= files
    assert disaster.manifest["damaged"] == []
    if connection.vendor == "postgresql":
        assert disaster.manifest["database"] == "db.sql"


def _the_keys_are_the_backups_and_a_new_key_is_kept_aside(disaster):
    root = disaster.root
    assert "restored" in disaster.out
    assert (root / "keys" / "ledger-ed25519.pem").read_bytes() == disaster.before.key
    assert (root / "home" / "secret_key").read_text() == "the-installation-secret"
    aside = sorted(root.rglob("*.before-restore-*"))
    assert [p.read_bytes() for p in aside] == [disaster.new_key]  # the lost secret: none
    assert disaster.err == f"a different key was in place; kept it as {aside[0]}\n"


def _the_ledger_verifies(disaster):
    assert LedgerEvent.objects.count() == disaster.before.events
    assert LedgerCheckpoint.objects.count() == disaster.before.checkpoints
    verified = io.StringIO()
    call_command("ledger", "verify", stdout=verified)
    assert "Ledger OK" in verified.getvalue()


def _every_vault_file_is_back_with_its_bytes(disaster):
    from django.core.files.storage import storages

    from qinglang.evidence.models import EvidenceBlob
    from qinglang.evidence.vault import read_blob

    assert _vault_files(disaster.root / "vault") == disaster.before.vault
    blobs = list(EvidenceBlob.objects.all())
    assert blobs and storages["evidence"].exists(blobs[0].storage_name)
    for blob in blobs:
        assert hashlib.sha256(read_blob(blob.storage_name)).hexdigest() == blob.sha256


def _the_rows_are_the_backups(disaster):
    assert _tallies_match()  # rebuilt by the triggers, never copied on top of them
    assert Case.objects.get(pk=disaster.case.pk).number == disaster.case.number
    assert User.objects.filter(username=disaster.world.beijing_user.username).exists()


def _a_package_built_before_the_backup_still_verifies(disaster):
    _package_matches_the_ledger(disaster.old, disaster.old.content)


def _a_package_built_now_holds_the_same_files_and_verifies(disaster):
    user = User.objects.get(pk=disaster.world.beijing_user.pk)
    rebuilt = packages.build_package("case", disaster.case.number, acting_user=user)
    _package_matches_the_ledger(disaster.old, rebuilt.content)


def _new_rows_get_fresh_ids(disaster):
    user = User.objects.get(pk=disaster.world.beijing_user.pk)
    assert make_case(user, title="恢复后新案件").pk > disaster.case.pk


def _forced(world, root: Path, case) -> SimpleNamespace:
    """Back up (JSON lines, two loose vault files damaged before it, recorded); restore --force.

    Since the backup: the database moved on, the case's evidence file was edited in place, a
    file nobody recorded appeared, one damaged file was repaired and the other lost.
    """
    from qinglang.evidence.models import EvidenceBlob
    from qinglang.evidence.vault import read_blob

    vault = root / "vault"
    evidence = EvidenceBlob.objects.get()
    repaired, repaired_bytes = _damage(vault, _store_loose("修好的".encode()))
    lost, _lost_bytes = _damage(vault, _store_loose("丢失的".encode()))
    lost_damaged_bytes = (root / "vault" / lost.removeprefix("storage/evidence/")).read_bytes()
    ledger.seal_all()
    events = LedgerEvent.objects.count()
    target = root / "forced-backup"
    backup_err = io.StringIO()
    call_command("backup", str(target), "--portable", "--accept-damaged", stderr=backup_err)
    manifest = json.loads((target / "manifest.json").read_text())

    make_case(world.beijing_user, title="备份之后的案件")
    original = read_blob(evidence.storage_name)
    (vault / evidence.storage_name).write_bytes("聊天记录：删帖五百元".encode())
    extra = vault / "ff" / "ff" / ("f" * 64)
    extra.parent.mkdir(parents=True)
    extra.write_bytes(b"planted")
    (vault / repaired.removeprefix("storage/evidence/")).write_bytes(repaired_bytes)
    (vault / lost.removeprefix("storage/evidence/")).unlink()

    out, err = io.StringIO(), io.StringIO()
    call_command("restore", str(target), "--force", stdout=out, stderr=err)
    return SimpleNamespace(
        root=root,
        world=world,
        case=case,
        events=events,
        manifest=manifest,
        backup_err=backup_err.getvalue(),
        evidence=evidence,
        original=original,
        extra=extra,
        repaired=repaired,
        repaired_bytes=repaired_bytes,
        lost=lost,
        lost_damaged_bytes=lost_damaged_bytes,
        err=err.getvalue(),
    )


def _the_backup_recorded_the_damaged_files(forced):
    assert forced.manifest["damaged"] == sorted([forced.repaired, forced.lost])
    for rel in (forced.repaired, forced.lost):
        assert f"{rel} does not match the SHA-256 in its name: recorded as damaged" in (
            forced.backup_err
        )


def _the_database_is_the_backups(forced):
    assert LedgerEvent.objects.count() == forced.events
    assert not Case.objects.filter(title="备份之后的案件").exists()
    assert Case.objects.get(pk=forced.case.pk).number == forced.case.number
    assert User.objects.filter(username=forced.world.beijing_user.username).exists()
    assert _tallies_match()
    report = ledger.verify_log()
    assert report.ok, report.problems


def _a_file_altered_since_the_backup_is_put_back_and_reported(forced):
    from qinglang.evidence.vault import read_blob

    assert read_blob(forced.evidence.storage_name) == forced.original
    name = forced.evidence.storage_name
    assert f"replaced storage/evidence/{name}: the stored file differed" in forced.err
    assert forced.err.count("replaced") == 1  # only the altered one
    assert forced.extra.read_bytes() == b"planted"  # not the backup's: left for the sweep


def _damaged_files_are_reported_and_never_replace_an_intact_copy(forced):
    vault = forced.root / "vault"
    repaired = vault / forced.repaired.removeprefix("storage/evidence/")
    assert repaired.read_bytes() == forced.repaired_bytes
    assert f"{forced.repaired} was damaged when the backup was made; the vault's intact" in (
        forced.err
    )
    lost = vault / forced.lost.removeprefix("storage/evidence/")
    assert lost.read_bytes() == forced.lost_damaged_bytes
    assert f"{forced.lost} was damaged when the backup was made (it does not match" in (forced.err)


def _a_package_verifies_and_new_rows_get_fresh_ids(forced):
    user = User.objects.get(pk=forced.world.beijing_user.pk)
    built = packages.build_package("case", forced.case.number, acting_user=user)
    result = verify_package(built.content)
    assert result.ok, result
    assert make_case(user, title="恢复后新案件").pk > forced.case.pk


@pytest.mark.django_db(transaction=True)
def test_restore_after_losing_database_vault_and_keys(world, tmp_path, own_keys):
    """Back up; lose the database, the vault, the media and the keys; restore without --force.

    The ledger verifies (the command too), every vault file matches its digest, and a package
    built before the backup still verifies against the restored platform.
    """
    from django.apps import apps

    apps.get_app_config("cases").ready()  # some evidence tests unregister the "case" source
    restored = _disaster(world, tmp_path, _make_data(world))
    for check in (
        _the_backup_holds_the_vault_and_both_keys,
        _the_keys_are_the_backups_and_a_new_key_is_kept_aside,
        _the_ledger_verifies,
        _every_vault_file_is_back_with_its_bytes,
        _the_rows_are_the_backups,
        _a_package_built_before_the_backup_still_verifies,
        _a_package_built_now_holds_the_same_files_and_verifies,  # writes: after the reads
        _new_rows_get_fresh_ids,
    ):
        check(restored)


@pytest.mark.django_db(transaction=True)
def test_restore_with_force_over_an_installation_that_moved_on(world, tmp_path, own_keys):
    """The backup is the trusted copy; damaged files it recorded are reported, never trusted."""
    from django.apps import apps

    apps.get_app_config("cases").ready()
    restored = _forced(world, tmp_path, _make_data(world))
    for check in (
        _the_backup_recorded_the_damaged_files,
        _the_database_is_the_backups,
        _a_file_altered_since_the_backup_is_put_back_and_reported,
        _damaged_files_are_reported_and_never_replace_an_intact_copy,
        _a_package_verifies_and_new_rows_get_fresh_ids,
    ):
        check(restored)
