"""Vault services: content addressing, previews, attachments, access, no orphans."""

from __future__ import annotations

import io

import pytest
from django.db import transaction
from PIL import Image

from qinglang.core.exceptions import DomainError
from qinglang.core.models import LedgerEvent
from qinglang.evidence import access, services, vault
from qinglang.evidence.models import EvidenceAttachment, EvidenceBlob, EvidenceItem
from qinglang.evidence.selectors import custody_events, get_item_for, items_for
from tests.evidence.factories import (
    FAKE_SUBJECT,
    allow_subject,
    finish_pdf,
    jpeg_with_gps,
    pdf_bytes,
    png_bytes,
    upload,
)


def vault_files() -> list[str]:
    try:
        return sorted(vault._walk(vault.storage()))
    except FileNotFoundError:
        return []


@pytest.fixture(autouse=True)
def _clean_resolvers():
    yield
    access.unregister_subject_resolver(FAKE_SUBJECT)


def test_store_upload_is_content_addressed_and_logged(world):
    data = png_bytes()
    item = services.store_upload(upload("照片.png", data), added_by=world.beijing_user)
    again = services.store_upload(upload("copy.png", data), added_by=world.beijing_user)
    assert item.blob_id == again.blob_id
    assert EvidenceBlob.objects.filter(sha256=item.blob.sha256).count() == 1
    assert vault.read_blob(item.blob.storage_name) == data
    assert item.media_type == "image/png"
    assert item.original_name == "照片.png"
    event = custody_events(item).get()
    assert event.action == "evidence.added"
    assert event.data["sha256"] == item.blob.sha256
    assert event.actor == world.beijing_user


def test_identical_bytes_never_overwritten(world):
    data = png_bytes((1, 2, 3))
    item = services.store_upload(upload("a.png", data), added_by=None, added_by_label="匿名举报人")
    path = vault.storage().path(item.blob.storage_name)
    mtime = vault.storage().get_modified_time(item.blob.storage_name)
    services.store_upload(upload("b.png", data), added_by=None)
    assert vault.storage().get_modified_time(item.blob.storage_name) == mtime
    assert open(path, "rb").read() == data  # noqa: SIM115
    assert item.added_by_label == "匿名举报人"


def test_refused_upload_writes_nothing(world):
    before = vault_files()
    with pytest.raises(DomainError) as err:
        services.store_upload(upload("evil.jpg", b"MZ\x90\x00" + b"\x00" * 100), added_by=None)
    assert "Programs" in str(err.value) or "程序" in str(err.value)
    assert vault_files() == before
    assert not EvidenceItem.objects.exists()
    assert not LedgerEvent.objects.exists()


def test_rollback_leaves_no_orphan_file(world):
    before = vault_files()
    data = png_bytes((9, 9, 9))
    with pytest.raises(RuntimeError), transaction.atomic():
        services.store_upload(upload("x.png", data), added_by=None)
        assert len(vault_files()) > len(before)  # written before commit
        raise RuntimeError("caller failed after storing")
    removed = vault.discard_unreferenced()
    assert removed
    assert vault_files() == before
    assert not EvidenceBlob.objects.exists()


def test_committed_files_survive_discard(world):
    item = services.store_upload(upload("keep.png", png_bytes((4, 4, 4))), added_by=None)
    vault.discard_unreferenced()
    assert vault.storage().exists(item.blob.storage_name)


def test_sweeper_removes_only_old_unreferenced(world):
    from datetime import timedelta

    item = services.store_upload(upload("keep.png", png_bytes((5, 5, 5))), added_by=None)
    stray = vault.storage_name("f" * 64)
    vault.storage().save(stray, io.BytesIO(b"stray"))
    assert vault.sweep_unreferenced(older_than=timedelta(hours=1)) == []
    assert vault.sweep_unreferenced(older_than=timedelta(seconds=-1)) == [stray]
    assert vault.storage().exists(item.blob.storage_name)


def test_image_preview_strips_gps_original_untouched(world):
    data = jpeg_with_gps()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)
    item = services.store_upload(upload("photo.jpg", data), added_by=None)
    assert vault.read_blob(item.blob.storage_name) == data
    preview = vault.read_blob(item.preview_blob.storage_name)
    img = Image.open(io.BytesIO(preview))
    assert not img.getexif()
    assert b"PhoneMaker" not in preview
    assert "exif" not in img.info


def test_pdf_is_accepted(world):
    item = services.store_upload(upload("notice.pdf", pdf_bytes()), added_by=None)
    assert item.media_type == "application/pdf"
    assert item.preview_blob is None


def test_attach_items_for_and_access(world):
    item = services.store_upload(upload("a.png", png_bytes()), added_by=None)
    services.attach(item, subject=(FAKE_SUBJECT, 7), acting_user=world.beijing_user)
    services.attach(item, subject=(FAKE_SUBJECT, 7), acting_user=world.beijing_user)
    assert EvidenceAttachment.objects.count() == 1
    assert list(items_for((FAKE_SUBJECT, "7"))) == [item]
    assert list(items_for((FAKE_SUBJECT, 8))) == []
    actions = [e.action for e in custody_events(item)]
    assert actions == ["evidence.added", "evidence.attached"]
    # No resolver registered: nobody sees it.
    with _raises_404():
        get_item_for(world.beijing_user, item.pk)
    allow_subject({world.beijing_user.pk})
    assert get_item_for(world.beijing_user, item.pk) == item
    with _raises_404():
        get_item_for(world.guangdong_user, item.pk)


def test_attach_refuses_unnamed_subject(world):
    item = services.store_upload(upload("a.png", png_bytes()), added_by=None)
    with pytest.raises(DomainError):
        services.attach(item, subject=("", 1), acting_user=None)
    assert not EvidenceAttachment.objects.exists()


def test_validate_batch_limits(world, settings):
    settings.QINGLANG_EVIDENCE_MAX_FILES = 2
    files = [upload(f"{i}.png", png_bytes((i, 0, 0))) for i in range(3)]
    with pytest.raises(DomainError, match=r"Too many|过多|太多"):
        services.validate_upload_batch(files)
    services.validate_upload_batch(files[:2])
    with pytest.raises(DomainError, match=r"evil\.exe"):
        services.validate_upload_batch([files[0], upload("evil.exe", b"MZ" + b"\0" * 10)])


def _raises_404():
    from django.http import Http404

    return pytest.raises(Http404)


def test_pdf_preview_rendered_in_worker(world, django_capture_on_commit_callbacks, monkeypatch):
    from qinglang.evidence import tasks

    queued = []
    monkeypatch.setattr(tasks.make_preview, "delay", lambda **kw: queued.append(kw))
    pdf = finish_pdf(
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        item = services.store_upload(upload("notice.pdf", pdf), added_by=None)
    assert queued == [{"item_id": item.pk}]
    assert tasks.make_preview(item_id=item.pk) is True
    item.refresh_from_db()
    preview = Image.open(io.BytesIO(vault.read_blob(item.preview_blob.storage_name)))
    assert preview.format == "PNG"
    assert preview.size[0] > preview.size[1]
    assert vault.read_blob(item.blob.storage_name) == pdf


def test_clean_pdf_with_an_object_stream_is_accepted(world):
    from tests.evidence.factories import pdf_with_object_stream

    data = pdf_with_object_stream(b"<< /S /GoTo /D [0 /Fit] >>")
    item = services.store_upload(upload("report.pdf", data), added_by=None)
    assert item.blob.media_type == "application/pdf"
