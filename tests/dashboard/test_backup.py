"""Backup and restore: the ledger still verifies and evidence packages still verify afterwards."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from qinglang.cases.models import Case
from qinglang.core import ledger
from qinglang.core.models import LedgerEvent, User
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
