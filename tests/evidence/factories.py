"""Builders of upload bytes and a fake subject type for evidence tests."""

from __future__ import annotations

import io

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


def pdf_bytes(extra: bytes = b"") -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        + extra
        + b"trailer << /Root 1 0 R >>\n%%EOF\n"
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
