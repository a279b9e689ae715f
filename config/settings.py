"""Settings, all from the environment with safe defaults.

The embedded default (no variables set) runs everything on one machine with
nothing else installed: SQLite in ``var/`` and a Celery broker kept in an
SQLite file through kombu's SQLAlchemy transport, so a real worker and beat
run without any server. Point ``DATABASE_URL`` at PostgreSQL and
``CELERY_BROKER_URL`` at Redis for production and CI.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("GJJ_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [x.strip() for x in os.environ.get(name, default).split(",") if x.strip()]


# Off unless asked for: a debug page shows settings and code to whoever hits an error.
# `make run` asks for it (DEBUG=1) for the embedded demo.
DEBUG = env_bool("DEBUG", False)
# A deployment says so with an explicit DEBUG=0: only then are a strong SECRET_KEY,
# ALLOWED_HOSTS and HTTPS required. Unset (tests, commands on a developer's machine)
# runs without DEBUG but on localhost with the development key.
DEPLOYED = os.environ.get("DEBUG") is not None and not DEBUG
_DEV_SECRET = "django-insecure-development-only-key-not-for-production"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEPLOYED:
        raise ImproperlyConfigured("生产环境必须设置 SECRET_KEY 环境变量")
    SECRET_KEY = _DEV_SECRET
elif DEPLOYED and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured("SECRET_KEY 过弱：至少50个字符且足够随机")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if DEPLOYED else "127.0.0.1,localhost,[::1]")

# How many reverse proxies in front of the server append to X-Forwarded-For. The
# client's address is the entry that many from the right; 0 trusts no header and
# takes the socket's address, since any client can write the header itself.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "import_export",
    "drf_spectacular_sidecar",
    "axes",
    "gjj",
    "loans",
    "withdrawals",
    "backoffice",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.reject_nul_bytes",
    "config.middleware.api_path_not_found",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # No LocaleMiddleware: the site speaks Chinese whatever the browser asks for.
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns an admin lock-out into its answer.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out client or account before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Log-in protection (django-axes), for the admin and the API alike. A client
# address and an account are each locked after AXES_FAILURE_LIMIT failures, so
# neither new addresses nor new user names get round it; each further failure
# doubles the lock (gjj.auth.login_cool_off).
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_COOLOFF_TIME = "gjj.auth.login_cool_off"
LOGIN_LOCK_MINUTES = int(os.environ.get("LOGIN_LOCK_MINUTES", "15"))
LOGIN_LOCK_MAX_HOURS = 24
AXES_CLIENT_IP_CALLABLE = "gjj.auth.client_ip"
AXES_LOCKOUT_CALLABLE = "gjj.auth.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False


ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'gjj.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # psycopg's pool bounds the connections however many threads serve (the
    # development server starts one per request): a burst waits for a
    # connection instead of opening one each and leaving them idle.
    DATABASES["default"]["OPTIONS"] = {
        "pool": {
            "min_size": 1,
            "max_size": int(os.environ.get("DATABASE_POOL_SIZE", "10")),
            "timeout": 30,
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and the worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not memory, so a Celery worker started by a test sees the test data;
    # one per process, so concurrent test runs never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-gjj-{os.getpid()}.sqlite3")}
else:
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The one language, for the admin, the API's messages and the date formats alike.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an anonymous request is told 401 with WWW-Authenticate.
        "gjj.auth.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["gjj.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "config.schema.GjjAutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "gjj.pagination.StrictPageNumberPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "config.api_errors.exception_handler",
    # The throttles' client address, by the same rule as TRUSTED_PROXY_COUNT.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "COERCE_DECIMAL_TO_STRING": True,
    "DEFAULT_THROTTLE_RATES": {
        "quote": os.environ.get("QUOTE_THROTTLE_RATE", "120/min"),
        "auth": os.environ.get("AUTH_THROTTLE_RATE", "10/min"),
    },
}

# Exports need the list's view permission (the admin mixin checks it too); the
# library's default would let any staff user export.
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"

API_TOKEN_TTL_HOURS = int(os.environ.get("API_TOKEN_TTL_HOURS", "12"))

# 回避 (domain.md §8): whom staff stand aside for; each name is one ring of the
# case's depositor: self, spouse, parents, children, household (any recorded relative).
GJJ_RECUSAL_CIRCLE = ["self", "spouse", "parents", "children", "household"]

SPECTACULAR_SETTINGS = {
    "TITLE": "阳泉市住房公积金管理中心 API",
    "DESCRIPTION": "贷款试算、贷款申请与提取业务接口",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from this server's static files: no CDN, and a CSP of 'self'.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No badge from the public validator: the page asks nothing of any other server.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "ENUM_NAME_OVERRIDES": {
        "SpecialGroupEnum": "gjj.domain.SpecialGroup.choices",
        "PropertyTypeEnum": "gjj.domain.PropertyType.choices",
        "SexEnum": "gjj.domain.Sex.choices",
        "RelationEnum": "gjj.models.Relation",
        "PolicyStatusEnum": "gjj.policy.PolicyStatus.choices",
    },
}

# The cache holds only the API's rate-limit counters. In memory by default (one
# process, or a limit per process); a Redis URL shares them between every
# process and server, so that a limit is the same however many serve.
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "gjj",
            # A request waits at most this long for a counter (then goes unlimited).
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
elif CACHE_URL in ("", "locmem://"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "gjj",
        }
    }
else:
    raise ImproperlyConfigured(f"CACHE_URL 只支持 redis:// 或 locmem://，收到 {CACHE_URL!r}")

# Celery.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or (
    f"sqla+sqlite:///{VAR_DIR / 'celery-broker.sqlite3'}"
)
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # Repricing, then collection, then overdue: one chain per business date.
    "nightly-servicing": {
        "task": "loans.tasks.servicing_nightly",
        "schedule": crontab(hour=1, minute=0),
    },
    "nightly-policy-check": {
        "task": "gjj.tasks.policy_nightly_check",
        "schedule": crontab(hour=1, minute=0),
    },
}
# A repricing chunk takes seconds (docs/benchmarks.md); these stop a stuck one.
REPRICE_CHUNK_SOFT_TIME_LIMIT = int(timedelta(minutes=4).total_seconds())
REPRICE_CHUNK_TIME_LIMIT = int(timedelta(minutes=5).total_seconds())
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A message not acknowledged within this time is delivered again (acks_late):
    # just above the chunks' hard limit, so a chunk whose worker died waits minutes,
    # and no running chunk is handed to a second worker.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": int(
            os.environ.get("CELERY_VISIBILITY_TIMEOUT", REPRICE_CHUNK_TIME_LIMIT + 60)
        ),
        # How often a worker looks for such messages: kombu's defaults (every 10 s, a
        # real scan every 10th time) unless set, e.g. by the worker-kill tests.
        "unacked_restore_interval": int(os.environ.get("CELERY_UNACKED_RESTORE_INTERVAL", 10)),
        "unacked_restore_throttle": int(os.environ.get("CELERY_UNACKED_RESTORE_THROTTLE", 10)),
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "mask_pii": {"()": "gjj.logging.MaskPIIFilter"},
        "client_error_brief": {"()": "gjj.logging.ClientErrorBriefFilter"},
    },
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        # A refused request (403, a bad host or body) is one line; a 500 keeps its traceback.
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["client_error_brief", "mask_pii"],
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["mask_pii"],
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Django's own handlers would print request paths unmasked: every line goes through ours.
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}

# Content-Security-Policy: everything from this server. The admin and the bundled
# Swagger UI (its start-up script served as a file) need no outside origin and no
# inline script; Swagger UI's page and widgets set styles inline.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# The debug page masks settings whose names match: Django's list, and the URLs
# that carry a password (DATABASE_URL, CELERY_BROKER_URL, CACHE_URL, CACHES' LOCATION).
DEFAULT_EXCEPTION_REPORTER_FILTER = "config.views.SettingsMaskingFilter"

if DEPLOYED:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SESSION_COOKIE_AGE = 8 * 3600
