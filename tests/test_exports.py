"""Schedule exports: iCal, frab XML and c3voc JSON, valid, stable, cached and versioned."""

import datetime as dt
import functools
import hashlib
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import jsonschema
import pytest
from django.urls import reverse
from django.utils.http import http_date
from lxml import etree

from events import changelog, exports
from events.models import Event, Talk
from tests.factories import at, make_event, make_room, make_speaker, make_talk, make_track

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
UTC = ZoneInfo("UTC")


@functools.cache
def frab_schema():
    return etree.XMLSchema(etree.parse(str(DATA / "schedule.xml.xsd")))


@functools.cache
def c3voc_validator():
    schema = json.loads((DATA / "schema.json").read_text())
    jsonschema.Draft6Validator.check_schema(schema)
    return jsonschema.Draft6Validator(schema, format_checker=jsonschema.FormatChecker())


def url(name, event, **kwargs):
    return reverse(f"events:{name}", kwargs={"event": event.slug, **kwargs})


def get_xml(client, event, **headers):
    """The event's frab XML, validated against the frab schema."""
    response = client.get(url("schedule_xml", event), **headers)
    document = etree.fromstring(response.content)
    frab_schema().assertValid(document)
    return response, document


def get_json(client, event):
    """The event's c3voc JSON, validated against the c3voc schema."""
    response = client.get(url("schedule_json", event))
    data = response.json()
    errors = [(list(error.path), error.message) for error in c3voc_validator().iter_errors(data)]
    assert errors == []
    return response, data


def get_ical(client, path):
    response = client.get(path)
    return response, icalendar.Calendar.from_ical(response.content)


def json_events(data):
    return [
        event
        for day in data["schedule"]["conference"]["days"]
        for talks in day["rooms"].values()
        for event in talks
    ]


# The copied schemas --------------------------------------------------------------------------------

UPSTREAM_SHA256 = {
    "schedule.xml.xsd": "8cc5f7aab933c87fb20a99220e618f5e069655ac2f3a75a8a0df845d7329e51c",
    "schedule-without-person.xml.xsd": "83c30c459e9192f97a399ba8314b3dd73f02a0745ee6d4adc985f4e8cebf0d6f",
    "schema.json": "0f64db03e6a43b31ed109d358fecd1750a158488e44a2e52933a33a775208236",
    "LICENCE.txt": "6fc9e709ccbfe0d77fbffa2427a983282be2eb88e47b1cdb49f21a83b4d1e665",
}


@pytest.mark.parametrize("name", sorted(UPSTREAM_SHA256))
def test_the_schema_copies_are_the_upstream_files_byte_for_byte(name):
    assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == UPSTREAM_SHA256[name]


@pytest.mark.parametrize("name", ["schedule.xml.xsd", "LICENCE.txt"])
def test_the_import_uses_the_same_schema_and_licence(name):
    shipped = Path(exports.__file__).parent / "formats" / name
    assert shipped.read_bytes() == (DATA / name).read_bytes()


# The schedule in each format ------------------------------------------------------------------------


def test_the_ical_schedule_has_the_talks_at_utc_instants_and_names_the_events_zone(client):
    event = make_event(slug="summit")  # Europe/Madrid
    make_talk(event, title="Closing", starts_at=at(20, 16), ends_at=at(20, 16, 35))
    make_talk(event, title="Opening", starts_at=at(16, 10, 45), ends_at=at(16, 11, 15))

    response, calendar = get_ical(client, url("schedule_ics", event))

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    events = calendar.walk("VEVENT")
    assert [
        (str(e["SUMMARY"]), e.decoded("DTSTART").isoformat(), e.decoded("DTEND").isoformat()) for e in events
    ] == [
        ("Opening", "2022-05-16T08:45:00+00:00", "2022-05-16T09:15:00+00:00"),
        ("Closing", "2022-05-20T14:00:00+00:00", "2022-05-20T14:35:00+00:00"),
    ]
    assert b"DTSTART:20220516T084500Z\r\n" in response.content
    assert b"TZID" not in response.content
    assert calendar.walk("VTIMEZONE") == []
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Madrid"
    assert [str(e["DESCRIPTION"]).split("\n")[0] for e in events] == [
        "Monday 16 May 2022, 10:45–11:15 CEST (Europe/Madrid)",
        "Friday 20 May 2022, 16:00–16:35 CEST (Europe/Madrid)",
    ]


def test_ical_uids_are_the_talk_uuids_unique_and_stable_across_requests(client):
    event = make_event()
    talks = [make_talk(event, starts_at=at(16, 10)), make_talk(event, starts_at=at(17, 10))]

    _, first = get_ical(client, url("schedule_ics", event))
    _, second = get_ical(client, url("schedule_ics", event))

    uids = [str(e["UID"]) for e in first.walk("VEVENT")]
    assert uids == [str(talk.uuid) for talk in talks]
    assert len(set(uids)) == 2
    assert [str(e["UID"]) for e in second.walk("VEVENT")] == uids


def test_an_ical_event_carries_url_location_description_and_last_modified(client):
    event = make_event(slug="summit", city="Valencia, Spain")
    room = make_room(event, name="Hall 4")
    talk = make_talk(
        event, title="eBPF 101", slug="ebpf-101", room=room, speakers=[make_speaker(name="Ada Lane")]
    )

    _, calendar = get_ical(client, url("talk_ics", event, talk="ebpf-101"))

    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["URL"]) == "http://testserver/summit/talks/ebpf-101/"
    assert str(vevent["LOCATION"]) == "Hall 4, Valencia, Spain"
    assert str(vevent["DESCRIPTION"]) == (
        "Monday 16 May 2022, 10:00–10:30 CEST (Europe/Madrid)\n\nSpeakers: Ada Lane\n\nAn abstract.\n\n"
        "http://testserver/summit/talks/ebpf-101/"
    )
    talk.refresh_from_db()  # adding the speaker moved its change time in the database
    assert vevent.decoded("LAST-MODIFIED") == talk.updated_at.astimezone(dt.UTC).replace(microsecond=0)
    assert vevent.decoded("DTSTART") == at(16, 10)


def test_the_frab_xml_is_valid_with_the_talks_in_the_events_zone_and_a_day_for_every_date(client):
    event = make_event(slug="cilium-day")  # 16 to 20 May 2022, Europe/Madrid
    make_talk(event, title="Opening", starts_at=at(16, 10, 45), ends_at=at(16, 11, 15))
    make_talk(event, title="Tutorial", starts_at=at(20, 11), ends_at=at(20, 12, 30))

    response, document = get_xml(client, event)

    assert response["Content-Type"] == "application/xml; charset=utf-8"
    talks = document.findall("day/room/event")
    assert [(e.findtext("title"), e.findtext("date"), e.findtext("duration")) for e in talks] == [
        ("Opening", "2022-05-16T10:45:00+02:00", "00:30"),
        ("Tutorial", "2022-05-20T11:00:00+02:00", "01:30"),
    ]
    assert document.findtext("conference/acronym") == "cilium_day"
    assert document.findtext("conference/time_zone_name") == "Europe/Madrid"
    assert [day.get("date") for day in document.findall("day")] == [f"2022-05-{d}" for d in range(16, 21)]


def test_the_c3voc_json_is_valid_with_the_talks_and_their_uuids_as_guids(client):
    event = make_event()
    first = make_talk(event, title="Opening", starts_at=at(16, 10, 45))
    second = make_talk(event, title="Closing", starts_at=at(20, 16))

    response, data = get_json(client, event)

    assert response["Content-Type"] == "application/json"
    assert [(e["title"], e["date"], e["start"], e["guid"]) for e in json_events(data)] == [
        ("Opening", "2022-05-16T10:45:00+02:00", "10:45", str(first.uuid)),
        ("Closing", "2022-05-20T16:00:00+02:00", "16:00", str(second.uuid)),
    ]


def test_talks_without_a_room_are_listed_under_the_placeholder_room(client):
    event = make_event()
    make_talk(event, room=None)

    _, document = get_xml(client, event)
    _, data = get_json(client, event)

    assert {room.get("name") for room in document.findall("day/room")} == {exports.PLACEHOLDER_ROOM}
    assert [e["room"] for e in json_events(data)] == [exports.PLACEHOLDER_ROOM]


# Which talks, and how ---------------------------------------------------------------------------------


@pytest.fixture
def mixed_event():
    """A published talk in a room with a track and two speakers, plus a draft and a cancelled talk."""
    event = make_event(slug="mixed", time_zone="America/New_York")
    room = make_room(event, name="Ballroom")
    track = make_track(event, name="Kernel", slug="kernel")
    speakers = [make_speaker(name="Ann Lee"), make_speaker(name="Bo Chen")]
    make_talk(
        event,
        title="Shown",
        slug="shown",
        room=room,
        track=track,
        speakers=speakers,
        starts_at=dt.datetime(2022, 5, 16, 9, 5, tzinfo=ZoneInfo("America/New_York")),
        slides_url="https://slides.example.org/shown.pdf",
    )
    make_talk(event, title="Draft", slug="draft", status=Talk.Status.DRAFT)
    make_talk(event, title="Cancelled", slug="cancelled", status=Talk.Status.CANCELLED)
    return event


def test_calendars_keep_cancelled_talks_and_the_other_exports_only_published_ones(client, mixed_event):
    _, calendar = get_ical(client, url("schedule_ics", mixed_event))
    _, document = get_xml(client, mixed_event)
    _, data = get_json(client, mixed_event)

    assert [(str(e["SUMMARY"]), str(e["STATUS"])) for e in calendar.walk("VEVENT")] == [
        ("Cancelled: Cancelled", "CANCELLED"),
        ("Shown", "CONFIRMED"),
    ]
    assert [e.findtext("title") for e in document.findall("day/room/event")] == ["Shown"]
    assert [e["title"] for e in json_events(data)] == ["Shown"]


def test_a_talk_in_a_room_with_track_and_speakers_in_frab_xml(client, mixed_event):
    _, document = get_xml(client, mixed_event)

    (talk,) = document.findall("day/room/event")
    shown = mixed_event.talks.get(slug="shown")
    assert talk.getparent().get("name") == "Ballroom"
    assert talk.get("guid") == str(shown.uuid)
    assert talk.get("id") == str(shown.pk)
    assert talk.findtext("date") == "2022-05-16T09:05:00-04:00"
    assert (talk.findtext("start"), talk.findtext("duration")) == ("09:05", "00:30")
    assert talk.findtext("track") == "Kernel"
    assert talk.findtext("slug") == f"mixed-{shown.pk}-shown"
    assert [p.text for p in talk.findall("persons/person")] == ["Ann Lee", "Bo Chen"]
    assert talk.findtext("url") == "http://testserver/mixed/talks/shown/"
    assert [(link.get("type"), link.get("href")) for link in talk.findall("links/link")] == [
        ("slides", "https://slides.example.org/shown.pdf")
    ]
    assert document.find("conference/track").attrib == {
        "name": "Kernel",
        "color": "#3f51b5",
        "slug": "kernel",
    }


def test_json_persons_are_pretalx_style_with_a_stable_guid(client, mixed_event):
    _, data = get_json(client, mixed_event)

    (talk,) = json_events(data)
    ann = mixed_event.talks.get(slug="shown").speakers.get(name="Ann Lee")
    assert talk["persons"][0] == {
        "name": "Ann Lee",
        "public_name": "Ann Lee",
        "guid": str(ann.uuid),
        "biography": None,
    }
    assert (talk["start"], talk["duration"], talk["date"]) == ("09:05", "00:30", "2022-05-16T09:05:00-04:00")
    assert talk["links"] == [
        {"url": "https://slides.example.org/shown.pdf", "type": "slides", "title": "Slides"}
    ]


def test_a_hyphenated_slug_becomes_an_acronym_the_json_schema_accepts(client):
    event = make_event(slug="kubecon-eu-2022")
    make_talk(event)

    _, data = get_json(client, event)

    assert data["schedule"]["conference"]["acronym"] == "kubecon_eu_2022"


def test_a_short_odd_slug_still_gives_valid_exports(client):
    event = make_event(slug="ab")
    make_talk(event, slug="x", abstract="Bell \x07 and form feed \x0c are dropped.")

    _, document = get_xml(client, event)
    _, data = get_json(client, event)

    assert document.findtext("day/room/event/abstract") == "Bell  and form feed  are dropped."
    assert json_events(data)[0]["slug"] == f"ab__-{event.talks.get().pk}-x"


def test_a_talk_calendar_holds_that_talk_only(client):
    event = make_event()
    make_talk(event, title="Kubernetes Networking 101", slug="kubernetes-networking-101")
    make_talk(event, title="Another talk at the same time")

    response, calendar = get_ical(client, url("talk_ics", event, talk="kubernetes-networking-101"))

    assert [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")] == ["Kubernetes Networking 101"]
    assert response["Content-Disposition"] == 'inline; filename="kubernetes-networking-101.ics"'


@pytest.mark.parametrize("slug", ["draft", "no-such-talk"])
def test_a_talk_calendar_of_a_draft_or_unknown_talk_is_not_found(client, mixed_event, slug):
    response = client.get(url("talk_ics", mixed_event, talk=slug))

    assert response.status_code == 404


def test_a_cancelled_talks_calendar_says_so_so_subscribed_calendars_strike_it_out(client, mixed_event):
    response, calendar = get_ical(client, url("talk_ics", mixed_event, talk="cancelled"))

    (vevent,) = calendar.walk("VEVENT")
    assert (response.status_code, str(vevent["STATUS"]), str(vevent["TRANSP"])) == (
        200,
        "CANCELLED",
        "TRANSPARENT",
    )
    assert str(vevent["DESCRIPTION"]).startswith("Cancelled. Was: Monday 16 May 2022, 04:00–04:30 EDT")


@pytest.mark.parametrize("name", ["schedule_ics", "schedule_xml", "schedule_json"])
def test_exports_of_an_unknown_event_are_not_found(client, name):
    response = client.get(reverse(f"events:{name}", kwargs={"event": "no-such-event"}))

    assert response.status_code == 404


def test_the_chosen_talks_calendar_holds_those_talks_and_skips_unknown_ones(client):
    event = make_event()
    make_talk(event, title="Networking 101", slug="networking-101", starts_at=at(16, 10))
    make_talk(event, title="Bandwidth", slug="bandwidth", starts_at=at(17, 10))
    make_talk(event, title="Not chosen", slug="not-chosen", starts_at=at(18, 10))
    chosen = "networking-101,bandwidth,withdrawn-talk"

    _, calendar = get_ical(client, url("schedule_ics", event) + f"?talks={chosen}")

    assert [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")] == ["Networking 101", "Bandwidth"]


def test_an_empty_chosen_list_gives_an_empty_calendar(client):
    event = make_event()
    make_talk(event)

    response, calendar = get_ical(client, url("schedule_ics", event) + "?talks=")

    assert response.status_code == 200
    assert calendar.walk("VEVENT") == []


NOT_SLUGS = "The talks list takes talk slugs (letters, digits, hyphens) separated by commas."


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("talks=<script>alert(1)</script>", NOT_SLUGS),
        ("talks=a%00b", NOT_SLUGS),
        ("talks=../../etc/passwd", NOT_SLUGS),
        ("talks=" + "x" * 201, NOT_SLUGS),
        ("talks=" + ",".join(f"t{n}" for n in range(301)), "At most 300 talks fit in one list."),
        ("talks=ok,%27%20OR%201=1--", NOT_SLUGS),
    ],
)
def test_a_hostile_chosen_list_is_refused_with_a_message(client, query, message):
    event = make_event()

    response = client.get(url("schedule_ics", event) + "?" + query)

    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == message


def test_absolute_links_follow_the_host_asked_for(client, settings):
    event = make_event()
    make_talk(event)
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1"]

    first = client.get(url("schedule_json", event), HTTP_HOST="localhost").json()
    second = client.get(url("schedule_json", event), HTTP_HOST="127.0.0.1").json()

    assert first["schedule"]["base_url"] == "http://localhost/"
    assert second["schedule"]["base_url"] == "http://127.0.0.1/"


# Versions, ETags, caching ---------------------------------------------------------------------------


EXPORTS = ["schedule_ics", "schedule_xml", "schedule_json"]


@pytest.mark.parametrize("name", EXPORTS)
def test_a_matching_if_none_match_gets_304_with_the_etag(client, name):
    event = make_event()
    make_talk(event)
    first = client.get(url(name, event))

    again = client.get(url(name, event), HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]


@pytest.mark.parametrize("name", EXPORTS)
def test_an_older_etag_or_date_gets_the_full_export(client, name):
    event = make_event()
    talk = make_talk(event, title="Kubernetes Networking 101")
    first = client.get(url(name, event))
    talk.save()

    by_etag = client.get(url(name, event), HTTP_IF_NONE_MATCH=first["ETag"])
    by_date = client.get(url(name, event), HTTP_IF_MODIFIED_SINCE=http_date(0))

    assert (by_etag.status_code, by_date.status_code) == (200, 200)
    assert by_etag["ETag"] != first["ETag"]
    assert b"Kubernetes Networking 101" in by_etag.content


def test_an_export_is_validated_by_its_etag_alone(client, settings):
    event = make_event()
    make_talk(event)
    settings.RENDER_REVISION = "release-1"
    first = client.get(url("schedule_xml", event))

    settings.RENDER_REVISION = "release-2"  # new markup, same schedule: a date would say "not modified"
    again = client.get(url("schedule_xml", event), HTTP_IF_MODIFIED_SINCE=http_date(2_000_000_000))

    assert first.has_header("Last-Modified") is False
    assert "max-age=0" in first["Cache-Control"]
    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]


@pytest.mark.parametrize("name", EXPORTS)
def test_a_changed_talk_changes_version_etag_and_the_next_response(client, name):
    event = make_event()
    talk = make_talk(event, title="Better Bandwidth Management")
    first = client.get(url(name, event))
    version = Event.objects.get(pk=event.pk).schedule_version

    talk.title = "Bandwidth Manager Deep Dive"
    talk.save()
    second = client.get(url(name, event))

    assert Event.objects.get(pk=event.pk).schedule_version == version + 1
    assert second["ETag"] != first["ETag"]
    assert (
        b"Better Bandwidth Management" in first.content,
        b"Bandwidth Manager Deep Dive" in first.content,
    ) == (
        True,
        False,
    )
    assert (
        b"Better Bandwidth Management" in second.content,
        b"Bandwidth Manager Deep Dive" in second.content,
    ) == (
        False,
        True,
    )


def test_the_version_string_in_the_exports_follows_the_schedule(client):
    event = make_event()
    talk = make_talk(event)
    before = client.get(url("schedule_json", event)).json()["schedule"]["version"]

    talk.save()
    after = client.get(url("schedule_json", event)).json()["schedule"]["version"]

    # "<newest changelog entry>.<revision>": the revision moves with any change, listed or not.
    assert after.split(".")[0] == before.split(".")[0]
    assert int(after.split(".")[1]) == int(before.split(".")[1]) + 1


def version_of(event):
    return Event.objects.values_list("schedule_version", flat=True).get(pk=event.pk)


def test_every_kind_of_schedule_change_bumps_the_version():
    event = make_event()
    room, track, speaker = make_room(event), make_track(event), make_speaker()
    talk = make_talk(event, room=room, track=track)
    steps = {
        "talk saved": talk.save,
        "speaker added to a talk": lambda: talk.talk_speakers.create(speaker=speaker),
        "speaker saved": speaker.save,
        "room saved": room.save,
        "track saved": track.save,
        "event saved": lambda: Event.objects.get(pk=event.pk).save(),
        "speaker removed": lambda: talk.speakers.remove(speaker),
        "speaker added": lambda: talk.speakers.add(speaker),
        "speaker deleted": speaker.delete,
        "track deleted": track.delete,
        "room deleted": room.delete,
        "talk deleted": talk.delete,
    }
    for name, step in steps.items():
        before = version_of(event)
        step()
        assert version_of(event) > before, name


def test_saving_a_stale_event_never_writes_an_old_version_back():
    event = make_event()
    stale = Event.objects.get(pk=event.pk)
    make_talk(event)
    make_talk(event)
    current = version_of(event)

    stale.name = "Renamed"
    stale.save()

    assert version_of(event) == current + 1
    assert stale.schedule_version == current + 1


@pytest.mark.parametrize("action", ["publish", "unpublish"])
def test_the_admin_publish_actions_bump_the_version(organiser_client, action):
    event = make_event()
    talk = make_talk(event, status=Talk.Status.DRAFT if action == "publish" else Talk.Status.PUBLISHED)
    before = version_of(event)

    organiser_client.post(
        reverse("admin:events_talk_changelist"), {"action": action, "_selected_action": [talk.pk]}
    )

    talk.refresh_from_db()
    assert talk.status == (Talk.Status.PUBLISHED if action == "publish" else Talk.Status.DRAFT)
    assert version_of(event) == before + 1


def test_a_publish_action_shows_the_talk_in_the_cached_export_at_once(organiser_client, client):
    event = make_event()
    talk = make_talk(event, title="Late addition", status=Talk.Status.DRAFT)
    assert b"Late addition" not in client.get(url("schedule_xml", event)).content

    organiser_client.post(
        reverse("admin:events_talk_changelist"), {"action": "publish", "_selected_action": [talk.pk]}
    )

    assert b"Late addition" in client.get(url("schedule_xml", event)).content


def test_publishing_from_a_list_filtered_on_draft_still_refreshes_the_export(organiser_client, client):
    event = make_event()
    talk = make_talk(event, title="Filtered late addition", status=Talk.Status.DRAFT)
    assert b"Filtered late addition" not in client.get(url("schedule_xml", event)).content

    organiser_client.post(
        reverse("admin:events_talk_changelist") + "?status__exact=draft",
        {"action": "publish", "_selected_action": [talk.pk]},
    )

    assert b"Filtered late addition" in client.get(url("schedule_xml", event)).content


@pytest.mark.parametrize("model", ["talk", "room", "track"])
def test_moving_a_row_to_another_event_bumps_both_events(model):
    first, second = make_event(), make_event()
    row = {"talk": make_talk, "room": make_room, "track": make_track}[model](first)
    before = (version_of(first), version_of(second))

    row.event = second
    row.save()

    assert version_of(first) > before[0]
    assert version_of(second) > before[1]


def test_a_talk_moved_to_another_event_leaves_the_first_events_export_at_once(client):
    first, second = make_event(), make_event()
    talk = make_talk(first, title="Moving talk")
    assert b"Moving talk" in client.get(url("schedule_xml", first)).content

    talk.event = second
    talk.save()

    assert b"Moving talk" not in client.get(url("schedule_xml", first)).content
    assert b"Moving talk" in client.get(url("schedule_xml", second)).content


# Older readers: what they index must be there and carry the talk's data ---------------------------------


def read_like_pretalx_import_schedule(document):
    """The frab XML read as pretalx's `import_schedule` read it (pretalx.schedule.utils.process_frab, removed in
    2024): `find(...).text` on each element, which fails with AttributeError where an element is missing."""
    talks = []
    for day in document.findall("day"):
        for room in day.findall("room"):
            for talk in room.findall("event"):
                hours, minutes = talk.find("duration").text.split(":")
                talks.append(
                    {
                        "room": room.attrib["name"],
                        "code": (talk.attrib["id"], talk.attrib["guid"][:16]),
                        "start": f"{talk.find('date').text} {talk.find('start').text}",
                        "minutes": int(hours) * 60 + int(minutes),
                        "type": talk.find("type").text,
                        "track": talk.find("track").text,
                        "title": talk.find("title").text,
                        "subtitle": talk.find("subtitle").text,
                        "description": talk.find("description").text,
                        "abstract": talk.find("abstract").text,
                        "language": talk.find("language").text,
                        "speakers": [person.text for person in talk.find("persons").findall("person")],
                    }
                )
    return document.find("version").text, talks


def read_like_pyfahrplan(data):
    """The c3voc JSON flattened as pyfahrplan does: `talk["description"]` indexed directly, speakers by their
    `public_name`."""
    schedule = data["schedule"]
    return [
        {
            "conference": (schedule["conference"]["title"], schedule["conference"]["acronym"]),
            "day": day["index"],
            "room": room_name,
            "title": talk["title"],
            "when": (talk["id"], talk["date"], talk["start"], talk["duration"]),
            "description": "" if talk["description"] is None else talk["description"],
            "abstract": "" if talk["abstract"] is None else talk["abstract"],
            "track": "" if talk["track"] is None else talk["track"],
            "speakers": ", ".join(
                person.get("public_name", person.get("full_public_name", ""))
                for person in talk.get("persons", [])
            ),
        }
        for day in schedule["conference"]["days"]
        for room_name, room in day["rooms"].items()
        for talk in room
    ]


def test_pretalxs_old_importer_finds_the_description_and_everything_else_it_reads(client, mixed_event):
    talk = mixed_event.talks.get(slug="shown")
    talk.abstract = "Packets, *fast*."
    talk.save()

    _, document = get_xml(client, mixed_event)
    version, talks = read_like_pretalx_import_schedule(document)

    assert version == changelog.version_name(Event.objects.get(pk=mixed_event.pk))
    assert talks == [
        {
            "room": "Ballroom",
            "code": (str(talk.pk), str(talk.uuid)[:16]),
            "start": "2022-05-16T09:05:00-04:00 09:05",
            "minutes": 30,
            "type": "Talk",
            "track": "Kernel",
            "title": "Shown",
            "subtitle": None,
            "description": "Packets, *fast*.",
            "abstract": "Packets, *fast*.",
            "language": "en",
            "speakers": ["Ann Lee", "Bo Chen"],
        }
    ]


def test_pyfahrplan_finds_the_description_and_the_speakers_public_names(client, mixed_event):
    talk = mixed_event.talks.get(slug="shown")

    _, data = get_json(client, mixed_event)

    assert read_like_pyfahrplan(data) == [
        {
            "conference": (mixed_event.name, "mixed"),
            "day": 1,
            "room": "Ballroom",
            "title": "Shown",
            "when": (talk.pk, "2022-05-16T09:05:00-04:00", "09:05", "00:30"),
            "description": "An abstract.",
            "abstract": "An abstract.",
            "track": "Kernel",
            "speakers": "Ann Lee, Bo Chen",
        }
    ]


def test_the_portals_own_import_reads_the_description_back_without_doubling_the_text(
    client, mixed_event, tmp_path
):
    from events.exchange import frab, programme

    data = client.get(url("schedule_xml", mixed_event)).content

    programme.import_schedule(frab.read(data, source_key="copy"), event_slug="mixed-copy")

    assert Event.objects.get(slug="mixed-copy").talks.get().abstract == "An abstract."
