"""Parley settings: one module, configured from the environment.

Development defaults are safe to run locally; production sets DJANGO_DEBUG=0,
DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and DATABASE_URL.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY when DJANGO_DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"

ALLOWED_HOSTS = [
    host.strip() for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if host.strip()
]
CSRF_TRUSTED_ORIGINS = [
    origin.strip() for origin in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if origin.strip()
]

INSTALLED_APPS = [
    "tracker.apps.ParleyAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "tracker",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "tracker.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "tracker.middleware.ControlCharacterMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tracker.middleware.ReadAccessMiddleware",
]

ROOT_URLCONF = "tracker.urls"
WSGI_APPLICATION = "tracker.wsgi.application"

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

# SQLite by default: WAL lets readers run beside a writer, IMMEDIATE makes
# concurrent writers queue on the lock instead of failing mid-transaction.
# How long an SQLite write waits for another's lock before giving up: a request that gives up answers
# 503 "busy, try again" (tracker/views/errors.py). Imports commit in short batches, so a wait is short.
PARLEY_SQLITE_BUSY_SECONDS = float(os.environ.get("PARLEY_SQLITE_BUSY_SECONDS", 10))
SQLITE_PATH = os.environ.get("PARLEY_SQLITE_PATH", str(BASE_DIR / "db.sqlite3"))
DATABASES = {
    "default": dj_database_url.config(default=f"sqlite:///{SQLITE_PATH}", conn_max_age=60, conn_health_checks=True)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": PARLEY_SQLITE_BUSY_SECONDS,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            f"PRAGMA busy_timeout={int(PARLEY_SQLITE_BUSY_SECONDS * 1000)};"
        ),
    }
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("PARLEY_TEST_SQLITE_PATH")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parley's queries read bounded index ranges in milliseconds; starting parallel workers for them
    # costs more than they save (1M events: the busiest actor's page 105 -> 62 ms). Added to any
    # `?options=` of DATABASE_URL. Behind PgBouncer, which may drop it, set it on the role instead.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c max_parallel_workers_per_gather=0".strip()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Decided here, not from DEBUG at start-up: the test runner turns DEBUG off, and tests have no collectstatic.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# Readers log in at /accounts/login/ (tracker.urls), editors too; the admin keeps its own login page.
LOGIN_URL = "login"
# Where a login goes when its `next` is missing or refused (another site, say), and where a logout goes.
LOGIN_REDIRECT_URL = "timeline"
LOGOUT_REDIRECT_URL = "timeline"

# Anonymous visitors may read the dashboard only where the deployment allows it.
PARLEY_ANONYMOUS_READ = env_bool("PARLEY_ANONYMOUS_READ", DEBUG)
# Largest article the import accepts, in bytes.
PARLEY_ARTICLE_MAX_BYTES = int(os.environ.get("PARLEY_ARTICLE_MAX_BYTES", 1_000_000))
# The most events one download (CSV, iCalendar, Parley JSON) holds; the file and the page say when it is cut.
PARLEY_EXPORT_MAX_ROWS = int(os.environ.get("PARLEY_EXPORT_MAX_ROWS", 20_000))
# Sites allowed to show the embeddable timeline (/embed/) in an iframe, as origins separated by commas
# ("https://news.example,https://www.news.example"). None by default: every page refuses to be framed.
PARLEY_EMBED_ORIGINS = [
    origin.strip() for origin in os.environ.get("PARLEY_EMBED_ORIGINS", "").split(",") if origin.strip()
]
# The most proposals (actors, meetings and drills) one review page offers: each is a row of form fields.
PARLEY_REVIEW_MAX_PROPOSALS = int(os.environ.get("PARLEY_REVIEW_MAX_PROPOSALS", 500))
# Fetching links and feeds (tracker/web/fetch.py): hosts that may resolve to loopback or private
# addresses (an intranet site; the tests' local server), and the connect and read timeouts in seconds.
PARLEY_FETCH_ALLOWED_HOSTS = [
    host.strip() for host in os.environ.get("PARLEY_FETCH_ALLOWED_HOSTS", "").split(",") if host.strip()
]
PARLEY_FETCH_CONNECT_TIMEOUT = float(os.environ.get("PARLEY_FETCH_CONNECT_TIMEOUT", 5))
PARLEY_FETCH_READ_TIMEOUT = float(os.environ.get("PARLEY_FETCH_READ_TIMEOUT", 15))
# The review of a long article has a dozen fields per proposed actor, meeting and drill: Django's
# default of 1,000 fields would refuse the confirmation of about eighty proposals.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
# import_timeline commits a large file in batches of at most this many records or seconds, pausing
# between them, so that logins and edits get the write lock in between (SQLite has one for the whole
# database); a journal undoes every committed batch if the import fails. 0 records: one transaction.
PARLEY_IMPORT_BATCH_RECORDS = int(os.environ.get("PARLEY_IMPORT_BATCH_RECORDS", 200))
PARLEY_IMPORT_BATCH_SECONDS = float(os.environ.get("PARLEY_IMPORT_BATCH_SECONDS", 0.25))
# The pause outlasts SQLite's busy handler, which polls a waiting writer's lock every 0.1 s.
PARLEY_IMPORT_PAUSE_SECONDS = float(os.environ.get("PARLEY_IMPORT_PAUSE_SECONDS", 0.15))
# One import runs at a time: how long another waits for it before giving up with a message.
PARLEY_IMPORT_WAIT_SECONDS = float(os.environ.get("PARLEY_IMPORT_WAIT_SECONDS", 600))
# Failed logins allowed before a cool-down: per username from one address, per address for any username,
# and per username from anywhere (looser, so that nobody can lock an account out from one address).
PARLEY_LOGIN_ATTEMPTS = int(os.environ.get("PARLEY_LOGIN_ATTEMPTS", 5))
PARLEY_LOGIN_ADDRESS_ATTEMPTS = int(os.environ.get("PARLEY_LOGIN_ADDRESS_ATTEMPTS", 20))
PARLEY_LOGIN_USERNAME_ATTEMPTS = int(os.environ.get("PARLEY_LOGIN_USERNAME_ATTEMPTS", 50))
PARLEY_LOGIN_COOLDOWN_SECONDS = int(os.environ.get("PARLEY_LOGIN_COOLDOWN_SECONDS", 300))
# Behind a trusted reverse proxy, the request header that carries the client's address
# (e.g. HTTP_X_FORWARDED_FOR); unset, login throttling uses REMOTE_ADDR.
PARLEY_CLIENT_ADDRESS_HEADER = os.environ.get("PARLEY_CLIENT_ADDRESS_HEADER", "")

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Rendered pieces of pages (an event's list entry, a density row), keyed by everything they show, so
    # an entry is never stale and each worker can keep its own: reused across pages and across writes.
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragments",
        "OPTIONS": {"MAX_ENTRIES": 5_000},  # list entries ~1 KiB, density rows ~10 KiB: tens of MiB at most
    },
}
# A page cache all workers share. A directory: a file cache, which never waits on the database's
# write lock (a database cache on SQLite waited on every import). A bare name: a database cache table,
# for several machines sharing one PostgreSQL (`manage.py createcachetable` first).
if CACHE_LOCATION := os.environ.get("DJANGO_CACHE_LOCATION"):
    CACHES["default"] = {
        "BACKEND": (
            "django.core.cache.backends.filebased.FileBasedCache"
            if os.path.isabs(CACHE_LOCATION)
            else "django.core.cache.backends.db.DatabaseCache"
        ),
        "LOCATION": CACHE_LOCATION,
    }

# Security headers: sent in every environment, HTTPS-only ones outside DEBUG.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", 31_536_000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
