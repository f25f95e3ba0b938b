"""Evidence packages: build, verify offline, detect every altered byte, name the altered item."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile

import pytest
from django.core.management import CommandError, call_command

from qinglang.core.exceptions import NotFoundInScopeError
from qinglang.core.models import LedgerEvent
from qinglang.evidence import package_format as fmt
from qinglang.evidence import packages, services
from qinglang.evidence.verify import main as verify_main
from qinglang.evidence.verify import verify_package
from tests.evidence.factories import pdf_bytes, png_bytes, upload

SUBJECT = ("tests.folder", "42")


@pytest.fixture
def fake_case_source(world):
    """Register a fake "case" source: case "A-42" visible to the Beijing user only."""

    def resolve(identifier, user):
        if identifier != "A-42":
            raise NotFoundInScopeError(identifier)
        if user is not None and user != world.beijing_user:
            raise NotFoundInScopeError(identifier)
        return packages.PackageSource(title="案件 A-42", subjects=[SUBJECT])

    real = packages._sources.get("case")
    packages.register_package_source("case", resolve)
    yield
    packages.unregister_package_source("case")
    if real is not None:  # put the cases app's source back for the tests that follow
        packages.register_package_source("case", real)


@pytest.fixture
def case_items(world, fake_case_source):
    a = services.store_upload(upload("截图.png", png_bytes((1, 2, 3))), added_by=world.beijing_user)
    b = services.store_upload(
        upload("通知.pdf", pdf_bytes()), added_by=None, added_by_label="匿名举报人"
    )
    other = services.store_upload(upload("other.png", png_bytes((7, 7, 7))), added_by=None)
    for item in (a, b):
        services.attach(item, subject=SUBJECT, acting_user=world.beijing_user)
    services.attach(other, subject=("tests.folder", "99"), acting_user=None)
    return [a, b]


def test_package_contents_and_verification(world, case_items):
    built = packages.build_package("case", "A-42", acting_user=world.beijing_user)
    zf = zipfile.ZipFile(io.BytesIO(built.content))
    names = set(zf.namelist())
    assert {fmt.MANIFEST, fmt.SIGNATURE, fmt.PUBLIC_KEY, fmt.CHECKPOINT, fmt.README} <= names
    manifest = json.loads(zf.read(fmt.MANIFEST))
    assert manifest["title"] == "案件 A-42"
    assert [i["id"] for i in manifest["items"]] == [i.pk for i in case_items]
    assert all(str(eid) in manifest["proofs"] for i in manifest["items"] for eid in i["custody"])
    assert zf.read(fmt.item_path(case_items[0].blob.sha256)) == png_bytes((1, 2, 3))
    result = verify_package(built.content)
    assert result.ok, result.failures
    assert result.items_checked == 2
    exported = LedgerEvent.objects.filter(action="evidence.exported")
    assert sorted(int(e.object_id) for e in exported) == sorted(i.pk for i in case_items)
    assert LedgerEvent.objects.filter(action="evidence.package_exported").count() == 1


def test_package_is_deterministic_layout(world, case_items):
    built = packages.build_package("case", "A-42", acting_user=world.beijing_user)
    zf = zipfile.ZipFile(io.BytesIO(built.content))
    members = {n: zf.read(n) for n in zf.namelist()}
    assert fmt.write_zip(members) == built.content


def test_every_byte_change_is_detected(world, case_items):
    built = packages.build_package("case", "A-42", acting_user=world.beijing_user)
    data = built.content
    step = max(1, len(data) // 1500)
    for offset in range(0, len(data), step):
        tampered = bytearray(data)
        tampered[offset] ^= 0x01
        assert not verify_package(bytes(tampered)).ok, f"byte {offset} change not detected"


def test_changed_file_names_the_item(world, case_items):
    built = packages.build_package("case", "A-42", acting_user=world.beijing_user)
    target = case_items[1]
    path = fmt.item_path(target.blob.sha256)
    zf = zipfile.ZipFile(io.BytesIO(built.content))
    members = {n: zf.read(n) for n in zf.namelist()}
    # A forger who rewrites the archive consistently (valid CRCs) is still caught.
    members[path] = members[path].replace(b"/Count 0", b"/Count 1")
    result = verify_package(fmt.write_zip(members))
    assert not result.ok
    assert f"item {target.pk} (通知.pdf" in result.failures[0]
    assert "altered" in result.failures[0]
    # A flipped byte inside the stored file (CRC now wrong) names the same item.
    offset = built.content.index(pdf_bytes()[:20])
    flipped = bytearray(built.content)
    flipped[offset + 3] ^= 0x20
    result = verify_package(bytes(flipped))
    assert f"item {target.pk}" in result.failures[0]


def test_manifest_edit_is_detected(world, case_items):
    built = packages.build_package("case", "A-42", acting_user=world.beijing_user)
    zf = zipfile.ZipFile(io.BytesIO(built.content))
    members = {n: zf.read(n) for n in zf.namelist()}
    manifest = json.loads(members[fmt.MANIFEST])
    manifest["items"][0]["added_by"] = "someone else"
    from qinglang.core.canonical import canonical_json

    members[fmt.MANIFEST] = canonical_json(manifest)
    result = verify_package(fmt.write_zip(members))
    assert any("manifest.json: altered" in f for f in result.failures)


def test_custody_event_edit_names_the_event(world, case_items):
    built = packages.build_package("case", "A-42", acting_user=world.beijing_user)
    zf = zipfile.ZipFile(io.BytesIO(built.content))
    members = {n: zf.read(n) for n in zf.namelist()}
    manifest = json.loads(members[fmt.MANIFEST])
    event = manifest["events"][0]
    event["actor_label"] = "someone else"
    from qinglang.core.canonical import canonical_json

    members[fmt.MANIFEST] = canonical_json(manifest)
    result = verify_package(fmt.write_zip(members))
    assert f"event {event['id']}" in " ".join(result.failures)


def test_unknown_case_and_foreign_user(world, case_items):
    with pytest.raises(NotFoundInScopeError):
        packages.build_package("case", "NOPE", acting_user=None)
    with pytest.raises(NotFoundInScopeError):
        packages.build_package("case", "A-42", acting_user=world.guangdong_user)
    assert not LedgerEvent.objects.filter(action="evidence.exported").exists()


def test_export_command_and_verify_script(world, case_items, tmp_path, capsys):
    out = tmp_path / "pkg.zip"
    call_command("evidence", "export", "A-42", "-o", str(out))
    assert verify_main([str(out)]) == 0
    assert "OK" in capsys.readouterr().out
    data = bytearray(out.read_bytes())
    data[len(data) // 3] ^= 0xFF
    bad = tmp_path / "bad.zip"
    bad.write_bytes(bytes(data))
    assert verify_main([str(bad)]) == 1
    assert "FAIL" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("evidence", "export", "NOPE", "-o", str(tmp_path / "x.zip"))


def test_verify_script_runs_without_django(world, case_items, tmp_path):
    out = tmp_path / "pkg.zip"
    out.write_bytes(packages.build_package("case", "A-42", acting_user=None).content)
    code = (
        "import sys; from qinglang.evidence.verify import main; rc = main([sys.argv[1]]); "
        "assert 'django' not in sys.modules, 'django was imported'; sys.exit(rc)"
    )
    proc = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code, str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "OK" in proc.stdout
