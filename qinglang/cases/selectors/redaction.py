"""Redaction on the way out: what a website operator may read of a case's materials."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from qinglang.analysis import pii
from qinglang.cases.models import Case, Transfer
from qinglang.core.models import Organization, OrganizationKind
from qinglang.intake.models import Report


def reporter_details(case: Case) -> list[str]:
    """Return what the case's reporters told us about themselves (never to leave the regulator)."""
    values: list[str] = []
    for name, phone, email in case.reports.values_list(
        "contact_name", "contact_phone", "contact_email"
    ):
        values += [v for v in (name, phone, email) if v]
    return values


def redacts_for(recipient: Organization) -> bool:
    """Return whether materials sent to `recipient` are stripped of the reporter's identity.

    Website operators are the party complained about; partner agencies (police, telecom,
    press) and regulator offices receive the materials as they are.
    """
    return recipient.kind == OrganizationKind.WEBSITE_OPERATOR


def sees_redacted(transfer: Transfer) -> bool:
    """Return whether this transfer's materials are shown as the website receives them."""
    return redacts_for(transfer.recipient)


@dataclass(frozen=True)
class RedactionPreview:
    """One text as written and as the recipient will read it, for a highlighted preview."""

    original: str
    redacted: str
    findings: list[pii.Finding]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def segments(self) -> list[tuple[str, pii.Finding | None]]:
        return pii.segments(self.original, self.findings)

    @property
    def changed(self) -> bool:
        return bool(self.findings)


def preview(text: str, *, known: Iterable[str]) -> RedactionPreview:
    """Return how `text` reads once redacted for a website, with what was removed."""
    known = list(known)
    redacted, counts = pii.redact_for_outsiders(text, known=known)
    return RedactionPreview(text, redacted, pii.detect(text, known=known), counts)


def preview_all(texts: Sequence[str], *, known: Iterable[str]) -> list[RedactionPreview]:
    """Return a preview for each text, with the same known details."""
    known = list(known)
    return [preview(t, known=known) for t in texts]


def redacted_for_transfer(transfer: Transfer, text: str, *, known: Iterable[str] | None) -> str:
    """Return `text` as this transfer's recipient may read it (unchanged for non-websites)."""
    if not sees_redacted(transfer) or not text:
        return text
    details = reporter_details(transfer.case) if known is None else list(known)
    return pii.redact_for_outsiders(text, known=details)[0]


def reports_as_sent(transfer: Transfer, reports: Iterable[Report]) -> list[Report]:
    """Return the transferred reports, each with `description_as_sent` (what the recipient reads).

    A report is shared, not copied, so its words are redacted on the way out for a website.
    """
    rows = list(reports)
    known = reporter_details(transfer.case) if sees_redacted(transfer) and rows else []
    for report in rows:
        report.description_as_sent = redacted_for_transfer(  # type: ignore[attr-defined]
            transfer, report.description, known=known
        )
    return rows


def case_title_as_sent(transfer: Transfer) -> str:
    """Return the case's title as this transfer's recipient may read it."""
    return redacted_for_transfer(transfer, transfer.case.title, known=None)


def as_written_for(transfer: Transfer, *, recipient_side: bool) -> dict[str, Any] | None:
    """Return the texts as the sender wrote them, for staff only (None: nothing was removed)."""
    if recipient_side or not (transfer.instructions_original or transfer.measures_original):
        return None
    return {
        "instructions": transfer.instructions_original or transfer.instructions,
        "measures": transfer.measures_original or transfer.measures,
    }


def preview_digest(previews: Iterable[RedactionPreview]) -> str:
    """Return a fingerprint of the texts as previewed, so only what the sender saw is sent."""
    joined = "\x00".join(p.redacted for p in previews)
    return hashlib.sha256(joined.encode()).hexdigest()
