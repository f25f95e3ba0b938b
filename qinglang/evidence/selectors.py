"""Reads of the vault: items and captures by subject, scoped item look-ups, chain of custody."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from qinglang.core.models import LedgerEvent
from qinglang.evidence.access import can_view_item
from qinglang.evidence.models import EvidenceAttachment, EvidenceItem, WebCapture

ITEM_TYPE = "evidence.evidenceitem"
CAPTURE_TYPE = "evidence.webcapture"


def items_for(subject: tuple[str, Any]) -> QuerySet[EvidenceItem]:
    """Return the items attached to a subject such as ("intake.report", 7), oldest first."""
    subject_type, subject_id = subject
    return (
        EvidenceItem.objects.filter(
            attachments__subject_type=subject_type, attachments__subject_id=str(subject_id)
        )
        .select_related("blob")
        .distinct()
        .order_by("id")
    )


def _by_type(subjects: list[tuple[str, Any]], prefix: str = "") -> Q:
    """Return "any of these subjects" as one IN per subject type.

    Not one OR per subject: a case with a thousand tasks made an expression too deep for
    SQLite (its limit is 1,000) and a long plan elsewhere.
    """
    ids: dict[str, list[str]] = {}
    for subject_type, subject_id in subjects:
        ids.setdefault(subject_type, []).append(str(subject_id))
    q = Q(pk__in=[])
    for subject_type, values in ids.items():
        q |= Q(**{f"{prefix}subject_type": subject_type, f"{prefix}subject_id__in": values})
    return q


def items_for_subjects(subjects: list[tuple[str, Any]]) -> QuerySet[EvidenceItem]:
    """Return the items attached to any of these subjects, oldest first."""
    q = _by_type(subjects, "attachments__")
    return EvidenceItem.objects.filter(q).select_related("blob").distinct().order_by("id")


def captures_for(subject: tuple[str, Any]) -> QuerySet[WebCapture]:
    """Return the web captures requested for a subject, newest first."""
    subject_type, subject_id = subject
    return WebCapture.objects.filter(
        subject_type=subject_type, subject_id=str(subject_id)
    ).select_related("warc_item", "text_item", "screenshot_item")


def captures_for_subjects(subjects: list[tuple[str, Any]]) -> QuerySet[WebCapture]:
    """Return the web captures requested for any of these subjects, newest first."""
    return WebCapture.objects.filter(_by_type(subjects))


def get_item_for(user: Any, pk: int) -> EvidenceItem:
    """Return the item if `user` may see it; otherwise 404, as if it did not exist."""
    item = (
        EvidenceItem.objects.select_related("blob", "preview_blob")
        .prefetch_related("attachments")
        .filter(pk=pk)
        .first()
    )
    if item is None or not can_view_item(user, item):
        raise Http404
    return item


def custody_events(item: EvidenceItem | int) -> QuerySet[LedgerEvent]:
    """Return the ledger events about one item (added, attached, viewed, exported), oldest first."""
    pk = item if isinstance(item, int) else item.pk
    return (
        LedgerEvent.objects.filter(object_type=ITEM_TYPE, object_id=str(pk))
        .select_related("actor")
        .order_by("id")
    )


def custody_events_for_items(item_ids: list[int]) -> QuerySet[LedgerEvent]:
    """Return the ledger events about several items, oldest first."""
    return (
        LedgerEvent.objects.filter(object_type=ITEM_TYPE, object_id__in=[str(i) for i in item_ids])
        .select_related("actor")
        .order_by("id")
    )


def custody_rows(items: list[EvidenceItem]) -> list[LedgerEvent]:
    """Return the custody events of `items`, each with `.item` and `.sources` for the log.

    A log that says "#42" makes the reader open every file to know which report or transfer
    it came from; two queries name the file and where it is attached instead.
    """
    by_id = {i.pk: i for i in items}
    sources: dict[int, list[str]] = {}
    for item_id, subject_type, subject_id in (
        EvidenceAttachment.objects.filter(item_id__in=list(by_id))
        .order_by("id")
        .values_list("item_id", "subject_type", "subject_id")
    ):
        sources.setdefault(item_id, []).append(f"{subject_type}:{subject_id}")
    rows = list(custody_events_for_items(list(by_id)))
    for event in rows:
        key = int(event.object_id) if str(event.object_id).isdigit() else None
        event.item = by_id.get(key) if key is not None else None  # type: ignore[attr-defined]
        event.sources = sources.get(key, []) if key is not None else []  # type: ignore[attr-defined]
    return rows


def can_view_ledger_event(user: Any, event: LedgerEvent) -> bool:
    """Return whether `user` may see the object a ledger event is about (hence its proof)."""
    from qinglang.evidence.access import can_view_subject

    if event.object_type == ITEM_TYPE:
        item = EvidenceItem.objects.filter(pk=event.object_id).first()
        return item is not None and can_view_item(user, item)
    if event.object_type == CAPTURE_TYPE:
        capture = WebCapture.objects.filter(pk=event.object_id).first()
        return capture is not None and can_view_subject(
            user, capture.subject_type, capture.subject_id
        )
    return can_view_subject(user, event.object_type, event.object_id)


def get_ledger_event_for(user: Any, pk: Any) -> LedgerEvent:
    """Return a ledger event about something `user` may see, or raise Http404."""
    try:
        event = LedgerEvent.objects.filter(pk=int(pk)).first()
    except (TypeError, ValueError) as exc:
        raise Http404 from exc
    if event is None or not can_view_ledger_event(user, event):
        raise Http404
    return event
