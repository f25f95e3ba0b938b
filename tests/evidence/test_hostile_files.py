"""A corpus of made-up hostile uploads: each is refused with a clear message, or neutralised.

The files are generated here (no binaries in the repository).
"""

from __future__ import annotations

import gzip
import io
import struct
import tarfile
import zipfile
import zlib

import pytest
from PIL import Image

from qinglang.core.exceptions import DomainError
from qinglang.core.models import LedgerEvent
from qinglang.evidence import services, vault
from qinglang.evidence.models import EvidenceBlob, EvidenceItem
from tests.evidence.factories import (
    jpeg_with_gps,
    pdf_bytes,
    pdf_with_object_stream,
    png_bytes,
    upload,
)


def gif_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("P", (4, 4)).save(out, format="GIF")
    return out.getvalue()


def zip_of(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def nested_zip(depth: int) -> bytes:
    data = b"innermost"
    for level in range(depth):
        data = zip_of({f"level{level}.zip": data})
    return data


def tar_of(name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tf:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims a huge canvas (decompression bomb)."""
    data = bytearray(png_bytes())
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


def png_with_text(key: str, text: str) -> bytes:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text(key, text)
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120
MACHO = b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + b"\x00" * 120
PE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56 + b"This program cannot be run in DOS mode"
HTML = b"<!DOCTYPE html><html><body><script>fetch('/api/v1/me/')</script></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(document.cookie)</script></svg>"
)

REFUSED = [
    # (name, bytes, fragment of the message)
    ("tool.exe", PE, "programs"),
    ("photo.jpg", PE, "Windows executable"),
    ("report.pdf", ELF, "ELF executable"),
    ("image.png", MACHO, "Mach-O"),
    ("notes.txt", b"#!/bin/sh\nrm -rf / --no-preserve-root\n", "script"),
    ("notes2.txt", b"\xef\xbb\xbf#!/usr/bin/env python3\nimport os\n", "script"),
    ("call.amr", b"#!AMR\n#!/bin/sh\nrm -rf / --no-preserve-root\n", "AMR"),
    ("call2.amr", b"#!AMR\n" + (b"\x3c" + bytes(31)) * 3 + b"\x67 not a frame", "AMR"),
    ("call3.mp3", b"#!AMRX\nrm -rf /\n", "script"),
    ("Main.txt", b"\xca\xfe\xba\xbe\x00\x00\x00\x34" + b"\x00" * 40, "Java"),
    ("module.txt", b"\x00asm\x01\x00\x00\x00" + b"\x00" * 20, "WebAssembly"),
    ("page.html", HTML, "web pages"),
    ("page.txt", HTML, "HTML"),
    ("logo.svg", SVG, "web pages"),
    ("logo.png", SVG, "HTML"),
    ("shell.jpg", b"<?php system($_GET['c']); ?>", "HTML"),
    (
        "xxe.txt",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
        "HTML",
    ),
    ("iframe.txt", "举报内容<iframe src=//evil.example>".encode("gb18030"), "HTML"),
    ("gifar.gif", gif_bytes() + zip_of({"a.class": b"x"}), "polyglot"),
    ("photo2.jpg", jpeg_with_gps() + b"<script>alert(1)</script>", "script code"),
    ("chunk.png", png_with_text("Comment", "<script>alert(1)</script>"), "script code"),
    (
        "doc.pdf",
        pdf_bytes(b"4 0 obj << /S /JavaScript /JS (app.alert(1)) >> endobj\n"),
        "PDF files with scripts",
    ),
    (
        "launch.pdf",
        pdf_bytes(b"5 0 obj << /S /Launch /F (cmd.exe) >> endobj\n"),
        "PDF files with scripts",
    ),
    (
        "embed.pdf",
        pdf_bytes(b"6 0 obj << /Type /EmbeddedFile >> endobj\n"),
        "PDF files with scripts",
    ),
    ("tail.pdf", pdf_bytes() + zip_of({"x.txt": b"hidden"}), "polyglot"),
    # names written with hex escapes: a byte scan never sees "/JavaScript" or "/Launch"
    (
        "escaped-js.pdf",
        pdf_bytes(b"4 0 obj << /S /J#61vaScript /J#53 (app.alert(1)) >> endobj\n"),
        "PDF files with scripts",
    ),
    (
        "escaped-launch.pdf",
        pdf_bytes(b"4 0 obj << /S /L#61unch /F (cmd.exe) >> endobj\n"),
        "PDF files with scripts",
    ),
    # the action sits compressed inside an object stream
    (
        "objstm-js.pdf",
        pdf_with_object_stream(b"<< /S /JavaScript /JS (app.alert(1)) >>"),
        "PDF files with scripts",
    ),
    (
        "objstm-launch.pdf",
        pdf_with_object_stream(b"<< /S /Launch /F (cmd.exe) >>"),
        "PDF files with scripts",
    ),
    ("no-xref.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n", "could not be read"),
    ("evidence.zip", zip_of({"a.txt": b"hello"}), "Archives"),
    ("bomb.zip", zip_of({"zeros.bin": b"\x00" * 5_000_000}), "Archives"),
    ("nested.zip", nested_zip(8), "Archives"),
    ("photo.png", zip_of({"a.png": png_bytes()}), "Archives"),
    ("logs.gz", gzip.compress(b"a" * 100000), "Archives"),
    ("backup.tar", tar_of("etc/passwd", b"root:x:0:0"), "Archives"),
    ("bundle.7z", b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\x00" * 40, "Archives"),
    ("bundle.rar", b"Rar!\x1a\x07\x01\x00" + b"\x00" * 40, "Archives"),
    ("macro.docm", zip_of({"word/vbaProject.bin": b"\xd0\xcf"}), "Files named like"),
    ("invoice.pdf.exe", pdf_bytes(), "Files named like"),
    ("photo\u202egnp.exe", png_bytes(), "Files named like"),
    ("a.png\x00.txt", png_bytes(), "NUL"),
    ("bomb.png", png_claiming(100_000, 100_000), "too large to process"),
    ("broken.jpg", b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + b"\x13" * 300, "damaged"),
    ("utf16.txt", "<html>".encode("utf-16"), "not recognised"),
    ("empty.png", b"", "empty"),
]


def vault_files() -> list[str]:
    try:
        return sorted(vault._walk(vault.storage()))
    except FileNotFoundError:
        return []


def test_corpus_is_large_enough():
    assert len(REFUSED) + len(NEUTRALISED) >= 30


@pytest.mark.parametrize(
    ("name", "data", "fragment"),
    REFUSED,
    ids=[f"{i:02d}-{r[0].encode('ascii', 'replace').decode()}" for i, r in enumerate(REFUSED)],
)
def test_hostile_upload_refused(world, name, data, fragment):
    before = vault_files()
    with pytest.raises(DomainError) as err:
        services.store_upload(upload(name, data), added_by=world.beijing_user)
    message = " ".join(err.value.messages)
    assert fragment in message, message
    assert vault_files() == before
    assert not EvidenceItem.objects.exists()
    assert not EvidenceBlob.objects.exists()
    assert not LedgerEvent.objects.exists()


def test_oversize_refused(world, settings):
    settings.QINGLANG_EVIDENCE_MAX_FILE_BYTES = 1024
    with pytest.raises(DomainError, match="too large"):
        services.store_upload(upload("big.txt", b"a" * 2048), added_by=None)
    assert vault_files() == []


def _neutralised_path_traversal() -> tuple[str, bytes, str, str]:
    return ("../../../etc/passwd", b"root:x:0:0\n", "text/plain", "passwd.txt")


NEUTRALISED = [
    # (name, bytes, detected media type, stored name)
    _neutralised_path_traversal(),
    ("..\\..\\Windows\\System32\\cmd.png", png_bytes(), "image/png", "cmd.png"),
    ("/var/www/html/index.txt", b"plain words", "text/plain", "index.txt"),
    ("scan.pdf", png_bytes(), "image/png", "scan.pdf.png"),
    ("photo.txt", jpeg_with_gps(), "image/jpeg", "photo.txt.jpg"),
    ("\x1b[31mred\x07.png", png_bytes(), "image/png", "[31mred.png"),
    (".htaccess", b"Deny from all", "text/plain", "htaccess.txt"),
    ("con", b"reserved name on Windows", "text/plain", "con.txt"),
]


@pytest.mark.parametrize(("name", "data", "media_type", "stored"), NEUTRALISED)
def test_hostile_upload_neutralised(world, name, data, media_type, stored):
    item = services.store_upload(upload(name, data), added_by=None)
    assert item.media_type == media_type
    assert item.original_name == stored
    assert "/" not in item.original_name and "\\" not in item.original_name
    assert vault.read_blob(item.blob.storage_name) == data


def test_gps_removed_from_preview_only(world):
    item = services.store_upload(upload("gps.jpg", jpeg_with_gps()), added_by=None)
    original = Image.open(io.BytesIO(vault.read_blob(item.blob.storage_name)))
    assert original.getexif().get_ifd(0x8825)
    preview = Image.open(io.BytesIO(vault.read_blob(item.preview_blob.storage_name)))
    assert not preview.getexif().get_ifd(0x8825)


def test_large_noisy_photo_is_not_a_false_positive(world):
    """Megabytes of compressed pixels must not look like a hidden format by chance."""
    import random

    rng = random.Random(20261130)
    img = Image.frombytes("RGB", (1200, 1200), rng.randbytes(1200 * 1200 * 3))
    out = io.BytesIO()
    img.save(out, format="PNG")
    item = services.store_upload(upload("noise.png", out.getvalue()), added_by=None)
    assert item.media_type == "image/png"
