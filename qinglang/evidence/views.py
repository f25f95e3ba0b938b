"""Staff pages of evidence: an item with its chain of custody, downloads, packages."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from qinglang.core import ledger
from qinglang.core.auth import require_verified
from qinglang.core.exceptions import NotFoundInScopeError, StateError
from qinglang.core.services import alert_ledger_integrity
from qinglang.evidence import derivatives, packages
from qinglang.evidence.access import can_view_subject
from qinglang.evidence.responses import blob_response, derivative_response, harden
from qinglang.evidence.selectors import (
    captures_for,
    captures_for_subjects,
    custody_events,
    custody_rows,
    get_item_for,
    items_for,
    items_for_subjects,
)


@require_verified
@require_GET
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one item's provenance and chain of custody."""
    item = get_item_for(request.user, pk)
    original = derivatives.sees_original(request.user, item)
    return render(
        request,
        "evidence/item_detail.html",
        {
            "item": item,
            "sees_original": original,
            "metadata": derivatives.metadata_labels(derivatives.metadata_found(item.blob))
            if original
            else [],
            "events": custody_events(item),
            "subjects": item.attachments.all(),
        },
    )


@require_verified
@require_GET
def item_download(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the file as an attachment: the original to handling staff, else the derivative.

    The download is recorded in the ledger with what was sent.
    """
    item = get_item_for(request.user, pk)
    try:
        blob, derivative = derivatives.serve_item(item, acting_user=request.user)
    except StateError as exc:
        return HttpResponse(" ".join(exc.messages), status=409, content_type="text/plain")
    return derivative_response(item, blob, derivative)


@require_verified
@require_GET
def item_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the metadata-stripped preview we derived (never the original) for <img> tags."""
    item = get_item_for(request.user, pk)
    if item.preview_blob is None:
        raise Http404
    return blob_response(
        item.preview_blob,
        filename=f"preview-{item.pk}",
        media_type=item.preview_blob.media_type,
        inline=True,
    )


@require_verified
@require_GET
def subject_custody(request: HttpRequest, subject_type: str, subject_id: str) -> HttpResponse:
    """Show a subject's (a case's) evidence and who added, viewed, exported or transferred it."""
    if not can_view_subject(request.user, subject_type, subject_id):
        raise Http404
    items = list(items_for((subject_type, subject_id)))
    return render(
        request,
        "evidence/subject_custody.html",
        {
            "subject_type": subject_type,
            "subject_id": subject_id,
            "items": items,
            "events": custody_rows(items),
            "captures": captures_for((subject_type, subject_id)),
        },
    )


@require_verified
@require_GET
def package_custody(request: HttpRequest, source: str, identifier: str) -> HttpResponse:
    """Show everything a case's package would hold and its chain of custody, from the ledger."""
    try:
        described = packages.resolve_source(source, identifier, request.user)
    except NotFoundInScopeError as exc:
        raise Http404 from exc
    items = list(items_for_subjects(described.subjects))
    return render(
        request,
        "evidence/subject_custody.html",
        {
            "title": described.title,
            "source": source,
            "identifier": identifier,
            "items": items,
            "events": custody_rows(items),
            "captures": captures_for_subjects(described.subjects),
        },
    )


@require_verified
@require_POST
def package_download(request: HttpRequest, source: str, identifier: str) -> HttpResponse:
    """Build and send the evidence package of a case (the source checks permission)."""
    try:
        built = packages.build_package(source, identifier, acting_user=request.user)
    except NotFoundInScopeError as exc:
        raise Http404 from exc
    except ledger.LedgerIntegrityError as exc:  # no package over a checkpoint that fails
        alert_ledger_integrity(exc.problem, source="serve")
        return HttpResponse(" ".join(exc.messages), status=503, content_type="text/plain")
    response = HttpResponse(built.content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{built.filename}"'
    response["X-Manifest-SHA256"] = built.manifest_sha256
    harden(response)
    return response
