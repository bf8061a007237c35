"""Faults answered cleanly: a database that cannot be reached is a 503 to retry (never a 500), uploads where no
form takes files are refused before they are read, and every response carries the security headers."""

import signal
import time

import pytest
from django.db import connection
from django.test import Client
from django.test.client import MULTIPART_CONTENT

from tests.factories import make_event


@pytest.fixture
def unreachable_database(django_db_blocker):
    """The database connection pointed at a database that cannot be opened: a folder that does not exist for
    SQLite, a port nobody listens on for PostgreSQL. Every query fails as it would during an outage. The open
    connection is set aside, not closed: SQLite's test database lives in memory as long as it is open."""
    original, kept = dict(connection.settings_dict), connection.connection
    connection.connection = None
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent-folder/portal.sqlite3"
    else:
        connection.settings_dict.update(HOST="127.0.0.1", PORT="9")  # the discard port: refused
    with django_db_blocker.unblock():
        yield
    connection.settings_dict.clear()
    connection.settings_dict.update(original)
    connection.connection = kept


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/"),
        ("get", "/kubecon/schedule/"),
        ("get", "/kubecon/office-hours/"),
        ("post", "/admin/login/"),
    ],
)
def test_an_unreachable_database_gets_a_503_to_retry_never_a_500(unreachable_database, method, path):
    client = Client(raise_request_exception=False)
    response = (
        client.get(path) if method == "get" else client.post(path, {"username": "olga", "password": "x"})
    )

    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "Try again in a minute" in response.content.decode()
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_a_bug_is_still_a_500(client, monkeypatch, db):
    make_event(slug="summit")

    def broken(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr("events.views.EventDetailView.get_context_data", broken)
    response = Client(raise_request_exception=False).get("/summit/")

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


@pytest.mark.django_db
def test_a_file_upload_to_a_public_form_is_refused_before_it_is_read(client, monkeypatch):
    event = make_event(slug="summit")

    def read(*args, **kwargs):
        raise AssertionError("the body was read")

    monkeypatch.setattr("django.http.request.HttpRequest._load_post_and_files", read)
    response = client.post(
        f"/{event.slug}/office-hours/1/signup/",
        {"name": "Ada", "upload": open(__file__, "rb")},  # noqa: SIM115 (Django's client reads and closes it)
        content_type=MULTIPART_CONTENT,
    )

    assert response.status_code == 415
    assert "takes no file uploads" in response.content.decode()


@pytest.mark.django_db
def test_the_admin_still_takes_multipart_forms(organiser_client):
    response = organiser_client.post("/admin/events/event/add/", {"name": ""}, content_type=MULTIPART_CONTENT)

    assert response.status_code == 200  # the form again, with its errors: the body was read
    assert "This field is required." in response.content.decode()


# Requests that run out of time --------------------------------------------------------------------------------


@pytest.fixture
def slow_event_page(monkeypatch, db):
    """The event page takes `seconds[0]` seconds to render, as a huge event's would."""
    make_event(slug="summit")
    seconds = [10]

    def slow(self, **kwargs):
        time.sleep(seconds[0])
        return {"event": self.request.event}

    monkeypatch.setattr("events.views.EventDetailView.get_context_data", slow)
    return seconds


def test_an_anonymous_request_that_runs_out_of_time_gets_the_page_to_retry(slow_event_page, settings):
    settings.ANONYMOUS_REQUEST_TIMEOUT = 0.5
    started = time.monotonic()

    response = Client(raise_request_exception=False).get("/summit/")

    assert time.monotonic() - started < 3  # not the 10 s the page would take
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "This took too long" in response.content.decode()
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_the_deadline_ends_with_the_request(slow_event_page, settings):
    settings.ANONYMOUS_REQUEST_TIMEOUT = 0.5
    slow_event_page[0] = 0
    assert Client().get("/summit/").status_code == 200

    time.sleep(0.7)  # past the deadline of the request above, which must not fire now

    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_signed_in_staff_are_not_cut_short(slow_event_page, settings, organiser_client):
    settings.ANONYMOUS_REQUEST_TIMEOUT = 0.3
    slow_event_page[0] = 1

    response = organiser_client.get("/summit/")

    assert response.status_code == 200


def test_without_a_deadline_nothing_is_cut_short(slow_event_page, settings):
    settings.ANONYMOUS_REQUEST_TIMEOUT = 0
    slow_event_page[0] = 1

    assert Client().get("/summit/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_query_cut_short_is_cancelled_in_the_database_and_the_next_request_is_served(monkeypatch, settings):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's pg_sleep(); the SQLite run has no query that waits")
    settings.ANONYMOUS_REQUEST_TIMEOUT = 0.5
    make_event(slug="summit")

    def stuck(self, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(30) /* stuck */")
        return {}

    monkeypatch.setattr("events.views.EventDetailView.get_context_data", stuck)
    started = time.monotonic()
    response = Client(raise_request_exception=False).get("/summit/")
    elapsed = time.monotonic() - started
    monkeypatch.undo()

    assert (response.status_code, elapsed < 3) == (503, True)
    assert still_running("%pg_sleep(30) /* stuck */%") == 0
    assert Client().get("/summit/").status_code == 200


def still_running(pattern, seconds=3):
    """How many other sessions still run a query like `pattern` after up to `seconds` (a cancel takes a moment)."""
    deadline = time.monotonic() + seconds
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE query LIKE %s AND state = 'active' "
                "AND pid <> pg_backend_pid()",
                [pattern],
            )
            (count,) = cursor.fetchone()
        if count == 0 or time.monotonic() > deadline:
            return count
        time.sleep(0.1)
