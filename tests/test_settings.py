"""Settings come from the environment, and production refuses to start without a secret key."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_check(**env):
    clean = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "DATABASE_URL")}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**clean, "DATABASE_URL": "sqlite:///:memory:", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_without_debug_the_portal_refuses_to_start_without_a_secret_key():
    result = run_check(DEBUG="false")

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_without_debug_the_portal_starts_with_a_secret_key():
    result = run_check(DEBUG="false", SECRET_KEY="x" * 50)

    assert result.returncode == 0, result.stderr


def test_debug_mode_runs_without_a_secret_key():
    result = run_check(DEBUG="true")

    assert result.returncode == 0, result.stderr


def database_settings(**env):
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CONN_MAX_AGE")}
    script = "import json; from django.conf import settings; print(json.dumps(settings.DATABASES['default']))"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {script}"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "portal.settings", "SECRET_KEY": "x", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_database_connections_are_kept_and_checked_before_reuse_by_default():
    database = database_settings(DATABASE_URL="postgres://portal@db.example.org:5432/portal")

    assert (database["CONN_MAX_AGE"], database["CONN_HEALTH_CHECKS"]) == (600, True)


def test_conn_max_age_0_closes_each_connection_after_its_request():
    database = database_settings(DATABASE_URL="sqlite:///:memory:", CONN_MAX_AGE="0")

    assert database["CONN_MAX_AGE"] == 0


def photo_address(**env):
    """The address a stored speaker photo is shown at, with the storage the environment chooses."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MEDIA_"))}
    script = (
        "from django.core.files.storage import storages; s = storages['default'];"
        "print(type(s).__module__, s.url('speakers/ana-1a2b-96.jpg'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {script}"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "portal.settings", "SECRET_KEY": "x", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result


def test_photos_are_stored_in_the_media_folder_by_default():
    result = photo_address()

    assert result.stdout.split() == [
        "django.core.files.storage.filesystem",
        "/media/speakers/ana-1a2b-96.jpg",
    ]


def test_media_storage_s3_stores_photos_in_the_bucket_at_addresses_without_a_signature():
    result = photo_address(
        MEDIA_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="portal-photos",
        AWS_S3_ENDPOINT_URL="https://s3.example.org",
        AWS_ACCESS_KEY_ID="key",
        AWS_SECRET_ACCESS_KEY="secret",
    )

    assert result.stdout.split() == [
        "storages.backends.s3",
        "https://s3.example.org/portal-photos/speakers/ana-1a2b-96.jpg",
    ]


def test_an_unknown_media_storage_stops_the_start_with_a_message():
    result = photo_address(MEDIA_STORAGE="ftp")

    assert result.returncode != 0
    assert "MEDIA_STORAGE is “ftp”: use local (the default) or s3." in result.stderr


def test_a_worker_lease_of_no_time_stops_the_start_with_a_message():
    result = run_check(DEBUG="true", WORKER_LEASE_SECONDS="0")

    assert result.returncode != 0
    assert "WORKER_LEASE_SECONDS is 0: a lease lasts a second or more." in result.stderr


def test_a_negative_request_deadline_stops_the_start_with_a_message():
    result = run_check(DEBUG="true", ANONYMOUS_REQUEST_TIMEOUT="-1")

    assert result.returncode != 0
    assert "ANONYMOUS_REQUEST_TIMEOUT is -1: give the seconds" in result.stderr
