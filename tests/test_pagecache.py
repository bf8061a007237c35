"""Pages kept per schedule version: a change shows on the next request, validators, compression, and
pieces kept per talk so that a render after an edit redoes only the edited talk."""

import datetime as dt
import gzip
import re
from pathlib import Path

import icalendar
import lxml.html
import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events import exports, pagecache, schedule
from events.models import Event, Speaker, Talk
from tests.factories import at, make_event, make_office_hours, make_room, make_speaker, make_talk, make_track

pytestmark = pytest.mark.django_db

CACHED = [
    "/summit/schedule/",
    "/summit/schedule/?day=2022-05-16",
    "/summit/talks/opening/",
    "/summit/speakers/",
    "/summit/speakers/ada/",
    "/summit/schedule.ics",
    "/summit/schedule.xml",
    "/summit/schedule.json",
    "/summit/talks/opening.ics",
]


def titles(response):
    tree = lxml.html.fromstring(response.content.decode())
    return [
        " ".join(a.text_content().split())
        for a in tree.xpath("//li[contains(@class, 'talk')]//*[contains(@class, 'talk-title')]/a")
    ]


@pytest.fixture
def summit():
    event = make_event(slug="summit", name="Summit")
    room, track = make_room(event, name="Hall A"), make_track(event, name="Networking")
    speaker = make_speaker(name="Ada", slug="ada")
    make_talk(event, title="Opening", slug="opening", room=room, track=track, speakers=[speaker])
    return event


@pytest.mark.parametrize("path", CACHED)
def test_a_second_visit_gets_the_same_page_with_its_validators(client, summit, path):
    first = client.get(path)

    second = client.get(path)

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert second["ETag"] == first["ETag"]
    assert second["Vary"] == "Accept-Encoding"
    # Browsers ask again each time; nginx and CDNs may answer for a second, or with their copy during errors.
    assert second["Cache-Control"] == "public, max-age=0, s-maxage=1, stale-if-error=86400"


@pytest.mark.parametrize("path", CACHED)
def test_a_matching_etag_gets_304_without_a_body(client, summit, path):
    first = client.get(path)

    again = client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]


def test_a_calendar_file_keeps_its_file_name_when_served_from_the_cache(client, summit):
    client.get("/summit/talks/opening.ics")

    again = client.get("/summit/talks/opening.ics")

    assert again["Content-Disposition"] == 'inline; filename="opening.ics"'


def rename_talk(event):
    talk = event.talks.get(slug="opening")
    talk.title = "Renamed"
    talk.save()


def rename_speaker(event):
    speaker = Speaker.objects.get(slug="ada")
    speaker.name = "Renamed"
    speaker.save()


def rename_room(event):
    room = event.rooms.get()
    room.name = "Renamed"
    room.save()


def rename_track(event):
    track = event.tracks.get()
    track.name = "Renamed"
    track.save()


def rename_event(event):
    fresh = Event.objects.get(pk=event.pk)
    fresh.name = "Renamed"
    fresh.save()


def add_a_speaker(event):
    event.talks.get(slug="opening").speakers.add(make_speaker(name="Renamed"))


@pytest.mark.parametrize(
    "path, change",
    [
        *[
            (path, change)
            for path in ["/summit/schedule/", "/summit/talks/opening/", "/summit/schedule.ics"]
            for change in [rename_talk, rename_speaker, rename_room, rename_track, add_a_speaker]
        ],
        ("/summit/schedule/", rename_event),
        ("/summit/schedule.xml", rename_room),
        ("/summit/schedule.json", rename_speaker),
        ("/summit/speakers/", rename_speaker),
        ("/summit/speakers/", rename_event),
        ("/summit/speakers/ada/", rename_talk),
    ],
)
def test_a_change_shows_on_the_very_next_request(client, summit, change, path):
    before = client.get(path)
    assert b"Renamed" not in before.content

    change(summit)
    after = client.get(path)

    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert b"Renamed" in after.content


def test_a_change_made_by_another_process_shows_on_the_next_request(client, summit):
    client.get("/summit/schedule/")
    # Another worker changes the talk: the version moves in the database, not in this process.
    Talk.objects.filter(slug="opening").mark_changed(title="Keynote")

    assert titles(client.get("/summit/schedule/")) == ["Keynote"]


def test_an_unpublished_talk_leaves_the_cached_schedule_and_its_page_answers_404(client, summit):
    assert titles(client.get("/summit/schedule/")) == ["Opening"]
    client.get("/summit/talks/opening/")

    summit.talks.filter(slug="opening").set_status(Talk.Status.DRAFT)

    assert titles(client.get("/summit/schedule/")) == []
    assert client.get("/summit/talks/opening/").status_code == 404


def test_a_new_release_never_serves_the_previous_releases_pages(client, summit, settings):
    settings.RENDER_REVISION = "release-1"
    client.get("/summit/schedule/")
    # A change that moves no version (update() sends no signal) stands in for new markup of a release.
    Talk.objects.filter(slug="opening").update(title="As the next release renders it")
    assert titles(client.get("/summit/schedule/")) == ["Opening"]

    settings.RENDER_REVISION = "release-2"

    assert titles(client.get("/summit/schedule/")) == ["As the next release renders it"]


def test_the_same_page_over_https_carries_https_links(client, summit):
    client.get("/summit/schedule.ics")

    secure = client.get("/summit/schedule.ics", secure=True)

    [event] = icalendar.Calendar.from_ical(secure.content).walk("VEVENT")
    assert str(event["url"]) == "https://testserver/summit/talks/opening/"


def test_the_same_page_under_another_host_name_carries_that_hosts_links(client, summit, settings):
    settings.ALLOWED_HOSTS = ["events.example.org", "programme.example.org"]
    client.get("/summit/schedule.ics", HTTP_HOST="events.example.org")

    other = client.get("/summit/schedule.ics", HTTP_HOST="programme.example.org")

    [event] = icalendar.Calendar.from_ical(other.content).walk("VEVENT")
    assert str(event["url"]) == "http://programme.example.org/summit/talks/opening/"


@pytest.mark.parametrize("query", ["?track=no-such-track", "?day=2022-13-45"])  # a 400 page with a message
def test_a_filter_value_the_event_does_not_have_is_rendered_for_its_visitor_and_not_kept(
    client, summit, query
):
    client.get("/summit/schedule/" + query)

    again = client.get("/summit/schedule/" + query)

    assert again.status_code == 400
    assert again.has_header("ETag") is False


@pytest.mark.parametrize("path", CACHED)
def test_query_parameters_a_page_does_not_read_never_make_it_render_again(client, summit, path):
    client.get(path)  # renders, and keeps the page
    with CaptureQueriesContext(connection) as hit:
        kept = client.get(path)
    separator = "&" if "?" in path else "?"

    for query in ["x=1", "x=2", "utm_source=newsletter&utm_medium=email", "fbclid=abc&x=3"]:
        with CaptureQueriesContext(connection) as other:
            response = client.get(path + separator + query)

        assert len(other) == len(hit), query  # no render: the queries of a hit
        assert response.content == kept.content
        assert response["ETag"] == kept["ETag"]


def test_distinct_made_up_query_strings_on_the_schedule_render_it_once(client, summit, monkeypatch):
    renders = []
    lay_out_page = schedule.lay_out_page
    monkeypatch.setattr(schedule, "lay_out_page", lambda *a, **k: renders.append(1) or lay_out_page(*a, **k))

    pages = {client.get(f"/summit/schedule.ics?x={n}").content for n in range(5)}
    pages |= {client.get(f"/summit/schedule/?x={n}").content for n in range(20)}

    assert len(renders) == 1
    assert len(pages) == 2  # the calendar and the page


@pytest.mark.parametrize(
    "query",
    [
        "?day=2022-05-17",
        "?day=2022-05-17&utm_source=x",
        "?DAY=2022-05-17",  # nginx's $arg_day reads names in any case
        "?Day=2022-05-17&day=2022-05-16",  # the first one, as nginx reads it
        "?day=%202022-05-17%20",
        "?day=2022-05-17&day=2022-05-16",
    ],
)
def test_a_filter_is_read_as_nginx_reads_it_for_its_key_and_shares_its_kept_copy(client, query):
    event = make_event(slug="week")
    make_talk(event, title="On Monday", starts_at=at(16, 10))
    make_talk(event, title="On Tuesday", starts_at=at(17, 10))
    tuesday = client.get("/week/schedule/?day=2022-05-17")

    response = client.get("/week/schedule/" + query)

    assert titles(response) == ["On Tuesday"]
    assert response["ETag"] == tuesday["ETag"]


def test_a_filter_whose_name_is_percent_encoded_is_no_filter_here_as_at_nginx(client):
    event = make_event(slug="week")
    make_talk(event, title="On Monday", starts_at=at(16, 10))
    make_talk(event, title="On Tuesday", starts_at=at(17, 10))

    response = client.get("/week/schedule/?d%61y=2022-05-17")

    assert titles(response) == ["On Monday", "On Tuesday"]


def test_the_page_shows_no_parameter_it_does_not_read_in_its_own_links(client, summit):
    response = client.get("/summit/schedule/?day=2022-05-16&utm_source=x")

    tree = lxml.html.fromstring(response.content.decode())
    assert tree.xpath("//details[@class='filters']//a[text()='All tracks']/@href") == [
        "/summit/schedule/?day=2022-05-16"
    ]
    assert tree.xpath("//form[@class='language-switch']//input[@name='next']/@value") == [
        "/summit/schedule/?day=2022-05-16"
    ]
    assert tree.xpath("//link[@hreflang='es']/@href") == [
        "http://testserver/es/summit/schedule/?day=2022-05-16"
    ]


@pytest.mark.parametrize("path", ["/", "/summit/", "/summit/booth/"])
def test_pages_kept_at_the_edge_show_nothing_of_a_made_up_query_string(client, summit, path):
    response = client.get(path + "?x=%3Cb%3Eevil")

    assert response.status_code == 200
    assert b"evil" not in response.content
    assert "s-maxage=1" in response["Cache-Control"]


def test_every_parameter_a_kept_page_reads_is_in_nginx_s_cache_key_in_the_same_order():
    config = (Path(__file__).resolve().parent.parent / "deploy" / "nginx.conf").read_text()
    (key,) = re.findall(r"^\s*proxy_cache_key (.+);$", config, re.M)

    assert re.findall(r"(\w+)=\$arg_(\w+)", key) == [(name, name) for name in pagecache.QUERY_PARAMETERS]
    assert "$request_uri" not in key and "$args" not in key


def test_a_page_cannot_read_a_parameter_nginx_s_key_does_not_name():
    with pytest.raises(ValueError, match="utm_source"):
        pagecache.as_kept(RequestFactory().get("/summit/schedule/"), ("utm_source",))


def test_pages_with_a_form_are_not_cached(client, summit):
    starts_at = timezone.now() + dt.timedelta(days=30)
    make_office_hours(summit, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=1))
    client.get("/summit/office-hours/")

    second = client.get("/summit/office-hours/")

    assert second.has_header("ETag") is False
    assert b"csrfmiddlewaretoken" in second.content


def test_made_up_lists_of_chosen_talks_cannot_push_the_kept_exports_out_of_the_cache(
    client, summit, settings
):
    # A cache with room for ten entries: keeping each list would have pushed the full calendar out.
    small = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 10}}
    settings.CACHES = {**settings.CACHES, "default": {**small, "LOCATION": "small"}}
    full = client.get("/summit/schedule.ics")
    Talk.objects.filter(slug="opening").update(title="Keynote")  # no signal: the version stays

    chosen = [client.get(f"/summit/schedule.ics?talks=opening,made-up-{n}") for n in range(30)]
    again = client.get("/summit/schedule.ics")

    assert {response.status_code for response in chosen} == {200}
    assert not any(response.has_header("ETag") for response in chosen)
    assert again.content == full.content  # the kept copy, still the title it was rendered with
    assert b"SUMMARY:Opening" in again.content


def test_a_talks_list_that_is_not_one_of_slugs_gets_a_400_that_is_not_kept(client, summit):
    client.get("/summit/schedule.ics?talks=<script>")

    again = client.get("/summit/schedule.ics?talks=<script>")

    assert again.status_code == 400
    assert again.has_header("ETag") is False


def test_with_the_cache_disabled_every_request_renders(client, summit, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    client.get("/summit/schedule/")
    Talk.objects.filter(slug="opening").update(title="Keynote")  # no signal: the version stays

    assert titles(client.get("/summit/schedule/")) == ["Keynote"]


# ----- Compression -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/summit/schedule/", "/summit/speakers/", "/summit/schedule.json", "/summit/schedule.ics"]
)
def test_a_client_that_accepts_gzip_gets_the_same_page_compressed_with_its_own_etag(client, summit, path):
    plain = client.get(path)

    packed = client.get(path, HTTP_ACCEPT_ENCODING="gzip, deflate, br")

    assert packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.content) == plain.content
    assert len(packed.content) < len(plain.content)
    assert packed["ETag"] == plain["ETag"][:-1] + '-gzip"'
    assert packed["Vary"] == "Accept-Encoding"
    assert plain.has_header("Content-Encoding") is False


def test_a_warm_compressed_page_is_not_compressed_again(client, summit, monkeypatch):
    from events import pagecache

    compressed = []
    real = pagecache.compress_string
    monkeypatch.setattr(pagecache, "compress_string", lambda data: compressed.append(1) or real(data))

    bodies = [client.get("/summit/schedule/", HTTP_ACCEPT_ENCODING="gzip").content for _ in range(3)]

    assert compressed == [1]
    assert bodies[1] == bodies[2] == bodies[0]


def test_the_compressed_etag_gets_304(client, summit):
    first = client.get("/summit/schedule/", HTTP_ACCEPT_ENCODING="gzip")

    again = client.get("/summit/schedule/", HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304


def test_uncached_pages_are_compressed_by_the_middleware(client, summit):
    response = client.get("/summit/", HTTP_ACCEPT_ENCODING="gzip")

    assert response["Content-Encoding"] == "gzip"
    assert b"<h1>Summit</h1>" in gzip.decompress(response.content)


# ----- Pieces kept per talk ----------------------------------------------------------------------------


@pytest.fixture
def three_talks(summit):
    for n in (2, 3):
        make_talk(summit, title=f"Talk {n}", slug=f"talk-{n}")
    return summit


@pytest.mark.parametrize("exporter", ["ics", "xml", "json"])
def test_after_one_talk_changes_an_export_makes_only_that_talks_piece_again(
    client, three_talks, exporter, monkeypatch
):
    made = []
    classes = {"ics": exports.ICalExporter, "xml": exports.FrabXmlExporter, "json": exports.C3vocJsonExporter}
    real = classes[exporter].render_talk
    monkeypatch.setattr(
        classes[exporter], "render_talk", lambda self, talk: made.append(talk.slug) or real(self, talk)
    )
    client.get(f"/summit/schedule.{exporter}")
    made.clear()

    rename_talk(three_talks)
    response = client.get(f"/summit/schedule.{exporter}")

    assert made == ["opening"]
    assert b"Renamed" in response.content


def test_after_one_talk_changes_the_schedule_renders_only_that_talks_block_again(
    client, three_talks, monkeypatch
):
    # Talks at three different times: three blocks, three cards.
    for n, talk in enumerate(three_talks.talks.order_by("slug")):
        Talk.objects.filter(pk=talk.pk).update(
            starts_at=talk.starts_at + dt.timedelta(hours=n), ends_at=talk.ends_at + dt.timedelta(hours=n)
        )
    cards = []
    real = Talk.get_absolute_url
    monkeypatch.setattr(Talk, "get_absolute_url", lambda self: cards.append(self.slug) or real(self))
    client.get("/summit/schedule/")
    cards.clear()

    rename_talk(three_talks)
    response = client.get("/summit/schedule/")

    assert sorted(set(cards)) == ["opening"]
    assert titles(response) == ["Renamed", "Talk 2", "Talk 3"]


def test_a_calendar_written_from_kept_pieces_is_one_valid_calendar(client, three_talks):
    client.get("/summit/schedule.ics")
    rename_talk(three_talks)

    calendar = icalendar.Calendar.from_ical(client.get("/summit/schedule.ics").content)

    assert sorted(str(event["summary"]) for event in calendar.walk("VEVENT")) == [
        "Renamed",
        "Talk 2",
        "Talk 3",
    ]
    assert str(calendar["x-wr-timezone"]) == "Europe/Madrid"
    assert len(calendar.walk("VCALENDAR")) == 1


@pytest.mark.parametrize("path", ["/", "/summit/", "/summit/booth/"])
def test_pages_that_show_the_time_may_be_kept_at_the_edge_for_a_second_but_not_here(client, summit, path):
    response = client.get(path)

    assert response["Cache-Control"] == "public, max-age=0, s-maxage=1"
    assert response.has_header("ETag") is False


def test_the_office_hours_page_with_its_form_is_never_kept_anywhere(client, summit):
    response = client.get("/summit/office-hours/")

    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
