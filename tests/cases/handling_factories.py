"""Helpers for the handling tests: cases with materials, transfers, uploads."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from qinglang.cases.models import Case, Transfer, TransferKind
from qinglang.cases.services import transfers, triage
from qinglang.core.models import User
from qinglang.evidence import services as evidence
from qinglang.evidence.models import EvidenceItem, EvidenceKind
from qinglang.intake.models import Report
from tests.cases.factories import make_report


def png_bytes(color: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(buffer, format="PNG")
    return buffer.getvalue()


def png_upload(name: str = "proof.png", color: str = "red") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(color), content_type="image/png")


def evidence_on(
    subject: tuple[str, Any], *, name: str, user: User | None = None, text: str = ""
) -> EvidenceItem:
    """Store a small text item and attach it to `subject`."""
    from django.db import transaction

    with transaction.atomic():
        item = evidence.store_bytes(
            (text or name).encode(),
            name=name,
            media_type="text/plain",
            kind=EvidenceKind.UPLOAD,
            added_by=None,
        )
        evidence.attach(item, subject=subject, acting_user=user)
    return item


class CaseWithMaterials:
    """A Beijing case with two reports, each with evidence, and one case-level item."""

    def __init__(self, world: Any, url: str = "https://bbs.example-news.cn/t/1") -> None:
        self.world = world
        self.report_a: Report = make_report(
            world.beijing_office, contact_phone="13800000000", targets=[{"url": url}]
        )
        self.report_b: Report = make_report(
            world.beijing_office,
            description="另一名举报人反映同一网站收费删帖。",
            targets=[{"url": url}],
        )
        self.case: Case = triage.accept_report(self.report_a, acting_user=world.beijing_user)
        triage.accept_report(self.report_b, acting_user=world.beijing_user, case=self.case)
        self.report_a.refresh_from_db()
        self.report_b.refresh_from_db()
        self.item_a = evidence_on(("intake.report", self.report_a.pk), name="chat-a.txt")
        self.item_b = evidence_on(("intake.report", self.report_b.pk), name="chat-b.txt")
        self.item_case = evidence_on(("cases.case", self.case.pk), name="internal-note.txt")


def send(
    world: Any,
    case: Case,
    *,
    kind: str = TransferKind.CRIMINAL_REFERRAL,
    recipient: Any = None,
    user: User | None = None,
    **kwargs: Any,
) -> Transfer:
    recipient = (
        recipient
        or {
            TransferKind.CRIMINAL_REFERRAL: world.police,
            TransferKind.TELECOM_ACTION: world.telecom,
            TransferKind.RECTIFICATION_ORDER: world.website_operator,
            TransferKind.CO_HANDLING: world.guangdong_office,
            TransferKind.HANDOVER: world.guangdong_office,
        }[kind]
    )
    if kind == TransferKind.RECTIFICATION_ORDER:
        kwargs.setdefault("measures", ["删除违规帖子", "排查删帖渠道"])
    return transfers.send_transfer(
        case,
        recipient=recipient,
        kind=kind,
        acting_user=user or world.beijing_user,
        instructions=kwargs.pop("instructions", "请核查并反馈。"),
        **kwargs,
    )
