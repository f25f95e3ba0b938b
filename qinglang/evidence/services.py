"""State changes of the vault: accept uploads, store bytes, attach, log views, request captures."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from qinglang.core import ledger
from qinglang.core.aftercommit import enqueue_after_commit
from qinglang.core.exceptions import DomainError, NotFoundInScopeError, NotPermitted
from qinglang.core.models import User
from qinglang.evidence import vault
from qinglang.evidence.access import can_view_item
from qinglang.evidence.avstrip import AV_TYPES
from qinglang.evidence.models import (
    CaptureStatus,
    EvidenceAttachment,
    EvidenceBlob,
    EvidenceItem,
    EvidenceKind,
    WebCapture,
)
from qinglang.evidence.validation import IMAGE_TYPES, read_all, safe_name, validate_bytes

PREVIEW_MAX_SIDE = 1600
# A PDF preview still missing this long after upload is given up (the PDF may not render).
PREVIEW_REQUEUE_WINDOW = timedelta(days=2)


def _read_upload(f: UploadedFile) -> bytes:
    return read_all(f, settings.QINGLANG_EVIDENCE_MAX_FILE_BYTES)


def validate_upload(f: UploadedFile) -> str:
    """Return the media type detected from the content; raise DomainError if refused."""
    size = getattr(f, "size", None)
    if size is not None and size > settings.QINGLANG_EVIDENCE_MAX_FILE_BYTES:
        return validate_bytes(f.name, b"x", declared_size=size)
    return validate_bytes(f.name, _read_upload(f), declared_size=size)


def validate_upload_batch(files: list[UploadedFile]) -> None:
    """Validate every file and the batch: count and total size; raise DomainError if refused."""
    max_files = settings.QINGLANG_EVIDENCE_MAX_FILES
    if len(files) > max_files:
        raise DomainError({"file": [_("Too many files (at most %(n)s).") % {"n": max_files}]})
    total = sum(getattr(f, "size", 0) or 0 for f in files)
    max_total = settings.QINGLANG_EVIDENCE_MAX_FILE_BYTES * 2
    if total > max_total:
        raise DomainError(
            {
                "file": [
                    _("The files are too large together (at most %(mb)s MB).")
                    % {"mb": max_total // (1024 * 1024)}
                ]
            }
        )
    for f in files:
        try:
            validate_upload(f)
        except DomainError as exc:
            messages = [str(m) for m in exc.messages]
            raise DomainError({"file": [f"{safe_name(f.name)}: {m}" for m in messages]}) from exc


def _store_blob(data: bytes | io.BytesIO | Any, media_type: str) -> EvidenceBlob:
    sha256, size, name = vault.put(data)
    blob = EvidenceBlob.objects.filter(sha256=sha256).first()
    if blob is None:
        try:
            with transaction.atomic():
                blob = EvidenceBlob.objects.create(
                    sha256=sha256, size=size, media_type=media_type, storage_name=name
                )
        except IntegrityError:
            blob = EvidenceBlob.objects.get(sha256=sha256)
    return blob


def make_preview(data: bytes, media_type: str) -> bytes | None:
    """Return a re-encoded copy of an image with all metadata (EXIF, GPS, XMP) dropped."""
    if media_type not in IMAGE_TYPES:
        return None
    with Image.open(io.BytesIO(data)) as img:
        img.seek(0)
        oriented = ImageOps.exif_transpose(img)
        oriented.thumbnail((PREVIEW_MAX_SIDE, PREVIEW_MAX_SIDE))
        if media_type == "image/jpeg":
            clean = Image.new("RGB", oriented.size)
            clean.paste(oriented.convert("RGB"))
            fmt = "JPEG"
        else:
            mode = "RGBA" if oriented.mode in {"RGBA", "LA", "P", "PA"} else "RGB"
            clean = Image.new(mode, oriented.size)
            clean.paste(oriented.convert(mode))
            fmt = "PNG"
        out = io.BytesIO()
        clean.save(out, format=fmt, quality=85, optimize=True)
    return out.getvalue()


def make_pdf_preview(data: bytes) -> bytes | None:
    """Return the first page of a PDF rendered to PNG (a derived copy; no metadata)."""
    import pypdfium2

    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError:
        return None
    try:
        if len(pdf) == 0:
            return None
        page = pdf[0]
        width, height = page.get_size()
        scale = min(2.0, PREVIEW_MAX_SIDE / max(width, height, 1))
        image = page.render(scale=scale).to_pil()
        clean = Image.new("RGB", image.size)
        clean.paste(image.convert("RGB"))
        out = io.BytesIO()
        clean.save(out, format="PNG", optimize=True)
        return out.getvalue()
    finally:
        pdf.close()


def attach_pdf_preview(item: EvidenceItem) -> EvidenceItem:
    """Render and store a PDF item's preview (run in a worker: parsing is the risky part)."""
    if item.media_type != "application/pdf" or item.preview_blob_id:
        return item
    preview = make_pdf_preview(vault.read_blob(item.blob.storage_name))
    if preview is None:
        return item
    with transaction.atomic():
        blob = _store_blob(preview, "image/png")
        EvidenceItem.objects.filter(pk=item.pk, preview_blob__isnull=True).update(preview_blob=blob)
    item.refresh_from_db()
    return item


def _create_item(
    data: bytes,
    *,
    media_type: str,
    name: str,
    kind: str,
    added_by: User | None,
    added_by_label: str,
    source_url: str = "",
    note: str = "",
) -> EvidenceItem:
    blob = _store_blob(data, media_type)
    preview = None
    if media_type in IMAGE_TYPES:
        preview_bytes = make_preview(data, media_type)
        if preview_bytes:
            preview_type = "image/jpeg" if media_type == "image/jpeg" else "image/png"
            preview = _store_blob(preview_bytes, preview_type)
    if added_by is not None and not added_by.is_authenticated:
        added_by = None
    label = added_by_label or (added_by.get_username() if added_by else "system")
    item = EvidenceItem.objects.create(
        blob=blob,
        kind=kind,
        original_name=safe_name(name, media_type),
        media_type=media_type,
        size=blob.size,
        added_by=added_by,
        added_by_label=label[:150],
        source_url=source_url,
        note=note[:500],
        preview_blob=preview,
    )
    if media_type == "application/pdf" or media_type in AV_TYPES:
        from qinglang.evidence import tasks

        enqueue_after_commit(tasks.make_preview, item_id=item.pk)
    ledger.append(
        item,
        action="evidence.added",
        actor=added_by,
        actor_label=label[:150],
        data={
            "sha256": blob.sha256,
            "size": blob.size,
            "media_type": media_type,
            "original_name": item.original_name,
            "kind": kind,
            "source_url": source_url,
        },
    )
    return item


def store_upload(
    f: UploadedFile,
    *,
    added_by: User | None,
    added_by_label: str = "",
    kind: str = EvidenceKind.UPLOAD,
) -> EvidenceItem:
    """Validate and store an upload as received; call inside the caller's transaction."""
    size = getattr(f, "size", None)
    data = _read_upload(f)
    media_type = validate_bytes(f.name, data, declared_size=size)
    with transaction.atomic():
        return _create_item(
            data,
            media_type=media_type,
            name=f.name or "",
            kind=kind,
            added_by=added_by,
            added_by_label=added_by_label,
        )


def store_bytes(
    data: bytes,
    *,
    name: str,
    media_type: str,
    kind: str,
    added_by: User | None = None,
    added_by_label: str = "",
    source_url: str = "",
    note: str = "",
) -> EvidenceItem:
    """Store bytes the platform produced itself (captures): no upload checks, same provenance."""
    if not data:
        raise DomainError(_("Nothing to store."))
    with transaction.atomic():
        return _create_item(
            data,
            media_type=media_type,
            name=name,
            kind=kind,
            added_by=added_by,
            added_by_label=added_by_label,
            source_url=source_url,
            note=note,
        )


def attach(
    item: EvidenceItem,
    *,
    subject: tuple[str, Any],
    acting_user: User | None,
) -> EvidenceAttachment:
    """Link an item to what it is evidence for; idempotent, recorded in the ledger once."""
    subject_type, subject_id = subject[0], str(subject[1])
    if not subject_type or "." not in subject_type or not subject_id:
        raise DomainError(_("Evidence can only be attached to a named object."))
    user = acting_user if acting_user is not None and acting_user.is_authenticated else None
    with transaction.atomic():
        link, created = EvidenceAttachment.objects.get_or_create(
            item=item,
            subject_type=subject_type,
            subject_id=subject_id,
            defaults={"attached_by": user},
        )
        if created:
            action = (
                "evidence.transferred" if subject_type == "cases.transfer" else "evidence.attached"
            )
            ledger.append(
                item,
                action=action,
                actor=user,
                data={"subject": f"{subject_type}:{subject_id}", "sha256": item.blob.sha256},
            )
    return link


def record_view(
    item: EvidenceItem, *, acting_user: User, served: EvidenceBlob | None = None
) -> None:
    """Record in the ledger that `acting_user` downloaded an item (permission checked here).

    `served` is the file actually sent when it is not the original (a derivative).
    """
    if not can_view_item(acting_user, item):
        raise NotPermitted(_("You may not see this evidence."))
    data = {"sha256": item.blob.sha256}
    if served is not None and served.pk != item.blob_id:
        data["served_sha256"] = served.sha256
    with transaction.atomic():
        ledger.append(item, action="evidence.viewed", actor=acting_user, data=data)


def record_export(
    items: list[EvidenceItem],
    *,
    acting_user: User | None,
    package: str,
    manifest_sha256: str,
) -> None:
    """Record in the ledger that items left the platform in an evidence package."""
    with transaction.atomic():
        for item in items:
            ledger.append(
                item,
                action="evidence.exported",
                actor=acting_user,
                actor_label="" if acting_user else "system",
                data={
                    "package": package,
                    "manifest_sha256": manifest_sha256,
                    "sha256": item.blob.sha256,
                },
            )


def request_capture(
    url: str,
    *,
    subject: tuple[str, Any],
    requested_by: User | None,
) -> WebCapture:
    """Record a capture request now; a worker fetches the page after commit."""
    from qinglang.evidence.tasks import capture_page

    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname or len(url) > 2000:
        raise DomainError({"url": [_("Only http:// and https:// addresses can be captured.")]})
    if parts.username or parts.password:
        raise DomainError({"url": [_("Addresses with a user name or password are not captured.")]})
    user = requested_by if requested_by is not None and requested_by.is_authenticated else None
    with transaction.atomic():
        capture = WebCapture.objects.create(
            url=url, subject_type=subject[0], subject_id=str(subject[1]), requested_by=user
        )
        ledger.append(
            capture,
            action="evidence.capture_requested",
            actor=user,
            data={"url": url, "subject": f"{subject[0]}:{subject[1]}"},
        )
        enqueue_after_commit(capture_page, capture_id=capture.pk)
    return capture


def may_order_captures(user: User | None) -> bool:
    """Return whether `user` belongs to a regulator office or discipline inspection."""
    from qinglang.core.models import OrganizationKind

    if user is None or not user.is_authenticated or not user.organization_id:
        return False
    staff_kinds = {OrganizationKind.REGULATOR_OFFICE, OrganizationKind.DISCIPLINE_INSPECTION}
    return str(user.organization.kind) in {str(kind) for kind in staff_kinds}


def ensure_may_order_captures(user: User | None) -> None:
    """Raise NotPermitted unless `user` may order web captures."""
    if not may_order_captures(user):
        raise NotPermitted(_("Only regulator staff may order web captures."))


def request_capture_as(
    url: str,
    *,
    subject: tuple[str, Any],
    acting_user: User,
) -> WebCapture:
    """Request a capture for a subject the staff member may see (API, staff pages).

    Only regulator and discipline-inspection staff order captures: agencies, websites and
    enterprises answer with files of their own.
    """
    from qinglang.evidence.access import can_view_subject

    ensure_may_order_captures(acting_user)
    if not can_view_subject(acting_user, subject[0], str(subject[1])):
        raise NotFoundInScopeError(subject[0])
    precheck_capture_url(url)
    return request_capture(url, subject=subject, requested_by=acting_user)


def precheck_capture_url(url: str) -> None:
    """Raise DomainError on the url field for an address a capture would surely refuse."""
    from qinglang.evidence.capture import CaptureRefusedError, precheck_url

    try:
        precheck_url((url or "").strip())
    except CaptureRefusedError as exc:
        raise DomainError({"url": [str(exc)]}) from exc


def items_awaiting_preview(*, older_than: timedelta) -> QuerySet[EvidenceItem]:
    """Return PDF items still without a preview, added between `older_than` and two days ago."""
    now = timezone.now()
    return EvidenceItem.objects.filter(
        media_type="application/pdf",
        preview_blob__isnull=True,
        added_at__lte=now - older_than,
        added_at__gte=now - PREVIEW_REQUEUE_WINDOW,
    )


def requeue_pending_previews(*, older_than: timedelta = timedelta(minutes=10)) -> int:
    """Send the preview task again for PDFs whose preview never rendered; return how many.

    An item whose message the embedded broker still holds (queued behind a backlog while the
    worker is down, or retrying) is left alone: its message will come, and a copy every run
    would pile up. With another broker the copy is sent; a second preview run does no harm.
    """
    from qinglang.core.aftercommit import send_now
    from qinglang.core.broker import not_waiting
    from qinglang.evidence import tasks

    ids = items_awaiting_preview(older_than=older_than).values_list("pk", flat=True)
    return sum(
        send_now(tasks.make_preview, item_id=item_id)
        for item_id in not_waiting(ids, tasks.preview_task_id)
    )


def captures_never_started(*, older_than: timedelta) -> QuerySet[WebCapture]:
    """Return captures still waiting for their first attempt although requested long ago."""
    return WebCapture.objects.filter(
        status=CaptureStatus.PENDING,
        attempts=0,
        requested_at__lte=timezone.now() - older_than,
    )


def captures_stuck(*, older_than: timedelta) -> QuerySet[WebCapture]:
    """Return captures no message will move on: never started, retry lost, or abandoned."""
    from qinglang.evidence.capture import CAPTURE_LEASE

    now = timezone.now()
    never_started = Q(attempts=0, requested_at__lte=now - older_than)
    retry_lost = Q(attempts__gt=0, retry_at__lte=now - older_than)
    waiting = Q(status=CaptureStatus.PENDING) & (never_started | retry_lost)
    abandoned = Q(status=CaptureStatus.RUNNING, started_at__lt=now - CAPTURE_LEASE)
    return WebCapture.objects.filter(waiting | abandoned)


def requeue_pending_captures(*, older_than: timedelta = timedelta(minutes=10)) -> int:
    """Send the capture task again for captures no message will move on; return how many.

    A capture whose message the embedded broker still holds (queued behind a backlog, or a
    retry waiting its countdown) is left alone: its message will come. Each message names the
    attempt it is for, so one that overlaps a message still queued anyway (another broker)
    does nothing when it arrives second (the capture claims its row once per attempt).
    """
    from qinglang.core.aftercommit import send_now
    from qinglang.core.broker import not_waiting
    from qinglang.evidence.tasks import capture_page, capture_task_id

    rows = captures_stuck(older_than=older_than).values_list("pk", "status", "attempts")
    return sum(
        send_now(
            capture_page,
            capture_id=pk,
            attempt=attempts if status == CaptureStatus.PENDING else None,
        )
        for pk, status, attempts in not_waiting(rows, lambda row: capture_task_id(row[0]))
    )
