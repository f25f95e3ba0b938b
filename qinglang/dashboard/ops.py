"""Operations endpoints for load balancers and monitoring: /healthz, /readyz, /metrics."""

from __future__ import annotations

import ipaddress
import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from qinglang.core.net import client_ip

log = logging.getLogger(__name__)

CHECK_TIMEOUT = 3.0  # seconds each readiness check may take before it counts as failed


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Answer 200 while the process serves requests (no database, so restarts stay cheap)."""
    return HttpResponse("ok\n", content_type="text/plain")


def check_database() -> None:
    """Run one trivial query on a connection of this thread (closed afterwards)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()


def check_broker() -> None:
    """Connect to the Celery broker once (one retry at most, short timeouts)."""
    from kombu import Connection

    with Connection(
        settings.CELERY_BROKER_URL,
        transport_options=getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}),
        connect_timeout=CHECK_TIMEOUT,
    ) as conn:
        conn.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT)


def check_storage() -> None:
    """Ask the evidence vault whether a name exists (a HEAD on S3); on disk, check its directory.

    A local `exists()` is a stat that answers False for any path, reachable or not, so the
    directory itself must be one the vault can write to (or, before the first file, create).
    """
    from pathlib import Path

    from django.core.files.storage import FileSystemStorage, storages

    vault = storages["evidence"]
    if isinstance(vault, FileSystemStorage):
        directory = Path(vault.location)
        while not directory.exists() and directory != directory.parent:
            directory = directory.parent  # not made yet: the first write creates it here
        if not directory.is_dir():
            raise NotADirectoryError(f"{directory} is not a directory")
        if not os.access(directory, os.W_OK | os.X_OK):
            raise PermissionError(f"{directory} is not writable")
        return
    vault.exists("readyz-probe")


def check_ledger_key() -> None:
    """Load the checkpoint signing key without creating one (a missing key is not ready)."""
    from pathlib import Path

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = Path(settings.QINGLANG_LEDGER_KEY_PATH)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("not an Ed25519 key")


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "broker": check_broker,
    "storage": check_storage,
    "ledger_key": check_ledger_key,
}


def run_checks(timeout: float = CHECK_TIMEOUT) -> dict[str, str]:
    """Run every check in parallel, each bounded by `timeout`; return name → "ok" or failure."""
    results: dict[str, str] = {}
    pool = ThreadPoolExecutor(max_workers=len(CHECKS), thread_name_prefix="readyz")
    futures = {name: pool.submit(fn) for name, fn in CHECKS.items()}
    for name, future in futures.items():
        try:
            future.result(timeout=timeout)
        except FutureTimeout:
            results[name] = "timeout"
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
            log.warning("readiness check %s failed: %s", name, exc)
            results[name] = "failed"
        else:
            results[name] = "ok"
    pool.shutdown(wait=False, cancel_futures=True)
    return results


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Answer 200 when database, broker, storage and ledger key work, else 503 naming failures."""
    results = run_checks()
    ok = all(value == "ok" for value in results.values())
    return JsonResponse(results, status=200 if ok else 503)


def metrics_allowed(request: HttpRequest) -> bool:
    """Return whether the client address lies in QINGLANG_METRICS_ALLOW (CIDRs)."""
    address = client_ip(request)
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in settings.QINGLANG_METRICS_ALLOW_NETWORKS)


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Serve Prometheus metrics to allowed addresses; everyone else sees nothing here (404)."""
    from qinglang.dashboard import metrics

    if not metrics_allowed(request):
        return HttpResponse(status=404)
    body, content_type = metrics.render()
    return HttpResponse(body, content_type=content_type)
