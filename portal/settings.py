"""Settings for the portal: every knob comes from the environment (12-factor), see .env.example."""

import hashlib
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Real environment variables win over the optional .env file.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env("SECRET_KEY", default="django-insecure-local-development-only" if DEBUG else None)
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. With DEBUG off the portal refuses to start without one: "
        "set SECRET_KEY in the environment or in .env (see .env.example)."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "portal.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    # Staff's second factor (portal/twofactor.py): apps' codes (TOTP) and recovery codes (static tokens).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    # Before django_tasks_db: of two apps with a command of the same name, the one listed first wins, and the
    # portal's db_worker (portal/worker.py) is django-tasks-db's made safe to stop and to kill.
    "portal",
    "django_tasks_db",
    "events",
]

MIDDLEWARE = [
    # Outermost, so every response carries them: /healthz, static files, the redirect to HTTPS, errors.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "portal.health.HealthCheckMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Compresses what the pages render; the cached schedule pages and exports arrive already compressed.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language of the address (/es/…), or English; a visitor who chose another language is sent to it.
    "portal.languages.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check, which would read a whole upload to find its token.
    "portal.middleware.RefuseUnexpectedUploadsMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session was signed in with a second factor (portal/sites.py).
    "django_otp.middleware.OTPMiddleware",
    # Anonymous requests get ANONYMOUS_REQUEST_TIMEOUT seconds, then the page to try again (portal/errors.py).
    "portal.deadline.DeadlineMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "events.middleware.EventMiddleware",
]

ROOT_URLCONF = "portal.urls"

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

WSGI_APPLICATION = "portal.wsgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Connections are kept between requests (a new one per request halves the throughput of cached pages), and
# checked before a request reuses one, so a connection the database closed is replaced instead of failing it.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=600))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The email worker and the app server write to one file. SQLite lets one writer in at a time; each of
    # these makes the others wait for it instead of failing with "database is locked":
    # - every transaction takes the write lock when it begins (IMMEDIATE). Django's default (DEFERRED) takes
    #   it at the first write, and a transaction that has read cannot wait for it then: a save that reads
    #   before it writes failed at once whenever the worker held the lock. Two saves of one admin form also
    #   run one after the other this way, the second reading what the first saved (events/concurrency.py);
    # - a statement waits up to SQLITE_BUSY_TIMEOUT seconds for the lock;
    # - the write-ahead log lets pages be read while someone writes (it stays on in the file once set).
    # Erased and deleted rows (attendees' details, events/privacy.py) are overwritten in the file, not only
    # unlinked: some builds of SQLite leave them readable in free space (secure_delete).
    sqlite_options = DATABASES["default"].setdefault("OPTIONS", {})
    sqlite_options.setdefault("transaction_mode", "IMMEDIATE")
    sqlite_options.setdefault("timeout", env.int("SQLITE_BUSY_TIMEOUT", default=20))
    sqlite_options.setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA secure_delete=ON")
# Each process remembers events until the database says something changed (events/versionwatch.py); on
# PostgreSQL it keeps one more connection for that, listening for changes to events. Off where LISTEN
# cannot work, e.g. a pooler in transaction mode: then each request reads its event.
SCHEDULE_VERSION_LISTEN = env.bool("SCHEDULE_VERSION_LISTEN", default=True)

# Pages for every visitor and pieces of them (a big conference's talk cards) are kept here: local memory per
# process by default, with room for a few thousand of them.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://portal?max_entries=5000")}
# Pages for every visitor may be kept this many seconds by nginx and any CDN in front (Cache-Control
# s-maxage); a change shows there after at most this long.
EDGE_CACHE_SECONDS = env.int("EDGE_CACHE_SECONDS", default=1)
# Seconds an anonymous request may take before it is stopped and answered with a 503 to try again
# (portal/deadline.py); 0: no limit. Signed-in staff are limited by gunicorn's timeout (GUNICORN_TIMEOUT).
ANONYMOUS_REQUEST_TIMEOUT = env.float("ANONYMOUS_REQUEST_TIMEOUT", default=5)
if ANONYMOUS_REQUEST_TIMEOUT < 0:
    raise ImproperlyConfigured(
        f"ANONYMOUS_REQUEST_TIMEOUT is {ANONYMOUS_REQUEST_TIMEOUT:g}: give the seconds an anonymous request may "
        "take (5 by default), or 0 for no limit."
    )
# Changes to the schedule made within this many minutes of each other are one entry of its public changelog.
CHANGELOG_GROUP_MINUTES = env.int("CHANGELOG_GROUP_MINUTES", default=10)


def _code_fingerprint():
    """A digest of the code, templates, static files and translations: cached renderings of another release
    never match."""
    digest = hashlib.sha256()
    for folder in ("portal", "events", "templates", "static", "locale"):
        for path in sorted((BASE_DIR / folder).rglob("*")):
            if path.is_file() and path.suffix in {
                ".py",
                ".html",
                ".txt",
                ".css",
                ".js",
                ".svg",
                ".xsd",
                ".mo",
            }:
                digest.update(str(path.relative_to(BASE_DIR)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# Part of every cache key of rendered pages, exports and their pieces (see events/pagecache.py).
RENDER_REVISION = env("RENDER_REVISION", default="") or _code_fingerprint()

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # At least 12 characters for staff (every account the portal makes is one), 8 for any other.
    {"NAME": "portal.passwords.StaffMinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# English at the addresses the portal always had; each other language under its own prefix (/es/, /de/), so
# every page has one address per language, which caches and links can tell apart (portal/urls.py). A visitor's
# choice is kept in the language cookie (portal/languages.py). Organiser-written content is shown as written.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Storage is in UTC; every event shows its times in its own zone (Event.time_zone).
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Uploads (speaker photos, events/photos.py). Locally they go to MEDIA_ROOT, which nginx serves under /media/
# (deploy/nginx.conf) and Django itself with DEBUG (make run). Several app servers share no folder: with
# MEDIA_STORAGE=s3 they go to an S3-compatible bucket (django-storages), which serves them itself.
MEDIA_STORAGE = env("MEDIA_STORAGE", default="local")
MEDIA_URL = env("MEDIA_URL", default="/media/")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
if MEDIA_STORAGE == "s3":
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage"}
    AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME")
    AWS_ACCESS_KEY_ID = env("AWS_ACCESS_KEY_ID", default=None)
    AWS_SECRET_ACCESS_KEY = env("AWS_SECRET_ACCESS_KEY", default=None)
    AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL", default=None)
    AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME", default=None)
    # The address photos are shown from, e.g. the bucket's CDN name; without it, the endpoint's own address.
    AWS_S3_CUSTOM_DOMAIN = env("AWS_S3_CUSTOM_DOMAIN", default=None)
    # Photos are public and their names unique (a new photo gets a new name), so addresses need no signature
    # and pages that show them can be kept; a name is never written twice.
    AWS_QUERYSTRING_AUTH = False
    AWS_S3_FILE_OVERWRITE = False
    AWS_S3_OBJECT_PARAMETERS = {"CacheControl": "public, max-age=31536000, immutable"}
elif MEDIA_STORAGE != "local":
    raise ImproperlyConfigured(f"MEDIA_STORAGE is “{MEDIA_STORAGE}”: use local (the default) or s3.")
# Uploaded photos larger than this are refused before they are read as images.
PHOTO_MAX_MB = env.int("PHOTO_MAX_MB", default=5)
# Importing talks from a conference's programme by its address (events/exchange/fetching.py): how long to wait for it,
# how large it may be, and whether private and local addresses may be asked (never in production: an
# organiser's address would reach whatever the app server reaches).
IMPORT_TIMEOUT = env.int("IMPORT_TIMEOUT", default=15)
IMPORT_MAX_MB = env.int("IMPORT_MAX_MB", default=10)
IMPORT_ALLOW_PRIVATE_ADDRESSES = env.bool("IMPORT_ALLOW_PRIVATE_ADDRESSES", default=False)
# The most talks an event may hold after an import (events/exchange/programme.py): well above real conferences
# (FOSDEM has about 1,000), below what no server can render as one schedule.
EVENT_MAX_TALKS = env.int("EVENT_MAX_TALKS", default=5000)
# Without collectstatic (make run), whitenoise serves straight from the source folders.
WHITENOISE_USE_FINDERS = DEBUG

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Community event portal <portal@localhost>")
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
# Seconds the delivery worker waits for the mail server before it tries again later (portal/outbox.py).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
# A failed delivery is tried again after EMAIL_RETRY_SECONDS, then twice that, up to an hour apart, this many times.
EMAIL_MAX_ATTEMPTS = env.int("EMAIL_MAX_ATTEMPTS", default=10)
EMAIL_RETRY_SECONDS = env.int("EMAIL_RETRY_SECONDS", default=60)
# How long the worker holds an email it sends, or any task it runs: past that, the send is taken for dead (its worker
# was killed or cut off) and the email sent again, with the same Message-ID. Longer than the slowest send.
WORKER_LEASE_SECONDS = env.int("WORKER_LEASE_SECONDS", default=300)
if WORKER_LEASE_SECONDS < 1:
    raise ImproperlyConfigured(
        f"WORKER_LEASE_SECONDS is {WORKER_LEASE_SECONDS}: a lease lasts a second or more."
    )
# The portal's public address, for links in email that the worker sends after the request is gone.
SITE_URL = env("SITE_URL", default="http://localhost:8000").rstrip("/")

# Email and reminders go through a queue in the database, which `manage.py db_worker` works through.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Security switches, all off by default so plain-HTTP local use works; production turns them on.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("SECURE_PROXY_SSL_HEADER", default=False) else None
)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False)
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Only the portal's own scripts and styles run: no inline script, no third-party origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # 'self' covers /media/; https: the photos in a bucket (MEDIA_STORAGE=s3) and speakers' photo_url.
        "img-src": ["'self'", "data:", "https:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        # The web app manifest and the service worker (portal/webapp.py), both served by the portal itself;
        # default-src covers them, said outright so that narrowing script-src never drops offline use.
        "manifest-src": ["'self'"],
        "worker-src": ["'self'"],
        "form-action": ["'self'"],
        # Only the embed pages (/<event>/embed/) let other sites frame them, those of EMBED_ORIGINS and of
        # their event (events/views.py); nothing else may be framed, anywhere.
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Sites that may show every event's embedded schedule in a frame (https://blog.example.org, comma-separated);
# each event adds its own in the admin. Checked at start-up (events/apps.py).
EMBED_ORIGINS = env.list("EMBED_ORIGINS", default=[])

# Number of reverse proxies in front of the portal that append to X-Forwarded-For (0: clients connect directly).
# Per-client limits read the client's address from that header only when this is set.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)

# The admin sign-in's brake (portal/signin.py): an account gets this many wrong guesses (passwords or codes,
# from any address) within the window, then its sign-in pauses until the window, which began at its first
# wrong guess, ends. An address is never locked out: after this many failures from it, each further attempt
# from it waits a little longer (1, 2, 4 … seconds, at most a minute); its failures are forgotten after the
# window too.
ADMIN_LOGIN_MAX_FAILURES = env.int("ADMIN_LOGIN_MAX_FAILURES", default=5)
ADMIN_LOGIN_LOCKOUT_SECONDS = env.int("ADMIN_LOGIN_LOCKOUT_SECONDS", default=900)
# Superusers reach no admin page before they set up a second factor (an authenticator app); every other staff
# member may set one up on their own two-factor page.
ADMIN_REQUIRE_2FA_FOR_SUPERUSERS = env.bool("ADMIN_REQUIRE_2FA_FOR_SUPERUSERS", default=True)
# An admin session ends after this many minutes without a request to the admin.
ADMIN_SESSION_IDLE_MINUTES = env.int("ADMIN_SESSION_IDLE_MINUTES", default=60)
# The name authenticator apps show beside the account: the portal's host name.
OTP_TOTP_ISSUER = urlsplit(SITE_URL).hostname or "community-event-portal"
# django-otp's own throttle answers a right code with "wrong" for a while after a wrong one; the sign-in's brake
# (portal/signin.py) counts codes per account instead, and says when to try again.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# Superusers see each account's app in the admin (to remove a lost one), never its key or QR code.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Office-hours signups in ten minutes: a whole hall on one venue Wi-Fi shares one address, so the brake per address
# only stops floods; one person (one email address) is braked much sooner.
SIGNUP_RATE_LIMIT = env.int("SIGNUP_RATE_LIMIT", default=300)
SIGNUP_EMAIL_RATE_LIMIT = env.int("SIGNUP_EMAIL_RATE_LIMIT", default=5)
# Attendees' names, email addresses and questions are erased this many days after their event ends (events/privacy.py);
# the signups stay, anonymous, for the counts.
PERSONAL_DATA_RETENTION_DAYS = env.int("PERSONAL_DATA_RETENTION_DAYS", default=90)
if PERSONAL_DATA_RETENTION_DAYS < 0:
    raise ImproperlyConfigured(
        f"PERSONAL_DATA_RETENTION_DAYS is {PERSONAL_DATA_RETENTION_DAYS}: use 0 or more days after the event."
    )
# Reminders of a seat, in minutes before the slot; the last one carries a virtual session's join link.
OFFICE_HOURS_REMINDERS = sorted(
    env.list("OFFICE_HOURS_REMINDERS", cast=int, default=[1440, 60]), reverse=True
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "stdout": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "plain"}
    },
    "root": {"handlers": ["stdout"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": ["stdout"], "level": env("LOG_LEVEL", default="INFO"), "propagate": False}
    },
}
