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
def generous_request_deadline(settings):
    # Every request runs under the deadline, as in production, but a page may take longer than production's few
    # seconds on a machine shared with other test runs; the tests of the deadline (tests/test_faults.py) set
    # their own.
    settings.ANONYMOUS_REQUEST_TIMEOUT = 60


@pytest.fixture(autouse=True)
def media_in_a_temporary_folder(settings, tmp_path):
    # Uploads of a test (speaker photos) land beside the test, never in the checkout's media/.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def attendees_kept_for_the_test(settings):
    # The tests' events are in May 2022, years past any retention period: the worker that delivers a test's
    # email would erase its attendees. Tests of the erasure set the retention they need.
    settings.PERSONAL_DATA_RETENTION_DAYS = 100 * 365


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


@pytest.fixture(autouse=True)
def english_outside_requests():
    """A request activates the language of its address and leaves it active in the thread, as Django does;
    what a test does outside requests (reversing an address, sending a notice) starts in English."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


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


ORGANISER_PASSWORD = "a-long-organiser-password"


@pytest.fixture
def quick_passwords(settings):
    """A fast hasher, for tests of many sign-ins: what they test is the sign-in, not the hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs a block of edits as if its transaction committed: the changelog records after each commit."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


def organisers_group():
    """The Organisers group, with the permissions its migrations give it. A test that commits (transaction=True)
    leaves the tables empty behind it, the group too: it is made again, as the migrations make it."""
    from importlib import import_module

    from django.contrib.auth.models import Permission

    group, created = Group.objects.get_or_create(name="Organisers")
    if created:  # the flush after a committing test made the permissions again, not the group
        events = import_module("events.migrations.0002_organisers_group")
        portal = import_module("portal.migrations.0003_organisers_see_the_outbox")
        group.permissions.set(
            Permission.objects.filter(content_type__app_label="events", content_type__model__in=events.MODELS)
            | Permission.objects.filter(content_type__app_label="portal", codename__in=portal.PERMISSIONS)
        )
    return group


@pytest.fixture
def organiser(db):
    user = User.objects.create_user("olga", "olga@example.org", ORGANISER_PASSWORD, is_staff=True)
    user.groups.add(organisers_group())
    return user


@pytest.fixture
def organiser_client(client, organiser):
    client.force_login(organiser)
    return client


def sign_in_with_second_factor(client, user):
    """Sign the client in as `user` with an authenticator app, in a session its code verified: superusers
    reach no admin page without one (ADMIN_REQUIRE_2FA_FOR_SUPERUSERS). Returns the app (its TOTP device)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


@pytest.fixture
def superuser_client(client, admin_user):
    sign_in_with_second_factor(client, admin_user)
    return client


@pytest.fixture
def kubecon(db):
    """The shipped fixture of KubeCon + CloudNativeCon Europe 2022."""
    from events.models import Event

    call_command("loaddata", "fixtures/kubecon-eu-2022.json", verbosity=0)
    return Event.objects.get(slug="kubecon-eu-2022")


@pytest.fixture
def gridcon(db):
    """A conference in six rooms over three days, 18 talks a day (one day at a time shows), with speakers, a
    break spanning the rooms and office hours: the pages of a big schedule, small enough to build quickly."""
    import datetime as dt

    from events.models import Talk
    from tests.factories import at, make_event, make_office_hours, make_room, make_speaker, make_talk

    event = make_event(slug="gridcon", name="GridCon 2022")
    rooms = [make_room(event, name=f"Hall {letter}", order=n) for n, letter in enumerate("ABCDEF")]
    speakers = [
        make_speaker(name=f"Speaker {n}", slug=f"speaker-{n}", affiliation="Isovalent") for n in range(12)
    ]
    for day in (16, 17, 18):
        for n in range(18):
            slot, room = divmod(n, 6)
            starts_at = at(day, 9) + dt.timedelta(hours=slot + (slot > 0))
            make_talk(
                event,
                title=f"Networking with eBPF, part {day}-{n}",
                slug=f"talk-{day}-{n}",
                abstract="Packets, maps and **programs** in the kernel.",
                starts_at=starts_at,
                room=rooms[room],
                speakers=[speakers[n % 12]],
            )
        make_talk(
            event,
            title="Coffee break",
            slug=f"break-{day}",
            kind=Talk.Kind.OTHER,
            starts_at=at(day, 10),
            ends_at=at(day, 10, 30),
        )
    make_office_hours(event, starts_at=at(18, 12, 30), ends_at=at(18, 13, 15))
    return event


@pytest.fixture
def fosdem(db):
    """A FOSDEM-sized weekend (tests/factories.py): 29 rooms of ~470 talks on Saturday, a double booking."""
    from tests.factories import make_fosdem_like_event

    return make_fosdem_like_event()


@pytest.fixture
def synthcon(db):
    """The 600-talk benchmark conference (6 rooms, 5 days), imported from its frab file; skipped without it."""
    from events.models import Event
    from tests.factories import SYNTHCON_600

    if not SYNTHCON_600.exists():
        pytest.skip("the 600-talk benchmark conference is not on this machine (BENCH_DATA)")
    call_command("import_frab", str(SYNTHCON_600), "--event", "synthcon", verbosity=0)
    return Event.objects.get(slug="synthcon")


from tests.browser import chromium, page, phone_page  # noqa: E402,F401  (browser fixtures)
