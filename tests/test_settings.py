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
