"""Settings for the portal: every knob comes from the environment (12-factor), see .env.example."""

import hashlib
from pathlib import Path

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
    "django_tasks",
    "django_tasks_db",
    "portal",
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
    # Wait for a concurrent writer instead of failing at once with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("timeout", 20)
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
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
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
# Importing talks from a conference's programme by its address (events/imports.py): how long to wait for it,
# how large it may be, and whether private and local addresses may be asked (never in production: an
# organiser's address would reach whatever the app server reaches).
IMPORT_TIMEOUT = env.int("IMPORT_TIMEOUT", default=15)
IMPORT_MAX_MB = env.int("IMPORT_MAX_MB", default=10)
IMPORT_ALLOW_PRIVATE_ADDRESSES = env.bool("IMPORT_ALLOW_PRIVATE_ADDRESSES", default=False)
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

# The admin sign-in pauses for a client after this many failures within the lockout window.
ADMIN_LOGIN_MAX_FAILURES = env.int("ADMIN_LOGIN_MAX_FAILURES", default=5)
ADMIN_LOGIN_LOCKOUT_SECONDS = env.int("ADMIN_LOGIN_LOCKOUT_SECONDS", default=900)
# Office-hours signups in ten minutes: a whole hall on one venue Wi-Fi shares one address, so the brake per address
# only stops floods; one person (one email address) is braked much sooner.
SIGNUP_RATE_LIMIT = env.int("SIGNUP_RATE_LIMIT", default=300)
SIGNUP_EMAIL_RATE_LIMIT = env.int("SIGNUP_EMAIL_RATE_LIMIT", default=5)
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
