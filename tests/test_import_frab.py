"""manage.py import_frab: a frab schedule.xml creates or updates an event, idempotently and all or nothing."""

import datetime as dt
import io
import json
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from lxml import etree

from events.exchange.programme import Notes
from events.models import Event, Room, Speaker, Talk, TalkSpeaker, Track
from tests.factories import SYNTHCON_600, at, make_event, make_room, make_speaker, make_talk, make_track

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "sample-frab.xml"
SYNTHCON = SYNTHCON_600
BERLIN = ZoneInfo("Europe/Berlin")
MODELS = [Event, Room, Track, Talk, Speaker, TalkSpeaker]


def import_frab(path, slug, *options):
    out = io.StringIO()
    call_command("import_frab", str(path), *options, event=slug, stdout=out)
    return out.getvalue()


def summary(output):
    """The import's summary line; the last line gives the time taken."""
    lines = output.strip().splitlines()
    assert re.fullmatch(r"Read in \d+\.\d s, written in \d+\.\d s \(\d+\.\d s in all\)\.", lines[-1])
    return lines[0]


def snapshot():
    return {model.__name__: sorted(model.objects.values_list()) for model in MODELS}


def broken(tmp_path, old, new):
    path = tmp_path / "broken.xml"
    text = SAMPLE.read_text()
    assert text.count(old) == 1
    path.write_text(text.replace(old, new))
    return path


def test_the_sample_creates_the_event_with_its_rooms_tracks_talks_and_speakers():
    output = import_frab(SAMPLE, "ebpf-summit")

    event = Event.objects.get(slug="ebpf-summit")
    assert (event.name, event.time_zone) == ("eBPF Summit Sample 2022", "Europe/Berlin")
    assert (event.start_date, event.end_date) == (dt.date(2022, 9, 28), dt.date(2022, 9, 29))
    assert [room.name for room in event.rooms.all()] == ["Main Stage", "Workshop Room"]
    assert [(track.name, track.colour) for track in event.tracks.all()] == [("Networking", "#0b7a75")]
    talks = event.talks.in_schedule_order().select_related("room", "track")
    assert [
        (t.title, t.slug, t.starts_at, t.ends_at, t.room.name, t.track and t.track.name, t.kind, t.status)
        for t in talks
    ] == [
        ("Opening Keynote", "opening-keynote", dt.datetime(2022, 9, 28, 9, 0, tzinfo=BERLIN),
         dt.datetime(2022, 9, 28, 9, 45, tzinfo=BERLIN), "Main Stage", None, "keynote", "published"),
        ("Tracing the Datapath", "tracing-the-datapath", dt.datetime(2022, 9, 28, 10, 0, tzinfo=BERLIN),
         dt.datetime(2022, 9, 28, 10, 30, tzinfo=BERLIN), "Main Stage", "Networking", "talk", "published"),
        ("Hands-on with Hubble", "hands-on-with-hubble", dt.datetime(2022, 9, 28, 14, 0, tzinfo=BERLIN),
         dt.datetime(2022, 9, 28, 15, 30, tzinfo=BERLIN), "Workshop Room", "Networking", "tutorial", "published"),
        ("Closing Panel", "closing-panel", dt.datetime(2022, 9, 29, 17, 30, tzinfo=BERLIN),
         dt.datetime(2022, 9, 29, 18, 15, tzinfo=BERLIN), "Main Stage", None, "panel", "published"),
    ]  # fmt: skip
    keynote = event.talks.get(slug="opening-keynote")
    assert str(keynote.uuid) == "0c7d6f3e-1111-4a4a-8b8b-000000000001"
    assert keynote.slides_url == "https://slides.example.org/opening.pdf"
    assert keynote.conference_url == "https://pretalx.example.org/ebpf-sample-2022/talk/ABC123/"
    datapath = event.talks.get(slug="tracing-the-datapath")
    assert [s.name for s in datapath.speakers.order_by("talk_speakers__position")] == [
        "Ana Sample",
        "Liz Example",
    ]
    assert sorted(Speaker.objects.values_list("name", flat=True)) == ["Ana Sample", "Liz Example"]
    assert str(Speaker.objects.get(name="Liz Example").uuid) == "5d3c2b1a-2222-4c4c-9d9d-000000000007"
    assert summary(output) == (
        "Event ebpf-summit created. Created: 4 talks, 2 speakers, 2 rooms, 1 tracks. "
        "Updated: 0 talks, 0 speakers, 0 rooms, 0 tracks."
    )
    assert output.splitlines()[1] == (
        "ebpf-summit is a draft, seen by organisers only: publish it in the admin, or import with --publish."
    )
    assert event.status == Event.Status.DRAFT


def test_importing_the_same_file_twice_changes_nothing():
    import_frab(SAMPLE, "ebpf-summit")
    before = snapshot()

    output = import_frab(SAMPLE, "ebpf-summit")

    assert snapshot() == before
    assert summary(output) == (
        "Event ebpf-summit unchanged. Created: 0 talks, 0 speakers, 0 rooms, 0 tracks. "
        "Updated: 0 talks, 0 speakers, 0 rooms, 0 tracks."
    )


def test_a_changed_file_updates_the_talks_in_place_and_bumps_the_version(tmp_path):
    import_frab(SAMPLE, "ebpf-summit")
    event = Event.objects.get(slug="ebpf-summit")
    keynote = event.talks.get(slug="opening-keynote")
    path = broken(
        tmp_path, "<date>2022-09-28T09:00:00+02:00</date>", "<date>2022-09-28T09:15:00+02:00</date>"
    )

    import_frab(path, "ebpf-summit")

    moved = event.talks.get(pk=keynote.pk)
    assert (moved.starts_at, moved.ends_at, moved.slug) == (
        dt.datetime(2022, 9, 28, 9, 15, tzinfo=BERLIN),
        dt.datetime(2022, 9, 28, 10, 0, tzinfo=BERLIN),
        "opening-keynote",
    )
    assert event.talks.count() == 4
    assert Event.objects.get(pk=event.pk).schedule_version > event.schedule_version


def test_an_import_into_an_existing_event_keeps_its_other_talks_and_organiser_decisions():
    event = make_event(slug="ebpf-summit", time_zone="Europe/Berlin")
    own = make_talk(event, title="Our own talk", slug="our-own-talk")
    import_frab(SAMPLE, "ebpf-summit")
    event.talks.filter(slug="closing-panel").update(status=Talk.Status.CANCELLED)

    import_frab(SAMPLE, "ebpf-summit")

    assert event.talks.get(pk=own.pk).title == "Our own talk"
    assert event.talks.get(slug="closing-panel").status == Talk.Status.CANCELLED
    assert event.talks.count() == 5


@pytest.mark.parametrize(
    "old, new, message",
    [
        (
            "<duration>00:30</duration>",
            "<duration>30 minutes</duration>",
            "line 46: not a valid frab schedule.xml: Element 'duration': [facet 'pattern'] The value "
            "'30 minutes' is not accepted by the pattern '([0-9]{1,2}:[0-9]{2})|([0-9]{1,2}:[0-9]{2}:[0-9]{1,2})'.",
        ),
        (
            "<date>2022-09-28T14:00:00+02:00</date>",
            "<date>2022-09-28T14:00:00</date>",
            "line 61: not a valid frab schedule.xml: Element 'date': [facet 'pattern'] The value "
            "'2022-09-28T14:00:00' is not accepted by the pattern '.+(Z|\\+[0-9]{1,2}:[0-9]{2}|-[0-9]{1,2}:[0-9]{2})'.",
        ),
        (
            '<event guid="0c7d6f3e-1111-4a4a-8b8b-000000000003" id="103">',
            '<event id="103">',
            "line 57: not a valid frab schedule.xml: Element 'event': The attribute 'guid' is required but missing.",
        ),
        (
            "<title>Closing Panel</title>",
            "<title>Closing Panel</titel>",
            "line 76: the file is not well-formed XML: Opening and ending tag mismatch: title line 76 and titel",
        ),
        (
            "<time_zone_name>Europe/Berlin</time_zone_name>",
            "<time_zone_name>Mars/Olympus_Mons</time_zone_name>",
            "line 14, <time_zone_name>: “Mars/Olympus_Mons” is not an IANA time zone name.",
        ),
    ],
)
def test_with_strict_a_file_off_the_schema_is_rejected_naming_line_and_element_and_nothing_is_written(
    tmp_path, old, new, message
):
    path = broken(tmp_path, old, new)

    with pytest.raises(CommandError) as error:
        import_frab(path, "ebpf-summit", "--strict")

    assert str(error.value) == f"{path}: {message.rstrip('.')}. Nothing was imported."
    assert {name: len(rows) for name, rows in snapshot().items()} == dict.fromkeys(
        [m.__name__ for m in MODELS], 0
    )


def test_a_broken_file_leaves_an_imported_event_as_it_was(tmp_path):
    import_frab(SAMPLE, "ebpf-summit")
    before = snapshot()
    # The first talks would import fine; the last one is broken, so nothing of the file may be written.
    path = broken(tmp_path, "<title>Closing Panel</title>", "<title>Closing Panel</titel>")
    text = path.read_text().replace("<title>Opening Keynote</title>", "<title>Opening Keynote, moved</title>")
    path.write_text(text)

    with pytest.raises(CommandError):
        import_frab(path, "ebpf-summit")

    assert snapshot() == before


def test_an_unreadable_file_or_a_bad_slug_is_a_command_error(tmp_path):
    with pytest.raises(CommandError) as missing:
        import_frab(tmp_path / "missing.xml", "ebpf-summit")
    with pytest.raises(CommandError) as bad_slug:
        import_frab(SAMPLE, "not a slug!")

    assert str(missing.value).startswith(f"{tmp_path / 'missing.xml'}: the file cannot be read: ")
    assert str(bad_slug.value) == (
        f"{SAMPLE}: “not a slug!” is not a slug (letters, digits, hyphens, underscores). Nothing was imported."
    )


def test_a_file_with_a_doctype_is_refused_and_its_entities_never_read(tmp_path):
    path = tmp_path / "entity.xml"
    secret = tmp_path / "secret.txt"
    secret.write_text("do not read me")
    text = SAMPLE.read_text().replace(
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE schedule [<!ENTITY x SYSTEM "file://{secret}">]>',
    )
    path.write_text(text.replace("Welcome to the summit.", "&x;"))

    with pytest.raises(CommandError) as error:
        import_frab(path, "ebpf-summit")

    assert str(error.value) == (
        f"{path}: a DOCTYPE declaration (<!DOCTYPE …>) is not allowed in a schedule.xml. Nothing was imported."
    )
    assert Talk.objects.count() == 0


# Round trip ---------------------------------------------------------------------------------------


def schedule_of(client, event):
    """(title, date, duration, room, speakers) of every talk in the frab export, as apps read it."""
    document = etree.fromstring(
        client.get(reverse("events:schedule_xml", kwargs={"event": event.slug})).content
    )
    return sorted(
        (
            e.findtext("title"),
            e.findtext("date"),
            e.findtext("duration"),
            e.findtext("room"),
            e.findtext("track"),
            e.findtext("type"),
            tuple(p.text for p in e.findall("persons/person")),
        )
        for e in document.iterfind("day/room/event")
    )


def export_to_file(client, event, tmp_path):
    path = tmp_path / f"{event.slug}.xml"
    path.write_bytes(client.get(reverse("events:schedule_xml", kwargs={"event": event.slug})).content)
    return path


def test_an_event_survives_a_round_trip_through_frab_xml(client, tmp_path):
    event = make_event(slug="summit")
    hall = make_room(event, name="Hall 8")
    track = make_track(event, name="Networking")
    ann, bo = make_speaker(name="Ann Lee"), make_speaker(name="Bo Chen")
    make_talk(
        event,
        slug="networking-101",
        starts_at=at(20, 11),
        ends_at=at(20, 12, 30),
        room=hall,
        track=track,
        kind=Talk.Kind.TUTORIAL,
        speakers=[bo, ann],
    )
    make_talk(event, slug="srv6", starts_at=at(16, 10, 50), speakers=[ann])
    make_talk(event, slug="welcome", starts_at=at(19, 15, 25), ends_at=at(19, 16))
    original = schedule_of(client, event)

    import_frab(export_to_file(client, event, tmp_path), "summit-copy", "--publish")
    copy = Event.objects.get(slug="summit-copy")

    assert schedule_of(client, copy) == original
    assert len(original) == 3
    assert sorted(copy.talks.values_list("slug", flat=True)) == ["networking-101", "srv6", "welcome"]
    assert list(copy.rooms.values_list("name", flat=True)) == ["Hall 8"]
    # Speakers are people, not per event: the copy's talks point at the same speakers.
    assert Speaker.objects.count() == 2
    assert [(talk.slug, talk.room and talk.room.name) for talk in copy.talks.order_by("slug")] == [
        ("networking-101", "Hall 8"),
        ("srv6", None),
        ("welcome", None),
    ]


def test_importing_the_round_trip_copy_again_changes_nothing(client, tmp_path):
    event = make_event(slug="summit")
    make_talk(event, room=make_room(event), speakers=[make_speaker()])
    make_talk(event, starts_at=at(17, 10))
    path = export_to_file(client, event, tmp_path)
    import_frab(path, "summit-copy")
    before = snapshot()

    import_frab(path, "summit-copy")

    assert snapshot() == before


@pytest.mark.skipif(not SYNTHCON.exists(), reason="the pretalx benchmark file is not on this machine")
def test_the_pretalx_benchmark_imports_completely_and_idempotently():
    import_frab(SYNTHCON, "synthcon")
    before = snapshot()
    import_frab(SYNTHCON, "synthcon")

    event = Event.objects.get(slug="synthcon")
    assert snapshot() == before
    assert (event.talks.count(), event.rooms.count(), Speaker.objects.count()) == (600, 6, 900)
    assert (event.start_date, event.end_date, event.time_zone) == (
        dt.date(2022, 5, 16),
        dt.date(2022, 5, 20),
        "Europe/Madrid",
    )
    first = event.talks.get(uuid="bfc17762-9e91-5642-9719-b50766e4650d")
    assert (first.title, first.slug, first.room.name, first.starts_at) == (
        "Service release maintainers ingress gateway node",
        "service-release-maintainers-ingress-gateway-node",
        "Hall A",
        dt.datetime(2022, 5, 16, 9, 0, tzinfo=ZoneInfo("Europe/Madrid")),
    )
    assert [s.name for s in first.speakers.order_by("talk_speakers__position")] == [
        "Ivan Rossum 403",
        "Grace Johnson 803",
    ]


def test_the_placeholder_room_is_not_imported_as_a_room(client, tmp_path):
    event = make_event(slug="summit")
    make_talk(event, room=None)

    import_frab(export_to_file(client, event, tmp_path), "summit-copy")

    assert Event.objects.get(slug="summit-copy").talks.get().room is None
    assert list(Room.objects.values_list("name", flat=True)) == []


def test_a_room_name_longer_than_the_database_allows_is_refused_by_line(tmp_path):
    path = broken(tmp_path, 'name="Workshop Room"', f'name="{"W" * 250}"')

    with pytest.raises(CommandError) as error:
        import_frab(path, "ebpf-summit")

    assert (
        str(error.value)
        == f"{path}: line 56, <room>: the room name is longer than 200 characters. Nothing was imported."
    )
    assert Event.objects.count() == 0


def test_a_very_long_track_name_is_cut_and_the_talks_import(tmp_path):
    long_name = "Networking " + "x" * 300
    path = tmp_path / "long-track.xml"
    path.write_text(SAMPLE.read_text().replace("Networking", long_name))

    import_frab(path, "ebpf-summit")

    assert [len(track.name) for track in Track.objects.all()] == [200]
    assert Talk.objects.count() == 4


def test_renaming_a_shared_speaker_refreshes_every_schedule_they_are_in(client, tmp_path):
    import_frab(SAMPLE, "first", "--publish")
    first = Event.objects.get(slug="first")
    assert b"Liz Example" in client.get(reverse("events:schedule_xml", kwargs={"event": "first"})).content
    renamed = tmp_path / "renamed.xml"
    renamed.write_text(SAMPLE.read_text().replace("Liz Example", "Liz Renamed"))

    import_frab(renamed, "second")

    body = client.get(reverse("events:schedule_xml", kwargs={"event": first.slug})).content
    assert b"Liz Renamed" in body
    assert b"Liz Example" not in body


@pytest.mark.skipif(connection.vendor != "postgresql", reason="table statistics are PostgreSQL's planner's")
def test_after_an_import_postgresql_plans_with_the_imported_rows():
    import_frab(SAMPLE, "sample")

    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [Talk._meta.db_table])
        (estimate,) = cursor.fetchone()

    assert estimate == Talk.objects.count() > 0


@pytest.mark.parametrize(
    "old, new, message",
    [
        (
            "<start>2022-09-28</start>",
            "<start>0001-01-01</start>",
            "line 9, <start>: “0001-01-01” is not a date between 1970 and 9000.",
        ),
        (
            'name="Workshop Room"',
            'name="room to be announced"',
            "line 56, <room>: “room to be announced” is how exports name talks without a room: "
            "write “Room to be announced”.",
        ),
    ],
)
def test_times_out_of_range_and_rooms_the_database_would_refuse_are_errors_by_line(
    tmp_path, old, new, message
):
    path = broken(tmp_path, old, new)

    with pytest.raises(CommandError) as error:
        import_frab(path, "ebpf-summit")

    assert str(error.value) == f"{path}: {message.rstrip('.')}. Nothing was imported."
    assert Event.objects.count() == 0


def test_a_room_that_repeats_another_rooms_guid_gets_its_own_and_the_file_imports_with_a_note(tmp_path):
    path = broken(
        tmp_path,
        'name="Workshop Room" guid="6a1f0d52-5f0e-4b8c-9d7e-1c2b3a4d5e70"',
        'name="Workshop Room" guid="6a1f0d52-5f0e-4b8c-9d7e-1c2b3a4d5e6f"',
    )

    output = import_frab(path, "ebpf-summit")

    rooms = {room.name: str(room.uuid) for room in Event.objects.get().rooms.all()}
    assert rooms["Main Stage"] == "6a1f0d52-5f0e-4b8c-9d7e-1c2b3a4d5e6f"
    assert rooms["Workshop Room"] != rooms["Main Stage"]
    assert Talk.objects.filter(room__name="Workshop Room").count() == 1
    assert "  1 × room guid that another room already has (line 56)" in (output.splitlines())


@pytest.mark.parametrize(
    "old, new, skipped",
    [
        (
            "<duration>00:30</duration>",
            "<duration>30 minutes</duration>",
            "line 39: “Tracing the Datapath”: it has no length (<duration> such as 00:45).",
        ),
        (
            "<duration>01:30</duration>",
            "<duration>00:00</duration>",
            "line 57: “Hands-on with Hubble”: it has no length: it ends when it starts or before.",
        ),
        (
            "<title>Closing Panel</title>",
            "<title> </title>",
            "line 74: “104”: it has no title.",
        ),
        (
            "<date>2022-09-29T17:30:00+02:00</date>\n        <start>17:30</start>\n        <duration>00:45</duration>",
            "<date>9999-12-31T17:30:00+02:00</date>\n        <start>17:30</start>\n        <duration>99:00</duration>",
            "line 74: “Closing Panel”: it ends after the year 9000.",
        ),
        (
            "<date>2022-09-28T09:00:00+02:00</date>",
            "<date>0001-01-01T00:00:00+14:00</date>",
            "line 19: “Opening Keynote”: it starts before the year 1970.",
        ),
    ],
)
def test_an_event_without_what_the_portal_needs_is_skipped_and_listed_the_rest_imports(
    tmp_path, old, new, skipped
):
    path = broken(tmp_path, old, new)

    output = import_frab(path, "ebpf-summit")

    assert Event.objects.get(slug="ebpf-summit").talks.count() == 3
    lines = output.splitlines()
    skipped_at = lines.index("Skipped 1 entries:")
    assert lines[skipped_at : skipped_at + 2] == ["Skipped 1 entries:", f"  {skipped}"]


def test_departures_from_the_schema_are_counted_by_kind_with_their_lines_and_the_file_imports(tmp_path):
    path = broken(
        tmp_path, '<event guid="0c7d6f3e-1111-4a4a-8b8b-000000000003" id="103">', '<event id="103">'
    )
    path.write_text(
        path.read_text()
        .replace("<date>2022-09-28T14:00:00+02:00</date>", "<date>2022-09-28T14:00:00</date>")
        .replace("<conference>", "<conference>\n    <venue>Hall 8</venue>")
    )

    output = import_frab(path, "ebpf-summit")
    import_frab(path, "ebpf-summit")

    event = Event.objects.get(slug="ebpf-summit")
    assert event.talks.count() == 4  # the derived guid is the same the second time: nothing is doubled
    assert event.talks.get(slug="hands-on-with-hubble").starts_at == dt.datetime(
        2022, 9, 28, 14, tzinfo=BERLIN
    )
    *notes, draft_line = output.splitlines()[1:-1]
    assert draft_line.startswith("ebpf-summit is a draft")
    assert (
        notes[0]
        == "Imported anyway, though the file departs from its format here (counted by kind, first lines):"
    )
    assert sorted(notes[1:]) == sorted([
        "  1 × <date> without a UTC offset, read in the venue's zone (line 62)",
        "  1 × event without a guid (one is derived from its id) (line 58)",
        "  1 × not as the c3voc schema has it: Element 'date': [facet 'pattern'] The value … is not accepted by "
        "the pattern '.+(Z|\\+[0-9]{1,2}:[0-9]{2}|-[0-9]{1,2}:[0-9]{2})' (line 62)",
        "  1 × not as the c3voc schema has it: Element 'event': The attribute 'guid' is required but missing (line 58)",
        "  1 × not as the c3voc schema has it: Element 'venue': This element is not expected (line 7)",
    ])  # fmt: skip


def edited_json(tmp_path, name, edit):
    """A copy of the real programme `name` (tests/data) with `edit(schedule)` applied."""
    document = json.loads((DATA / name).read_text())
    edit(document["schedule"])
    path = tmp_path / name
    # One key per line, as the hub writes it, so that the events keep lines of their own.
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False))
    return path


def test_events_of_a_schedule_json_without_a_title_or_a_length_are_skipped_and_listed_by_line(tmp_path):
    def edit(schedule):
        first, second = schedule["events"]
        first["title"] = " "
        del second["end"]

    path = edited_json(tmp_path, "38c3-hub-schedule2.json", edit)
    text = path.read_text()
    guid_lines = [
        text[: text.index(f'"guid": "{guid}"')].count("\n") + 1
        for guid in ["270fa44c-821a-577f-8ca3-33e8d4a8c2a7", "b1740c2f-0c44-5f1b-89ed-456a9eecf0b8"]
    ]

    output = import_frab(path, "38c3")

    lines = output.splitlines()
    skipped_at = lines.index("Skipped 2 entries:")
    assert lines[skipped_at : skipped_at + 3] == [
        "Skipped 2 entries:",
        f"  line {guid_lines[0]}: “38c3-opening-ceremony”: it has no title.",
        f"  line {guid_lines[1]}: “A Competitive Time-Trial AI for Need for Speed:”: it has no length (<duration> "
        "such as 00:45).",
    ]
    assert Event.objects.get(slug="38c3").talks.count() == 0


def test_a_schedule_json_with_values_of_the_wrong_shape_imports_what_it_can(tmp_path):
    def edit(schedule):
        schedule["events"][1]["participants"] = "Sebastian Schwarz"  # a string, not a list of people
        schedule["conference"]["days"][0]["end"] = "9999-12-31T23:59:00-12:00"  # beyond every zone's calendar

    output = import_frab(edited_json(tmp_path, "38c3-hub-schedule2.json", edit), "38c3")

    talk = Talk.objects.get(title="A Competitive Time-Trial AI for Need for Speed:")
    assert output.startswith("Event 38c3 created. Created: 2 talks")
    assert list(talk.speakers.all()) == []


def test_with_strict_a_schedule_json_is_refused_at_its_first_departure_and_nothing_is_written():
    path = DATA / "pretalx-democon-2020.json"  # pretalx gave its two rooms one guid

    with pytest.raises(CommandError) as error:
        import_frab(path, "democon", "--strict")

    assert str(error.value) == (
        f"{path}: line 23: the file departs from its format: room guid that another room already has. "
        "Nothing was imported."
    )
    assert Event.objects.count() == 0


def test_a_schedule_json_nested_too_deeply_is_refused_and_nothing_is_written(tmp_path):
    path = tmp_path / "schedule.json"
    path.write_text('{"schedule": {"conference": {"days": ' + "[" * 100_000 + "]" * 100_000 + "}}}")

    with pytest.raises(CommandError) as error:
        import_frab(path, "deep")

    assert (
        str(error.value)
        == f"{path}: line 1: the file is not valid JSON: it is nested too deeply. Nothing was imported."
    )
    assert Event.objects.count() == 0


def test_a_day_at_the_end_of_time_is_noted_and_the_rest_of_the_file_imports(tmp_path):
    path = broken(
        tmp_path,
        '<day index="2" date="2022-09-29" start="2022-09-29T04:00:00+02:00" end="2022-09-30T03:59:00+02:00">',
        '<day index="2" date="9999-12-31" start="9999-12-31T04:00:00-12:00" end="9999-12-31T23:59:00-12:00">',
    )

    output = import_frab(path, "ebpf-summit")

    assert Event.objects.get().talks.count() == 4
    assert "  1 × day without a date (line 72)" in output.splitlines()


def test_with_strict_a_departure_of_unknown_line_is_named_without_a_line(tmp_path):
    def edit(schedule):
        del schedule["events"][0]["guid"]  # and with its title its line is gone
        del schedule["events"][0]["title"]

    path = edited_json(tmp_path, "38c3-hub-schedule2.json", edit)

    with pytest.raises(CommandError) as error:
        import_frab(path, "38c3", "--strict")

    assert str(error.value) == (
        f"{path}: the file departs from its format: event without a guid (one is derived from its id). "
        "Nothing was imported."
    )


def test_departures_of_unknown_line_are_counted_and_the_known_lines_shown():
    notes = Notes()
    for line in [0, 0, 0, 0, 0, 0, 40, 41]:
        notes.deviate("event without a guid", line)

    assert notes.lines() == ["8 × event without a guid (lines 40, 41)"]
    assert notes.first() == (40, "event without a guid")


def test_a_file_without_a_zone_needs_one_and_a_zone_against_the_files_is_refused(tmp_path):
    path = broken(tmp_path, "<time_zone_name>Europe/Berlin</time_zone_name>", "")

    with pytest.raises(CommandError) as needed:
        import_frab(path, "ebpf-summit")
    with pytest.raises(CommandError) as contradicted:
        import_frab(SAMPLE, "ebpf-summit", "--time-zone", "Europe/Lisbon")
    import_frab(path, "ebpf-summit", "--time-zone", "Europe/Berlin")

    assert str(needed.value) == (
        f"{path}: the file names no time zone (<time_zone_name>) and its dates carry the UTC offset +02:00: "
        "give the venue's zone with --time-zone, e.g. Europe/Berlin. Nothing was imported."
    )
    assert str(contradicted.value) == (
        f"{SAMPLE}: the file says its times are in Europe/Berlin, but the zone given is Europe/Lisbon. "
        "Nothing was imported."
    )
    assert Event.objects.get().time_zone == "Europe/Berlin"


def test_an_import_beyond_the_event_size_limit_is_refused_and_names_it(settings):
    settings.EVENT_MAX_TALKS = 3

    with pytest.raises(CommandError) as error:
        import_frab(SAMPLE, "ebpf-summit")

    assert str(error.value) == (
        f"{SAMPLE}: the import would give the event 4 talks; an event holds at most 3 talks "
        "(the EVENT_MAX_TALKS setting). Nothing was imported."
    )
    assert Event.objects.count() == 0


@pytest.mark.parametrize(
    "text, looks",
    [
        ("<!DOCTYPE html><html><body>Schedule</body></html>", "this file is an HTML page"),
        ('{"not": "a schedule"}', "line 1: this JSON is not a c3voc schedule.json"),
        ("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "line 1: this is an iCalendar file"),
        (
            "<rss><channel/></rss>",
            "line 1: this is not a frab schedule.xml (its root element would be <schedule>) but a news feed",
        ),
    ],
)
def test_a_file_that_is_no_schedule_is_refused_saying_what_it_looks_like(tmp_path, text, looks):
    path = tmp_path / "schedule.xml"
    path.write_text(text)

    with pytest.raises(CommandError) as error:
        import_frab(path, "ebpf-summit")

    assert looks in str(error.value)
    assert Event.objects.count() == 0
