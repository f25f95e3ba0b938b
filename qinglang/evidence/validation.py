"""Decide from the bytes, never from the name or the browser's claim, what an upload is.

Accepted: JPEG, PNG, GIF and WebP images, PDF without active content, plain text, common audio
and video. Refused with a clear message: executables, scripts, HTML, SVG, archives, polyglots
(one file that is valid as two formats), images too large to decode safely, oversize and empty
files. Names are neutralised: no directories, no control characters, the extension matches the
content.
"""

from __future__ import annotations

import io
import re
import unicodedata
from typing import IO, Any

import filetype
from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from qinglang.core.exceptions import DomainError

IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}
MEDIA_TYPES = {
    **IMAGE_TYPES,
    "application/pdf": "pdf",
    "text/plain": "txt",
    "audio/mpeg": "mp3",
    "audio/x-wav": "wav",
    "audio/ogg": "ogg",
    "audio/mp4": "m4a",
    "audio/amr": "amr",
    "audio/aac": "aac",
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "video/webm": "webm",
    "video/x-matroska": "mkv",
}
# Types the vault itself writes (captures); never accepted from an upload.
CAPTURE_TYPES = {"application/warc": "warc", "text/plain": "txt", "image/png": "png"}
ARCHIVE_TYPES = {
    "application/zip",
    "application/x-tar",
    "application/x-rar-compressed",
    "application/gzip",
    "application/x-bzip2",
    "application/x-7z-compressed",
    "application/x-xz",
    "application/x-compress",
    "application/x-lzip",
    "application/zstd",
    "application/x-lzma",
    "application/vnd.ms-cab-compressed",
    "application/x-unix-archive",
    "application/x-ar",
    "application/x-rpm",
    "application/x-deb",
    "application/epub+zip",
}
MAX_IMAGE_PIXELS = 40_000_000
HEAD = 64 * 1024

EXECUTABLE_MAGIC = (
    (b"MZ", "Windows executable"),
    (b"\x7fELF", "ELF executable"),
    (b"\xfe\xed\xfa\xce", "Mach-O executable"),
    (b"\xfe\xed\xfa\xcf", "Mach-O executable"),
    (b"\xce\xfa\xed\xfe", "Mach-O executable"),
    (b"\xcf\xfa\xed\xfe", "Mach-O executable"),
    (b"\xca\xfe\xba\xbe", "Mach-O or Java class"),
    (b"#!", "script"),
    (b"\x00asm", "WebAssembly module"),
    (b"dex\n", "Android executable"),
)
# Markup and script that a browser, an interpreter or a PDF reader would run.
ACTIVE_MARKERS = re.compile(
    rb"<\s*(script|html|svg|iframe|object|embed|body|!doctype\s+html|\?php)"
    rb"|javascript:|vbscript:|\bonload\s*=|\bonerror\s*=",
    re.IGNORECASE,
)
# Plain text is also refused for markup that is only dangerous in text form.
TEXT_MARKERS = re.compile(rb"<\s*(\?xml|meta|form|a\s|img\s|link\s|style)|<%", re.IGNORECASE)
PDF_ACTIVE = re.compile(
    rb"/(JavaScript|JS|Launch|EmbeddedFile|RichMedia|XFA|SubmitForm|ImportData)\b"
)
# Signatures of a second format hidden inside a file. Long enough (or checked against a second
# structure) that a 20 MB photo does not contain one by chance.
EMBEDDED_SIGNATURES = (
    (re.compile(rb"PK\x03\x04[\x0a-\x3f]\x00"), "ZIP archive"),
    (re.compile(rb"Rar!\x1a\x07"), "RAR archive"),
    (re.compile(rb"7z\xbc\xaf\x27\x1c"), "7-Zip archive"),
    (re.compile(rb"%PDF-\d\.\d"), "PDF document"),
    (re.compile(rb"\x7fELF[\x01\x02][\x01\x02]\x01"), "ELF executable"),
    (re.compile(rb"This program cannot be run in DOS mode"), "Windows executable"),
)
ZIP_END = b"PK\x05\x06"
# In binary content, markup counts only as a whole tag (name followed by a space or ">").
BINARY_MARKERS = re.compile(
    rb"<\s*(script|html|svg|iframe|object|embed|body)[\s>/]|<!doctype\s+html|<\?php\s"
    rb"|javascript:|vbscript:|\bonload\s*=|\bonerror\s*=",
    re.IGNORECASE,
)
DANGEROUS_EXTENSIONS = {
    "exe",
    "dll",
    "com",
    "bat",
    "cmd",
    "scr",
    "pif",
    "msi",
    "msp",
    "cpl",
    "vbs",
    "vbe",
    "js",
    "jse",
    "wsf",
    "wsh",
    "ps1",
    "psm1",
    "sh",
    "bash",
    "zsh",
    "csh",
    "py",
    "pl",
    "rb",
    "php",
    "jar",
    "apk",
    "app",
    "dmg",
    "lnk",
    "hta",
    "html",
    "htm",
    "xhtml",
    "svg",
    "svgz",
    "xml",
    "swf",
    "reg",
    "inf",
    "elf",
    "bin",
    "run",
    "deb",
    "rpm",
    "iso",
    "img",
    "vhd",
    "docm",
    "xlsm",
    "pptm",
}


def _refuse(message: str) -> DomainError:
    return DomainError({"file": [message]})


def safe_name(name: str | None, media_type: str | None = None) -> str:
    """Return the name without directories or control characters, ending in the right extension."""
    raw = (name or "").replace("\\", "/").split("/")[-1]
    raw = unicodedata.normalize("NFC", raw)
    cleaned = "".join(ch for ch in raw if unicodedata.category(ch)[0] != "C")
    cleaned = cleaned.strip().lstrip(".").strip()
    cleaned = re.sub(r"[<>:\"|?*]", "_", cleaned) or "file"
    if media_type and media_type in {**MEDIA_TYPES, **CAPTURE_TYPES}:
        ext = {**CAPTURE_TYPES, **MEDIA_TYPES}[media_type]
        stem, dot, old = cleaned.rpartition(".")
        base = stem if dot else cleaned
        aliases = {
            "jpg": {"jpg", "jpeg", "jpe"},
            "txt": {"txt", "text", "log"},
            "mov": {"mov", "qt"},
            "mp4": {"mp4", "m4v"},
        }
        if not dot or old.lower() not in aliases.get(ext, {ext}):
            cleaned = f"{base if not dot or old.lower() in DANGEROUS_EXTENSIONS else cleaned}.{ext}"
    if len(cleaned) > 200:
        stem, dot, ext = cleaned.rpartition(".")
        cleaned = f"{stem[:190]}.{ext}" if dot else cleaned[:200]
    return cleaned


def _check_name(name: str) -> None:
    raw = name.replace("\\", "/")
    if "\x00" in raw:
        raise _refuse(_("The file name contains a NUL character."))
    parts = raw.lower().split("/")[-1].split(".")
    if len(parts) > 1 and any(p in DANGEROUS_EXTENSIONS for p in parts[1:]):
        raise _refuse(
            _("Files named like programs or web pages (%(name)s) are not accepted.")
            % {"name": safe_name(name)}
        )


# AMR recordings (the format of many phones' call recorders) begin with "#!AMR": a magic number,
# not an interpreter line. Only the exact AMR-NB and AMR-WB magics at the very start qualify.
AMR_MAGICS = (b"#!AMR\n", b"#!AMR-WB\n")


# Speech bytes after each frame header, by frame type (RFC 4867 section 5); None: reserved.
_AMR_NB_SIZES = (12, 13, 15, 17, 19, 20, 26, 31, 5, 6, 5, 5, None, None, None, 0)
_AMR_WB_SIZES = (17, 23, 32, 36, 40, 46, 50, 58, 60, 5, None, None, None, None, 0, 0)


def _check_amr(data: bytes) -> None:
    """Refuse an "AMR" file whose body is not a run of AMR frames (a script behind the magic)."""
    wide = data.startswith(b"#!AMR-WB\n")
    sizes = _AMR_WB_SIZES if wide else _AMR_NB_SIZES
    start = at = len(AMR_MAGICS[1] if wide else AMR_MAGICS[0])
    while at < len(data):
        header = data[at]
        size = sizes[(header >> 3) & 0x0F]
        if header & 0x83 or size is None:
            raise _refuse(_("The AMR recording is damaged or not what its header says."))
        at += 1 + size
    if at == start:
        raise _refuse(_("The AMR recording has no sound in it."))


def _check_executable(head: bytes) -> None:
    if head.startswith(AMR_MAGICS):
        return
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    for magic, label in EXECUTABLE_MAGIC:
        if stripped.startswith(magic):
            raise _refuse(
                _("Programs and scripts are not accepted (%(kind)s detected).") % {"kind": label}
            )


def _check_image(data: bytes, media_type: str) -> None:
    try:
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size
            if width * height > MAX_IMAGE_PIXELS:
                raise _refuse(
                    _("The image is too large to process safely (%(w)s×%(h)s pixels).")
                    % {"w": width, "h": height}
                )
            img.verify()
        with Image.open(io.BytesIO(data)) as img:
            img.load()
    except Image.DecompressionBombError as exc:
        raise _refuse(_("The image is too large to process safely.")) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise _refuse(_("The image is damaged or not what its header says.")) from exc
    _check_polyglot(data, skip_prefix=0, kind=media_type)


def _check_polyglot(data: bytes, *, skip_prefix: int, kind: str) -> None:
    for pattern, label in EMBEDDED_SIGNATURES:
        if label == "PDF document" and kind == "application/pdf":
            continue
        if label == "ZIP archive" and ZIP_END not in data:
            continue
        match = pattern.search(data, max(1, skip_prefix))
        if match is not None:
            raise _refuse(
                _(
                    "The file hides a second format inside it (%(kind)s); "
                    "polyglot files are not accepted."
                )
                % {"kind": label}
            )
    if BINARY_MARKERS.search(data):
        raise _refuse(_("The file contains web page or script code; it is not accepted."))


# Keys (and action types under /S) that make a PDF reader run something or carry a file.
PDF_ACTIVE_NAMES = frozenset(
    {
        "/JavaScript", "/JS", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia",
        "/XFA", "/SubmitForm", "/ImportData", "/AA", "/GoToE",
    }
)  # fmt: skip
PDF_MAX_OBJECTS = 200_000


def _pdf_structure_is_active(data: bytes) -> bool:
    """Walk every object with a real PDF parser: escaped names and object streams included.

    A byte scan misses `/J#61vaScript` (a name with a hex escape) and anything inside a
    compressed object stream; pypdf decodes both. Loaded on first use, not at start-up.
    """
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        return True  # its objects cannot be checked
    numbers = [(num, gen) for gen, objs in reader.xref.items() for num in objs]
    numbers += [(num, 0) for num in reader.xref_objStm]
    stack: list[Any] = [reader.trailer, *(IndirectObject(n, g, reader) for n, g in numbers)]
    seen: set[tuple[int, int]] = set()
    budget = PDF_MAX_OBJECTS
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            if (obj.idnum, obj.generation) in seen:
                continue
            seen.add((obj.idnum, obj.generation))
            obj = obj.get_object()
        budget -= 1
        if budget < 0:
            return True  # too many objects to check: refuse rather than guess
        if isinstance(obj, DictionaryObject):
            for key, value in obj.items():
                if key in PDF_ACTIVE_NAMES or (key == "/S" and value in PDF_ACTIVE_NAMES):
                    return True
                stack.append(value)
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return False


def _check_pdf(data: bytes) -> None:
    active = _("PDF files with scripts, actions or embedded files are not accepted.")
    if PDF_ACTIVE.search(data):
        raise _refuse(active)
    try:
        structure_active = _pdf_structure_is_active(data)
    except Exception:  # noqa: BLE001 - any parser failure: the file cannot be vouched for
        raise _refuse(
            _("The PDF could not be read. Save or print it again as a standard PDF and retry.")
        ) from None
    if structure_active:
        raise _refuse(active)
    _check_polyglot(data, skip_prefix=1, kind="application/pdf")
    if b"%%EOF" not in data[-2048:]:
        raise _refuse(_("The PDF is truncated or has data appended after its end."))


def _check_text(data: bytes) -> None:
    if b"\x00" in data:
        raise _refuse(
            _(
                "The file type is not recognised. Accepted: images, PDF, plain text, "
                "audio and video."
            )
        )
    for encoding in ("utf-8", "gb18030"):
        try:
            data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _refuse(
            _(
                "The file type is not recognised. Accepted: images, PDF, plain text, "
                "audio and video."
            )
        )
    if ACTIVE_MARKERS.search(data) or TEXT_MARKERS.search(data):
        raise _refuse(
            _(
                "HTML, SVG and script files are not accepted; upload a screenshot or "
                "a PDF of the page instead."
            )
        )


def read_all(f: IO[bytes], limit: int) -> bytes:
    """Return the file's bytes (at most limit + 1, to tell oversize), rewound afterwards."""
    f.seek(0)
    data = f.read(limit + 1)
    f.seek(0)
    return data


def detect_media_type(data: bytes) -> str:
    """Return the accepted media type of these bytes, or raise DomainError saying why not."""
    head = data[:HEAD]
    _check_executable(head)
    kind = filetype.guess(head)
    mime = kind.mime if kind else None
    if mime in ARCHIVE_TYPES or (mime and ("zip" in mime or "compressed" in mime)):
        raise _refuse(
            _(
                "Archives (ZIP, RAR, 7z, gzip…) are not accepted; upload the files "
                "themselves, one by one."
            )
        )
    if mime in IMAGE_TYPES:
        _check_image(data, mime)
        return mime
    if mime == "application/pdf" or head.startswith(b"%PDF-"):
        _check_pdf(data)
        return "application/pdf"
    if mime == "audio/x-m4a":
        mime = "audio/mp4"
    if mime in MEDIA_TYPES:
        if mime == "audio/amr":
            _check_amr(data)
        _check_polyglot(data[:HEAD], skip_prefix=1, kind=mime)
        return mime
    if mime is not None:
        raise _refuse(
            _(
                "Files of type %(type)s are not accepted. Accepted: images, PDF, plain "
                "text, audio and video."
            )
            % {"type": mime}
        )
    _check_text(data)
    return "text/plain"


def validate_bytes(name: str | None, data: bytes, *, declared_size: int | None = None) -> str:
    """Return the media type of an upload given its name and bytes; raise DomainError if refused."""
    limit = settings.QINGLANG_EVIDENCE_MAX_FILE_BYTES
    size = declared_size if declared_size is not None else len(data)
    if size == 0 or not data:
        raise _refuse(_("The file is empty."))
    if size > limit or len(data) > limit:
        raise _refuse(
            _("The file is too large (at most %(mb)s MB).") % {"mb": limit // (1024 * 1024)}
        )
    _check_name(name or "")
    return detect_media_type(data)
