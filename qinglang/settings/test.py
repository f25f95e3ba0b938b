"""Test mode: the database is QINGLANG_DATABASE_URL (SQLite by default, PostgreSQL in CI)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# A home of its own per pytest-xdist worker: the controller makes one first, and every worker
# would inherit it (one broker folder, one vault between them, and a test emptying its broker
# took the other worker's messages). A process a test starts inherits its worker's home.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if "QINGLANG_HOME" not in os.environ or (
    _worker and os.environ.get("QINGLANG_TEST_HOME_WORKER") != _worker
):
    os.environ["QINGLANG_HOME"] = tempfile.mkdtemp(prefix=f"qinglang-test-{_worker}-")
    os.environ["QINGLANG_TEST_HOME_WORKER"] = _worker

from .base import *  # noqa: E402, F403
from .base import QINGLANG_HOME  # noqa: E402

SECRET_KEY = "test-secret-key-not-for-production-" + "x" * 30
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
QINGLANG_IDENTITY_HASH_KEY = "test-identity-key"
CELERY_TASK_ALWAYS_EAGER = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# One local-memory store behind both aliases: a test's cache.clear() resets throttles too.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ql"},
    "throttle": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ql"},
}
STORAGES = {
    **STORAGES,  # noqa: F405
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(QINGLANG_HOME / "media")},
    },
    "evidence": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(QINGLANG_HOME / "evidence")},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# A worker process started by a test signs with the test's own key (ledger verify trusts only it).
QINGLANG_LEDGER_KEY_PATH = Path(
    os.environ.get("QINGLANG_LEDGER_KEY_PATH", QINGLANG_HOME / "keys" / "ledger-ed25519.pem")
)
QINGLANG_LEDGER_ALLOW_PURGE = True  # transactional tests flush the ledger tables
REST_FRAMEWORK = {**REST_FRAMEWORK}  # noqa: F405
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.environ.get("QINGLANG_TEST_DB_NAME", "test_qinglang"),
    }
# WhiteNoise looks for STATIC_ROOT at start-up; browser tests serve files through the finders.
(QINGLANG_HOME / "static").mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True
