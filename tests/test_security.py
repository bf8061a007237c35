"""Production settings, security headers, the health check and the admin sign-in brake."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from csp.utils import build_policy
from django.contrib.auth.models import User
from django.db import OperationalError
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db


def production_env():
    """The variables .env.example documents, as an operator would set them, on a throwaway database."""
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = re.match(r"^([A-Z_]+)=(.*)$", line)
        if match:
            values[match[1]] = match[2].strip('"')
    keep = {k: v for k, v in os.environ.items() if k not in values}
    return {
        **keep,
        **values,
        "SECRET_KEY": "k" * 30 + "-long-random-production-secret-" + "z" * 20,
        "DATABASE_URL": "sqlite:///:memory:",
    }


def test_deploy_check_passes_with_the_documented_production_settings(db):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def readme_production_env():
    """The production settings the README's "Running in production" writes to /etc/portal/env."""
    readme = (ROOT / "README.md").read_text()
    block = readme.split("cat > /etc/portal/env <<'ENV'\n", 1)[1].split("\nENV\n", 1)[0]
    values = dict(line.split("=", 1) for line in block.splitlines())
    return values


def test_deploy_check_passes_with_the_readmes_production_settings(db):
    values = readme_production_env()
    keep = {k: v for k, v in os.environ.items() if k not in values}
    # The README's placeholders (…) stand for an operator's secrets; the cache is checked without Redis.
    values.update(SECRET_KEY="k" * 30 + "-long-random-production-secret-" + "z" * 20)
    values.update(DATABASE_URL="sqlite:///:memory:", CACHE_URL="locmemcache://", EMAIL_URL="consolemail://")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**keep, **values},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert values["DEBUG"] == "false" and values["NUM_PROXIES"] == "1"
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_policy_is_the_one_django_csp_builds_from_the_settings(client):
    response = client.get("/")

    assert response["Content-Security-Policy"] == build_policy()
    assert response.has_header("Content-Security-Policy-Report-Only") is False


@pytest.mark.parametrize("path", ["/", "/no-such-event/", "/admin/login/", "/healthz"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)

    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_static_files_from_whitenoise_carry_the_security_headers(client, settings):
    settings.WHITENOISE_USE_FINDERS = True  # serves static/ without collectstatic

    response = client.get("/static/css/portal.css")

    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_the_redirect_to_https_carries_the_security_headers(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    response = client.get("/")

    assert response.status_code == 301
    assert response["Location"] == "https://testserver/"
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_healthz_answers_ok_after_a_database_round_trip(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_is_unreachable(client, monkeypatch):
    def unreachable():
        raise OperationalError("connection refused")

    monkeypatch.setattr("portal.health.check_database", unreachable)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}


def test_healthz_answers_a_balancer_probing_by_ip_address(client):
    response = client.get("/healthz", HTTP_HOST="10.1.2.3")

    assert response.status_code == 200


def test_other_pages_still_refuse_unknown_hosts(client):
    assert client.get("/", HTTP_HOST="evil.example").status_code == 400


def test_repeated_failed_admin_sign_ins_are_refused_with_a_clear_message(client, settings):
    settings.ADMIN_LOGIN_MAX_FAILURES = 3
    User.objects.create_superuser("root", "root@example.org", "the-right-password")
    url = reverse("admin:login")
    for _ in range(3):
        failed = client.post(url, {"username": "root", "password": "wrong"})
        assert failed.status_code == 200

    locked = client.post(url, {"username": "root", "password": "the-right-password"})

    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()
    # The seconds left of the window that began with the first failure.
    assert (
        settings.ADMIN_LOGIN_LOCKOUT_SECONDS - 60
        < int(locked["Retry-After"])
        <= settings.ADMIN_LOGIN_LOCKOUT_SECONDS
    )
    assert client.get(reverse("admin:index")).status_code == 302  # still signed out


def test_a_successful_sign_in_before_the_limit_clears_the_count(client, settings):
    settings.ADMIN_LOGIN_MAX_FAILURES = 2
    User.objects.create_superuser("root", "root@example.org", "the-right-password")
    url = reverse("admin:login")
    client.post(url, {"username": "root", "password": "wrong"})
    client.post(url, {"username": "root", "password": "the-right-password"})
    client.logout()

    client.post(url, {"username": "root", "password": "wrong"})
    again = client.post(url, {"username": "root", "password": "the-right-password"})

    assert again.status_code == 302


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "127.0.0.1"),  # no proxy: the header is the client's own claim, ignored
        (1, "198.51.100.1, 203.0.113.9", "203.0.113.9"),  # one proxy: its last entry is the client
        (2, "198.51.100.1, 203.0.113.9", "198.51.100.1"),
        (2, "203.0.113.9", "127.0.0.1"),  # fewer entries than proxies: don't trust it
    ],
)
def test_client_address_trusts_only_the_configured_proxies(rf, settings, proxies, forwarded, expected):
    from portal.ratelimit import client_address

    settings.NUM_PROXIES = proxies
    request = rf.get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="127.0.0.1")

    assert client_address(request) == expected
