"""Trickle settings: one typed file, embedded development defaults, production secrets required."""

import logging
import os
import secrets
from pathlib import Path

from celery.schedules import crontab
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from ops.settings_checks import embedded_parts_refusal
from scriptd_client.limits import TIMEOUT_MAX_S, TIMEOUT_MIN_S

from .broker import FILESYSTEM_TRANSPORT, filesystem_transport_options
from .env import BASE_DIR, VAR_DIR, env

log = logging.getLogger("trickle.settings")

# Production is opt-in: it turns every development convenience into a hard requirement.
PRODUCTION = env.bool("TRICKLE_PRODUCTION", default=False)
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# var/ holds the SQLite database (sessions, password hashes), generated keys and the broker's messages:
# only our own user may enter it, whatever the umask (an existing var/ is tightened too).
VAR_DIR.mkdir(mode=0o700, exist_ok=True)
VAR_DIR.chmod(0o700)


def _private_file(path: Path) -> None:
    """Create `path` if missing, readable and writable by our user only (SQLite gives its -wal and -shm
    files the database file's mode, so they follow)."""
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    path.chmod(0o600)


def _development_secret(name: str, make, what: str) -> str:
    """Read a generated secret from var/, creating it once, so restarts keep sessions and ciphertexts."""
    path = VAR_DIR / name
    if not path.exists():
        _private_file(path)  # private before the secret is written, not after
        path.write_text(make())
        log.warning("Generated a development %s in %s; set it in the environment for production.", what, path)
    return path.read_text().strip()


def _required_in_production(var: str, name: str, make, what: str) -> str:
    value = env.str(var, default="")
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(f"{var} must be set in production ({what}). See README.md, 'Configuration'.")
    return _development_secret(name, make, what)


SECRET_KEY = _required_in_production("SECRET_KEY", "secret_key", lambda: secrets.token_urlsafe(50), "Django secret key")
# Comma separated Fernet keys: the first encrypts, all decrypt (rotation: put the new key first,
# run `manage.py rotate_encryption_key`, then drop the old one).
TRICKLE_ENCRYPTION_KEYS = [
    k.strip()
    for k in _required_in_production(
        "TRICKLE_ENCRYPTION_KEYS",
        "encryption_keys",
        lambda: Fernet.generate_key().decode(),
        "Fernet keys that encrypt configuration values",
    ).split(",")
    if k.strip()
]

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "connections_admin",
    "scripts_editor",
    "identity",
    "api",
    "ops",
]

# Trusted-proxy rewriting runs first so everything after it (HTTPS redirect, logs, metrics, /metrics' network
# check) sees the real client and scheme; /healthz, /readyz and /metrics are answered before host checks,
# so a load balancer probing by IP address gets its answer.
MIDDLEWARE = [
    "ops.middleware.TrustedProxyMiddleware",
    "telemetry.middleware.RequestTelemetryMiddleware",
    "ops.middleware.OperationsEndpointsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'trickle.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, Celery worker and tests share the file: wait for locks instead of failing at once. WAL lets
    # readers (the Try panel's polling) run beside a writer, and synchronous=NORMAL is WAL's safe setting:
    # a commit is durable at the next checkpoint, never corrupt.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # Tests run Celery workers and live servers in threads: an in-memory shared-cache database answers
    # "table is locked" at once instead of waiting, so the test database is a file as well.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
    if DATABASES["default"]["NAME"] not in ("", ":memory:") and Path(DATABASES["default"]["NAME"]).parent.is_dir():
        _private_file(Path(DATABASES["default"]["NAME"]))
# The shared cache backs DRF throttling (a per-process cache would give each gunicorn worker its own
# budget) and any other state several processes must agree on. Development keeps it in memory.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://trickle")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# A request body Django reads into memory: room for a PATCH carrying all seven scripts at their 512 kB limit
# even when a client escapes every character of them in JSON (up to 3x), plus the configuration.
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The first hasher makes new hashes; the others are still checked, and upgraded to the first at the next
# good login (identity/hashers.py). The imported_* hashers read hashes brought in by a bulk user import.
PASSWORD_HASHERS = [
    "identity.hashers.OwaspArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "identity.hashers.ImportedPasswordHasher",
]
# Attack protection of logins through connections (identity/protection.py), as Auth0's: a user/IP pair is
# blocked after this many consecutive failures (0: off); an IP after this many failures across accounts
# within the window (0: off). Allow-listed IPs (your own servers) are never counted or blocked.
TRICKLE_BRUTE_FORCE_MAX_ATTEMPTS = env.int("TRICKLE_BRUTE_FORCE_MAX_ATTEMPTS", default=10)
TRICKLE_SUSPICIOUS_IP_MAX_FAILURES = env.int("TRICKLE_SUSPICIOUS_IP_MAX_FAILURES", default=100)
TRICKLE_SUSPICIOUS_IP_WINDOW_S = env.int("TRICKLE_SUSPICIOUS_IP_WINDOW_S", default=24 * 3600)
TRICKLE_ATTACK_PROTECTION_ALLOWLIST = env.list("TRICKLE_ATTACK_PROTECTION_ALLOWLIST", default=[])
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "connections_admin:connection-list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").exists() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
X_FRAME_OPTIONS = "DENY"
# A reverse proxy in front: only these addresses (IPs or CIDR networks) may set X-Forwarded-For/-Proto;
# from anyone else the headers are dropped, so SECURE_PROXY_SSL_HEADER cannot be spoofed.
TRUSTED_PROXIES = env.list("TRICKLE_TRUSTED_PROXIES", default=[])
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("TRICKLE_SSL_REDIRECT", default=PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]  # probes and scrapers on the inside network
# HSTS is sticky in browsers for its whole duration, so it is opted into, never defaulted.
SECURE_HSTS_SECONDS = env.int("TRICKLE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("TRICKLE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("TRICKLE_HSTS_PRELOAD", default=False)

# Celery: the filesystem transport needs no server; production points CELERY_BROKER_URL at Redis or RabbitMQ.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT = FILESYSTEM_TRANSPORT
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_transport_options(
        Path(env.str("TRICKLE_BROKER_DIR", default=str(VAR_DIR / "broker")))
    )

# SQLite and the filesystem broker live on one disk of one host: a second web or worker host would get its
# own database or queue, and every writer waits on one file lock. Production refuses them unless asked.
ALLOW_EMBEDDED = env.bool("TRICKLE_ALLOW_EMBEDDED", default=False)
if PRODUCTION and not ALLOW_EMBEDDED:
    _refusal = embedded_parts_refusal(
        database_engine=DATABASES["default"]["ENGINE"],
        broker_url=CELERY_BROKER_URL,
        cache_url=env.str("CACHE_URL", default=""),
    )
    if _refusal:
        raise ImproperlyConfigured(_refusal)

# Several Trickle installations (or test runs) may share one broker: each keeps to its own queue.
CELERY_TASK_DEFAULT_QUEUE = env.str("TRICKLE_CELERY_QUEUE", default="celery")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# `make run` starts the worker with --beat: ends Try runs whose worker or scriptd died.
# The beat's own state (celerybeat-schedule.*, by default in the working directory) stays under var/.
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "script-runs-sweep": {"task": "scripts_editor.tasks.script_runs_sweep_task", "schedule": 60.0},
    "log-streams-tick": {"task": "identity.tasks.log_streams_tick_task", "schedule": 5.0},
    "shadow-sessions-expire": {"task": "identity.tasks.shadow_sessions_expire_task", "schedule": 60.0},
    "retention-prune": {
        "task": "ops.tasks.retention_prune_task",
        "schedule": crontab(hour=env.int("TRICKLE_RETENTION_HOUR_UTC", default=3), minute=17),
    },
}
# Log streams (identity/log_streams.py): entries per POST, the first retry's delay (doubling up to 5 min),
# and the failures in a row after which a stream is suspended.
TRICKLE_LOG_STREAM_BATCH = env.int("TRICKLE_LOG_STREAM_BATCH", default=100)
TRICKLE_LOG_STREAM_RETRY_BASE_S = env.float("TRICKLE_LOG_STREAM_RETRY_BASE_S", default=5.0)
TRICKLE_LOG_STREAM_MAX_FAILURES = env.int("TRICKLE_LOG_STREAM_MAX_FAILURES", default=10)

# scriptd, the Node sandbox service (sandbox/): where it listens and the limits runs get by default.
SCRIPTD_SOCKET = env.str("TRICKLE_SCRIPTD_SOCKET", default=str(VAR_DIR / "scriptd.sock"))
# npm packages an operator added to the sandbox's catalog (`manage.py sandbox_modules add`): under var/ so
# they survive upgrades of the checkout; scriptd serves them next to sandbox/catalog.json.
# A PEM file of extra certificate authorities scripts' TLS trusts beside the system's (an internal CA), like
# Node's NODE_EXTRA_CA_CERTS; read once when scriptd starts, never shown to scripts. Empty: none.
SCRIPTD_EXTRA_CA_FILE = env.str("TRICKLE_SCRIPTD_EXTRA_CA_FILE", default="")
SANDBOX_MODULES_DIR = Path(env.str("TRICKLE_SANDBOX_MODULES_DIR", default=str(VAR_DIR / "sandbox-modules")))
# The limit new connections start with (each connection may change its own), within scriptd_client/limits.py's range.
SCRIPT_TIMEOUT_S = env.int("TRICKLE_SCRIPT_TIMEOUT_S", default=20)
if not TIMEOUT_MIN_S <= SCRIPT_TIMEOUT_S <= TIMEOUT_MAX_S:
    raise ImproperlyConfigured(f"TRICKLE_SCRIPT_TIMEOUT_S must be between {TIMEOUT_MIN_S} and {TIMEOUT_MAX_S} seconds.")
SCRIPT_MEMORY_MB = env.int("TRICKLE_SCRIPT_MEMORY_MB", default=128)
# Try runs waiting or running at once, per user and per connection: more answer 429, so a burst of Try runs
# cannot fill the queue that other users' runs wait in.
TRY_RUNS_PER_USER = env.int("TRICKLE_TRY_RUNS_PER_USER", default=5)
TRY_RUNS_PER_CONNECTION = env.int("TRICKLE_TRY_RUNS_PER_CONNECTION", default=10)
# The legacy store's circuit breaker (identity.circuit): this many infrastructure failures in a row within the
# window open it; logins that need the legacy store then fail at once until one probe after the cool-down
# succeeds. Each connection may override them (API option trickle_circuit_breaker).
CIRCUIT_FAILURES = env.int("TRICKLE_CIRCUIT_FAILURES", default=5)
CIRCUIT_WINDOW_S = env.int("TRICKLE_CIRCUIT_WINDOW_S", default=60)
CIRCUIT_COOLDOWN_S = env.int("TRICKLE_CIRCUIT_COOLDOWN_S", default=30)
# Canary releases (scripts_editor.deploy): the share of end users a canary serves, and when it is rolled
# back: its infrastructure-error rate above the live revision's by more than MARGIN percentage points once it
# has MIN_CALLS calls. Each connection may override them.
# Shadow runs (identity.shadow_runs): pool threads per web process and jobs held at most (more are dropped and
# counted), and a new session's default call and time limits.
SHADOW_WORKERS = env.int("TRICKLE_SHADOW_WORKERS", default=2)
SHADOW_QUEUE_MAX = env.int("TRICKLE_SHADOW_QUEUE_MAX", default=200)
SHADOW_DEFAULT_CALLS = env.int("TRICKLE_SHADOW_DEFAULT_CALLS", default=1000)
SHADOW_DEFAULT_HOURS = env.int("TRICKLE_SHADOW_DEFAULT_HOURS", default=24)
CANARY_PERCENT = env.int("TRICKLE_CANARY_PERCENT", default=10)
CANARY_MARGIN = env.int("TRICKLE_CANARY_MARGIN", default=5)
CANARY_MIN_CALLS = env.int("TRICKLE_CANARY_MIN_CALLS", default=20)

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "api.schema.ScopedAutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.ScopePermission"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
TRICKLE_API_RATE = env.str("TRICKLE_API_RATE", default="600/minute")  # per API token
SPECTACULAR_SETTINGS = {
    "TITLE": "Trickle Management API",
    "VERSION": "2",
    "DESCRIPTION": "Auth0-shaped management of custom database connections. Every 4xx answers "
    '{"statusCode", "error", "message", "errorCode"}. Options prefixed trickle_ are Trickle extensions.',
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Two `status` enums: a script run's keeps the name it had alone, a test suite run's gets its own.
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": ["queued", "running", "succeeded", "failed", "timed_out", "crashed"],
        "TestSuiteRunStatusEnum": "scripts_editor.models.ScriptTestSuiteRun.Status",
        "ScriptEnum": "scripts_editor.scripts.SCRIPT_KEYS",  # a test case's script and a shadow's scripts
    },
}

# Request ids: taken from the proxy's header when well formed, else made here; they follow a request into its
# Celery task and scriptd call, and are stored on ScriptRun and FlowEvent rows.
REQUEST_ID_HEADER = env.str("TRICKLE_REQUEST_ID_HEADER", default="X-Request-ID")
LOG_FORMAT = env.str("TRICKLE_LOG_FORMAT", default="plain")  # plain | json
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "telemetry.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "telemetry.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
if LOG_FORMAT == "json":
    CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # Celery's own lines go through the same JSON handler

# /metrics: a bearer token, or a scrape from one of these networks (after trusted-proxy rewriting).
# Development allows the loopback; production allows nothing until one of the two is set.
METRICS_TOKEN = env.str("TRICKLE_METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = env.list(
    "TRICKLE_METRICS_ALLOWED_NETWORKS", default=[] if PRODUCTION else ["127.0.0.0/8", "::1/128"]
)

# Retention in days (0 keeps forever); `manage.py prune` and the nightly beat entry delete in batches.
RETENTION_DAYS = {
    "login_events": env.int("TRICKLE_RETENTION_LOGIN_EVENTS_DAYS", default=90),
    "script_runs": env.int("TRICKLE_RETENTION_SCRIPT_RUNS_DAYS", default=30),
    # Saved tests' suite runs: History's pass/fail badge of each revision, so kept as long as the audit trail.
    "test_suite_runs": env.int("TRICKLE_RETENTION_TEST_SUITE_RUNS_DAYS", default=365),
    "audit_events": env.int("TRICKLE_RETENTION_AUDIT_DAYS", default=365),
    "logs": env.int("TRICKLE_RETENTION_LOGS_DAYS", default=90),  # the tenant log (GET /api/v2/logs)
    "sessions": env.int("TRICKLE_RETENTION_SESSIONS_DAYS", default=0),  # days after expiry; 0: once expired
}
RETENTION_BATCH_SIZE = env.int("TRICKLE_RETENTION_BATCH_SIZE", default=1000)

# Error reporting: on when SENTRY_DSN is set, for the web processes and the Celery workers alike.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from telemetry.sentry import sentry_start

    sentry_start(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production" if PRODUCTION else "development"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )
