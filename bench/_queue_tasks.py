"""A trivial task for the embedded-queue bench (the worker imports it with `-I`)."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def noop(n: int) -> int:
    """Return `n`: the broker's round trip and nothing else."""
    return n
