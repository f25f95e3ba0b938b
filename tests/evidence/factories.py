"""Builders of upload bytes and a fake subject type for evidence tests."""

from __future__ import annotations

import io
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from qinglang.evidence import access

FAKE_SUBJECT = "tests.folder"


def png_bytes(color: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    """Return a JPEG whose EXIF carries GPS coordinates (Tiananmen)."""
    img = Image.new("RGB", (16, 16), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (39.0, 54.0, 27.0)
    gps[3] = "E"
    gps[4] = (116.0, 23.0, 29.0)
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def finish_pdf(body: bytes, *, root: int = 1) -> bytes:
    """Append a cross-reference table, trailer and startxref to `%PDF-…` + objects."""
    offsets = {int(m.group(1)): m.start() for m in re.finditer(rb"(?m)^(\d+) 0 obj", body)}
    size = max(offsets, default=0) + 1
    rows = [b"0000000000 65535 f \n"] + [
        b"%010d 00000 n \n" % offsets[n] if n in offsets else b"0000000000 65535 f \n"
        for n in range(1, size)
    ]
    xref = b"xref\n0 %d\n" % size + b"".join(rows)
    trailer = b"trailer << /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        size,
        root,
        len(body),
    )
    return body + xref + trailer


def pdf_bytes(extra: bytes = b"") -> bytes:
    return finish_pdf(
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n" + extra
    )


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def allow_subject(allowed_user_ids: set[int]) -> None:
    """Register a fake subject type whose resolver admits the given users."""
    access.register_subject_resolver(FAKE_SUBJECT, lambda user, _sid: user.pk in allowed_user_ids)


def api_client(user):
    """Return an API client authenticated with a fresh bearer token of `user`."""
    from rest_framework.test import APIClient

    from qinglang.core.services import create_api_token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user, name='test')}")
    return client


def pdf_with_object_stream(inner: bytes) -> bytes:
    """Return a PDF whose catalog's /OpenAction sits compressed inside an object stream."""
    import struct
    import zlib

    body = b"%PDF-1.5\n"
    offsets = {}
    offsets[1] = len(body)
    body += b"1 0 obj << /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >> endobj\n"
    offsets[2] = len(body)
    body += b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    head = b"4 0 "
    packed = zlib.compress(head + inner)
    offsets[3] = len(body)
    body += (
        b"3 0 obj << /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
        % (len(head), len(packed))
        + packed
        + b"\nendstream\nendobj\n"
    )
    offsets[5] = len(body)
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    rows += [struct.pack(">BIH", 1, offsets[n], 0) for n in (1, 2, 3)]
    rows += [struct.pack(">BIH", 2, 3, 0), struct.pack(">BIH", 1, offsets[5], 0)]
    table = b"".join(rows)
    body += (
        b"5 0 obj << /Type /XRef /Size 6 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n"
        % len(table)
        + table
        + b"\nendstream\nendobj\n"
    )
    return body + b"startxref\n%d\n%%%%EOF\n" % offsets[5]
