"""Prometheus metrics: request latency (middleware), queue depth, task failures, overdue work.

Request latency lives in each web process; under gunicorn (`qinglang.gunicorn_conf`) every
worker writes it to files in PROMETHEUS_MULTIPROC_DIR and a scrape adds up all of them, dead
workers included (prometheus-client's multiprocess mode). Task failures happen in worker
processes, so they are counted in the shared cache (Redis in production) and read back when
/metrics is scraped; queue depth is asked of the broker; overdue counts come from the
dashboard's aggregate table, never a scan.
On PostgreSQL the ledger's events in the DEFAULT partition (none, while the monthly partitions
are created ahead) are counted too: any is a reason to run `qinglang ledger partitions`.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=True)
REQUEST_LATENCY = Histogram(
    "qinglang_http_request_duration_seconds",
    "Time to answer an HTTP request, by URL name, method and status class.",
    ["view", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
TASK_FAILURE_KEY = "qinglang:metrics:task_failures"
TASK_FAILURE_NAMES_KEY = "qinglang:metrics:task_failure_names"


class RequestMetricsMiddleware:
    """Observe each request's latency under its URL name (bounded label values)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name if match else "") or "unmatched"
        REQUEST_LATENCY.labels(
            view=view, method=request.method or "", status=f"{response.status_code // 100}xx"
        ).observe(time.perf_counter() - start)
        return response


def record_task_failure(task_name: str) -> None:
    """Count one failed task in the shared cache (never raises into Celery)."""
    from django.core.cache import cache

    try:
        key = f"{TASK_FAILURE_KEY}:{task_name}"
        if not cache.add(key, 1, timeout=None):
            cache.incr(key)
        names = set(cache.get(TASK_FAILURE_NAMES_KEY) or [])
        if task_name not in names:
            cache.set(TASK_FAILURE_NAMES_KEY, sorted(names | {task_name}), timeout=None)
    except Exception:
        log.warning("could not count a failure of %s", task_name, exc_info=True)


def _on_task_failure(sender: Any = None, **_kwargs: Any) -> None:
    record_task_failure(getattr(sender, "name", None) or "unknown")


def connect_task_signals() -> None:
    """Connect Celery's task_failure signal (called once from the app's ready())."""
    from celery.signals import task_failure

    task_failure.connect(_on_task_failure, weak=False, dispatch_uid="qinglang.metrics.failure")


def queue_depths(queues: list[str]) -> dict[str, int]:
    """Return how many messages wait in each queue, over one broker connection.

    A queue the broker cannot count (unreachable broker, a queue never declared) is left out.
    Each queue gets a channel of its own: on AMQP a failed passive declare closes its channel.
    """
    from django.conf import settings
    from kombu import Connection

    depths: dict[str, int] = {}
    try:
        with Connection(
            settings.CELERY_BROKER_URL,
            transport_options=getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}),
            connect_timeout=2,
        ) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            for queue in queues:
                try:
                    with conn.channel() as channel:
                        _name, count, _consumers = channel.queue_declare(queue=queue, passive=True)
                    depths[queue] = int(count)
                except Exception:
                    log.info("queue depth of %s unavailable", queue, exc_info=True)
    except Exception:
        log.info("queue depth unavailable", exc_info=True)
    return depths


def queue_depth(queue: str = "celery") -> int | None:
    """Return how many messages wait in `queue` (None when the broker is unreachable)."""
    return queue_depths([queue]).get(queue)


class OperationsCollector:
    """Collect values read at scrape time: queue depth, task failures, overdue counts."""

    def describe(self) -> list:
        return []

    def collect(self) -> Iterator[GaugeMetricFamily]:
        depth = GaugeMetricFamily(
            "qinglang_queue_depth", "Messages waiting in the Celery queue.", labels=["queue"]
        )
        from django.conf import settings

        queues = [settings.CELERY_TASK_DEFAULT_QUEUE, settings.QINGLANG_IO_QUEUE]
        for queue, value in queue_depths(queues).items():
            depth.add_metric([queue], value)
        yield depth
        yield self._failures()
        yield from self._overdue()
        yield from self._ledger_default_partition()

    def _ledger_default_partition(self) -> Iterator[GaugeMetricFamily]:
        from qinglang.core.ledger_partitions import default_partition_rows

        try:
            rows = default_partition_rows()
        except Exception:
            log.info("ledger partitions unavailable", exc_info=True)
            return
        if rows is None:  # not partitioned (SQLite)
            return
        family = GaugeMetricFamily(
            "qinglang_ledger_default_partition_rows",
            "Ledger events outside every monthly partition, in the DEFAULT one (should be 0).",
        )
        family.add_metric([], float(rows))
        yield family

    def _failures(self) -> GaugeMetricFamily:
        from django.core.cache import cache

        family = GaugeMetricFamily(
            "qinglang_task_failures_total",
            "Background tasks that raised, by task name (since the cache was last cleared).",
            labels=["task"],
        )
        try:
            names = cache.get(TASK_FAILURE_NAMES_KEY) or []
            counts = cache.get_many([f"{TASK_FAILURE_KEY}:{n}" for n in names])
        except Exception:  # noqa: BLE001
            return family
        for name in names:
            family.add_metric([name], float(counts.get(f"{TASK_FAILURE_KEY}:{name}", 0)))
        return family

    def _overdue(self) -> Iterator[GaugeMetricFamily]:
        from qinglang.dashboard.selectors import national_deadline_totals

        overdue = GaugeMetricFamily(
            "qinglang_overdue_items",
            "Work past its deadline, by kind (from the last dashboard refresh).",
            labels=["kind"],
        )
        soon = GaugeMetricFamily(
            "qinglang_due_soon_items",
            "Work due within the due-soon window, by kind (from the last dashboard refresh).",
            labels=["kind"],
        )
        try:
            totals = national_deadline_totals()
        except Exception:
            log.info("overdue totals unavailable", exc_info=True)
            totals = {}
        for (metric, kind), count in sorted(totals.items()):
            (overdue if metric == "overdue" else soon).add_metric([kind], float(count))
        yield overdue
        yield soon


REGISTRY.register(OperationsCollector())


def render() -> tuple[bytes, str]:
    """Return the exposition text and its content type."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(OperationsCollector())
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
