"""Settings for Einzelfall, read from the environment (and an optional .env file).

Every variable is listed with its meaning in .env.example.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Values already in the environment win over the file. ENV_FILE points elsewhere (or at
# /dev/null to read none).
environ.Env.read_env(env.str("ENV_FILE", default=str(BASE_DIR / ".env")))

DEBUG = env.bool("DEBUG", default=False)

# The development default is only for DEBUG. Without DEBUG and without a key the setting stays
# empty: commands that need no key (makemigrations, check) still run, while the WSGI/ASGI
# application refuses to start (einzelfall/startup.py) and anything that signs raises.
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"  # noqa: S105


ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)

INSTALLED_APPS = [
    # The admin without autodiscovery at start-up: einzelfall/urls.py discovers it. Management
    # commands (exports, cron jobs) then start in half the time and memory, without loading
    # the admin modules, django-import-export's formats and openpyxl.
    "complaints.backoffice.apps.AdminConfig",  # SimpleAdminConfig with the hardened default site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.flatpages",
    "django.contrib.sitemaps",  # its sitemap.xml template (einzelfall/crawlers.py)
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "import_export",
    "django_ratelimit",
    "csp",
    "complaints",
    "reports",
]

MIDDLEWARE = [
    # /healthz and /readyz, before the HTTPS redirect and the host check (einzelfall/health.py).
    "einzelfall.health.HealthMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files from the app itself (no CDN, no second server): compressed, and with hashed
    # names cached for a year (STORAGES below).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Its answer comes after LocaleMiddleware's: widgets and cards vary by ?lang= only.
    "complaints.middleware.LanguageByAddressMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # After the language is known (the 413 page is localized), before anything reads a body.
    "complaints.middleware.RequestSizeLimitMiddleware",
    "complaints.middleware.RejectNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

# Content-Security-Policy (django-csp): everything from this site only, no inline script or
# style, no eval; nothing may frame the site. The SVG charts use presentation attributes,
# the pages load one local script and local stylesheets.
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        # The installable app (complaints/pwa): its manifest and service worker, own host only.
        "manifest-src": [SELF],
        "worker-src": [SELF],
        "object-src": [NONE],
    }
}

ROOT_URLCONF = "einzelfall.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "einzelfall.wsgi.application"
ASGI_APPLICATION = "einzelfall.asgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that is down answers nothing: give up after a few seconds (the visitor gets
    # the 503 page) rather than hold the request and the worker.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=3)
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A local SQLite file: persistent connections buy nothing and WAL lets the
    # development server read while a seed or moderation action writes.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    # A write transaction takes SQLite's write lock when it begins, not at its first write:
    # otherwise two requests that both read first (the duplicate check, a deletion's row
    # lock, which SQLite ignores) deadlock and one fails with "database is locked".
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://einzelfall")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "einzelfall.cache.RedisCache"  # einzelfall/cache.py: why
    # Without these, a Redis host that drops packets holds a request for the system's connect
    # timeout (minutes); with them, a dead Redis costs at most this once per few seconds per
    # process (einzelfall/cache.py marks it down and tries again after RETRY_SECONDS).
    CACHES["default"].setdefault("OPTIONS", {})
    CACHES["default"]["OPTIONS"].setdefault(
        "socket_connect_timeout", env.float("CACHE_CONNECT_TIMEOUT", default=0.5)
    )
    CACHES["default"]["OPTIONS"].setdefault(
        "socket_timeout", env.float("CACHE_SOCKET_TIMEOUT", default=2.0)
    )

EMAIL_CONFIG = env.email_url(
    "EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25"
)
vars().update(EMAIL_CONFIG)
# The confirmation mail is sent while the submitter waits: a mail server that hangs must not
# hold the page (and a worker) for long. The report is stored either way.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Einzelfall <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The back office login: failed attempts counted, then locked for a while
# (complaints/backoffice/auth.py).
AUTHENTICATION_BACKENDS = ["complaints.backoffice.auth.LockingModelBackend"]
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
LOGIN_LOCK_SECONDS = env.int("LOGIN_LOCK_SECONDS", default=15 * 60)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# German by default, English too. URLs carry no language prefix (they are part of the
# contract); the language comes from the switch (cookie) or the browser.
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# With DEBUG off, collectstatic writes every file under a name with its content's hash (and
# gzip versions): a deploy never serves a stale stylesheet from a browser's cache.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

SITE_ID = 1

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# The admin lives at a configurable path so that it is not where every scanner looks.
ADMIN_URL = env.str("ADMIN_URL", default="admin/").strip("/") + "/"

# Carriers the campaign is about, slug -> display name, in order; the first is the default.
# Format: EINZELFALL_CARRIERS="o2=O2 Telefónica,telekom=Telekom,vodafone=Vodafone"
EINZELFALL_CARRIERS = env.dict("EINZELFALL_CARRIERS", default={"o2": "O2 Telefónica"})
if not EINZELFALL_CARRIERS:
    raise ImproperlyConfigured("EINZELFALL_CARRIERS must name at least one carrier.")

# Version of the privacy policy that a submitter consents to; stored with each complaint.
PRIVACY_POLICY_VERSION = env.str("PRIVACY_POLICY_VERSION", default="2026-11-01")

REPORTS_MIN_COUNT = env.int("REPORTS_MIN_COUNT", default=5)
# The public evaluation is released in batches of at least REPORTS_MIN_COUNT newly published
# reports of one city, or of small places together (reports/releases.py); pages check at most
# this often whether one is due (0: only manage.py release_evaluation, e.g. from cron).
EVALUATION_RELEASE_CHECK_SECONDS = env.int("EVALUATION_RELEASE_CHECK_SECONDS", default=3600)
RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=True)
PERSONAL_DATA_RETENTION_DAYS = env.int("PERSONAL_DATA_RETENTION_DAYS", default=180)

# Abuse resistance (complaints/intake/abuse.py). Reports per client, as django-ratelimit rates.
REPORT_RATE_LIMITS = env.list("REPORT_RATE_LIMITS", default=["5/10m", "20/d"])
# A form sent back sooner than this after it was shown is a bot's.
MIN_FILL_SECONDS = env.int("MIN_FILL_SECONDS", default=3)
# Follow-up mails ("has it improved?", manage.py send_followups) go out this many days after
# the report, with links to SITE_URL: a command has no request to take the host from.
FOLLOWUP_AFTER_DAYS = env.int("FOLLOWUP_AFTER_DAYS", default=42)
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# How long a shown form stays good to send (it is good for one stored report).
FORM_STAMP_MAX_AGE = env.int("FORM_STAMP_MAX_AGE", default=24 * 60 * 60)
# A report made on the phone without a connection (complaints/intake, the offline queue) is
# accepted this many days after it was made; its form stamp stays good as long.
OFFLINE_REPORT_MAX_DAYS = env.int("OFFLINE_REPORT_MAX_DAYS", default=7)
# A phone's clock may run a little ahead: a report "made" up to this many seconds in the
# future is taken as made now; further ahead it is refused.
OBSERVED_AT_CLOCK_SKEW = env.int("OBSERVED_AT_CLOCK_SKEW", default=10 * 60)
# Behind a proxy: the header that carries the client's address (e.g. X-Real-IP). Only set it
# when the proxy always sets it: the client can send any header it likes.
CLIENT_IP_HEADER = env.str("CLIENT_IP_HEADER", default="")
# Days a complaint keeps the (daily-keyed) hash of its sender's address, for duplicates.
IP_HASH_RETENTION_DAYS = env.int("IP_HASH_RETENTION_DAYS", default=7)
# The moderation desk (complaints/moderation/): how long a moderator holds the report shown
# to them before another may get it.
DESK_CLAIM_SECONDS = env.int("DESK_CLAIM_SECONDS", default=300)
# A burst: at least BURST_MIN_SIZE reports from one network, one email domain or with
# near-identical descriptions within BURST_WINDOW_MINUTES of each other (README: bursts).
BURST_MIN_SIZE = env.int("BURST_MIN_SIZE", default=5)
BURST_WINDOW_MINUTES = env.int("BURST_WINDOW_MINUTES", default=30)
# Carriers at the table (complaints/carrier/cases.py): a place with CARRIER_QUORUM published
# reports for one carrier within CARRIER_QUORUM_DAYS is opened for that carrier, who is asked
# to answer; CARRIER_ANSWER_DAYS is the deadline the response statistics measure.
CARRIER_QUORUM = env.int("CARRIER_QUORUM", default=20)
CARRIER_QUORUM_DAYS = env.int("CARRIER_QUORUM_DAYS", default=30)
CARRIER_ANSWER_DAYS = env.int("CARRIER_ANSWER_DAYS", default=14)
RATELIMIT_USE_CACHE = "default"
# django-ratelimit lists Django's own Redis backend as "not officially supported" (it works:
# atomic incr) and the local-memory cache as not shared (true: one process in development;
# complaints.checks warns about it for production).
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
if CACHES["default"]["BACKEND"].endswith("LocMemCache"):
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.E003")

# Seconds the public counter may lag behind; submissions and moderation invalidate it.
COUNTER_CACHE_SECONDS = env.int("COUNTER_CACHE_SECONDS", default=30)

# Public requests larger than this are refused with 413 before anything reads the body.
# The form posts a few kilobytes; the admin (imports) has its own, larger limit.
MAX_PUBLIC_REQUEST_BYTES = env.int("MAX_PUBLIC_REQUEST_BYTES", default=64 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)

CSRF_FAILURE_VIEW = "complaints.views.csrf_failure"

# Behind a TLS-terminating proxy: which header says the original request was HTTPS, e.g.
# SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto. Only set it when the proxy always sets (and
# strips) that header, or clients could claim HTTPS themselves.
if _proxy_header := env.str("SECURE_PROXY_SSL_HEADER", default=""):
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # Production is HTTPS only: redirect plain HTTP (behind a TLS proxy, set
    # SECURE_PROXY_SSL_HEADER, or this redirects forever) and tell browsers to stay on HTTPS.
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    # Only marks the header as fit for the browsers' preload list; nothing is submitted.
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# Every handler masks private links, tokens and IP addresses (einzelfall/log_privacy.py):
# Django's warnings print the path of a refused or missing private link. Django's own
# handlers for its loggers are replaced: its console handler (DEBUG only) and mail to ADMINS
# would write the same records unmasked (the mail with the request's headers and address).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"private_data": {"()": "einzelfall.log_privacy.MaskPrivateData"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["private_data"]},
        # runserver's request lines (development)
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["private_data"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}

# django-import-export: import and export need the permissions complaints.import_complaint and
# complaints.export_complaint (the roles' data migration grants them).
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"
IMPORT_EXPORT_USE_TRANSACTIONS = True
# No admin log entry per imported row (a hundred thousand of them); the complaints say
# "imported" themselves.
IMPORT_EXPORT_SKIP_ADMIN_LOG = True
# The uploaded file waits for the confirmation in the cache (Redis in production), so the
# confirming request may reach another app instance than the upload.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "complaints.carrier.imports.ShortCacheStorage"
# The largest import, in rows: complaints/carrier/imports/files.py refuses a longer file at
# once (a file of 100,000 rows takes about ten seconds).
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=200_000)
