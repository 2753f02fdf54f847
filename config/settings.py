"""Banjia settings: one file, every deployment-specific value read from the environment.

With no environment at all the app runs on a SQLite file and runs Celery work in-process
(no broker), so `python manage.py runserver` works on a bare machine. See .env.example.
"""

import re
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A .env file beside manage.py is read if present; real environment variables win.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def refuse(message):
    """Stop with one line on stderr (exit status 1), not a traceback: a setting is missing or bad."""
    raise SystemExit(f"Banjia cannot start: {message}")


DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not DEBUG:
    if not SECRET_KEY:
        refuse(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off "
            "(set DJANGO_DEBUG=1 for local development; ./scripts/run writes it to .env)."
        )
    # Django's own bar (check --deploy, security.W009): 50 characters, 5 different ones.
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure-"):
        refuse(
            "DJANGO_SECRET_KEY is too weak: use at least 50 random characters, e.g. "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'."
        )
elif not SECRET_KEY:
    SECRET_KEY = "banjia-insecure-development-key"  # only ever used with DEBUG on

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_celery_beat",
    "offers",
    "scrapers",
    "watches",
]

MIDDLEWARE = [
    # Outermost: HEAD is served as GET without the body; unserved methods answer 405 with Allow.
    "config.http_methods.HttpMethodsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise (which serves its own precompressed static files), before anything that
    # reads or changes the body. BREACH: Django's GZipMiddleware pads each response with random
    # bytes ("Heal the Breach") and CSRF tokens are masked anew per response, so HTML forms are
    # gzipped too; set DJANGO_GZIP=0 to serve uncompressed.
    *(["django.middleware.gzip.GZipMiddleware"] if env.bool("DJANGO_GZIP", default=True) else []),
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
# The HTTP benchmark (scripts/bench) serves the site plus a bare JsonResponse view, its floor.
if env.bool("BANJIA_BENCH", default=False):
    ROOT_URLCONF = "config.bench_urls"

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
                "django.template.context_processors.i18n",
                "offers.web.context_processors.display",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Persistent connections (a new PostgreSQL connection costs ~7 ms a request), checked before
# reuse so a restarted database does not fail the first request after it.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", env.bool("DJANGO_CONN_HEALTH_CHECKS", default=True))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache backs the scrapers' "one run per source at a time" lock and the per-catalog-version
# page, export and estimate caches (offers.web.page_cache); with Redis configured both are shared by
# all workers, otherwise each process has its own.
# The local-memory default is per process and bounded by entries, not bytes: an estimate page's
# entries (its body, its result with every vendor's detail) reach 250 KB each at 64 vendors, so
# 150 entries keep a worker's cache under about 40 MB (Django's default, 300, let it reach 75 MB).
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://banjia?max_entries=150")}
# Cache rendered pages, the catalog export and estimates per catalog version (0 to turn off).
BANJIA_PAGE_CACHE = env.bool("BANJIA_PAGE_CACHE", default=True)
BANJIA_PAGE_CACHE_SECONDS = env.int("BANJIA_PAGE_CACHE_SECONDS", default=24 * 3600)
# After building the compiled catalog of a new version, move every object then alive out of the
# cyclic garbage collector's sight (gc.freeze, after one full collection): the catalog's hundreds
# of thousands of long-lived objects are then never traversed again, which the estimate's many
# short-lived ones would otherwise cause every few hundred requests (about 10% of an estimate's
# time at 64 vendors). Off with DEBUG (tests and runserver rebuild the catalog constantly, and
# each full collection costs tens of milliseconds).
BANJIA_GC_FREEZE = env.bool("BANJIA_GC_FREEZE", default=not DEBUG)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Production (DEBUG off): hashed, precompressed names from `collectstatic` (scripts/run runs it),
# which WhiteNoise serves with a one-year immutable max-age. Development and tests: plain names
# served straight from the app and project folders, no collectstatic needed.
STATIC_MANIFEST = env.bool("DJANGO_STATIC_MANIFEST", default=not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "whitenoise.storage.CompressedStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=not STATIC_MANIFEST)

# Uploaded usage files are read in memory and capped; see offers.bills.openai.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", default=10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
# Under gunicorn (config.slow_clients): a request body must arrive within this many seconds (a 5 MB
# upload at 1.4 Mbit/s; 0 waits forever), else 408; a body announced larger than the limit is 413.
BANJIA_REQUEST_BODY_SECONDS = env.float("BANJIA_REQUEST_BODY_SECONDS", default=30)
BANJIA_REQUEST_BODY_MAX_BYTES = DATA_UPLOAD_MAX_MEMORY_SIZE + 1024 * 1024  # form fields and multipart framing

# A refused host or a permission denied is one WARNING line, not a traceback (config.log_filters);
# django.request and django.security log only through this handler (not Django's debug console too).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"one_line_refusals": {"()": "config.log_filters.OneLineRefusals"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["one_line_refusals"]}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        name: {"handlers": ["console"], "level": "INFO", "propagate": False}
        for name in ("django.request", "django.security")
    },
}

# --- Security headers (every response, debug or not) ---------------------------------------
# No inline script or style anywhere (htmx's injected indicator style is turned off in base.html),
# so the policy needs no 'unsafe-inline'. The charts are inline SVG (presentation attributes).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer", "camera", "display-capture", "geolocation", "gyroscope", "magnetometer",
        "microphone", "midi", "payment", "usb",
    )
}  # fmt: skip
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

if not DEBUG:
    # HTTPS only. DJANGO_SECURE_COOKIES=0 serves plain http without debug (then check --deploy warns).
    HTTPS = env.bool("DJANGO_SECURE_COOKIES", default=True)
    SESSION_COOKIE_SECURE = HTTPS
    CSRF_COOKIE_SECURE = HTTPS
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=HTTPS)
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=365 * 24 * 3600 if HTTPS else 0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=True)
    if env.bool("DJANGO_BEHIND_TLS_PROXY", default=False):
        # A proxy that terminates TLS and sets X-Forwarded-Proto (else the redirect would loop).
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Rate limits per client (django-ratelimit, counted in the default cache) ----------------
# "N/s", "N/m", "N/h" or "N/d"; "0" turns a limit off. With CACHE_URL on Redis the counts are
# shared by every worker; with the local-memory default they are per process.
RATE_RE = re.compile(r"0|[1-9][0-9]*/[0-9]*[smhd]")


def rate(name, default):
    value = env.str(name, default=default).strip()
    if not RATE_RE.fullmatch(value):
        refuse(f"{name}={value!r} is not a rate such as 120/m (or 0 for no limit).")
    return None if value == "0" else value


BANJIA_API_RATE_LIMIT = rate("BANJIA_API_RATE_LIMIT", "120/m")  # POST /api/v1/estimate
BANJIA_UPLOAD_RATE_LIMIT = rate("BANJIA_UPLOAD_RATE_LIMIT", "20/m")  # usage uploads on /estimate/
BANJIA_LOGIN_RATE_LIMIT = rate("BANJIA_LOGIN_RATE_LIMIT", "10/m")  # admin login attempts
BANJIA_WATCH_RATE_LIMIT = rate("BANJIA_WATCH_RATE_LIMIT", "10/h")  # POST /api/v1/watches
BANJIA_WATCH_FORM_RATE_LIMIT = rate("BANJIA_WATCH_FORM_RATE_LIMIT", "5/h")  # the pages' Watch form
# Behind a reverse proxy, the header carrying the client address (e.g. HTTP_X_REAL_IP);
# unset, the limits count per REMOTE_ADDR.
RATELIMIT_IP_META_KEY = env.str("BANJIA_RATE_LIMIT_IP_HEADER", default=None)

# --- Celery -----------------------------------------------------------------------------
# No broker configured: an in-memory transport and eager execution, so scheduled work can be
# triggered from the admin or the CLI on a bare machine. A real broker (redis:// or amqp://)
# turns on queued execution with separate worker and beat processes.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool(
    "CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL.startswith("memory://")
)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_ACKS_LATE = False  # opted into per task, only where the work is idempotent
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis (and SQS) hand a message that a worker took but never acknowledged to another worker after
# the visibility timeout: that is how a task of a worker that crashed whole comes back. It must stay
# above the longest task (300 s) plus the longest retry countdown (240 s; see scrapers.tasks), or a
# live task would be delivered twice. Kombu's default is an hour. Extra options as JSON.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_BROKER_VISIBILITY_TIMEOUT", default=600),
    **env.json("CELERY_BROKER_TRANSPORT_OPTIONS", default={}),
}
# A task whose worker process died (killed, out of memory) goes back to the queue instead of being
# acknowledged as failed; the tasks that opt into acks_late are idempotent.
CELERY_TASK_REJECT_ON_WORKER_LOST = True

# --- Banjia -----------------------------------------------------------------------------
# A price not checked for this many days is shown and filtered as stale.
BANJIA_STALE_AFTER_DAYS = env.int("BANJIA_STALE_AFTER_DAYS", default=30)
BANJIA_UNCONFIRMED_AFTER_DAYS = env.int("BANJIA_UNCONFIRMED_AFTER_DAYS", default=90)
# The seed catalog imported by the README's run command.
BANJIA_SEED_CATALOG = BASE_DIR / "data" / "catalog.json"

# --- Scrapers ---------------------------------------------------------------------------
# A scraped price that moves by more than this percentage (or disagrees with the aggregated
# feeds by more) waits in the admin for review instead of going live.
BANJIA_SCRAPE_CHANGE_THRESHOLD = env.float("BANJIA_SCRAPE_CHANGE_THRESHOLD", default=50)
BANJIA_SCRAPE_USER_AGENT = env.str(
    "BANJIA_SCRAPE_USER_AGENT",
    default="BanjiaPriceBot/1.0 (LLM price comparison; reads public pricing pages once a day)",
)
BANJIA_SCRAPE_CONNECT_TIMEOUT = env.float("BANJIA_SCRAPE_CONNECT_TIMEOUT", default=10)
BANJIA_SCRAPE_READ_TIMEOUT = env.float("BANJIA_SCRAPE_READ_TIMEOUT", default=30)
BANJIA_SCRAPE_ATTEMPTS = env.int("BANJIA_SCRAPE_ATTEMPTS", default=3)  # per URL, within one fetch
BANJIA_SCRAPE_BACKOFF = env.float("BANJIA_SCRAPE_BACKOFF", default=1.0)  # seconds, doubled per attempt
BANJIA_SCRAPE_MAX_BYTES = env.int("BANJIA_SCRAPE_MAX_BYTES", default=30 * 1024 * 1024)
BANJIA_SCRAPE_ROBOTS = env.bool("BANJIA_SCRAPE_ROBOTS", default=True)
# JSON {"source": ["url", ...]} replacing a source's URLs (e.g. a local server in tests). The host
# allowlist is built from the URLs in force, so an override is the only way to admit a host.
BANJIA_SCRAPE_URLS = env.json("BANJIA_SCRAPE_URLS", default={})
# A refresh task's hard time limit (its soft limit, when it records a timeout, is 4/5 of it).
BANJIA_SCRAPE_TIME_LIMIT = env.int("BANJIA_SCRAPE_TIME_LIMIT", default=300)
# The one-run-per-source lock expires a minute after the refresh task's hard time limit, so a lock
# whose worker died frees itself; a run still `running` after this long is `abandoned` and retried.
# Convergence after a worker dies is bounded by this plus the reaper's interval (README).
BANJIA_SCRAPE_LOCK_SECONDS = env.int("BANJIA_SCRAPE_LOCK_SECONDS", default=BANJIA_SCRAPE_TIME_LIMIT + 60)
if BANJIA_SCRAPE_TIME_LIMIT < 10 or BANJIA_SCRAPE_LOCK_SECONDS <= BANJIA_SCRAPE_TIME_LIMIT:
    refuse(
        f"BANJIA_SCRAPE_LOCK_SECONDS ({BANJIA_SCRAPE_LOCK_SECONDS}) must exceed BANJIA_SCRAPE_TIME_LIMIT "
        f"({BANJIA_SCRAPE_TIME_LIMIT}, at least 10), or a live refresh could be marked abandoned."
    )
# Test-only: a file path; a scrape apply pauses mid-transaction until it exists (see scrapers.apply).
BANJIA_TEST_APPLY_GATE = env.str("BANJIA_TEST_APPLY_GATE", default="")

# --- Watches (issue 20) -------------------------------------------------------------------
# Mail: EMAIL_URL as django-environ reads it (smtp://user:pass@host:587/?tls=True,
# smtp+ssl://..., consolemail://); unset, messages are printed to the console.
vars().update(
    {k: v for k, v in env.email_url("EMAIL_URL", default="consolemail://").items() if v is not None}
)
BANJIA_WATCH_FROM_EMAIL = env.str("BANJIA_WATCH_FROM_EMAIL", default="Banjia <watches@localhost>")
DEFAULT_FROM_EMAIL = BANJIA_WATCH_FROM_EMAIL
# Where the links in messages and webhook payloads point (no request to read it from in a task).
BANJIA_SITE_URL = env.str("BANJIA_SITE_URL", default="http://127.0.0.1:8000")
# At most one message per watch per this many minutes (0: each change at once).
BANJIA_WATCH_DIGEST_MINUTES = env.int("BANJIA_WATCH_DIGEST_MINUTES", default=60)
# Confirmation emails one address can be sent per day, whoever asks (the form answers the same).
BANJIA_WATCH_EMAILS_PER_ADDRESS = env.int("BANJIA_WATCH_EMAILS_PER_ADDRESS", default=3)
# Local development and tests only: webhooks to http(s)://127.0.0.1 (loopback) are allowed.
BANJIA_WEBHOOK_ALLOW_LOOPBACK = env.bool("BANJIA_WEBHOOK_ALLOW_LOOPBACK", default=False)
if BANJIA_WEBHOOK_ALLOW_LOOPBACK and not DEBUG:
    refuse("BANJIA_WEBHOOK_ALLOW_LOOPBACK=1 is for development and tests only (DJANGO_DEBUG=1).")

# Without a broker (tasks run in the process that queued them), a command such as import_catalog
# would print a line per task run ("Task watches.scan_watches[...] succeeded") and kombu's note that
# the in-memory transport has no hostname: noise, not news. Failures still log at ERROR.
if CELERY_TASK_ALWAYS_EAGER:
    LOGGING["loggers"]["celery.app.trace"] = {"handlers": ["console"], "level": "WARNING", "propagate": False}
    LOGGING["loggers"]["kombu.connection"] = {"handlers": ["console"], "level": "ERROR", "propagate": False}
