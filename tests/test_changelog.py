"""The public record of schedule changes: what is recorded, how edits made together are grouped, and where
visitors and feed readers read it."""

import datetime as dt

import feedparser
import lxml.html
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events import changelog
from events.models import Event, Room, ScheduleUpdate, Talk, TalkChange
from tests.factories import at, make_event, make_room, make_speaker, make_talk

pytestmark = pytest.mark.django_db
Kind = TalkChange.Kind


def recorded(event):
    """[(update number, kind, title, sentence)] of the event's changelog, oldest first."""
    changes = (
        TalkChange.objects.filter(update__event=event)
        .select_related("update")
        .order_by("update__number", "pk")
    )
    return [(c.update.number, c.kind, c.title, changelog.describe(c, event.tzinfo)) for c in changes]


def close_updates(event):
    """Let the time in which edits join the newest update pass."""
    ScheduleUpdate.objects.filter(event=event).update(
        created_at=dt.datetime(2022, 1, 1, tzinfo=dt.UTC), updated_at=dt.datetime(2022, 1, 1, tzinfo=dt.UTC)
    )


@pytest.fixture
def summit(committed):
    """An event with one published talk in Hall A by Ada, its addition already recorded and closed."""
    event = make_event(slug="summit")
    hall_a = make_room(event, name="Hall A")
    make_room(event, name="Hall B")
    with committed():
        make_talk(event, title="Maps", slug="maps", room=hall_a, speakers=[make_speaker(name="Ada")])
    close_updates(event)
    return event


def test_publishing_a_talk_records_it_as_added_with_its_time_in_the_events_zone(summit):
    assert recorded(summit) == [(1, Kind.ADDED, "Maps", "Added: Mon 16 May, 10:00–10:30 CEST.")]


def test_each_kind_of_change_to_a_public_talk_is_recorded_in_words(summit, committed):
    talk = Talk.objects.get(slug="maps")
    steps = [
        (
            lambda: setattr(talk, "starts_at", at(17, 9)) or setattr(talk, "ends_at", at(17, 9, 45)),
            Kind.MOVED,
            "Moved from Mon 16 May, 10:00–10:30 CEST to Tue 17 May, 09:00–09:45 CEST.",
        ),
        (
            lambda: setattr(talk, "room", Room.objects.get(name="Hall B")),
            Kind.ROOM,
            "Moved from Hall A to Hall B.",
        ),
        (lambda: setattr(talk, "title", "Maps at scale"), Kind.RENAMED, "Renamed from “Maps”."),
        (lambda: setattr(talk, "status", Talk.Status.CANCELLED), Kind.CANCELLED, "Cancelled."),
        (
            lambda: setattr(talk, "status", Talk.Status.PUBLISHED),
            Kind.RESTORED,
            "Back in the programme after being cancelled.",
        ),
        (
            lambda: setattr(talk, "status", Talk.Status.DRAFT),
            Kind.REMOVED,
            "Removed from the schedule (was Tue 17 May, 09:00–09:45 CEST).",
        ),
    ]
    for change, kind, sentence in steps:
        with committed():
            change()
            talk.save()
        close_updates(summit)
        assert recorded(summit)[-1][1:] == (kind, talk.title, sentence)
    assert [number for number, *_rest in recorded(summit)] == [1, 2, 3, 4, 5, 6, 7]


def test_new_speakers_are_recorded_and_a_speakers_new_name_is_not_a_change(summit, committed):
    talk = Talk.objects.get(slug="maps")
    with committed():
        talk.talk_speakers.create(speaker=make_speaker(name="Grace"), position=1)
    close_updates(summit)
    with committed():
        talk.speakers.get(name="Ada").__class__.objects.filter(name="Ada").update(name="Ada L.")
        talk.save()

    assert recorded(summit)[1:] == [(2, Kind.SPEAKERS, "Maps", "Speakers: Ada, Grace (were Ada).")]


def test_edits_made_together_are_one_update_and_an_edit_undone_within_it_is_no_news(summit, committed):
    talk = Talk.objects.get(slug="maps")
    other = make_talk(summit, title="Routes", slug="routes", status=Talk.Status.DRAFT)
    with committed():
        talk.title = "Maps at scale"
        talk.save()
    with committed():
        talk.starts_at, talk.ends_at = at(16, 11), at(16, 11, 30)
        talk.save()
    with committed():
        talk.starts_at, talk.ends_at = at(16, 10), at(16, 10, 30)  # moved back: nothing moved
        talk.save()
    with committed():
        other.status = Talk.Status.PUBLISHED
        other.save()
    with committed():
        other.title = "Routes, revised"  # added in this update: it is simply added with its new title
        other.save()

    assert recorded(summit)[1:] == [
        (2, Kind.RENAMED, "Maps at scale", "Renamed from “Maps”."),
        (2, Kind.ADDED, "Routes, revised", "Added: Mon 16 May, 10:00–10:30 CEST."),
    ]


def test_a_talk_added_and_removed_within_one_update_leaves_no_trace(summit, committed):
    with committed():
        talk = make_talk(summit, slug="typo")
    with committed():
        talk.delete()

    assert [kind for _n, kind, *_rest in recorded(summit)] == [Kind.ADDED]


def test_a_deleted_talk_stays_in_the_record_as_removed(summit, committed):
    with committed():
        Talk.objects.get(slug="maps").delete()

    assert recorded(summit)[-1][:3] == (2, Kind.REMOVED, "Maps")
    assert TalkChange.objects.filter(update__event=summit, talk=None).count() == 2  # its addition, too


def test_changes_written_in_bulk_are_recorded_too(summit, committed):
    with committed():
        Talk.objects.filter(slug="maps").set_status(Talk.Status.CANCELLED)
    close_updates(summit)
    with committed():
        Room.objects.get(name="Hall A").delete()

    assert [row[1:] for row in recorded(summit)[1:]] == [
        (Kind.CANCELLED, "Maps", "Cancelled."),
        (Kind.ROOM, "Maps", "Moved from Hall A to no room."),
    ]


def test_a_recording_that_never_ran_is_caught_up_by_the_next_one(summit, committed):
    talk = Talk.objects.get(slug="maps")
    talk.title = "Maps at scale"
    talk.save()  # its recording is lost: the callbacks after the commit never run here
    other = make_talk(summit, slug="routes", status=Talk.Status.DRAFT)
    with committed():
        other.status = Talk.Status.PUBLISHED
        other.save()

    assert [kind for _n, kind, *_rest in recorded(summit)] == [Kind.ADDED, Kind.RENAMED, Kind.ADDED]


def test_drafts_and_whole_events_deleted_are_not_news(committed):
    event = make_event()
    with committed():
        talk = make_talk(event, status=Talk.Status.DRAFT)
        talk.title = "Still a draft"
        talk.save()
    assert recorded(event) == []
    with committed():
        make_talk(event)
        event.delete()
    assert not ScheduleUpdate.objects.exists()


def parse(response):
    return lxml.html.fromstring(response.content.decode())


def test_the_changes_page_lists_updates_newest_first_in_the_events_zone_linking_to_the_talks(
    client, summit, committed
):
    talk = Talk.objects.get(slug="maps")
    with committed():
        talk.starts_at, talk.ends_at = at(17, 9), at(17, 9, 30)
        talk.save()
        make_talk(summit, title="Gone", slug="gone")
    close_updates(summit)
    with committed():
        Talk.objects.get(slug="gone").delete()

    response = client.get("/summit/schedule/changes/")

    assert response.status_code == 200
    tree = parse(response)
    assert [" ".join(h.text_content().split()[:2]) for h in tree.xpath("//section/h2")] == [
        "Update 3",
        "Update 2",
        "Update 1",
    ]
    items = [" ".join(li.text_content().split()) for li in tree.xpath("//section[@id='update-2']//li")]
    assert sorted(items) == [
        "Gone: Added: Mon 16 May, 10:00–10:30 CEST.",
        "Maps: Moved from Mon 16 May, 10:00–10:30 CEST to Tue 17 May, 09:00–09:30 CEST.",
    ]
    assert tree.xpath("//section[@id='update-2']//li/a/@href") == ["/summit/talks/maps/"]  # "Gone" is gone
    assert tree.xpath("//link[@type='application/atom+xml']/@href") == ["/summit/schedule/feed.xml"]


def test_the_schedule_and_the_talk_page_point_to_the_changes(client, summit, committed):
    talk = Talk.objects.get(slug="maps")
    with committed():
        talk.starts_at, talk.ends_at = at(17, 9), at(17, 9, 30)
        talk.room = Room.objects.get(name="Hall B")
        talk.save()

    schedule = parse(client.get("/summit/schedule/"))
    page = parse(client.get("/summit/talks/maps/"))

    assert schedule.xpath("//head/link[@type='application/atom+xml']/@href") == ["/summit/schedule/feed.xml"]
    assert "/summit/schedule/changes/" in schedule.xpath("//a/@href")
    notices = [
        " ".join(p.text_content().split()) for p in page.xpath("//p[contains(@class, 'notice-change')]")
    ]
    assert [notice.split(" (changed")[0] for notice in notices] == [
        "Moved from Mon 16 May, 10:00–10:30 CEST to Tue 17 May, 09:00–09:30 CEST.",
        "Moved from Hall A to Hall B.",
    ]


def test_the_feed_is_valid_atom_with_one_entry_per_update(client, summit, committed):
    with committed():
        Talk.objects.filter(slug="maps").set_status(Talk.Status.CANCELLED)

    response = client.get("/summit/schedule/feed.xml")
    feed = feedparser.parse(response.content)

    assert response["Content-Type"].startswith("application/atom+xml")
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title == "Changes to the schedule of Conference " + summit.name.split()[-1]
    assert [entry.title for entry in feed.entries] == ["Update 2: 1 talk cancelled", "Update 1: 1 talk added"]
    newest = feed.entries[0]
    assert newest.link == "http://testserver/summit/schedule/changes/#update-2"
    assert '<a href="http://testserver/summit/talks/maps/">Maps</a>: Cancelled.' in newest.summary
    assert newest.id != feed.entries[1].id


def test_the_exports_version_names_the_newest_update(client, summit, committed):
    with committed():
        Talk.objects.filter(slug="maps").set_status(Talk.Status.CANCELLED)
    version = Event.objects.get(pk=summit.pk).schedule_version

    assert client.get("/summit/schedule.json").json()["schedule"]["version"] == f"2.{version}"
    assert f"<version>2.{version}</version>".encode() in client.get("/summit/schedule.xml").content


@pytest.mark.parametrize("path", ["/summit/schedule/changes/", "/summit/schedule/feed.xml"])
def test_the_changelog_reads_the_same_number_of_queries_for_few_and_many_changes(
    client, summit, committed, path
):
    def queries():
        with CaptureQueriesContext(connection) as context:
            assert client.get(path).status_code == 200
        return len(context)

    few = queries()
    for n in range(12):
        with committed():
            make_talk(summit, slug=f"talk-{n}")
            Talk.objects.filter(slug="maps").update(title=f"Maps {n}")
            Talk.objects.filter(slug="maps").mark_changed()
        close_updates(summit)
    assert ScheduleUpdate.objects.filter(event=summit).count() == 13

    assert queries() == few


def test_the_changes_page_is_paginated_and_refuses_pages_it_does_not_have(client, summit, committed):
    for n in range(21):
        with committed():
            Talk.objects.filter(slug="maps").update(title=f"Maps {n}")
            Talk.objects.filter(slug="maps").mark_changed()
        close_updates(summit)

    second = parse(client.get("/summit/schedule/changes/?page=2"))

    assert [h.get("id") for h in second.xpath("//section")] == ["update-2", "update-1"]
    assert client.get("/summit/schedule/changes/?page=3").status_code == 404
    assert client.get("/summit/schedule/changes/?page=%00").status_code == 404


def test_an_update_whose_every_change_was_undone_leaves_the_changelog(summit, committed):
    talk = Talk.objects.get(slug="maps")
    with committed():
        talk.title = "Maps at scale"
        talk.save()
    with committed():
        talk.title = "Maps"
        talk.save()

    assert list(ScheduleUpdate.objects.filter(event=summit).values_list("number", flat=True)) == [1]


def test_deleting_several_events_at_once_takes_their_changelogs_along(committed):
    events = [make_event(), make_event()]
    for event in events:
        with committed():
            make_talk(event)
        close_updates(event)

    with committed():
        Event.objects.filter(pk__in=[event.pk for event in events]).delete()

    assert not ScheduleUpdate.objects.exists() and not TalkChange.objects.exists()


def test_a_programme_published_at_once_is_counted_and_its_first_changes_listed(client, summit, committed):
    with committed():
        for n in range(changelog.LISTED_CHANGES + 5):
            make_talk(summit, slug=f"talk-{n}")

    tree = parse(client.get("/summit/schedule/changes/"))
    feed = feedparser.parse(client.get("/summit/schedule/feed.xml").content)

    newest = tree.xpath("//section[@id='update-2']")[0]
    assert " ".join(newest.xpath("./p")[0].text_content().split()) == "55 talks added"
    assert len(newest.xpath(".//li")) == changelog.LISTED_CHANGES
    assert " ".join(newest.xpath("./p")[1].text_content().split()) == "And 5 more changes: see the schedule."
    assert feed.entries[0].title == "Update 2: 55 talks added"
    assert "And 5 more changes." in feed.entries[0].summary


def test_a_recording_the_database_refuses_is_left_to_the_worker_and_the_save_stands(
    summit, committed, monkeypatch, caplog
):
    from django.db import OperationalError
    from django_tasks_db.models import DBTaskResult

    from tests.conftest import deliver_outbox

    record = changelog.record_changes

    def locked(event_id, now=None):
        raise OperationalError("database is locked")

    monkeypatch.setattr(changelog, "record_changes", locked)
    with committed():
        Talk.objects.filter(slug="maps").update(title="Maps, again")
        talk = Talk.objects.get(slug="maps")
        talk.title = "Maps of the world"
        talk.save()

    assert Talk.objects.get(slug="maps").title == "Maps of the world"
    assert [r.levelname for r in caplog.records if r.name == "events.changelog"] == ["WARNING"]
    assert all(r.exc_info is None for r in caplog.records), "no traceback for a refused recording"
    assert recorded(summit) == [(1, Kind.ADDED, "Maps", "Added: Mon 16 May, 10:00–10:30 CEST.")]

    monkeypatch.setattr(changelog, "record_changes", record)
    # The worker's attempt is due a little later: let that time pass.
    DBTaskResult.objects.update(run_after=dt.datetime(2022, 1, 1, tzinfo=dt.UTC))
    deliver_outbox()

    assert [kind for _number, kind, _title, _sentence in recorded(summit)] == [Kind.ADDED, Kind.RENAMED]
