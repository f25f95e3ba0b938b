"""Settings shared by every mode; the environment is read here, once."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = BASE_DIR.parent


def env_bool(name: str, default: bool = False) -> bool:
    """Return an environment flag ("1", "true", "yes", "on" are true)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


QINGLANG_HOME = Path(os.environ.get("QINGLANG_HOME", PROJECT_DIR / "var")).resolve()
QINGLANG_HOME.mkdir(parents=True, exist_ok=True)

SECRET_KEY = os.environ.get("QINGLANG_SECRET_KEY", "")
DEBUG = env_bool("QINGLANG_DEBUG", False)
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("QINGLANG_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("QINGLANG_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

DATABASE_URL = os.environ.get(
    "QINGLANG_DATABASE_URL", f"sqlite:///{QINGLANG_HOME / 'qinglang.sqlite3'}"
)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
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
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "qinglang.core.auth.VerifiedStaffMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
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
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
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
# Keyed hash for identity numbers (practitioners) and contact look-ups.
QINGLANG_IDENTITY_HASH_KEY = os.environ.get("QINGLANG_IDENTITY_HASH_KEY", "")

# Celery: a real broker in production and CI; embedded mode uses kombu's filesystem
# transport under QINGLANG_HOME so the same async code path runs with no server.
QINGLANG_BROKER_URL = os.environ.get("QINGLANG_BROKER_URL", "")
_broker_dir = QINGLANG_HOME / "broker"
if QINGLANG_BROKER_URL:
    CELERY_BROKER_URL = QINGLANG_BROKER_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
else:
    for _sub in ("in", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://localhost//"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "in"),
        "data_folder_out": str(_broker_dir / "in"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        "control_folder": str(_broker_dir / "control"),
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE: dict = {}
# Ledger: seal new events into the signed Merkle log every 30 s; sweep stray vault files hourly.
CELERY_BEAT_SCHEDULE["ledger-seal"] = {"task": "qinglang.core.tasks.seal_ledger", "schedule": 30.0}
CELERY_BEAT_SCHEDULE["evidence-sweep-vault"] = {
    "task": "qinglang.evidence.tasks.sweep_vault",
    "schedule": 3600.0,
}
# Reports whose analysis was never queued (broker down at submission) are queued again.
CELERY_BEAT_SCHEDULE["intake-requeue-pending-reports"] = {
    "task": "qinglang.intake.tasks.requeue_pending_reports",
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
CELERY_BEAT_SCHEDULE["cases-daily-digest"] = {
    "task": "qinglang.cases.tasks.send_daily_digest",
    "schedule": crontab(hour=8, minute=0),
}
# Deadlines: defaults when no DeadlinePolicy row matches (working days); editable in admin.
QINGLANG_DEADLINE_DEFAULTS = {"triage": 3, "transfer_feedback": 10, "rectification": 5, "task": 5}
QINGLANG_DUE_SOON_WORKING_DAYS = int(os.environ.get("QINGLANG_DUE_SOON_WORKING_DAYS", 2))
QINGLANG_TRANSFER_MAX_DEADLINE_DAYS = 60
QINGLANG_EXTENSION_MAX_DAYS = int(os.environ.get("QINGLANG_EXTENSION_MAX_DAYS", 20))
# Still overdue this many working days after an escalation: escalate one level further up.
QINGLANG_ESCALATION_REPEAT_WORKING_DAYS = int(
    os.environ.get("QINGLANG_ESCALATION_REPEAT_WORKING_DAYS", 5)
)

REDIS_URL = os.environ.get("QINGLANG_REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    # Shared between web and worker processes, and survives restarts: throttles hold.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "qinglang_cache",
        }
    }

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "qinglang.core.api_auth.BearerTokenAuthentication",
        "qinglang.core.auth.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_RATES": {
        "report_submit": os.environ.get("QINGLANG_RATE_REPORT_SUBMIT", "10/hour"),
        "report_track": os.environ.get("QINGLANG_RATE_REPORT_TRACK", "30/hour"),
        "practitioner_lookup": "60/day",
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
    # Several models have a `status`: name each choice set so the schema stays stable.
    "ENUM_NAME_OVERRIDES": {
        "ReportStatusEnum": "qinglang.intake.models.ReportStatus",
        "CaseStatusEnum": "qinglang.cases.models.CaseStatus",
        "TransferStatusEnum": "qinglang.cases.models.TransferStatus",
        "ExtensionStatusEnum": "qinglang.cases.models.ExtensionStatus",
        "TaskStatusEnum": "qinglang.cases.models.TaskStatus",
    },
}

# Reverse proxies in front of the web processes whose X-Forwarded-For is trusted (0 = none).
QINGLANG_NUM_PROXIES = int(os.environ.get("QINGLANG_NUM_PROXIES", 0))
REST_FRAMEWORK["NUM_PROXIES"] = QINGLANG_NUM_PROXIES
AXES_CLIENT_IP_CALLABLE = "qinglang.core.net.client_ip"

# Brute force: lock a username+IP after 5 failures for 30 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
AXES_VERBOSE = False

OTP_TOTP_ISSUER = "Qinglang 清朗"

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
