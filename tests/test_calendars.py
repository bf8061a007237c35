"""Every calendar the portal writes, read by parsers that are not the one it writes with (vobject, ics-py and
ical), on an event around the end of summer time: the hour from 02:00 to 03:00 happens twice on 30 October
2022 in Madrid, and each talk and slot must land at its real instant in all of them."""

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import ics
import pytest
import vobject
from django.urls import reverse
from ical.calendar_stream import IcsCalendarStream

from events import notices
from events.models import Signup, Talk
from tests.browser import skip_or_fail
from tests.conftest import deliver_outbox
from tests.factories import (
    make_event,
    make_office_hours,
    make_room,
    make_signup,
    make_speaker,
    make_talk,
    make_track,
)

pytestmark = pytest.mark.django_db

MADRID = ZoneInfo("Europe/Madrid")
UTC = dt.UTC


def utc(hour, minute=0, day=30):
    """An instant on `day` October 2022, given in UTC: 00:30 is 02:30 CEST, 01:30 is 02:30 CET."""
    return dt.datetime(2022, 10, day, hour, minute, tzinfo=UTC)


# Each parser's reading of a calendar: {UID: (start, end)} as aware datetimes, the way a client would place them.


def read_with_vobject(content):
    calendar = vobject.readOne(content.decode())
    return {e.uid.value: (e.dtstart.value, e.dtend.value) for e in calendar.contents.get("vevent", [])}


def read_with_ics(content):
    calendar = ics.Calendar(content.decode())
    return {e.uid: (e.begin.datetime, e.end.datetime) for e in calendar.events}


def read_with_ical(content):
    calendar = IcsCalendarStream.calendar_from_ics(content.decode())
    return {e.uid: (e.dtstart, e.dtend) for e in calendar.events}


PARSERS = [read_with_vobject, read_with_ics, read_with_ical]

# ical.js, the parser of Thunderbird and many web calendars, in Node (package.json; `npm ci` installs it).
ICAL_JS = Path(__file__).resolve().parent.parent / "node_modules" / "ical.js"
ICAL_JS_READER = """
const ICAL = require(process.argv[1]).default;
const calendars = JSON.parse(require("fs").readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(calendars.map((text) => {
  const read = {};
  for (const vevent of new ICAL.Component(ICAL.parse(text)).getAllSubcomponents("vevent")) {
    const event = new ICAL.Event(vevent);
    read[event.uid] = [event.startDate.toJSDate().toISOString(), event.endDate.toJSDate().toISOString()];
  }
  return read;
})));
"""


def read_all_with_icaljs(contents):
    """[{uid: (start, end)}] of each calendar in `contents`, as ical.js reads it, in one run of Node."""
    node = shutil.which("node")
    if node is None or not ICAL_JS.exists():
        skip_or_fail("ical.js is not installed (npm ci); .ci/run installs it.")
    run = subprocess.run(
        [node, "-e", ICAL_JS_READER, str(ICAL_JS)],
        input=json.dumps([content.decode() for content in contents]),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return [
        {uid: tuple(dt.datetime.fromisoformat(value) for value in pair) for uid, pair in read.items()}
        for read in json.loads(run.stdout)
    ]


def instants(pairs):
    """{uid: (start, end)} with every time as an aware UTC datetime, so any two readings compare exactly."""
    return {uid: (start.astimezone(UTC), end.astimezone(UTC)) for uid, (start, end) in pairs.items()}


def in_database(talks):
    return {str(talk.uuid): (talk.starts_at, talk.ends_at) for talk in talks}


@pytest.fixture
def autumn():
    """Talks around the end of summer time in Madrid (03:00 CEST becomes 02:00 CET at 01:00 UTC)."""
    event = make_event(
        slug="autumn", start_date=dt.date(2022, 10, 29), end_date=dt.date(2022, 10, 30), city="Madrid"
    )
    hall, annex = make_room(event, name="Hall 4"), make_room(event, name="Annex B")
    night = make_track(event, name="Night owls", slug="night-owls")
    ada, bo = make_speaker(name="Ada Lane", slug="ada-lane"), make_speaker(name="Bo Chen", slug="bo-chen")
    talks = [
        make_talk(event, title="Summer time", slug="cest", starts_at=utc(0, 30), ends_at=utc(1), room=hall),
        make_talk(
            event,
            title="Winter time",
            slug="cet",
            starts_at=utc(1, 30),
            ends_at=utc(2),
            room=hall,
            track=night,
            speakers=[ada],
        ),
        make_talk(
            event,
            title="Across the change",
            slug="across",
            starts_at=utc(0),
            ends_at=utc(1, 30),
            room=annex,
            track=night,
            speakers=[ada, bo],
        ),
        make_talk(
            event,
            title="Past midnight",
            slug="midnight",
            starts_at=utc(21, 30, day=29),
            ends_at=utc(22, 30, day=29),
        ),
        make_talk(
            event,
            title="Called off",
            slug="called-off",
            starts_at=utc(1, 45),
            ends_at=utc(2, 15),
            room=annex,
            speakers=[bo],
            status=Talk.Status.CANCELLED,
        ),
    ]
    make_talk(
        event, title="Not yet", slug="draft", starts_at=utc(1, 30), ends_at=utc(2), status=Talk.Status.DRAFT
    )
    # Read again: adding a speaker moved the talk's change time in the database only.
    return event, {talk.slug: talk for talk in Talk.objects.filter(pk__in=[talk.pk for talk in talks])}


def path(name, **kwargs):
    return reverse(f"events:{name}", kwargs={"event": "autumn", **kwargs})


def calendars(talks):
    """(address, the talks its calendar holds) for every kind of talk calendar."""
    every = list(talks.values())
    return [
        (path("schedule_ics"), every),
        *[(path("talk_ics", talk=slug), [talk]) for slug, talk in talks.items()],
        (
            path("schedule_ics") + "?talks=cest,cet,called-off",
            [talks["cest"], talks["cet"], talks["called-off"]],
        ),
        (path("speaker_ics", speaker="ada-lane"), [talks["cet"], talks["across"]]),
        (path("speaker_ics", speaker="bo-chen"), [talks["across"], talks["called-off"]]),
        (path("schedule_ics") + "?track=night-owls", [talks["cet"], talks["across"]]),
        (path("schedule_ics") + "?room=annex-b", [talks["across"], talks["called-off"]]),
    ]


def test_the_repeated_hour_reads_the_same_in_every_parser_and_every_talk_calendar(client, autumn):
    _, talks = autumn

    for address, held in calendars(talks):
        response = client.get(address)
        assert response.status_code == 200, address
        assert b"TZID" not in response.content, address
        for parse in PARSERS:
            assert instants(parse(response.content)) == in_database(held), (address, parse.__name__)


def test_icaljs_reads_every_talk_calendar_and_office_hours_slot_at_its_instant(client, autumn):
    event, talks = autumn
    session = make_office_hours(
        event, starts_at=utc(0), ends_at=utc(1, 30), slot_minutes=30, seats_per_slot=3
    )
    signups = [make_signup(session, slot_start=slot) for slot in (utc(0), utc(0, 30), utc(1))]
    expected, contents = [], []
    for address, held in calendars(talks):
        contents.append(client.get(address).content)
        expected.append(in_database(held))
    for signup in signups:
        for method in ("PUBLISH", "REQUEST", "CANCEL"):
            content = notices.calendar(signup, method=method)
            contents.append(content)
            expected.append({uid: (signup.slot_start, signup.slot_end) for uid in read_with_vobject(content)})

    read = read_all_with_icaljs(contents)

    assert [instants(calendar) for calendar in read] == expected


def test_the_two_talks_at_half_past_two_are_an_hour_apart_and_say_which_half_past_two(client, autumn):
    _, talks = autumn

    response = client.get(path("schedule_ics"))

    calendar = vobject.readOne(response.content.decode())
    by_uid = {e.uid.value: e for e in calendar.vevent_list}
    summer, winter = by_uid[str(talks["cest"].uuid)], by_uid[str(talks["cet"].uuid)]
    across = by_uid[str(talks["across"].uuid)]
    assert winter.dtstart.value - summer.dtstart.value == dt.timedelta(hours=1)
    assert across.dtend.value - across.dtstart.value == dt.timedelta(minutes=90)
    assert [e.description.value.split("\n")[0] for e in (summer, winter, across)] == [
        "Sunday 30 October 2022, 02:30 CEST–02:00 CET (Europe/Madrid)",  # 03:00 CEST is 02:00 CET
        "Sunday 30 October 2022, 02:30–03:00 CET (Europe/Madrid)",
        "Sunday 30 October 2022, 02:00 CEST–02:30 CET (Europe/Madrid)",
    ]
    assert calendar.contents["x-wr-timezone"][0].value == "Europe/Madrid"
    assert "vtimezone" not in calendar.contents


def revisions_with_ical(content):
    calendar = IcsCalendarStream.calendar_from_ics(content.decode())
    return {e.uid: (e.dtstamp, e.last_modified, e.sequence, str(e.status.value)) for e in calendar.events}


def revisions_with_vobject(content):
    calendar = vobject.readOne(content.decode())
    return {
        e.uid.value: (e.dtstamp.value, e.last_modified.value, int(e.sequence.value), e.status.value)
        for e in calendar.vevent_list
    }


@pytest.mark.parametrize("read", [revisions_with_ical, revisions_with_vobject])
def test_each_vevent_carries_uid_dtstamp_last_modified_sequence_and_status(client, autumn, read):
    _, talks = autumn

    content = client.get(path("schedule_ics")).content

    changed = {talk: talk.updated_at.replace(microsecond=0) for talk in talks.values()}
    assert read(content) == {
        str(talk.uuid): (at, at, 0, "CANCELLED" if talk.is_cancelled else "CONFIRMED")
        for talk, at in changed.items()
    }


def vevent_of(client, address, talk):
    calendar = vobject.readOne(client.get(address).content.decode())
    (entry,) = [e for e in calendar.vevent_list if e.uid.value == str(talk.uuid)]
    return entry


def test_a_subscribed_calendar_sees_a_moved_talk_as_a_newer_revision_at_its_new_time(client, autumn):
    _, talks = autumn
    talk = talks["cet"]
    before = vevent_of(client, path("schedule_ics"), talk)

    talk.starts_at, talk.ends_at = utc(9), utc(9, 30)
    talk.save()
    after = vevent_of(client, path("schedule_ics"), talk)

    assert (before.sequence.value, after.sequence.value) == ("0", "1")
    assert after.dtstart.value == utc(9)
    assert after.description.value.split("\n")[0] == "Sunday 30 October 2022, 10:00–10:30 CET (Europe/Madrid)"


@pytest.mark.parametrize("address", [path("schedule_ics"), path("talk_ics", talk="cet")])
def test_a_cancelled_talk_stays_in_a_subscribed_calendar_struck_out(client, autumn, address):
    event, talks = autumn
    talk = talks["cet"]
    vevent_of(client, address, talk)

    event.talks.filter(pk=talk.pk).set_status(Talk.Status.CANCELLED)
    after = vevent_of(client, address, talk)

    assert (after.status.value, after.sequence.value, after.summary.value) == (
        "CANCELLED",
        "1",
        "Cancelled: Winter time",
    )
    assert after.dtstart.value == utc(1, 30)


def test_every_calendar_asks_subscribers_to_refresh_hourly(client, autumn):
    content = client.get(path("schedule_ics")).content

    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in content
    assert b"X-PUBLISHED-TTL:PT1H\r\n" in content


# Office hours: the attachments and the download


@pytest.fixture
def night_session(autumn):
    """Office hours from 02:00 CEST to 02:30 CET (90 minutes) in 30-minute slots: 02:00 CEST, 02:30 CEST, 02:00 CET."""
    event, _ = autumn
    return make_office_hours(event, starts_at=utc(0), ends_at=utc(1, 30), slot_minutes=30, seats_per_slot=3)


def slot_instants(content):
    return [instants(parse(content)) for parse in PARSERS]


@pytest.mark.parametrize("method", ["PUBLISH", "REQUEST", "CANCEL"])
@pytest.mark.parametrize("slot", [utc(0), utc(0, 30), utc(1)])
def test_an_office_hours_slot_in_the_repeated_hour_is_at_its_instant_in_every_parser(
    night_session, method, slot
):
    signup = make_signup(night_session, slot_start=slot)

    content = notices.calendar(signup, method=method)

    assert b"TZID" not in content
    (uid,) = instants(read_with_vobject(content))
    assert slot_instants(content) == [{uid: (slot, slot + dt.timedelta(minutes=30))}] * 3


def test_the_confirmation_email_and_the_download_carry_the_same_instant(client, night_session):
    signup = make_signup(night_session, slot_start=utc(1))  # 02:00 CET, the second 02:00
    notices.send(signup, notices.CONFIRMED)
    (message,) = deliver_outbox()
    _, attached, _ = message.attachments[0]
    address = reverse("events:signup_calendar", kwargs={"event": "autumn", "token": signup.token})

    downloaded = client.get(address).content

    for content in (attached.encode(), downloaded):
        (uid,) = instants(read_with_ics(content))
        assert slot_instants(content) == [{uid: (utc(1), utc(1, 30))}] * 3
    entry = vobject.readOne(downloaded.decode()).vevent
    assert entry.description.value.split("\n")[0] == "Sunday 30 October 2022, 02:00–02:30 CET (Europe/Madrid)"
    assert signup.status == Signup.Status.CONFIRMED


# The addresses: per speaker, per track and room, and what they refuse


def test_a_speaker_calendar_holds_their_public_talks_at_this_event_only(client, autumn):
    event, talks = autumn
    other_event = make_event(slug="spring")
    ada = talks["cet"].speakers.get()
    make_talk(other_event, title="Elsewhere", speakers=[ada])
    make_talk(event, title="Draft of Ada", status=Talk.Status.DRAFT, speakers=[ada])

    response = client.get(path("speaker_ics", speaker="ada-lane"))

    calendar = vobject.readOne(response.content.decode())
    assert [e.summary.value for e in calendar.vevent_list] == ["Across the change", "Winter time"]
    assert calendar.contents["x-wr-calname"][0].value == f"Ada Lane at {event.name}"
    assert response["Content-Disposition"] == 'inline; filename="ada-lane.ics"'


@pytest.mark.parametrize("who", ["nobody", "elsewhere", "drafts-only"])
def test_a_speaker_calendar_is_not_found_without_public_talks_here(client, autumn, who):
    event, _ = autumn
    make_talk(make_event(), speakers=[make_speaker(slug="elsewhere")])
    make_talk(event, status=Talk.Status.DRAFT, speakers=[make_speaker(slug="drafts-only")])

    response = client.get(path("speaker_ics", speaker=who))

    assert response.status_code == 404


def test_a_track_and_a_room_calendar_are_named_after_them(client, autumn):
    event, _ = autumn

    by_track = vobject.readOne(client.get(path("schedule_ics") + "?track=night-owls").content.decode())
    by_room = client.get(path("schedule_ics") + "?room=annex-b")

    assert by_track.contents["x-wr-calname"][0].value == f"{event.name}: Night owls"
    assert by_room["Content-Disposition"] == 'inline; filename="autumn-annex-b.ics"'


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("track=day-owls", "This event has no track “day-owls”."),
        (
            "track=<script>",
            "A track is named by its slug (letters, digits, hyphens), as the schedule's links do.",
        ),
        (
            "track=a%00b",
            "A track is named by its slug (letters, digits, hyphens), as the schedule's links do.",
        ),
        ("room=hall-5", "This event has no room “hall-5”."),
        (
            "room=Hall 4",
            "A room is named by its slug (letters, digits, hyphens), as the schedule's links do.",
        ),
        ("track=x&room=y", "This event has no track “x”. This event has no room “y”."),
    ],
)
def test_a_track_or_room_the_event_does_not_have_gets_a_400_with_a_message(client, autumn, query, message):
    response = client.get(path("schedule_ics") + "?" + query)

    assert (response.status_code, response["Content-Type"]) == (400, "text/plain; charset=utf-8")
    assert response.content.decode() == message


def test_track_and_room_calendars_are_kept_and_other_parameters_share_their_copy(
    client, autumn, django_assert_num_queries
):
    for query in ["?track=night-owls", "?room=hall-4"]:
        first = client.get(path("schedule_ics") + query)
        with django_assert_num_queries(1):  # the event's version
            again = client.get(path("schedule_ics") + query)
        assert again.content == first.content
    track = client.get(path("schedule_ics") + "?track=night-owls")
    with django_assert_num_queries(1):  # not rendered again: a calendar reads no utm_source
        extra = client.get(path("schedule_ics") + "?track=night-owls&utm_source=x")
    assert (extra.content, extra["ETag"]) == (track.content, track["ETag"])


@pytest.mark.parametrize("address", [path("talk_ics", talk="cet"), path("speaker_ics", speaker="ada-lane")])
def test_a_talk_or_speaker_calendar_takes_no_filter_and_answers_a_query_string_with_its_copy(
    client, autumn, address, django_assert_num_queries
):
    plain = client.get(address)

    with django_assert_num_queries(1):  # the event's version: not rendered again
        again = client.get(address + "?track=made-up")

    assert again.status_code == 200
    assert again.content == plain.content
