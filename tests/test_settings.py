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


def database_options(**env):
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DATABASE_PREPARED_STATEMENTS")}
    script = "import json; from django.conf import settings; print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {})))"
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


def test_postgresql_binds_parameters_in_the_server_and_prepares_frequent_queries():
    options = database_options(
        DATABASE_URL="postgres://portal@db.example.org:5432/portal", DATABASE_PREPARED_STATEMENTS="true"
    )

    assert options == {"server_side_binding": True, "prepare_threshold": 5}


def test_behind_a_pooler_postgresql_keeps_djangos_defaults():
    options = database_options(
        DATABASE_URL="postgres://portal@db.example.org:5432/portal", DATABASE_PREPARED_STATEMENTS="false"
    )

    assert options == {}
