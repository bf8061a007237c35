"""Schedule exports: iCal, frab XML and c3voc JSON, valid, stable, cached and versioned."""

import datetime as dt
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

from events import exports
from events.models import Event, Talk
from tests.factories import at, make_event, make_room, make_speaker, make_talk, make_track
from tests.test_fixture import ANNOUNCED, cest

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
UTC = ZoneInfo("UTC")


@pytest.fixture(scope="module")
def xml_schema():
    return etree.XMLSchema(etree.parse(str(DATA / "schedule.xml.xsd")))


@pytest.fixture(scope="module")
def json_validator():
    schema = json.loads((DATA / "schema.json").read_text())
    jsonschema.Draft6Validator.check_schema(schema)
    return jsonschema.Draft6Validator(schema, format_checker=jsonschema.FormatChecker())


def url(name, event, **kwargs):
    return reverse(f"events:{name}", kwargs={"event": event.slug, **kwargs})


def get_xml(client, event, xml_schema, **headers):
    response = client.get(url("schedule_xml", event), **headers)
    document = etree.fromstring(response.content)
    xml_schema.assertValid(document)
    return response, document


def get_json(client, event, json_validator):
    response = client.get(url("schedule_json", event))
    data = response.json()
    errors = [(list(error.path), error.message) for error in json_validator.iter_errors(data)]
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


# The fixture's schedule -----------------------------------------------------------------------------


def test_the_ical_schedule_has_the_eleven_announced_talks_at_their_cest_times(client, kubecon):
    response, calendar = get_ical(client, url("schedule_ics", kubecon))

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    events = calendar.walk("VEVENT")
    assert sorted((str(e["SUMMARY"]), e.decoded("DTSTART"), e.decoded("DTEND")) for e in events) == sorted(
        (title, cest(day, start), cest(day, end)) for title, day, start, end in ANNOUNCED
    )
    assert {e["DTSTART"].params["TZID"] for e in events} == {"Europe/Madrid"}
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Madrid"]


def test_ical_uids_are_the_talk_uuids_unique_and_stable_across_requests(client, kubecon):
    _, first = get_ical(client, url("schedule_ics", kubecon))
    _, second = get_ical(client, url("schedule_ics", kubecon))

    uids = [str(e["UID"]) for e in first.walk("VEVENT")]
    assert sorted(uids) == sorted(str(uuid) for uuid in kubecon.talks.values_list("uuid", flat=True))
    assert len(set(uids)) == 11
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
    assert (
        str(vevent["DESCRIPTION"])
        == "Speakers: Ada Lane\n\nAn abstract.\n\nhttp://testserver/summit/talks/ebpf-101/"
    )
    assert vevent.decoded("LAST-MODIFIED") == talk.updated_at.astimezone(dt.UTC).replace(microsecond=0)
    assert vevent.decoded("DTSTART") == at(16, 10)


def test_the_frab_xml_of_the_fixture_is_valid_with_the_announced_talks(client, kubecon, xml_schema):
    response, document = get_xml(client, kubecon, xml_schema)

    assert response["Content-Type"] == "application/xml; charset=utf-8"
    talks = document.findall("day/room/event")
    assert sorted((e.findtext("title"), e.findtext("date"), e.findtext("duration")) for e in talks) == sorted(
        (title, cest(day, start).isoformat(), f"{cest(day, end) - cest(day, start)}"[:-3].zfill(5))
        for title, day, start, end in ANNOUNCED
    )
    assert document.findtext("conference/acronym") == "kubecon_eu_2022"
    assert document.findtext("conference/time_zone_name") == "Europe/Madrid"
    assert [day.get("date") for day in document.findall("day")] == [f"2022-05-{d}" for d in range(16, 21)]


def test_the_c3voc_json_of_the_fixture_is_valid_with_the_announced_talks(client, kubecon, json_validator):
    response, data = get_json(client, kubecon, json_validator)

    assert response["Content-Type"] == "application/json"
    events = json_events(data)
    assert sorted((e["title"], e["date"], e["start"]) for e in events) == sorted(
        (title, cest(day, start).isoformat(), start) for title, day, start, _ in ANNOUNCED
    )
    assert data["schedule"]["conference"]["acronym"] == "kubecon_eu_2022"
    assert {e["guid"] for e in events} == {str(u) for u in kubecon.talks.values_list("uuid", flat=True)}


def test_talks_without_a_room_are_listed_under_the_placeholder_room(
    client, kubecon, xml_schema, json_validator
):
    _, document = get_xml(client, kubecon, xml_schema)
    _, data = get_json(client, kubecon, json_validator)

    assert {room.get("name") for room in document.findall("day/room")} == {exports.PLACEHOLDER_ROOM}
    assert {e["room"] for e in json_events(data)} == {exports.PLACEHOLDER_ROOM}


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


def test_only_published_talks_are_exported(client, mixed_event, xml_schema, json_validator):
    _, calendar = get_ical(client, url("schedule_ics", mixed_event))
    _, document = get_xml(client, mixed_event, xml_schema)
    _, data = get_json(client, mixed_event, json_validator)

    assert [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")] == ["Shown"]
    assert [e.findtext("title") for e in document.findall("day/room/event")] == ["Shown"]
    assert [e["title"] for e in json_events(data)] == ["Shown"]


def test_a_talk_in_a_room_with_track_and_speakers_in_frab_xml(client, mixed_event, xml_schema):
    _, document = get_xml(client, mixed_event, xml_schema)

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


def test_json_persons_are_pretalx_style_with_a_stable_guid(client, mixed_event, json_validator):
    _, data = get_json(client, mixed_event, json_validator)

    (talk,) = json_events(data)
    ann = mixed_event.talks.get(slug="shown").speakers.get(name="Ann Lee")
    assert talk["persons"][0] == {"name": "Ann Lee", "guid": str(ann.uuid), "biography": None}
    assert (talk["start"], talk["duration"], talk["date"]) == ("09:05", "00:30", "2022-05-16T09:05:00-04:00")
    assert talk["links"] == [
        {"url": "https://slides.example.org/shown.pdf", "type": "slides", "title": "Slides"}
    ]


def test_a_hyphenated_slug_becomes_an_acronym_the_json_schema_accepts(client, json_validator):
    event = make_event(slug="kubecon-eu-2022")
    make_talk(event)

    _, data = get_json(client, event, json_validator)

    assert data["schedule"]["conference"]["acronym"] == "kubecon_eu_2022"


def test_a_short_odd_slug_still_gives_valid_exports(client, xml_schema, json_validator):
    event = make_event(slug="ab")
    make_talk(event, slug="x", abstract="Bell \x07 and form feed \x0c are dropped.")

    _, document = get_xml(client, event, xml_schema)
    _, data = get_json(client, event, json_validator)

    assert document.findtext("day/room/event/abstract") == "Bell  and form feed  are dropped."
    assert json_events(data)[0]["slug"] == f"ab__-{event.talks.get().pk}-x"


def test_a_talk_calendar_holds_that_talk_only(client, kubecon):
    response, calendar = get_ical(client, url("talk_ics", kubecon, talk="kubernetes-networking-101"))

    assert [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")] == ["Kubernetes Networking 101"]
    assert response["Content-Disposition"] == 'inline; filename="kubernetes-networking-101.ics"'


@pytest.mark.parametrize("slug", ["draft", "cancelled", "no-such-talk"])
def test_a_talk_calendar_of_an_unpublished_or_unknown_talk_is_not_found(client, mixed_event, slug):
    response = client.get(url("talk_ics", mixed_event, talk=slug))

    assert response.status_code == 404


@pytest.mark.parametrize("name", ["schedule_ics", "schedule_xml", "schedule_json"])
def test_exports_of_an_unknown_event_are_not_found(client, name):
    response = client.get(reverse(f"events:{name}", kwargs={"event": "no-such-event"}))

    assert response.status_code == 404


def test_the_chosen_talks_calendar_holds_those_talks_and_skips_unknown_ones(client, kubecon):
    chosen = "kubernetes-networking-101,better-bandwidth-management-with-ebpf,withdrawn-talk"

    _, calendar = get_ical(client, url("schedule_ics", kubecon) + f"?talks={chosen}")

    assert sorted(str(e["SUMMARY"]) for e in calendar.walk("VEVENT")) == [
        "Better Bandwidth Management with eBPF",
        "Kubernetes Networking 101",
    ]


def test_an_empty_chosen_list_gives_an_empty_calendar(client, kubecon):
    response, calendar = get_ical(client, url("schedule_ics", kubecon) + "?talks=")

    assert response.status_code == 200
    assert calendar.walk("VEVENT") == []


@pytest.mark.parametrize(
    "query",
    [
        "talks=<script>alert(1)</script>",
        "talks=a%00b",
        "talks=../../etc/passwd",
        "talks=" + "x" * 201,
        "talks=" + ",".join(f"t{n}" for n in range(301)),
        "talks=ok,%27%20OR%201=1--",
    ],
)
def test_a_hostile_chosen_list_is_refused_with_a_message(client, kubecon, query):
    response = client.get(url("schedule_ics", kubecon) + "?" + query)

    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() in {
        "The talks list takes talk slugs (letters, digits, hyphens) separated by commas.",
        "At most 300 talks fit in one calendar.",
    }


def test_absolute_links_follow_the_host_asked_for(client, kubecon, settings):
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
    first = client.get(url("schedule_json", kubecon), HTTP_HOST="localhost").json()
    second = client.get(url("schedule_json", kubecon), HTTP_HOST="127.0.0.1").json()

    assert first["schedule"]["base_url"] == "http://localhost/"
    assert second["schedule"]["base_url"] == "http://127.0.0.1/"


# Versions, ETags, caching ---------------------------------------------------------------------------


EXPORTS = ["schedule_ics", "schedule_xml", "schedule_json"]


@pytest.mark.parametrize("name", EXPORTS)
def test_a_matching_if_none_match_gets_304_with_the_etag(client, kubecon, name):
    first = client.get(url(name, kubecon))

    again = client.get(url(name, kubecon), HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]


@pytest.mark.parametrize("name", EXPORTS)
def test_an_older_etag_or_date_gets_the_full_export(client, kubecon, name):
    first = client.get(url(name, kubecon))
    kubecon.talks.filter(slug="kubernetes-networking-101").get().save()

    by_etag = client.get(url(name, kubecon), HTTP_IF_NONE_MATCH=first["ETag"])
    by_date = client.get(url(name, kubecon), HTTP_IF_MODIFIED_SINCE=http_date(0))

    assert (by_etag.status_code, by_date.status_code) == (200, 200)
    assert by_etag["ETag"] != first["ETag"]
    assert b"Kubernetes Networking 101" in by_etag.content


def test_last_modified_is_when_the_schedule_last_changed(client, kubecon):
    response = client.get(url("schedule_xml", kubecon))

    kubecon.refresh_from_db()
    assert response["Last-Modified"] == http_date(kubecon.schedule_changed_at.timestamp())
    assert response["Cache-Control"] == "no-cache"


@pytest.mark.parametrize("name", EXPORTS)
def test_a_changed_talk_changes_version_etag_and_the_next_response(client, kubecon, name):
    first = client.get(url(name, kubecon))
    version = Event.objects.get(pk=kubecon.pk).schedule_version
    talk = kubecon.talks.get(slug="better-bandwidth-management-with-ebpf")

    talk.title = "Bandwidth Manager Deep Dive"
    talk.save()
    second = client.get(url(name, kubecon))

    assert Event.objects.get(pk=kubecon.pk).schedule_version == version + 1
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


def test_the_version_string_in_the_exports_follows_the_schedule(client, kubecon):
    before = client.get(url("schedule_json", kubecon)).json()["schedule"]["version"]

    kubecon.talks.first().save()
    after = client.get(url("schedule_json", kubecon)).json()["schedule"]["version"]

    assert int(after) == int(before) + 1


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


def test_reloading_the_fixture_does_not_reset_the_version(kubecon):
    from django.core.management import call_command

    before = version_of(kubecon)

    call_command("loaddata", "fixtures/kubecon-eu-2022.json", verbosity=0)

    assert version_of(kubecon) > before


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


@pytest.mark.parametrize("name", EXPORTS)
def test_a_cached_export_is_served_with_a_single_query(client, kubecon, name, django_assert_num_queries):
    first = client.get(url(name, kubecon))

    with django_assert_num_queries(1):
        second = client.get(url(name, kubecon))

    assert second.content == first.content


def fill(event, count):
    rooms = [make_room(event), make_room(event)]
    track = make_track(event)
    speakers = [make_speaker(), make_speaker()]
    for n in range(count):
        make_talk(
            event,
            slug=f"talk-{n}",
            starts_at=at(16 + n % 5, 9) + dt.timedelta(minutes=10 * n),
            room=rooms[n % 2] if n % 3 else None,
            track=track if n % 2 else None,
            speakers=speakers[: n % 3],
        )


@pytest.mark.parametrize(
    "path, queries",
    [
        # the schedule version (for the cache key), the event, talks with rooms and tracks, their speakers
        ("schedule.ics", 4),
        ("schedule.ics?talks=talk-0,talk-1,talk-2,talk-3", 4),
        ("talks/talk-1.ics", 4),
        # ... plus the event's rooms and tracks
        ("schedule.xml", 6),
        ("schedule.json", 6),
    ],
)
@pytest.mark.parametrize("count", [2, 40])
def test_an_export_takes_the_same_number_of_queries_for_few_and_many_talks(
    client, path, queries, count, django_assert_num_queries
):
    event = make_event(slug="busy")
    fill(event, count)

    with django_assert_num_queries(queries):
        response = client.get(f"/busy/{path}")

    assert response.status_code == 200
    assert response.content.count(b"/busy/talks/talk-1/") >= 1


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
