"""The client's address, honouring a fixed number of trusted reverse proxies."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """Return the client address for throttles, lockouts and audit logs.

    With QINGLANG_NUM_PROXIES = N > 0, the N-th address from the right of X-Forwarded-For is
    the client (each trusted proxy appends one); anything further left is client-supplied and
    ignored. With 0 (the default) REMOTE_ADDR is used and X-Forwarded-For is never trusted.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = int(getattr(settings, "QINGLANG_NUM_PROXIES", 0) or 0)
    if proxies <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < proxies:
        return remote
    candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
