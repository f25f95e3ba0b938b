"""Scheduled jobs of disclosure: publish due batches, end listings, statistics, open data."""

from __future__ import annotations

from celery import shared_task

from qinglang.disclosure import opendata, services


@shared_task
def publish_due_items() -> int:
    """Publish batches and typical cases whose scheduled time has come."""
    return services.publish_due()


@shared_task
def expire_listings() -> int:
    """End the listing of entries whose period is over."""
    return services.expire_listings()


@shared_task
def refresh_statistics() -> int:
    """Recompute the aggregate statistics table."""
    return opendata.refresh_statistics()


@shared_task
def write_open_data() -> str:
    """Refresh statistics, then write today's signed open-data release."""
    opendata.refresh_statistics()
    return opendata.write_release().day.isoformat()
