"""Metadata-stripped derivatives: what leaves the platform in place of a sealed original.

A reporter's photo keeps its EXIF (GPS position, camera, artist) in the vault, untouched: the
original is evidence and its SHA-256 is in the ledger. Whoever is outside the handling offices
(website officers, partner agencies, enterprises) gets a derivative instead: the image re-encoded
without EXIF, XMP, ICC profile or text chunks (orientation applied), the PDF without its
document information and XMP. The derivative is stored in the vault like any blob and linked to
the original by the original's SHA-256 (`EvidenceDerivative.original`, a key on that digest).
Audio and video (every type uploads accept) are remuxed by FFmpeg without their tags, location,
chapters, cover pictures and side tracks, and the copy is checked before it may leave
(`qinglang.evidence.avstrip`); one that cannot be proven clean is withheld.

Derivatives are made eagerly for PDFs, audio and video in the preview task (a worker parses or
remuxes them) and lazily on first outside use otherwise (images, and files whose task has not
run), then reused. Regulator staff get the original with a warning listing what it carries
(`metadata_found`).
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, ImageSequence

from qinglang.core import ledger
from qinglang.core.exceptions import StateError
from qinglang.core.models import OrganizationKind
from qinglang.evidence import avstrip, vault
from qinglang.evidence.models import EvidenceBlob, EvidenceDerivative, EvidenceItem
from qinglang.evidence.validation import IMAGE_TYPES

log = logging.getLogger(__name__)
HANDLING_KINDS = frozenset(
    {OrganizationKind.REGULATOR_OFFICE, OrganizationKind.DISCIPLINE_INSPECTION}
)

PDF = "application/pdf"
STRIPPABLE = frozenset({*IMAGE_TYPES, PDF, *avstrip.AV_TYPES})
PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}

# What an original may carry, in words staff read (codes are stored, labels shown).
METADATA_LABELS = {
    "gps": _("GPS position"),
    "camera": _("camera make and model"),
    "artist": _("artist or author"),
    "copyright": _("copyright holder"),
    "datetime": _("date taken"),
    "software": _("software"),
    "serial": _("device serial number"),
    "description": _("description or title"),
    "comment": _("comment"),
    "exif": _("other EXIF data"),
    "xmp": _("XMP metadata"),
    "icc": _("colour profile"),
    "text": _("embedded text chunks"),
    "keywords": _("keywords"),
    "picture": _("embedded picture (cover art)"),
    "chapters": _("chapter titles"),
    "tracks": _("subtitle or data tracks (may hold positions)"),
    "tags": _("other embedded tags"),
}

# EXIF tags (IFD0 and the Exif sub-IFD) by what they reveal.
_EXIF_TAGS = {
    0x010F: "camera",  # Make
    0x0110: "camera",  # Model
    0xA433: "camera",  # LensMake
    0xA434: "camera",  # LensModel
    0x013B: "artist",  # Artist
    0xA430: "artist",  # CameraOwnerName
    0x8298: "copyright",
    0x0132: "datetime",  # DateTime
    0x9003: "datetime",  # DateTimeOriginal
    0x9004: "datetime",  # DateTimeDigitized
    0x0131: "software",
    0xA431: "serial",  # BodySerialNumber
    0xA435: "serial",  # LensSerialNumber
    0x010E: "description",  # ImageDescription
    0x9286: "comment",  # UserComment
}
_GPS_IFD = 0x8825
_EXIF_IFD = 0x8769
# Layout tags every EXIF block has; on their own they reveal nothing about the person.
_HARMLESS_EXIF = {0x0112, 0x011A, 0x011B, 0x0128, 0x0213, 0x8769, 0x8825, 0xA001, 0xA002, 0xA003}
_PDF_INFO = {
    "/Author": "artist",
    "/Creator": "software",
    "/Producer": "software",
    "/Title": "description",
    "/Subject": "description",
    "/Keywords": "keywords",
    "/CreationDate": "datetime",
    "/ModDate": "datetime",
}


def metadata_labels(codes: list[str]) -> list[str]:
    """Return the words for metadata codes, in the order given."""
    return [str(METADATA_LABELS.get(code, code)) for code in codes]


def _ordered(found: set[str]) -> list[str]:
    return [code for code in METADATA_LABELS if code in found]


def _image_metadata(img: Image.Image) -> set[str]:
    found: set[str] = set()
    exif = img.getexif()
    if exif.get_ifd(_GPS_IFD):
        found.add("gps")
    tags = dict(exif)
    tags.update(exif.get_ifd(_EXIF_IFD))
    for tag, value in tags.items():
        if tag in _EXIF_TAGS and value not in (None, "", b""):
            found.add(_EXIF_TAGS[tag])
        elif tag not in _HARMLESS_EXIF:
            found.add("exif")
    info = img.info
    if any(key in info for key in ("xmp", "XML:com.adobe.xmp")):
        found.add("xmp")
    if info.get("icc_profile"):
        found.add("icc")
    if info.get("comment"):
        found.add("comment")
    text = getattr(img, "text", None) if img.format == "PNG" else None
    if text:
        found.add("text")
    return found


def _pdf_metadata(fh: IO[bytes]) -> set[str]:
    from pypdf import PdfReader

    reader = PdfReader(fh)
    if reader.is_encrypted:
        reader.decrypt("")
    info: Any = reader.metadata or {}
    found = {code for key, code in _PDF_INFO.items() if info.get(key)}
    if "/Metadata" in reader.root_object:
        found.add("xmp")
    return found


def _av_metadata(blob: EvidenceBlob) -> set[str]:
    """Return what an audio or video file carries: read in place when the vault is local."""
    made = EvidenceDerivative.objects.filter(original=blob).only("removed").first()
    if made is not None:
        return set(made.removed)
    try:
        local = vault.storage().path(blob.storage_name)
    except NotImplementedError:  # a remote vault: FFprobe reads a private temporary copy
        with vault.open_blob(blob.storage_name) as fh:
            return avstrip.metadata_codes(avstrip.probe_file(fh, blob.media_type))
    return avstrip.metadata_codes(avstrip.probe(Path(local), blob.media_type))


def metadata_found(blob: EvidenceBlob) -> list[str]:
    """Return the codes of identifying metadata a stored file carries (empty if none or unread)."""
    if blob.media_type not in STRIPPABLE:
        return []
    try:
        if blob.media_type in avstrip.AV_TYPES:
            return _ordered(_av_metadata(blob))
        with vault.open_blob(blob.storage_name) as fh:
            if blob.media_type == PDF:
                return _ordered(_pdf_metadata(fh))
            with Image.open(fh) as img:
                return _ordered(_image_metadata(img))
    except Exception:  # a file we cannot parse is reported as carrying metadata
        log.warning("could not read the metadata of blob %s", blob.sha256, exc_info=True)
        if blob.media_type in avstrip.AV_TYPES:
            return ["tags"]
        return ["exif"] if blob.media_type != PDF else ["xmp"]


def _clean_frame(frame: Image.Image, media_type: str) -> Image.Image:
    """Return the frame, orientation applied, as a new image with no info (no ICC, no EXIF)."""
    oriented = ImageOps.exif_transpose(frame) or frame
    if media_type == "image/jpeg":
        mode = "RGB" if oriented.mode not in {"L"} else "L"
    elif oriented.mode in {"RGBA", "LA", "PA"} or (
        oriented.mode == "P" and "transparency" in oriented.info
    ):
        mode = "RGBA"
    else:
        mode = "RGB"
    clean = Image.new(mode, oriented.size)
    clean.paste(oriented.convert(mode))
    return clean


def strip_image(data: bytes, media_type: str) -> bytes:
    """Return the image re-encoded in its own format without any metadata (all frames kept)."""
    fmt = PIL_FORMATS[media_type]
    with Image.open(io.BytesIO(data)) as img:
        frames = [_clean_frame(f, media_type) for f in ImageSequence.Iterator(img)]
        duration = img.info.get("duration")
        loop = img.info.get("loop")
    out = io.BytesIO()
    options: dict[str, Any] = {"format": fmt}
    if fmt in {"JPEG", "WEBP"}:
        options["quality"] = 95
    if len(frames) > 1 and fmt in {"GIF", "WEBP", "PNG"}:
        options.update(save_all=True, append_images=frames[1:])
        if duration is not None:
            options["duration"] = duration
        if loop is not None:
            options["loop"] = loop
    frames[0].save(out, **options)
    return out.getvalue()


def strip_pdf(data: bytes) -> bytes:
    """Return the PDF without document information, XMP streams and its file identifier."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        reader.decrypt("")
    writer = PdfWriter(clone_from=reader)
    writer.metadata = None
    root = writer._root_object
    for key in ("/Metadata", "/PieceInfo"):
        root.pop(NameObject(key), None)
    for page in writer.pages:
        for key in ("/Metadata", "/PieceInfo"):
            page.pop(NameObject(key), None)
    writer.compress_identical_objects()  # drops the orphaned XMP and info objects
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def strip_metadata(data: bytes, media_type: str) -> bytes:
    """Return a copy of the file without identifying metadata; raise ValueError if it cannot."""
    try:
        if media_type == PDF:
            return strip_pdf(data)
        return strip_image(data, media_type)
    except Exception as exc:  # Pillow and pypdf raise many kinds on a damaged file
        raise ValueError(str(exc)) from exc


def _strip_blob(blob: EvidenceBlob) -> tuple[bytes, list[str]]:
    """Return the stripped copy of a stored file and the codes of what was removed.

    Raises ValueError if no copy without metadata can be made.
    """
    if blob.media_type in avstrip.AV_TYPES:
        try:
            with vault.open_blob(blob.storage_name) as fh:
                data, removed = avstrip.strip_file(fh, blob.media_type)
        except avstrip.ToolMissingError:
            log.error(
                "FFmpeg is not installed: audio and video are withheld from outside users "
                "(install Debian's ffmpeg package)"
            )
            raise
        return data, _ordered(set(removed))
    found = metadata_found(blob)
    return strip_metadata(vault.read_blob(blob.storage_name), blob.media_type), found


def _store(data: bytes, media_type: str) -> EvidenceBlob:
    from qinglang.evidence.services import _store_blob

    return _store_blob(data, media_type)


def make_derivative(item: EvidenceItem) -> EvidenceDerivative | None:
    """Return the stripped derivative of an item's file, made and stored once; None if not needed.

    The derivative belongs to the file (the blob), so items sharing a file share it; its making
    is recorded in the custody of the item that first needed it.

    Plain text is served as it is. A file that should be stripped but cannot be (damaged,
    encrypted, an audio or video copy that fails its check, FFmpeg missing) raises StateError:
    it never leaves unstripped.
    """
    blob = item.blob
    if blob.media_type not in STRIPPABLE:
        return None
    existing = EvidenceDerivative.objects.select_related("blob").filter(original=blob).first()
    if existing is not None:
        return existing
    try:
        data, found = _strip_blob(blob)
    except ValueError as exc:
        log.warning("could not strip blob %s: %s", blob.sha256, exc)
        raise StateError(
            _(
                "This file cannot be shared outside the handling office without its metadata. "
                "Ask the office to send a copy."
            )
        ) from exc
    try:
        with transaction.atomic():
            stored = _store(data, blob.media_type)
            derivative = EvidenceDerivative.objects.create(
                original=blob, blob=stored, removed=found
            )
            ledger.append(
                item,
                action="evidence.derived",
                actor=None,
                actor_label="system",
                data={
                    "sha256": blob.sha256,
                    "derivative_sha256": stored.sha256,
                    "removed": found,
                },
            )
    except IntegrityError:
        # Another request made it at the same moment: theirs is as good.
        return EvidenceDerivative.objects.select_related("blob").get(original=blob)
    return derivative


def make_item_derivative(item: EvidenceItem) -> EvidenceDerivative | None:
    """Make the derivative of an item's file ahead of outside use (the preview task)."""
    try:
        return make_derivative(item)
    except StateError:
        return None


def sees_original(user: Any, item: EvidenceItem) -> bool:
    """Return whether `user` gets the original: regulator staff, or the one who added it.

    Everyone else who may see the item (website officers, partner agencies, enterprises) is
    outside the handling offices and gets the derivative.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if item.added_by_id is not None and item.added_by_id == user.pk:
        return True
    org = getattr(user, "organization", None) if getattr(user, "organization_id", None) else None
    return org is not None and org.kind in HANDLING_KINDS


def blob_to_serve(item: EvidenceItem, user: Any) -> tuple[EvidenceBlob, EvidenceDerivative | None]:
    """Return the blob `user` may take away (original or derivative) and the derivative if any."""
    if sees_original(user, item):
        return item.blob, None
    derivative = make_derivative(item)
    return (derivative.blob, derivative) if derivative else (item.blob, None)


def served_name(item: EvidenceItem, derivative: EvidenceDerivative | None) -> str:
    """Return the download name: the original's, or a neutral one for a derivative."""
    if derivative is None:
        return item.original_name
    ext = item.original_name.rsplit(".", 1)[-1] if "." in item.original_name else "bin"
    return f"evidence-{item.pk}.{ext}"


def serve_item(
    item: EvidenceItem, *, acting_user: Any
) -> tuple[EvidenceBlob, EvidenceDerivative | None]:
    """Return what `acting_user` downloads and record the download (permission checked).

    Raises NotPermitted if the user may not see the item, StateError if a file that must be
    stripped cannot be.
    """
    from qinglang.evidence.access import can_view_item
    from qinglang.evidence.services import record_view

    if not can_view_item(acting_user, item):
        from qinglang.core.exceptions import NotPermitted

        raise NotPermitted(_("You may not see this evidence."))
    blob, derivative = blob_to_serve(item, acting_user)
    record_view(item, acting_user=acting_user, served=blob)
    return blob, derivative
