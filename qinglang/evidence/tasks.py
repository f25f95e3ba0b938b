"""Background work of evidence: web capture, PDF previews, their requeue, the vault sweeper."""

from __future__ import annotations

import httpx
from celery import shared_task

from qinglang.core.taskbase import KeyedTask, keyed_task_id
from qinglang.evidence import vault


@shared_task
def sweep_vault() -> int:
    """Delete vault files no blob row refers to (left by crashes); return how many."""
    return len(vault.sweep_unreferenced())


@shared_task
def requeue_pending_previews() -> int:
    """Queue again the PDF previews the broker never received; return how many."""
    from qinglang.evidence.services import requeue_pending_previews as requeue

    return requeue()


@shared_task
def requeue_pending_captures() -> int:
    """Queue again the web captures the broker never received; return how many."""
    from qinglang.evidence.services import requeue_pending_captures as requeue

    return requeue()


CAPTURE_KEY = "evidence-capture"
PREVIEW_KEY = "evidence-preview"


def capture_task_id(capture_id: int) -> str:
    """Return the task id of every message for one capture (first, retries and requeues)."""
    return keyed_task_id(CAPTURE_KEY, capture_id)


def preview_task_id(item_id: int) -> str:
    """Return the task id of every preview message for one item (first, retries and requeues)."""
    return keyed_task_id(PREVIEW_KEY, item_id)


@shared_task(
    base=KeyedTask,
    key_argument="capture_id",
    key_prefix=CAPTURE_KEY,
    bind=True,
    max_retries=3,
    acks_late=True,
)
def capture_page(self, *, capture_id: int, attempt: int | None = None) -> str:  # type: ignore[no-untyped-def]
    """Fetch and preserve a page; network failures are retried with backoff (1, 2 minutes).

    `attempt` is how many attempts were made before this message (requeues and retries say
    so); a message for an attempt already taken does nothing.
    """
    from qinglang.evidence.capture import retry_delay, run_capture

    expected = self.request.retries if attempt is None else attempt
    try:
        return run_capture(capture_id, attempt=expected)
    except httpx.HTTPError as exc:
        made = expected + 1
        raise self.retry(
            exc=exc,
            countdown=retry_delay(made),
            kwargs={"capture_id": capture_id, "attempt": made},
        ) from exc


@shared_task(
    base=KeyedTask,
    key_argument="item_id",
    key_prefix=PREVIEW_KEY,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=3,
)
def make_preview(*, item_id: int) -> bool:
    """Make an item's copy without metadata and a PDF's preview; return whether a preview exists.

    Run for PDFs, audio and video, in a worker, so that the first outside download need not
    parse the PDF or remux the recording with FFmpeg.
    """
    from qinglang.evidence.derivatives import make_item_derivative
    from qinglang.evidence.models import EvidenceItem
    from qinglang.evidence.services import attach_pdf_preview

    item = EvidenceItem.objects.select_related("blob").filter(pk=item_id).first()
    if item is None:
        return False
    make_item_derivative(item)
    return bool(attach_pdf_preview(item).preview_blob_id)
