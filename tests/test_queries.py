"""SQL queries per page: the same for a small event and a 600-talk conference, and one for a kept page."""

import datetime as dt
import itertools

import pytest
from django.core.management import call_command
from django.db import connection

from events.exchange import frab, programme
from events.models import Event, Signup, Speaker, Talk, TalkSpeaker
from tests.factories import (
    SYNTHCON_600,
    at,
    make_event,
    make_fosdem_like_event,
    make_office_hours,
    make_room,
    make_signup,
    make_speaker,
    make_talk,
    make_track,
)
from tests.test_signup_views import OPEN_START, form_data, open_office_hours, signup_url

pytestmark = pytest.mark.django_db


def build_conference(talk_count):
    """An event with `talk_count` talks in 6 rooms over 5 days, 3 tracks, two speakers each, written with
    bulk_create (no signals: the version stays where a fresh event starts)."""
    event = make_event(slug="big")
    rooms = [make_room(event) for _ in range(6)]
    tracks = [make_track(event) for _ in range(3)]
    kinds = itertools.cycle([Talk.Kind.TALK, Talk.Kind.TALK, Talk.Kind.KEYNOTE, Talk.Kind.PANEL])
    talks = []
    for n in range(talk_count):
        slot, room = divmod(n, 6)
        day, slot = divmod(slot, 20)
        starts_at = at(16 + day % 5, 9) + dt.timedelta(minutes=30 * slot)
        talks.append(
            Talk(
                event=event,
                title=f"Talk {n}",
                slug=f"talk-{n}",
                abstract=f"About *topic {n}*.",
                starts_at=starts_at,
                ends_at=starts_at + dt.timedelta(minutes=25),
                room=rooms[room],
                track=tracks[n % 3],
                kind=next(kinds),
                status=Talk.Status.CANCELLED if n % 50 == 7 else Talk.Status.PUBLISHED,
            )
        )
    talks = Talk.objects.bulk_create(talks)
    speakers = Speaker.objects.bulk_create(
        Speaker(name=f"Speaker {n}", slug=f"speaker-{n}", affiliation="Org") for n in range(2 * talk_count)
    )
    TalkSpeaker.objects.bulk_create(
        TalkSpeaker(talk=talk, speaker=speakers[2 * i + k], position=k)
        for i, talk in enumerate(talks)
        for k in (0, 1)
    )
    office_hours = make_office_hours(event, starts_at=at(18, 12), ends_at=at(18, 13))
    office_hours.hosts.set(speakers[:2])
    return event


def test_with_details_gives_each_talk_its_speakers_in_speaking_order(django_assert_num_queries):
    event = make_event()
    ada, bob = make_speaker(name="Ada"), make_speaker(name="Bob")
    talk = make_talk(event, speakers=[bob, ada], room=make_room(event), track=make_track(event))
    make_talk(event, speakers=[ada])

    with django_assert_num_queries(4):  # talks, rooms, tracks, speakers
        talks = list(talk.event.talks.with_details().order_by("pk"))
        names = [[speaker.name for speaker in each.speakers.all()] for each in talks]

    assert names == [["Bob", "Ada"], ["Ada"]]


# (path, queries when rendered, something the page shows). Every event page starts with the event itself.
PAGES = [
    # event; talks, their rooms, tracks, speakers; the tracks and rooms to filter by; office hours; booth shifts
    ("/big/schedule/", 9, b">Talk 1<"),
    ("/big/schedule/?day=2022-05-16&kind=talk", 9, b">Talk 1<"),
    # PostgreSQL ranks the search in one query of its own; elsewhere the talks already read are matched.
    (
        "/big/schedule/?day=all&q=talk+1",
        9 + (connection.vendor == "postgresql"),
        b"<mark>Talk</mark> <mark>1</mark></a>",
    ),
    # event; talks, rooms, tracks, speakers; rooms; tracks; the newest changelog entry (the version's name)
    ("/big/schedule.json", 8, b'"title": "Talk 1"'),
    ("/big/schedule.xml", 8, b"<title>Talk 1</title>"),
    ("/big/schedule.ics", 5, b"SUMMARY:Talk 1\r\n"),  # event; talks, rooms, tracks, speakers
    (
        "/big/talks/talk-1/",
        7,
        b"<h1>Talk 1</h1>",
    ),  # event; the talk, its room, track, speakers; the talks beside; its latest moves
    ("/big/talks/talk-1.ics", 5, b"SUMMARY:Talk 1\r\n"),
    (
        "/big/speakers/speaker-2.ics",
        6,
        b"SUMMARY:Talk 1\r\n",
    ),  # event; the speaker; talks, rooms, tracks, speakers
    ("/big/speakers/", 2, b">Speaker 1<"),  # event; speakers with their talk counts
    ("/big/speakers/speaker-1/", 3, b"<h1>Speaker 1</h1>"),  # event; the speaker; their talks here
    ("/big/office-hours/", 4, b"Hosts: Speaker 0, Speaker 1"),  # event, sessions, hosts, seats taken
]


@pytest.mark.parametrize("path, queries, shown", PAGES)
@pytest.mark.parametrize("talk_count", [20, 600])
def test_queries_are_the_same_for_20_and_600_talks(
    client, path, queries, shown, talk_count, django_assert_num_queries
):
    build_conference(talk_count)

    with django_assert_num_queries(queries):
        response = client.get(path)

    assert response.status_code == 200
    assert shown in response.content


# Office hours show seats left, and searches are as many as visitors can type: neither is kept.
@pytest.mark.parametrize(
    "path", [path for path, _, _ in PAGES if "office-hours" not in path and "q=" not in path]
)
def test_a_kept_page_is_served_with_one_query_for_the_events_version(client, path, django_assert_num_queries):
    build_conference(20)
    first = client.get(path)

    with django_assert_num_queries(1):
        second = client.get(path)

    assert second.content == first.content


@pytest.mark.parametrize("path, queries", [("/big/schedule.ics?talks=talk-1,talk-2,talk-3", 5)])
@pytest.mark.parametrize("talk_count", [20, 600])
def test_a_calendar_of_chosen_talks_takes_the_same_queries_whatever_the_event_holds(
    client, path, queries, talk_count, django_assert_num_queries
):
    build_conference(talk_count)

    with django_assert_num_queries(queries):
        response = client.get(path)

    assert response.content.count(b"BEGIN:VEVENT") == 3


@pytest.mark.parametrize("talk_count", [20, 600])
def test_a_track_or_room_calendar_takes_the_same_queries_whatever_the_event_holds(
    client, talk_count, django_assert_num_queries
):
    event = build_conference(talk_count)
    track, room = event.tracks.first(), event.rooms.first()

    with django_assert_num_queries(6):  # event; the track; talks, rooms, tracks, speakers
        by_track = client.get(f"/big/schedule.ics?track={track.slug}")
    with django_assert_num_queries(6):  # event; the rooms; talks, rooms, tracks, speakers
        by_room = client.get(f"/big/schedule.ics?room={room.slug}")

    assert by_track.content.count(b"BEGIN:VEVENT") == track.talks.public().count()
    assert by_room.content.count(b"BEGIN:VEVENT") == room.talks.public().count()


def test_the_600_talk_schedule_page_shows_one_day_and_every_public_talk_on_asking(client):
    build_conference(600)

    assert client.get("/big/schedule/").content.count(b' class="talk-title">') == 120
    assert client.get("/big/schedule/?day=all").content.count(b' class="talk-title">') == 600


@pytest.mark.skipif(
    not SYNTHCON_600.exists(), reason="the 600-talk benchmark conference is not on this machine"
)
def test_the_benchmark_conference_renders_every_page_with_few_queries(client, django_assert_max_num_queries):
    call_command("import_frab", str(SYNTHCON_600), "--event", "synthcon", "--publish", verbosity=0)

    for path in [
        "/synthcon/schedule/",
        "/synthcon/schedule.json",
        "/synthcon/schedule.xml",
        "/synthcon/speakers/",
    ]:
        with django_assert_max_num_queries(9):
            assert client.get(path).status_code == 200
    assert client.get("/synthcon/schedule/?day=all").content.count(b' class="talk-title">') == 600


@pytest.mark.parametrize("talk_count", [24, 240])
def test_an_import_takes_a_bounded_number_of_queries_for_24_or_240_talks(
    client, tmp_path, talk_count, django_assert_max_num_queries
):
    event = make_event(slug="bigconf")
    rooms = [make_room(event, name=f"Room {n}") for n in range(4)]
    tracks = [make_track(event, name=f"Track {n}") for n in range(3)]
    speakers = [make_speaker(name=f"Speaker {n}") for n in range(60)]
    for n in range(talk_count):
        make_talk(
            event,
            slug=f"talk-{n}",
            starts_at=at(16 + n % 5, 8) + dt.timedelta(minutes=5 * n),
            room=rooms[n % 4],
            track=tracks[n % 3],
            speakers=[speakers[n % 60], speakers[(n + 7) % 60]],
        )
    path = tmp_path / "schedule.xml"
    path.write_bytes(client.get("/bigconf/schedule.xml").content)

    # A few more for more talks on SQLite only, which caps the parameters of one INSERT.
    with django_assert_max_num_queries(40):
        programme.import_schedule(frab.read(path.read_bytes(), source_key="copy"), event_slug="bigconf-copy")

    copy = Event.objects.get(slug="bigconf-copy")
    assert copy.talks.count() == talk_count
    assert TalkSpeaker.objects.filter(talk__event=copy).count() == 2 * talk_count


# Office hours: a signup is one transaction of bounded size, whatever the session already holds.
SIGNUP_QUERIES = (
    3  # event, session, seats taken (the form's slots)
    + 12  # a counter per client address and one per email, each: update, savepoint, insert, release, tidy, read
    + 6  # savepoint, the session locked with its event, the address not signed up yet, seats, waiting list, seats
    + 1  # the signup
    + 3  # the confirmation written under the signup's lock, lest an erasure come between: savepoint, lock, release
    + 4  # its confirmation in the outbox: savepoint, email, delivery task, release
    + 1  # the confirmation's link to the signup, so that it is erased with its details
    + 2  # the reminders a day and an hour before
    + 1  # the erasure of its details, queued for when they are due
    + 1  # release
)


@pytest.mark.parametrize("others", [0, 20])
def test_a_signup_takes_the_same_queries_however_full_the_session_is(
    client, others, django_assert_num_queries
):
    session = open_office_hours(seats_per_slot=1)
    for n in range(others):
        status = Signup.Status.CONFIRMED if n == 0 else Signup.Status.WAITLISTED
        make_signup(session, slot_start=OPEN_START, email=f"other{n}@example.org", status=status)

    with django_assert_num_queries(SIGNUP_QUERIES):
        response = client.post(signup_url(session), form_data(slot="20300515T1045Z"))
    with django_assert_num_queries(2):  # the event; the signup with its session and event
        client.get(response["Location"])

    assert response.status_code == 302


def test_a_fosdem_sized_day_takes_the_queries_of_a_day_of_20_talks_and_weighs_under_400_kb(
    client, django_assert_num_queries
):
    build_conference(20)
    make_fosdem_like_event()
    with django_assert_num_queries(9):
        small = client.get("/big/schedule/?day=2022-05-16")

    with django_assert_num_queries(9):
        big = client.get("/fosdem/schedule/?day=2025-02-01")

    assert small.status_code == big.status_code == 200
    assert (
        big.content.count(b' class="talk-title">')
        == Talk.objects.filter(event__slug="fosdem", starts_at__date="2025-02-01").count()
    )
    assert len(big.content) < 400_000
