"""Serve vault bytes safely: as attachments, never sniffed, never able to run in our origin."""

from __future__ import annotations

from django.http import FileResponse

from qinglang.evidence import vault
from qinglang.evidence.models import EvidenceBlob, EvidenceDerivative, EvidenceItem

SANDBOX_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"


def blob_response(
    blob: EvidenceBlob,
    *,
    filename: str,
    media_type: str,
    inline: bool = False,
) -> FileResponse:
    """Return the blob as a download (or, for previews we made ourselves, inline)."""
    response = FileResponse(
        vault.open_blob(blob.storage_name),
        as_attachment=not inline,
        filename=filename,
        content_type=media_type if inline else "application/octet-stream",
    )
    harden(response)
    return response


def harden(response) -> None:  # type: ignore[no-untyped-def]
    """Add the headers every evidence download carries."""
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX_CSP
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["Cross-Origin-Resource-Policy"] = "same-origin"


def derivative_response(
    item: EvidenceItem, blob: EvidenceBlob, derivative: EvidenceDerivative | None
) -> FileResponse:
    """Return an item's download: the original, or its derivative named by the original's hash."""
    from qinglang.evidence.derivatives import served_name

    name = served_name(item, derivative)
    response = blob_response(blob, filename=name, media_type=blob.media_type)
    response["X-Content-SHA256"] = blob.sha256
    if derivative is not None:
        response["X-Original-SHA256"] = derivative.original_id
    return response
