"""Real programmes, as their conferences published them, import and come back out of every export; every field
the formats exchange survives a round trip; the programme's days, zones, kinds, colours and texts hold."""

import datetime as dt
import io
import json
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import escape
from lxml import etree

from events import schedule
from events.exchange import c3voc, frab, ical, programme
from events.models import Event, Talk
from tests.factories import make_event, make_room, make_speaker, make_talk, make_track

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
BERLIN = ZoneInfo("Europe/Berlin")
BRUSSELS = ZoneInfo("Europe/Brussels")

# (file, import_frab's options): each as published, quirks and all (tests/data/README.md).
PROGRAMMES = [
    ("fosdem-2025.xml", []),  # <subtitle>, <venue>, <tracks>, day_change 09:00
    ("fosdem-2020-pentabarf.xml", ["--time-zone", "Europe/Brussels"]),  # no guids, no <date>, no <version>
    (
        "31c3-frab-2014.xml",
        ["--time-zone", "Europe/Berlin"],
    ),  # base64 guids, sessions after midnight, no zone
    (
        "38c3-hub-2024.xml",
        [],
    ),  # the c3voc XSD named, 38c3-ada slugs, days 06:00 to 06:00, <recording>, <answers>
    ("39c3-hub-2025.xml", []),  # <code>, <link>s and <attachment>s with <type> and <title> elements
    ("38c3-hub-schedule2.json", []),  # flat events, rooms and tracks as objects, ORIGIN links, SLIDES
    ("38c3-hub-schedule2-2025-08.json", []),  # the same, lower-case types, origin_url, 38c3-38c3- slugs
    ("pretalx-democon-2020.json", []),  # pretalx: two rooms with one guid, UTC
]
# The venue's zone of the files that name none, as the options above give it.
ZONES = {"fosdem-2020-pentabarf.xml": "Europe/Brussels", "31c3-frab-2014.xml": "Europe/Berlin"}


def import_frab(path, slug, *options):
    out = io.StringIO()
    # Published at once: the tests read the event's public pages and exports.
    call_command("import_frab", str(path), "--publish", *options, event=slug, stdout=out)
    return out.getvalue()


def listed(path):
    """(title, start instant, length, room, people, listed day) of every event of a programme, read with lxml or
    json alone, as an app would read it; titles as a page shows them, runs of white space as one space."""
    if path.suffix == ".json":
        return json_rows(json.loads(path.read_text()))
    return xml_rows(etree.parse(str(path)).getroot(), ZONES.get(path.name))


def xml_rows(document, zone=None):
    """The events of a frab schedule.xml, each on its <day>; without <date>, at its <start> on that day (the
    night after, before <day_change>) in the file's zone or `zone`."""
    tz = ZoneInfo(document.findtext("conference/time_zone_name") or zone)
    change = document.findtext("conference/day_change")
    rows = []
    for day in document.iterfind("day"):
        date = dt.date.fromisoformat(day.get("date"))
        for room in day.iterfind("room"):
            for event in room.iterfind("event"):
                if event.findtext("date"):
                    start = dt.datetime.fromisoformat(event.findtext("date"))
                else:
                    clock = dt.time.fromisoformat(event.findtext("start"))
                    night = change and clock < dt.time.fromisoformat(change)
                    start = dt.datetime.combine(date + dt.timedelta(days=1 if night else 0), clock, tzinfo=tz)
                hours, minutes = event.findtext("duration").split(":")[:2]
                rows.append((
                    " ".join(event.findtext("title").split()),
                    start.astimezone(dt.UTC),
                    dt.timedelta(hours=int(hours), minutes=int(minutes)),
                    room.get("name"),
                    tuple(" ".join(p.text.split()) for p in event.iterfind("persons/person")),
                    date,
                ))  # fmt: skip
    return sorted(rows)


def json_rows(document):
    """The events of a schedule.json by day and room, or of the hub's schedule2, each on the conference day
    whose start and end enclose it."""
    schedule = document["schedule"]
    days = schedule["conference"]["days"]
    rows = []
    for day in days:
        for room, items in day.get("rooms", {}).items():
            for item in items:
                hours, minutes = item["duration"].split(":")
                rows.append((
                    " ".join(item["title"].split()),
                    dt.datetime.fromisoformat(item["date"]).astimezone(dt.UTC),
                    dt.timedelta(hours=int(hours), minutes=int(minutes)),
                    room,
                    tuple(" ".join((p.get("public_name") or p["name"]).split()) for p in item["persons"]),
                    dt.date.fromisoformat(day["date"]),
                ))  # fmt: skip
    for item in schedule.get("events", []):
        start, end = (dt.datetime.fromisoformat(item[key]) for key in ("start", "end"))
        (date,) = [
            day["date"]
            for day in days
            if dt.datetime.fromisoformat(day["start"]) <= start < dt.datetime.fromisoformat(day["end"])
        ]
        rows.append((
            " ".join(item["title"].split()),
            start.astimezone(dt.UTC),
            end - start,
            item["room"]["name"],
            tuple(" ".join(person["name"].split()) for person in item["participants"]),
            dt.date.fromisoformat(date),
        ))  # fmt: skip
    return sorted(rows)


def exported_frab(client, event):
    return xml_rows(
        etree.fromstring(client.get(reverse("events:schedule_xml", kwargs={"event": event.slug})).content)
    )


def exported_json(client, event):
    return json_rows(
        json.loads(client.get(reverse("events:schedule_json", kwargs={"event": event.slug})).content)
    )


def exported_ical(client, event):
    calendar = icalendar.Calendar.from_ical(
        client.get(reverse("events:schedule_ics", kwargs={"event": event.slug})).content
    )
    # LOCATION is the room, then the venue and city (ical.talk_location); a room's name may hold a comma.
    place = "".join(f", {part}" for part in [event.venue, event.city] if part)
    rows = []
    for entry in calendar.walk("VEVENT"):
        contacts = entry.get("CONTACT", [])
        contacts = contacts if isinstance(contacts, list) else [contacts]
        start = entry["DTSTART"].dt
        rows.append((
            str(entry["SUMMARY"]),
            start,
            entry["DTEND"].dt - start,
            str(entry["LOCATION"]).removesuffix(place) if entry.get("LOCATION") else None,
            tuple(str(contact) for contact in contacts),
            event.programme_date(start),
        ))  # fmt: skip
    return sorted(rows)


@pytest.mark.parametrize("name, options", PROGRAMMES)
def test_a_published_programme_imports_and_every_event_comes_back_out_of_every_export_on_its_day(
    client, name, options
):
    path = DATA / name

    output = import_frab(path, "conf", *options)

    event = Event.objects.get(slug="conf")
    expected = listed(path)
    assert output.startswith(f"Event conf created. Created: {len(expected)} talks")
    assert exported_frab(client, event) == expected
    assert exported_json(client, event) == expected
    assert exported_ical(client, event) == expected


@pytest.mark.parametrize("name, options", PROGRAMMES)
def test_a_published_programme_imported_again_changes_nothing(name, options):
    import_frab(DATA / name, "conf", *options)
    before = sorted(Talk.objects.values_list("uuid", "title", "starts_at", "updated_at"))

    output = import_frab(DATA / name, "conf", *options)

    assert output.startswith(
        "Event conf unchanged. Created: 0 talks, 0 speakers, 0 rooms, 0 tracks. Updated: 0 talks"
    )
    assert sorted(Talk.objects.values_list("uuid", "title", "starts_at", "updated_at")) == before


def test_the_portals_exports_of_a_published_programme_import_again_as_the_same_programme(client, tmp_path):
    import_frab(DATA / "31c3-frab-2014.xml", "conf", "--time-zone", "Europe/Berlin")
    event = Event.objects.get(slug="conf")
    xml = tmp_path / "schedule.xml"
    xml.write_bytes(client.get(reverse("events:schedule_xml", kwargs={"event": "conf"})).content)
    data = tmp_path / "schedule.json"
    data.write_bytes(client.get(reverse("events:schedule_json", kwargs={"event": "conf"})).content)

    import_frab(xml, "from-xml", "--strict")
    import_frab(data, "from-json")

    for slug in ["from-xml", "from-json"]:
        copy = Event.objects.get(slug=slug)
        assert (copy.day_change, copy.time_zone) == (event.day_change, event.time_zone)
        assert exported_frab(client, copy) == exported_frab(client, event)


def test_sessions_after_midnight_stay_on_the_day_the_programme_lists_them_under(client):
    import_frab(DATA / "31c3-frab-2014.xml", "conf", "--time-zone", "Europe/Berlin")
    event = Event.objects.get(slug="conf")
    talks = list(event.talks.all())
    night = [talk for talk in talks if talk.starts_at.astimezone(BERLIN).hour < 4]

    days = dict(schedule.group_by_day(talks, event))
    page = client.get(reverse("events:schedule", kwargs={"event": "conf"}), {"day": "2014-12-27"})

    assert event.day_change == dt.time(4, 0)
    assert night and all(
        talk in days[talk.starts_at.astimezone(BERLIN).date() - dt.timedelta(days=1)] for talk in night
    )
    assert Counter(
        day for _title, _start, _length, _room, _people, day in listed(DATA / "31c3-frab-2014.xml")
    ) == {day: len(day_talks) for day, day_talks in days.items()}
    first_night = [
        talk for talk in night if talk.starts_at.astimezone(BERLIN).date() == dt.date(2014, 12, 28)
    ]
    assert all(talk.title in page.content.decode() for talk in first_night)
    assert event.today(dt.datetime(2014, 12, 28, 1, 30, tzinfo=BERLIN)) == dt.date(2014, 12, 27)
    assert event.today(dt.datetime(2014, 12, 28, 4, 0, tzinfo=BERLIN)) == dt.date(2014, 12, 28)
    assert list(event.talks.on_day(dt.date(2014, 12, 27), event.tzinfo, event.day_change)) == sorted(
        days[dt.date(2014, 12, 27)], key=lambda talk: (talk.starts_at, talk.title)
    )


@pytest.mark.parametrize(
    "name", ["38c3-hub-2024.xml", "38c3-hub-schedule2.json", "38c3-hub-schedule2-2025-08.json"]
)
def test_a_38c3_session_after_midnight_stays_on_friday_and_saturday_opens_with_saturdays_talks(client, name):
    import_frab(DATA / name, "38c3")
    event = Event.objects.get()
    talks = list(event.talks.all())
    night = [t for t in talks if t.starts_at.astimezone(BERLIN) < dt.datetime(2024, 12, 28, 6, tzinfo=BERLIN)]
    night = [t for t in night if t.starts_at.astimezone(BERLIN).date() == dt.date(2024, 12, 28)]

    friday, saturday = (
        client.get(reverse("events:schedule", kwargs={"event": "38c3"}), {"day": day}).content.decode()
        for day in ["2024-12-27", "2024-12-28"]
    )

    assert event.day_change == dt.time(6, 0)
    assert night
    assert all(escape(t.title) in friday and escape(t.title) not in saturday for t in night)
    saturdays = list(event.talks.on_day(dt.date(2024, 12, 28), event.tzinfo, event.day_change))
    assert all(t.starts_at >= dt.datetime(2024, 12, 28, 6, tzinfo=BERLIN) for t in saturdays)


@pytest.mark.parametrize(
    "name, page, slides, people",
    [
        (
            "38c3-hub-schedule2.json",  # the talk's page at the conference is its ORIGIN link
            "https://fahrplan.events.ccc.de/congress/2024/fahrplan/talk/HQCCYH/",
            "https://example.net/foo/bar/1235.pdf",
            ["Gabriela Bogk", "Aline Blankertz", "Senficon"],
        ),
        (
            "38c3-hub-schedule2-2025-08.json",  # no origin_url for this one: its page at the hub
            "https://events.ccc.de/congress/2024/hub/event/38c3-opening-ceremony/",
            "https://example.net/foo/bar/1235.pdf",
            ["Gabriela Bogk", "Senficon", "Aline Blankertz"],
        ),
    ],
)
def test_the_hubs_schedule2_gives_tracks_their_colours_and_talks_their_room_track_links_and_people(
    name, page, slides, people
):
    import_frab(DATA / name, "38c3")
    event = Event.objects.get()

    opening = event.talks.select_related("room", "track").get(title="38C3: Opening Ceremony")
    night = event.talks.select_related("track").get(title="A Competitive Time-Trial AI for Need for Speed:")

    assert dict(event.tracks.values_list("name", "colour")) == {
        "Art & Beauty": "#f9b000",
        "Ethics, Society & Politics": "#e40429",
        "Hardware & Making": "#685b9d",
        "Science": "#00a356",
        "Security": "#0347b4",
        "Entertainment": "#4d4d4c",
        "CCC": "#f2f006",
    }
    assert (opening.room.name, str(opening.room.uuid)) == ("Saal 1", "ba692ba3-421b-5371-8309-60acc34a3c05")
    assert (opening.track.name, opening.kind, opening.programme_type) == ("CCC", Talk.Kind.OTHER, "")
    assert (opening.conference_url, opening.slides_url) == (page, slides)
    assert [s.name for s in opening.speakers.order_by("talk_speakers__position")] == people
    assert (night.track.name, night.kind, night.conference_url) == (
        "Hardware & Making",
        Talk.Kind.TALK,
        "https://fahrplan.events.ccc.de/congress/2024/fahrplan/talk/TPGRNN/",
    )


def test_pentabarf_times_are_read_in_the_venues_zone_and_after_the_day_change():
    import_frab(DATA / "fosdem-2020-pentabarf.xml", "fosdem", "--time-zone", "Europe/Brussels")

    welcome = Talk.objects.get(title="Welcome to FOSDEM 2020")

    assert welcome.starts_at == dt.datetime(2020, 2, 1, 9, 30, tzinfo=BRUSSELS)
    assert Event.objects.get().day_change == dt.time(9, 0)


def test_the_programmes_types_become_kinds_and_a_type_without_one_stays_visible(client):
    import_frab(DATA / "fosdem-2025.xml", "fosdem")
    event = Event.objects.get()
    by_type = {talk.programme_type: talk for talk in event.talks.all()}

    assert {
        kind: by_type[kind].kind for kind in ["keynote", "devroom", "lightningtalk"] if kind in by_type
    } == {
        kind: value
        for kind, value in {"keynote": "keynote", "devroom": "talk", "lightningtalk": "lightning"}.items()
        if kind in by_type
    }
    assert programme.kind_of("lecture") == Talk.Kind.TALK
    assert programme.kind_of("Lightning Talk") == Talk.Kind.LIGHTNING
    assert programme.kind_of("Workshop") == Talk.Kind.TUTORIAL
    assert programme.kind_of("Podium") == Talk.Kind.PANEL
    bof = make_talk(event, title="Packaging BoF", slug="bof", kind=Talk.Kind.OTHER, programme_type="BoF")
    page = client.get(bof.get_absolute_url())
    assert bof.kind_label == "BoF"
    assert "<dd>BoF</dd>" in page.content.decode()


def test_tracks_without_a_colour_get_distinct_readable_ones():
    import_frab(DATA / "fosdem-2025.xml", "fosdem")

    colours = list(Event.objects.get().tracks.values_list("colour", flat=True))
    many = programme.distinct_colours(80)

    assert len(colours) > 5 and len(set(colours)) == len(colours)
    assert len(set(many)) == 80
    for colour in many:
        assert programme.contrast(colour, "#ffffff") >= 3
        assert programme.contrast(colour, "#000000") >= 3


def test_html_abstracts_reach_calendars_as_plain_text(client):
    import_frab(DATA / "fosdem-2025.xml", "fosdem")
    talk = Talk.objects.filter(abstract__contains="<p>").first()

    calendar = icalendar.Calendar.from_ical(
        client.get(talk.get_absolute_url().removesuffix("/") + ".ics").content
    )
    description = str(next(iter(calendar.walk("VEVENT")))["DESCRIPTION"])

    assert "<p>" not in description and "&lt;" not in description
    assert talk.abstract.split("<p>")[1].split("</p>")[0].split("<")[0].strip()[:40] in description


def test_a_speaker_whose_name_holds_a_comma_stays_one_speaker_in_the_calendar(client, tmp_path):
    event = make_event(slug="congress", time_zone="Europe/Berlin")
    talk = make_talk(
        event,
        speakers=[make_speaker(name="Jann Traschewski, DG8NGN"), make_speaker(name="Ana Sample")],
        status=Talk.Status.PUBLISHED,
    )
    data = client.get(reverse("events:schedule_ics", kwargs={"event": "congress"})).content

    entry = next(iter(icalendar.Calendar.from_ical(data).walk("VEVENT")))
    read_by_vobject = [line.value for line in vobject.readOne(data.decode()).vevent.contents["contact"]]
    path = tmp_path / "congress.ics"
    path.write_bytes(data)
    other = make_event(slug="other", time_zone="Europe/Berlin")
    call_command("import_talks", str(path), event="other", stdout=io.StringIO())

    assert [str(contact) for contact in entry["CONTACT"]] == ["Jann Traschewski, DG8NGN", "Ana Sample"]
    assert read_by_vobject == ["Jann Traschewski, DG8NGN", "Ana Sample"]
    assert "Speakers: Jann Traschewski, DG8NGN; Ana Sample" in str(entry["DESCRIPTION"])
    copy = other.talks.get(title=talk.title)
    assert [s.name for s in copy.speakers.order_by("talk_speakers__position")] == [
        "Jann Traschewski, DG8NGN",
        "Ana Sample",
    ]


def test_an_icalendar_programme_with_milestones_imports_its_talks_and_lists_the_milestones():
    make_event(
        slug="pycon",
        time_zone="America/New_York",
        start_date=dt.date(2025, 5, 14),
        end_date=dt.date(2025, 5, 22),
    )
    out = io.StringIO()

    call_command("import_talks", str(DATA / "pycon-us-2025.ics"), event="pycon", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Found 6 talks. Created: 6 talks")
    assert lines[1] == "Skipped 2 entries:"
    assert all("it ends when it starts (a milestone, not a talk)" in line for line in lines[2:4])
    assert Talk.objects.filter(event__slug="pycon").count() == 6


# Every exchanged field, both ways -------------------------------------------------------------------------


def full_event():
    """An event with a talk that sets every field of programme.TALK_FIELDS, and one that sets few."""
    event = make_event(slug="source", time_zone="Europe/Berlin", day_change=dt.time(5, 0))
    room, track = make_room(event, name="Saal 1"), make_track(event, name="Hardware", colour="#aa3300")
    make_talk(
        event,
        title="Every field",
        slug="every-field",
        abstract="An *abstract*.\n\nTwo paragraphs.",
        starts_at=dt.datetime(2022, 5, 17, 1, 15, tzinfo=BERLIN),  # after midnight: the day before
        room=room,
        track=track,
        kind=Talk.Kind.OTHER,
        programme_type="Hackathon",
        conference_url="https://conference.example.org/talk/1/",
        slides_url="https://slides.example.org/1.pdf",
        video_url="https://media.example.org/1.webm",
        speakers=[make_speaker(name="Jann Traschewski, DG8NGN"), make_speaker(name="Ana Sample")],
        status=Talk.Status.PUBLISHED,
    )
    make_talk(
        event, title="Few fields", slug="few-fields", kind=Talk.Kind.LIGHTNING, status=Talk.Status.PUBLISHED
    )
    return event


def exchanged(event):
    return sorted(
        (
            *(
                getattr(talk, name).name
                if name in ("room", "track") and getattr(talk, name)
                else getattr(talk, name)
                for name in programme.TALK_FIELDS
            ),
            tuple(s.name for s in talk.speakers.order_by("talk_speakers__position")),
        )
        for talk in event.talks.select_related("room", "track")
    )


@pytest.mark.parametrize("reader, address", [(frab, "events:schedule_xml"), (c3voc, "events:schedule_json")])
def test_every_exchanged_field_survives_an_export_and_an_import(client, reader, address):
    event = full_event()
    data = client.get(reverse(address, kwargs={"event": "source"})).content

    found = reader.read(data, source_key="copy")
    programme.import_schedule(found, event_slug="copy")

    copy = Event.objects.get(slug="copy")
    assert exchanged(copy) == exchanged(event)
    assert (copy.day_change, copy.time_zone) == (dt.time(5, 0), "Europe/Berlin")
    assert copy.tracks.get().colour == "#aa3300"
    assert found.notes.deviations == {}


def test_the_calendar_carries_title_times_place_track_and_speakers_back_in():
    event = full_event()
    exporter = ical.ICalExporter(
        event, ical.ICalExporter.talks_of(event).with_details(), base_url="https://p.example"
    )

    found = ical.read(exporter.render(), tz=event.tzinfo).talks

    source = {talk.title: talk for talk in event.talks.select_related("room", "track")}
    for item in found:
        talk = source[item.title]
        assert (item.starts_at, item.ends_at, item.room, item.track) == (
            talk.starts_at,
            talk.ends_at,
            ical.talk_location(event, talk),  # the place as calendars show it: room, venue, city
            talk.track.name if talk.track else "",
        )
        assert [s.name for s in item.speakers] == [
            s.name for s in talk.speakers.order_by("talk_speakers__position")
        ]
