"""Shared fixtures: plain static storage, users of each role, and a guard that PostgreSQL runs are real."""

import os
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils.http import urlencode


def pytest_sessionstart(session):
    if os.environ.get("REQUIRE_POSTGRES") and "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        raise pytest.UsageError("REQUIRE_POSTGRES is set but DATABASE_URL does not point at PostgreSQL.")


@pytest.fixture(autouse=True)
def plain_static_storage(settings):
    # The manifest storage needs collectstatic; tests render templates without it.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def media_in_a_temporary_folder(settings, tmp_path):
    # Uploads of a test (speaker photos) land beside the test, never in the checkout's media/.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def fresh_cache():
    # Each test's database starts afresh (and its first event has pk 1 again): so must the cached pages and
    # the events a process remembers on PostgreSQL with the connection that listens for changes.
    from events import versionwatch

    cache.clear()
    versionwatch.reset()
    yield
    cache.clear()
    versionwatch.reset()


class FormClient(Client):
    """Posts a dict as browsers post the portal's forms: urlencoded (none of them takes files, and the portal
    refuses multipart bodies outside the admin). Django's client would send multipart."""

    def post(self, path, data=None, content_type=None, **extra):
        if content_type is None and (data is None or isinstance(data, dict)):
            data, content_type = urlencode(data or {}, doseq=True), "application/x-www-form-urlencoded"
        return (
            super().post(path, data, **extra)
            if content_type is None
            else super().post(path, data, content_type=content_type, **extra)
        )


@pytest.fixture
def client():
    return FormClient()


def deliver_outbox():
    """Work through the email that is due, as the worker (`manage.py db_worker`) does; returns every email
    delivered so far in the test (django.core.mail.outbox).

    The worker closes stale database connections between tasks, as Django does between requests; here, as the
    test client does, the test's connection is left open: it holds the test's transaction."""
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    return mail.outbox


@pytest.fixture
def organiser(db):
    user = User.objects.create_user("olga", "olga@example.org", "a-long-organiser-password", is_staff=True)
    user.groups.add(Group.objects.get(name="Organisers"))
    return user


@pytest.fixture
def organiser_client(client, organiser):
    client.force_login(organiser)
    return client


@pytest.fixture
def superuser_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def kubecon(db):
    """The shipped fixture of KubeCon + CloudNativeCon Europe 2022."""
    from events.models import Event

    call_command("loaddata", "fixtures/kubecon-eu-2022.json", verbosity=0)
    return Event.objects.get(slug="kubecon-eu-2022")


from tests.browser import chromium, page, phone_page  # noqa: E402,F401  (browser fixtures)
