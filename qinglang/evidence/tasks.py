"""Background work of evidence: web capture and the vault sweeper."""

from __future__ import annotations

from celery import shared_task

from qinglang.evidence import vault


@shared_task
def sweep_vault() -> int:
    """Delete vault files no blob row refers to (left by crashes); return how many."""
    return len(vault.sweep_unreferenced())


@shared_task
def capture_page(*, capture_id: int) -> str:
    """Fetch and preserve a page (see qinglang.evidence.capture)."""
    from qinglang.evidence.capture import run_capture

    return run_capture(capture_id)
