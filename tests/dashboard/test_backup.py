"""Backup and restore: the ledger still verifies and evidence packages still verify afterwards."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from qinglang.cases.models import Case
from qinglang.core import ledger, merkle
from qinglang.core.models import LedgerCheckpoint, LedgerEvent, User
from qinglang.evidence import packages
from qinglang.evidence.verify import verify_package
from qinglang.intake.models import Report
from tests.cases.factories import make_case


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


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("portable", [True, False])
def test_backup_then_restore_keeps_the_ledger_and_packages_verifiable(world, tmp_path, portable):
    from django.apps import apps

    # Some evidence tests unregister the "case" package source on teardown: register it again.
    apps.get_app_config("cases").ready()
    case = _make_data(world)
    events_before = LedgerEvent.objects.count()
    target = tmp_path / "backup"
    call_command("backup", str(target), *(["--portable"] if portable else []))
    manifest = json.loads((target / "manifest.json").read_text())
    assert any(name.startswith("storage/evidence/") for name in manifest["files"])
    assert "keys/ledger-ed25519.pem" in manifest["files"]

    # A database with data is refused and left alone.
    with pytest.raises(CommandError, match="--force"):
        call_command("restore", str(target))
    assert LedgerEvent.objects.count() == events_before

    call_command("restore", str(target), "--force")
    assert LedgerEvent.objects.count() == events_before
    assert Report.objects.count() >= 1
    assert _tallies_match()  # rebuilt by the triggers, never copied on top of them
    assert Case.objects.get(pk=case.pk).number == case.number
    assert User.objects.filter(username=world.beijing_user.username).exists()
    report = ledger.verify_log()
    assert report.ok, report.problems
    built = packages.build_package(
        "case", case.number, acting_user=User.objects.get(pk=world.beijing_user.pk)
    )
    result = verify_package(built.content)
    assert result.ok, result
    # New rows get fresh ids after a restore (sequences follow the restored rows).
    assert make_case(User.objects.get(pk=world.beijing_user.pk), title="恢复后新案件").pk > case.pk


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


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("portable", "keys"),
    [(True, "lost"), (False, "new")],
    ids=["jsonl-keys-lost", "native-new-keys"],
)
def test_restore_after_losing_database_vault_and_keys(world, tmp_path, own_keys, portable, keys):
    """Back up; lose the database, the vault, the media and the keys; restore without --force.

    The keys are either gone, or a new installation made its own (kept aside, never deleted).
    The ledger verifies (the command too), every vault file matches its digest, and a package
    built before the backup still verifies against the restored platform.
    """
    from django.apps import apps
    from django.core.files.storage import storages

    from qinglang.dashboard.backup import database_has_data
    from qinglang.evidence.models import EvidenceBlob
    from qinglang.evidence.vault import read_blob

    apps.get_app_config("cases").ready()
    case = _make_data(world)
    old = packages.build_package("case", case.number, acting_user=world.beijing_user)
    ledger.seal_all()
    events, checkpoints = LedgerEvent.objects.count(), LedgerCheckpoint.objects.count()
    key_bytes = own_keys.QINGLANG_LEDGER_KEY_PATH.read_bytes()
    vault_root = tmp_path / "vault"
    vault_before = _vault_files(vault_root)
    assert vault_before
    target = tmp_path / "backup"
    call_command("backup", str(target), *(["--portable"] if portable else []))
    manifest = json.loads((target / "manifest.json").read_text())
    assert {"keys/ledger-ed25519.pem", "keys/secret_key"} <= set(manifest["files"])

    _wipe_database()
    assert not database_has_data()
    shutil.rmtree(vault_root)
    shutil.rmtree(tmp_path / "media", ignore_errors=True)
    key_path, secret_path = own_keys.QINGLANG_LEDGER_KEY_PATH, own_keys.QINGLANG_HOME / "secret_key"
    if keys == "lost":
        key_path.unlink()
        secret_path.unlink()
    else:
        new_key = _new_ledger_key()
        key_path.write_bytes(new_key)
        secret_path.write_text("a-new-installation-secret")

    out, err = io.StringIO(), io.StringIO()
    call_command("restore", str(target), stdout=out, stderr=err)
    assert "restored" in out.getvalue()
    if keys == "lost":
        assert err.getvalue() == ""
    else:
        aside = sorted(p for p in tmp_path.rglob("*.before-restore-*"))
        assert [p.read_bytes() for p in aside] == [b"a-new-installation-secret", new_key]
        assert all(str(p) in err.getvalue() for p in aside)

    assert LedgerEvent.objects.count() == events
    assert LedgerCheckpoint.objects.count() == checkpoints
    assert own_keys.QINGLANG_LEDGER_KEY_PATH.read_bytes() == key_bytes
    assert (own_keys.QINGLANG_HOME / "secret_key").read_text() == "the-installation-secret"
    verified = io.StringIO()
    call_command("ledger", "verify", stdout=verified)
    assert "Ledger OK" in verified.getvalue()
    assert _vault_files(vault_root) == vault_before
    blobs = list(EvidenceBlob.objects.all())
    assert blobs and storages["evidence"].exists(blobs[0].storage_name)
    for blob in blobs:
        assert hashlib.sha256(read_blob(blob.storage_name)).hexdigest() == blob.sha256
    assert _tallies_match()
    _package_matches_the_ledger(old, old.content)
    # A package built now, on the restored platform, holds the same files and verifies too.
    rebuilt = packages.build_package(
        "case", case.number, acting_user=User.objects.get(pk=world.beijing_user.pk)
    )
    _package_matches_the_ledger(old, rebuilt.content)


@pytest.mark.django_db(transaction=True)
def test_restore_replaces_a_vault_file_altered_since_the_backup(world, tmp_path, own_keys):
    """The backup is the trusted copy: an altered vault file is put back, and reported."""
    from qinglang.evidence.models import EvidenceBlob
    from qinglang.evidence.vault import read_blob

    case = _make_data(world)
    target = tmp_path / "backup"
    call_command("backup", str(target), "--portable")
    blob = EvidenceBlob.objects.get()
    original = read_blob(blob.storage_name)
    altered = tmp_path / "vault" / blob.storage_name
    altered.write_bytes("聊天记录：删帖五百元".encode())  # someone edits the evidence in place
    extra = tmp_path / "vault" / "ff" / "ff" / ("f" * 64)  # and adds one nobody recorded
    extra.parent.mkdir(parents=True)
    extra.write_bytes(b"planted")

    out, err = io.StringIO(), io.StringIO()
    call_command("restore", str(target), "--force", stdout=out, stderr=err)
    assert read_blob(blob.storage_name) == original
    assert f"replaced storage/evidence/{blob.storage_name}" in err.getvalue()
    assert err.getvalue().count("replaced") == 1  # only the altered one
    assert extra.read_bytes() == b"planted"  # not the backup's: left for the vault sweep
    assert Case.objects.get(pk=case.pk).number == case.number
    assert ledger.verify_log().ok


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
