"""Production mode: secure cookies, HSTS, CSP; refuses to start without a secret key."""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import LOGGING, QINGLANG_IDENTITY_HASH_KEY, SECRET_KEY, env_bool

if not SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("QINGLANG_SECRET_KEY must be set (50 characters or more).")

if len(QINGLANG_IDENTITY_HASH_KEY) < 32:
    # Practitioner identity numbers are stored only as keyed hashes: the key must be its own,
    # stable secret (rotating SECRET_KEY must not make every stored hash unmatchable).
    raise ImproperlyConfigured("QINGLANG_IDENTITY_HASH_KEY must be set (32 characters or more).")

DEBUG = False
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env_bool("QINGLANG_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("QINGLANG_HSTS_SECONDS", 31536000))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
# Load balancers probe over plain HTTP inside the network: no redirect for the probes.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

# One JSON object per line for the log collector (see qinglang.dashboard.jsonlog).
LOGGING = {
    **LOGGING,
    "formatters": {"json": {"()": "qinglang.dashboard.jsonlog.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
}
