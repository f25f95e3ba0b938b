"""Full-text index: segmented Chinese text in SearchDocument, FTS5 (SQLite) or GIN (PostgreSQL)."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction

from qinglang.analysis.segment import segment
from qinglang.registry.models import SearchDocument

FTS_TABLE = "registry_searchdocument_fts"


def segment_text(text: str) -> str:
    """Return space-joined lower-case search tokens (the same for documents and queries)."""
    return segment(text or "").lower()


def _sync_fts(document: SearchDocument) -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE doc_id = %s", [document.pk])  # noqa: S608
        cursor.execute(
            f"INSERT INTO {FTS_TABLE} (title, body, doc_id) VALUES (%s, %s, %s)",  # noqa: S608
            [segment_text(document.title), document.body_segmented, document.pk],
        )


@transaction.atomic
def index_document(
    *,
    object_type: str,
    object_id: Any,
    office_id: int | None,
    title: str,
    text: str,
    region_code: str | None = None,
) -> SearchDocument:
    """Create or refresh the search entry of one object (idempotent; called by its owner app)."""
    body = segment_text(f"{title}\n{text}")
    document, _ = SearchDocument.objects.update_or_create(
        object_type=object_type,
        object_id=str(object_id),
        defaults={
            "office_id": office_id,
            "region_code": region_code or "",
            "title": (title or "")[:300],
            "body_segmented": body,
        },
    )
    _sync_fts(document)
    return document


@transaction.atomic
def remove_document(*, object_type: str, object_id: Any) -> None:
    """Drop an object from the search index (e.g. a report withdrawn as malicious)."""
    ids = list(
        SearchDocument.objects.filter(
            object_type=object_type, object_id=str(object_id)
        ).values_list("pk", flat=True)
    )
    if connection.vendor == "sqlite" and ids:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE doc_id = %s", [ids[0]])  # noqa: S608
    SearchDocument.objects.filter(pk__in=ids).delete()
