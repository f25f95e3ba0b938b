"""Zip bombs and hostile workbooks are refused before openpyxl inflates anything."""

from __future__ import annotations

import io
import os
import zipfile

import pytest
from django.utils import translation
from openpyxl import Workbook

from qinglang.core.archives import check_zip_container
from qinglang.core.exceptions import DomainError


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _workbook() -> bytes:
    book = Workbook()
    book.active.append(["网站名称", "域名"])
    book.active.append(["测试站", "xlsx-site.com.cn"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _zip(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def _lying_sizes(data: bytes) -> bytes:
    """Rewrite a one-member ZIP so that its headers declare a tiny uncompressed size."""
    raw = bytearray(data)
    local = raw.find(b"PK\x03\x04")
    central = raw.find(b"PK\x01\x02")
    raw[local + 22 : local + 26] = (10).to_bytes(4, "little")
    raw[central + 24 : central + 28] = (10).to_bytes(4, "little")
    return bytes(raw)


def test_a_real_workbook_passes():
    check_zip_container(_workbook())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (_zip({"xl/sharedStrings.xml": b"\0" * (50 * 1024 * 1024)}), "zip bomb"),
        (_zip({f"xl/part{i}.xml": b"<a/>" for i in range(2_100)}), "more than 2000 parts"),
        (_zip({"xl/embeddings/inner.xml": _zip({"a": b"x"})}), "Archives inside"),
        (_lying_sizes(_zip({"xl/sheet.xml": b"A" * (20 * 1024 * 1024)})), "XLSX"),
        (b"PK\x03\x04 not a zip at all", "not a readable XLSX"),
    ],
    ids=["ratio", "members", "nested", "lying-header", "garbage"],
)
def test_hostile_containers_are_refused(content, message):
    with pytest.raises(DomainError) as exc:
        check_zip_container(content)
    assert message in " ".join(exc.value.messages)


def test_the_total_is_counted_across_members():
    parts = {f"xl/p{i}.xml": os.urandom(1024 * 1024) for i in range(4)}  # 4 x 1 MB, ratio ~1
    with pytest.raises(DomainError, match="zip bomb"):
        check_zip_container(_zip(parts), max_total_bytes=3 * 1024 * 1024)
    check_zip_container(_zip(parts), max_total_bytes=5 * 1024 * 1024)


@pytest.mark.django_db
def test_registry_import_refuses_a_bomb_and_stores_nothing(world):
    from qinglang.registry.models import Website
    from qinglang.registry.services.transfer import import_websites

    bomb = _zip({"xl/worksheets/sheet1.xml": b" " * (60 * 1024 * 1024)})
    report = import_websites("sites.xlsx", bomb, dry_run=False, acting_user=world.beijing_user)
    assert not report.ok and "zip bomb" in " ".join(report.file_errors)
    assert Website.objects.count() == 0


@pytest.mark.django_db
def test_deletion_ledger_import_refuses_a_bomb_and_stores_nothing(world):
    from qinglang.compliance.models import DeletionRequest
    from qinglang.compliance.services import import_deletion_requests
    from tests.compliance.factories import website_of

    bomb = _zip({"xl/worksheets/sheet1.xml": b" " * (60 * 1024 * 1024)})
    report = import_deletion_requests(
        website_of(world), "ledger.xlsx", bomb, dry_run=False, acting_user=world.website_user
    )
    assert not report.ok and "zip bomb" in " ".join(report.file_errors)
    assert DeletionRequest.objects.count() == 0


def test_the_verifier_refuses_compressed_members_without_inflating():
    from qinglang.evidence.verify import verify_package

    result = verify_package(_zip({"manifest.json": b"{" + b" " * (10 * 1024 * 1024) + b"}"}))
    assert any("compressed" in f for f in result.failures)
