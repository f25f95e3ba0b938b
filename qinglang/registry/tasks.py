"""Background work of the registry."""

from __future__ import annotations

from celery import shared_task

from qinglang.registry.services.networks import rebuild_networks


@shared_task(acks_late=True)
def refresh_networks() -> int:
    """Recompute the intermediary networks table (scheduled; also after an exclusion changes)."""
    return rebuild_networks()
