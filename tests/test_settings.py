"""Settings come from the environment, and production refuses to start without a secret key."""

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
