"""A process remembers events, and forgets them the moment the database says something changed.

These tests commit (transaction=True): notifications are only sent for committed changes, and inside a
transaction the event is read every time (test_pagecache.py covers that path on both databases).
"""

import logging
import select
import sqlite3

import psycopg
import pytest
from django.db import connection

from events import versionwatch
from events.models import Event
from tests.factories import make_event, make_room, make_talk

pytestmark = pytest.mark.django_db(transaction=True)
postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="LISTEN/NOTIFY is PostgreSQL's")
sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="PRAGMA data_version is SQLite's")


@pytest.fixture
def summit():
    event = make_event(slug="summit", name="Summit")
    make_talk(event, title="Opening", slug="opening", room=make_room(event, name="Hall A"))
    return event


@pytest.fixture
def elsewhere():
    """A connection of another process: what it commits sends no Django signal here."""
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        yield other


def notified(timeout=5.0):
    """Wait until this process's listening connection has something to read (a notification, its end)."""
    listener = versionwatch.watch()._listener
    return bool(select.select([listener], [], [], timeout)[0])


@postgresql
def test_a_warm_page_is_served_without_a_query(client, summit, django_assert_num_queries):
    first = client.get("/summit/schedule/")

    with django_assert_num_queries(0):
        second = client.get("/summit/schedule/")

    assert second.status_code == 200
    assert second.content == first.content


@postgresql
def test_a_change_saved_by_another_process_shows_on_the_next_request(client, summit, elsewhere):
    client.get("/summit/schedule/")
    assert b"Opening" in client.get("/summit/schedule/").content

    elsewhere.execute("UPDATE events_talk SET title = 'Keynote', updated_at = now() WHERE slug = 'opening'")
    elsewhere.execute("UPDATE events_event SET schedule_version = schedule_version + 1 WHERE slug = 'summit'")
    assert notified()

    content = client.get("/summit/schedule/").content
    assert b"Keynote" in content
    assert b"Opening" not in content


@pytest.fixture
def notification_not_yet_read(monkeypatch):
    """The listening connection has not taken in the notification yet: only this process's own forgetting
    can keep the next request fresh."""
    monkeypatch.setattr(versionwatch.VersionWatch, "_take_in", lambda self: False)


@postgresql
def test_a_change_saved_by_this_process_shows_at_once(client, summit, notification_not_yet_read):
    client.get("/summit/schedule/")
    client.get("/summit/schedule/")
    talk = summit.talks.get()
    talk.title = "Keynote"

    talk.save()

    assert b"Keynote" in client.get("/summit/schedule/").content


@postgresql
def test_a_renamed_address_is_not_served_from_memory(client, summit, notification_not_yet_read):
    client.get("/summit/schedule/")
    summit.slug = "summit-2022"
    summit.save()

    assert client.get("/summit/schedule/").status_code == 404
    assert client.get("/summit-2022/schedule/").status_code == 200


@postgresql
def test_an_event_deleted_elsewhere_is_gone_on_the_next_request(client, summit, elsewhere):
    client.get("/summit/schedule/")
    for table in [
        "events_talkchange",
        "events_scheduleupdate",
        "events_announcedtalk",
        "events_talk",
        "events_room",
    ]:
        elsewhere.execute(f"DELETE FROM {table}")
    elsewhere.execute("DELETE FROM events_event WHERE slug = 'summit'")
    assert notified()

    assert client.get("/summit/schedule/").status_code == 404


@postgresql
def test_a_version_read_while_a_change_arrives_is_not_kept(summit, django_assert_num_queries):
    watch = versionwatch.watch()

    def read(slug):
        return Event.objects.filter(slug=slug).first()

    def read_during_a_change(slug):
        event = read(slug)
        watch.forget()  # a notification taken in by another thread while this one read
        return event

    assert watch.state("summit", read_during_a_change) == summit

    with django_assert_num_queries(1):
        watch.state("summit", read)


@postgresql
def test_a_remembered_version_is_read_again_after_max_age(
    client, summit, monkeypatch, django_assert_num_queries
):
    client.get("/summit/schedule/")
    monkeypatch.setattr(versionwatch, "MAX_AGE", 0.0)

    with django_assert_num_queries(1):
        client.get("/summit/schedule/")


@postgresql
def test_switched_off_every_request_reads_the_version(client, summit, settings, django_assert_num_queries):
    settings.SCHEDULE_VERSION_LISTEN = False
    client.get("/summit/schedule/")

    with django_assert_num_queries(1):
        assert client.get("/summit/schedule/").status_code == 200


@postgresql
def test_a_process_that_cannot_listen_reads_the_version_and_says_why(
    client, summit, monkeypatch, caplog, django_assert_num_queries
):
    def refuse(*args, **kwargs):
        raise psycopg.OperationalError("LISTEN is not supported in transaction pooling mode")

    watch = versionwatch.watch()
    monkeypatch.setattr(psycopg, "connect", refuse)
    monkeypatch.setattr(watch, "_listener", None)
    monkeypatch.setattr(watch, "_retry_at", 0.0)  # restored after the test, as are the two above

    with caplog.at_level(logging.WARNING, logger="events.versionwatch"):
        first = client.get("/summit/schedule/")
        with django_assert_num_queries(1):
            second = client.get("/summit/schedule/")

    assert (first.status_code, second.status_code) == (200, 200)
    # Said once: the next attempt waits RETRY_AFTER seconds, rather than one warning per request.
    assert caplog.messages == [
        "Cannot listen for schedule changes; reading the event on every request for now. "
        "Behind a pooler in transaction mode, set SCHEDULE_VERSION_LISTEN=false."
    ]


@postgresql
def test_a_connection_that_does_not_hear_notifications_is_not_trusted(
    client, summit, monkeypatch, caplog, django_assert_num_queries
):
    # A pooler in transaction mode accepts LISTEN, then hands the notifications to no one.
    watch = versionwatch.watch()
    monkeypatch.setattr(psycopg.Connection, "notifies", lambda self, **kwargs: iter([]))
    monkeypatch.setattr(watch, "_listener", None)
    monkeypatch.setattr(watch, "_retry_at", 0.0)

    with caplog.at_level(logging.WARNING, logger="events.versionwatch"):
        client.get("/summit/schedule/")
        with django_assert_num_queries(1):
            assert client.get("/summit/schedule/").status_code == 200

    assert watch._listener is None
    assert "set SCHEDULE_VERSION_LISTEN=false" in caplog.messages[0]


@postgresql
def test_a_forked_process_listens_on_its_own_connection(client, summit, django_assert_num_queries):
    client.get("/summit/schedule/")
    parents = versionwatch.watch()._listener

    versionwatch._after_fork_in_child()  # what os.fork() runs in the child

    with django_assert_num_queries(1):
        client.get("/summit/schedule/")
    assert versionwatch.watch()._listener is not parents
    assert not parents.closed  # still the parent's
    parents.close()


@postgresql
def test_a_lost_listening_connection_is_replaced(
    client, summit, elsewhere, caplog, django_assert_num_queries
):
    client.get("/summit/schedule/")
    client.get("/summit/schedule/")
    lost = versionwatch.watch()._listener
    elsewhere.execute("SELECT pg_terminate_backend(%s)", [lost.info.backend_pid])
    assert notified()  # of its end
    elsewhere.execute("UPDATE events_talk SET title = 'Keynote', updated_at = now() WHERE slug = 'opening'")
    elsewhere.execute("UPDATE events_event SET schedule_version = schedule_version + 1 WHERE slug = 'summit'")

    with caplog.at_level(logging.WARNING, logger="events.versionwatch"):
        content = client.get("/summit/schedule/").content

    assert b"Keynote" in content
    assert "Lost the connection that listens for schedule changes." in caplog.messages
    assert versionwatch.watch()._listener is not lost
    with django_assert_num_queries(0):
        client.get("/summit/schedule/")


@pytest.fixture
def other_connection():
    """A connection of another process to the same SQLite database: what it commits sends no signal here."""
    name = connection.settings_dict["NAME"]
    other = sqlite3.connect(name, uri=name.startswith("file:"), isolation_level=None)
    yield other
    other.close()


@sqlite
def test_on_sqlite_a_warm_page_is_served_without_reading_the_event(client, summit, django_assert_num_queries):
    first = client.get("/summit/schedule/")

    with django_assert_num_queries(1):  # PRAGMA data_version
        second = client.get("/summit/schedule/")

    assert second.content == first.content


@sqlite
def test_on_sqlite_a_change_committed_by_another_connection_shows_on_the_next_request(
    client, summit, other_connection
):
    client.get("/summit/schedule/")
    assert b"Opening" in client.get("/summit/schedule/").content

    other_connection.execute(
        "UPDATE events_talk SET title = 'Keynote', updated_at = '2030-01-01 00:00:00' WHERE slug = 'opening'"
    )
    other_connection.execute("UPDATE events_event SET schedule_version = schedule_version + 1")

    content = client.get("/summit/schedule/").content
    assert b"Keynote" in content
    assert b"Opening" not in content
