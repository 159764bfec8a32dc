"""All configuration comes from KEFU_* environment variables with safe defaults.

KEFU_DATABASE_URL    database URL; default: SQLite file var/kefu.sqlite3
KEFU_REDIS_URL       Redis URL for the channel layer and workers; unset: in-memory / database
KEFU_CHANNEL_CAPACITY  messages waiting for one socket (an agent's desk, a board, a customer) before pushes to it
                     are dropped (the screen then catches up from the stored messages); default 2000, enough for
                     1,000 customers and 50 agents
KEFU_CHANNEL_EXPIRY_SECONDS  how long a push waits for a socket that does not read it; default 60
KEFU_CHANNEL_GROUP_EXPIRY_SECONDS  how long a socket of a server that died stays in its groups; default 86400
KEFU_REDIS_MAX_CONNECTIONS  connections each server process may open to Redis for the channel layer; default 1000
KEFU_SECRET_KEY      secret key; unset: generated once and kept in var/secret_key
KEFU_DEBUG           1 to turn on Django's debug pages (never in production)
KEFU_ALLOWED_HOSTS   comma-separated host names; default: localhost,127.0.0.1
KEFU_VAR_DIR         where files kefu writes live (database, uploads, secret); default: ./var
KEFU_FILES_DIR       where uploaded files (imports) are kept; every server and worker node must read the same
                     directory (a shared mount); default: KEFU_VAR_DIR/files

Serving and background work (docs/OPERATIONS.md):
KEFU_DB_POOL_SIZE    PostgreSQL connections each server or worker process keeps in its pool (psycopg's pool);
                     default 8; a process never opens more (KEFU_DB_POOL_TIMEOUT seconds' wait, default 10, then
                     a clear 503)
KEFU_SQLITE_WAIT_SECONDS  with SQLite, how long a write waits for another to finish before failing; default 30
KEFU_JOB_PROCESSES   processes each `kefu worker` runs jobs in; default 2
KEFU_JOB_LEASE_SECONDS  a running job renews its lease while it works; a worker silent this long has died and its
                     job is queued again; default 60
KEFU_JOB_TIMEOUT_SECONDS  longest one run of a job may take before its process is stopped; default 3600

Serving behind a proxy, sessions, abuse (README "Configuration"):
KEFU_PUBLIC_ORIGINS  comma-separated origins people open kefu at, e.g. https://kefu.example.com:8443; trusted for
                     CSRF (every form post and API call with a session) and their host names are allowed hosts
KEFU_BEHIND_PROXY    1 when a TLS-terminating reverse proxy (Caddy, nginx) is in front: X-Forwarded-Proto says
                     https, X-Forwarded-Host the host, X-Forwarded-For the caller; session and CSRF cookies are
                     sent over HTTPS only and HSTS is sent
KEFU_PROXY_COUNT     how many trusted proxies append to X-Forwarded-For; default 1 behind a proxy, else 0
KEFU_HSTS_SECONDS    Strict-Transport-Security max-age behind a proxy; default 86400 (raise to 31536000 once
                     HTTPS is there to stay); 0 turns it off
KEFU_SESSION_HOURS   a login lasts this long, and ends when the browser closes (shared desk PCs); default 12
KEFU_PASSWORD_MIN_LENGTH  shortest password accepted when one is set; default 10 (also: not like the user
                     name, not a common password, not all digits)
KEFU_LOGIN_FAILURE_LIMIT  wrong passwords for one account before it is locked; default 5
KEFU_LOGIN_ADDRESS_FAILURE_LIMIT  wrong passwords from one address (any account) before it is locked; default 30
                     (a contact center behind one NAT address shares it); 0 turns the address lock off
KEFU_LOGIN_LOCKOUT_MINUTES  how long a lock lasts unless a supervisor lifts it (/accounts/lockouts/); default 30
KEFU_API_TOKEN_FAILURE_LIMIT  wrong API tokens from one address in 10 minutes before it gets 429; default 20
KEFU_API_INTAKE_RATE  calls per user to the API's intake endpoints (new tickets, customers, express intake);
                     default 60/min (django-ninja's format: 120/min, 1000/h)
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("KEFU_VAR_DIR", Path.cwd() / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} 应为整数，而不是“{value}”") from None
    if number < 0:
        raise ImproperlyConfigured(f"{name} 不能为负数")
    return number


def _public_origins() -> list[str]:
    origins = []
    for origin in os.environ.get("KEFU_PUBLIC_ORIGINS", "").split(","):
        origin = origin.strip().rstrip("/")
        if not origin:
            continue
        parts = urlsplit(origin)
        if parts.scheme not in {"http", "https"} or not parts.hostname or parts.path or parts.query:
            raise ImproperlyConfigured(
                f"KEFU_PUBLIC_ORIGINS 中的“{origin}”不是一个来源，应写成 https://kefu.example.com:8443 这样"
            )
        origins.append(f"{parts.scheme}://{parts.netloc}")
    return origins


def _secret_key() -> str:
    key = os.environ.get("KEFU_SECRET_KEY")
    if key:
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("KEFU_DEBUG")
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("KEFU_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h.strip()
]
PUBLIC_ORIGINS = _public_origins()
ALLOWED_HOSTS += [h for h in (urlsplit(o).hostname for o in PUBLIC_ORIGINS) if h and h not in ALLOWED_HOSTS]
# Same-origin posts pass Django's check on any port; these are the origins a proxy (or `make demo`) puts in front.
CSRF_TRUSTED_ORIGINS = [*PUBLIC_ORIGINS, *(f"http://{h}:8000" for h in ALLOWED_HOSTS if h != "*")]

# Behind a TLS-terminating proxy: trust what it says about the scheme, host and caller; cookies over HTTPS only.
BEHIND_PROXY = _env_bool("KEFU_BEHIND_PROXY")
KEFU_PROXY_COUNT = _env_int("KEFU_PROXY_COUNT", 1 if BEHIND_PROXY else 0)  # kefu.ratelimit.client_address
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
    USE_X_FORWARDED_PORT = True
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = _env_int("KEFU_HSTS_SECONDS", 86400)

# Security headers on every response (SecurityMiddleware, XFrameOptionsMiddleware); the content security policy
# is kefu.security.ContentSecurityPolicyMiddleware's. The customer chat page may be framed by a brand's site.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Style attributes (progress bars, Swagger UI) and htmx's indicator style; scripts stay strict.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        # WebSockets to this host (ws: / wss:) are added per request by the middleware.
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],
    }
}

# A login on a shared desk PC ends when the browser closes, and after KEFU_SESSION_HOURS at the latest.
SESSION_COOKIE_AGE = _env_int("KEFU_SESSION_HOURS", 12) * 3600 or 12 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "channels",
    "ninja",  # serves Swagger UI from its own static files, never a CDN
    "auditlog",  # who changed a customer's data, when, old → new (registered in kefu/customers/apps.py)
    "axes",  # login lockout after repeated failures (kefu.accounts.lockout)
    "kefu.accounts",
    "kefu.brands",
    "kefu.customers",
    "kefu.tickets",
    "kefu.chat",
    "kefu.qa",
    "kefu.express",
    "kefu.rules",
    "django_q",  # the transport and processes of durable jobs (kefu.jobs)
    "kefu.jobs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "kefu.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kefu.middleware.CleanTextMiddleware",  # before anything reads a form post (CSRF's check is a view hook)
    "auditlog.middleware.AuditlogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "kefu.middleware.ServiceErrorMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login into the lockout page
]

ROOT_URLCONF = "kefu.urls"
ASGI_APPLICATION = "kefu.asgi.application"
WSGI_APPLICATION = "kefu.wsgi.application"

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
                "kefu.context_processors.clock",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("KEFU_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'kefu.sqlite3'}", conn_max_age=0
    )
}
# Under ASGI a persistent connection belongs to a thread that may never come back (Django's docs): connections
# are taken from a pool for a request and given back at its end, never held (CONN_MAX_AGE 0).
DB_POOL_SIZE = _env_int("KEFU_DB_POOL_SIZE", 8) or 8
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": DB_POOL_SIZE,
        "timeout": _env_int("KEFU_DB_POOL_TIMEOUT", 10) or 10,
        "max_idle": 60,
    }
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the web process read while a sweep or an import writes; writes take the lock at BEGIN
    # (IMMEDIATE) and wait in line for it instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": _env_int("KEFU_SQLITE_WAIT_SECONDS", 30) or 30,
        }
    )
    # A file, not memory, so that tests with real threads (parallel sweeps, concurrent claims) share one database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test_kefu.sqlite3")}

AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("KEFU_REDIS_URL", "")
# Every socket has a queue in the channel layer; a push to a full queue is dropped (the screen then catches up
# from the stored messages by their numbers, kefu.chat.consumers). Sized so that a desk or a board that falls
# behind for a while — 1,000 customers each writing every 2 s to 50 agents, every chat start popping on every
# ready agent — is not full: capacity messages per socket, each kept at most expiry seconds.
CHANNEL_CAPACITY = _env_int("KEFU_CHANNEL_CAPACITY", 2000) or 2000
CHANNEL_EXPIRY = _env_int("KEFU_CHANNEL_EXPIRY_SECONDS", 60) or 60
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # bounded waits: an unreachable Redis is an error in a second, not a hung request
                # (the socket timeout stays above the layer's 5 s blocking read); connections enough for a
                # thousand sockets joining or leaving at once (redis-py refuses the 101st by default)
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_connect_timeout": 1,
                        "socket_timeout": 10,
                        "max_connections": _env_int("KEFU_REDIS_MAX_CONNECTIONS", 1000) or 1000,
                    }
                ],
                "capacity": CHANNEL_CAPACITY,
                "expiry": CHANNEL_EXPIRY,
                # a server killed without closing its sockets leaves their names in groups this long
                "group_expiry": _env_int("KEFU_CHANNEL_GROUP_EXPIRY_SECONDS", 86400) or 86400,
            },
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": CHANNEL_CAPACITY, "expiry": CHANNEL_EXPIRY},
        }
    }
# Rate limits count in the cache: shared by every process through Redis, else each process's own memory.
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "kefu",
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "kefu"}
    )
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": _env_int("KEFU_PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out account or address before the password
    "django.contrib.auth.backends.ModelBackend",
]
# Login lockout (django-axes, kefu.accounts.lockout): per account and, with a higher limit, per address.
LOGIN_FAILURE_LIMIT = _env_int("KEFU_LOGIN_FAILURE_LIMIT", 5) or 5
LOGIN_ADDRESS_FAILURE_LIMIT = _env_int("KEFU_LOGIN_ADDRESS_FAILURE_LIMIT", 30)
AXES_HANDLER = "kefu.accounts.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"] if LOGIN_ADDRESS_FAILURE_LIMIT else ["username"]
AXES_COOLOFF_TIME = timedelta(minutes=_env_int("KEFU_LOGIN_LOCKOUT_MINUTES", 30) or 30)
AXES_RESET_ON_SUCCESS = False  # the handler forgets the account's own failures only (not its address's)
AXES_LOCKOUT_CALLABLE = "kefu.accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "kefu.ratelimit.client_address"
AXES_VERBOSE = False
# Wrong API tokens per address (kefu.api.BearerToken), and the API's intake endpoints (kefu.api.INTAKE).
API_TOKEN_FAILURE_LIMIT = _env_int("KEFU_API_TOKEN_FAILURE_LIMIT", 20) or 20
NINJA_DEFAULT_THROTTLE_RATES = {"intake": os.environ.get("KEFU_API_INTAKE_RATE", "").strip() or "60/min"}
LOGIN_URL = "/login/"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
FILES_DIR = Path(os.environ.get("KEFU_FILES_DIR") or VAR_DIR / "files").resolve()
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Durable jobs (kefu.jobs): the job row is the truth and carries its lease; django-q2 carries its id to a
# worker process over the same database (its ORM broker: no extra server, SQLite or PostgreSQL).
JOB_LEASE_SECONDS = _env_int("KEFU_JOB_LEASE_SECONDS", 60) or 60
JOB_MAX_ATTEMPTS = 3
_JOB_TIMEOUT = _env_int("KEFU_JOB_TIMEOUT_SECONDS", 3600) or 3600
Q_CLUSTER = {
    "name": "kefu",
    "label": "后台任务",
    "orm": "default",
    "workers": _env_int("KEFU_JOB_PROCESSES", 2) or 2,
    "timeout": _JOB_TIMEOUT,
    # the broker hands a message out again after this; kefu's own lease (above) resumes a job long before
    "retry": _JOB_TIMEOUT + 60,
    "max_attempts": JOB_MAX_ATTEMPTS,
    "ack_failures": True,
    "catch_up": False,
    "save_limit": 1000,
    "poll": 0.5,
    "guard_cycle": 1,
    "recycle": 200,
    "cpu_affinity": 0,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
