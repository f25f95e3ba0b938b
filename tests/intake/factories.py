"""Factories for intake: report bodies, evidence files, stored reports, registry websites."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from qinglang.core.models import Region
from qinglang.registry.models import Website, WebsiteDomain


def report_body(**overrides: Any) -> dict[str, Any]:
    """Return a valid report body in the API's JSON shape."""
    body: dict[str, Any] = {
        "category": "paid_deletion",
        "description": "有人通过微信联系，报价三千元删除论坛上的负面帖子。",
        "targets": [{"url": "https://bbs.unknown-forum.cn/thread/1", "account": "删帖小王"}],
        "amount_demanded": "3000.00",
        "payment_channel": "微信转账",
        "occurred_on": "2026-11-20",
        "contact": {"name": "", "phone": "", "email": ""},
    }
    body.update(overrides)
    return body


def png_file(name: str = "shot.png", colour: str = "red") -> SimpleUploadedFile:
    """Return a small, real PNG upload."""
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def exe_as_jpg(name: str = "photo.jpg") -> SimpleUploadedFile:
    """Return a Windows executable disguised as a JPEG."""
    data = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def evidence_files_on_disk() -> list[Path]:
    """Return every file in the evidence storage directory."""
    root = Path(settings.STORAGES["evidence"]["OPTIONS"]["location"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def website(
    name: str, region: Region | None, *, domain: str = "", icp: str = "", psb: str = ""
) -> Website:
    """Register a website in the registry with a domain and filings."""
    site = Website.objects.create(name=name, region=region, icp_number=icp, psb_number=psb)
    if domain:
        WebsiteDomain.objects.create(website=site, domain=domain)
    return site
