"""Public pages: what a visitor reads, and 404 for what is not public."""

import datetime as dt
from unittest import mock
from urllib.parse import parse_qs, urljoin, urlsplit

import lxml.html
import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from events.models import Talk
from tests.factories import (
    at,
    make_booth,
    make_event,
    make_office_hours,
    make_room,
    make_shift,
    make_speaker,
    make_talk,
    make_track,
)

pytestmark = pytest.mark.django_db

SCHEDULE = "/summit/schedule/"


def parse(response):
    return lxml.html.fromstring(response.content.decode())


def words(node):
    return " ".join(node.text_content().split())


def cls(name):
    """XPath test for an element carrying the class `name`."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def texts(tree, xpath):
    return [words(node) for node in tree.xpath(xpath)]


def talk_titles(tree, within=""):
    return texts(tree, f"{within}//li[{cls('talk')}]//*[{cls('talk-title')}]/a")


def day_blocks(tree, day):
    """Each block of a day as a list of (lane, time line) of its talks."""
    return [
        [
            (item.get("class").split()[1], words(item.xpath(f".//p[{cls('talk-time')}]")[0]))
            for item in block.xpath(f".//li[{cls('talk')}]")
        ]
        for block in tree.xpath(f"//section[@id='day-{day}']//li[{cls('block')}]")
    ]


def make_event_with_every_page():
    """An event with something on each of its pages: a talk by a speaker, a booth and office hours."""
    event = make_event(name="Cilium Summit", slug="summit")
    speaker = make_speaker(name="Ana", slug="ana")
    make_talk(
        event, slug="srv6", speakers=[speaker], abstract="How SRv6 carries telco traffic between clusters."
    )
    make_booth(event)
    make_office_hours(event)
    return event


# ----- Home and event pages -----------------------------------------------------------------------


def test_unknown_event_is_a_404_with_a_helpful_page(client, db):
    response = client.get("/no-such-event/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_home_lists_a_past_event_under_past_events(client):
    make_event(name="KubeCon + CloudNativeCon Europe 2022")  # May 2022

    response = client.get("/")

    assert response.status_code == 200
    tree = parse(response)
    assert texts(tree, "//section[@aria-labelledby='past-heading']//h3") == [
        "KubeCon + CloudNativeCon Europe 2022"
    ]


def test_home_leads_with_the_one_upcoming_event_and_lists_past_ones_below(client):
    today = timezone.localdate()
    make_event(name="KubeCon + CloudNativeCon Europe 2022")  # May 2022
    next_one = make_event(
        name="Cilium Day", start_date=today + dt.timedelta(days=3), end_date=today + dt.timedelta(days=4)
    )

    tree = parse(client.get("/"))

    assert texts(tree, "//section[@class='featured']/h2") == ["Cilium Day"]
    assert tree.xpath("//section[@class='featured']//a[text()='Schedule']/@href") == [
        f"/{next_one.slug}/schedule/"
    ]
    assert texts(tree, "//section[@aria-labelledby='past-heading']//h3") == [
        "KubeCon + CloudNativeCon Europe 2022"
    ]


def test_home_lists_several_upcoming_events_soonest_first(client, db):
    today = timezone.localdate()
    make_event(name="Later", start_date=today + dt.timedelta(days=30), end_date=today + dt.timedelta(days=31))
    make_event(name="Sooner", start_date=today + dt.timedelta(days=3), end_date=today + dt.timedelta(days=4))

    tree = parse(client.get("/"))

    assert tree.xpath("//section[@class='featured']") == []
    assert texts(tree, "//section[@aria-labelledby='upcoming-heading']//h3") == ["Sooner", "Later"]


def test_event_home_links_schedule_booth_and_office_hours_and_counts_talks_per_day(client):
    event = make_event(slug="summit")  # 16 to 20 May 2022, over
    make_talk(event, starts_at=at(16, 10, 50))
    make_talk(event, starts_at=at(16, 10, 45))
    make_talk(event, starts_at=at(19, 15, 25))

    tree = parse(client.get("/summit/"))

    assert tree.xpath("//ul[contains(@class, 'actions')]//a/@href") == [
        "/summit/schedule/",
        "/summit/booth/",
        "/summit/office-hours/",
        "/summit/speakers/",
    ]
    assert texts(tree, "//ul[@class='day-list']/li") == [
        "Monday 16 May: 2 talks, from 10:45 CEST (UTC+02:00)",
        "Thursday 19 May: 1 talk, from 15:25 CEST (UTC+02:00)",
    ]
    assert texts(tree, "//h2[@id='whats-on-heading']") == ["The event is over"]


def test_event_home_shows_what_is_on_now_and_next_while_the_event_is_live(client, monkeypatch):
    event = make_event(slug="summit")
    make_talk(event, title="Over", starts_at=at(20, 9))
    make_talk(event, title="Tutorial", starts_at=at(20, 11), ends_at=at(20, 12, 30))
    make_talk(event, title="DNS", starts_at=at(20, 11, 55), ends_at=at(20, 12, 30))
    make_talk(event, title="Bandwidth", starts_at=at(20, 14))
    make_talk(event, title="Service mesh", starts_at=at(20, 16))
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2022, 5, 20, 10, 0, tzinfo=dt.UTC))  # 12:00 CEST

    tree = parse(client.get("/summit/"))

    assert texts(tree, "//section[@class='whats-on']/h2 | //section[@class='whats-on']/h3") == [
        "Happening now",
        "Up next",
    ]
    assert texts(tree, "//section[@class='whats-on']/ul[1]/li/a") == ["Tutorial", "DNS"]
    assert texts(tree, "//section[@class='whats-on']/ul[2]/li/a") == ["Bandwidth"]


# ----- The schedule ------------------------------------------------------------------------------


def test_schedule_puts_overlapping_talks_side_by_side(client):
    event = make_event(slug="summit")
    make_talk(event, starts_at=at(16, 10, 50))
    make_talk(event, starts_at=at(16, 10, 45))

    tree = parse(client.get(SCHEDULE))

    assert day_blocks(tree, "2022-05-16") == [
        [("lane-1", "10:45–11:15 CEST · 30 min"), ("lane-2", "10:50–11:20 CEST · 30 min")],
    ]
    assert texts(tree, f"//section[@id='day-2022-05-16']//p[{cls('block-head')}]") == [
        "2 talks at the same time, 10:45–11:20 CEST"
    ]
    assert tree.xpath(f"//section[@id='day-2022-05-16']//ol[{cls('lanes')}]/@class") == ["lanes lanes-2"]


def test_schedule_shows_three_talks_at_the_same_time_in_three_lanes_by_title(client):
    event = make_event(slug="summit")
    for title in ["Transparent live migration", "Choosing cloud native", "Cilium: welcome"]:
        make_talk(event, title=title, starts_at=at(19, 15, 25), ends_at=at(19, 16))

    tree = parse(client.get(SCHEDULE))

    assert day_blocks(tree, "2022-05-19") == [
        [
            ("lane-1", "15:25–16:00 CEST · 35 min"),
            ("lane-2", "15:25–16:00 CEST · 35 min"),
            ("lane-3", "15:25–16:00 CEST · 35 min"),
        ],
    ]
    assert talk_titles(tree, "//section[@id='day-2022-05-19']") == [
        "Choosing cloud native",
        "Cilium: welcome",
        "Transparent live migration",
    ]


def test_talks_that_do_not_overlap_are_blocks_of_their_own(client):
    event = make_event(slug="summit")
    make_talk(event, starts_at=at(17, 16, 5), ends_at=at(17, 17, 5))
    make_talk(event, starts_at=at(17, 11, 35), ends_at=at(17, 11, 45))

    tree = parse(client.get(SCHEDULE))

    assert day_blocks(tree, "2022-05-17") == [
        [("lane-1", "11:35–11:45 CEST · 10 min")],
        [("lane-1", "16:05–17:05 CEST · 60 min")],
    ]


def test_each_day_is_labelled_with_the_zones_abbreviation_and_utc_offset(client):
    event = make_event(slug="summit")
    make_talk(event, starts_at=at(16, 10, 45))
    make_talk(event, starts_at=at(19, 15, 25))

    tree = parse(client.get(SCHEDULE))

    assert texts(tree, "//section[contains(@class, 'day')]/h2") == [
        "Monday 16 May times in CEST (UTC+02:00)",
        "Thursday 19 May times in CEST (UTC+02:00)",
    ]


def test_the_zone_label_comes_from_the_events_zone(client):
    event = make_event(time_zone="America/New_York", slug="kubecon-na")
    make_talk(event, title="Opening", starts_at=at(16, 9, tz=event.tzinfo))

    tree = parse(client.get("/kubecon-na/schedule/"))

    assert texts(tree, "//section[contains(@class, 'day')]/h2") == ["Monday 16 May times in EDT (UTC-04:00)"]
    assert texts(tree, f"//p[{cls('talk-time')}]") == ["09:00–09:30 EDT · 30 min"]


def test_an_events_zone_is_dropped_when_its_page_has_been_served(client, settings):
    event = make_event(time_zone="America/New_York", slug="kubecon-na")

    client.get(f"/{event.slug}/schedule/")

    assert timezone.get_current_timezone_name() == settings.TIME_ZONE


def test_each_talk_shows_speakers_kind_track_and_a_cancelled_mark(client):
    event = make_event(slug="summit")
    track = make_track(event, name="eBPF", slug="ebpf")
    speaker = make_speaker(name="Daniel Bernier", affiliation="Bell Canada", slug="daniel-bernier")
    make_talk(event, title="SRv6", speakers=[speaker], track=track, kind=Talk.Kind.PANEL)
    make_talk(event, title="Gone", starts_at=at(17, 10), status=Talk.Status.CANCELLED)

    tree = parse(client.get("/summit/schedule/"))

    first, second = tree.xpath(f"//li[{cls('talk')}]")
    assert texts(first, f".//p[{cls('talk-speakers')}]") == ["Daniel Bernier (Bell Canada)"]
    assert first.xpath(f".//p[{cls('talk-speakers')}]/a/@href") == ["/summit/speakers/daniel-bernier/"]
    assert texts(first, f".//p[{cls('talk-meta')}]") == ["Panel · eBPF"]
    assert texts(first, f".//*[{cls('badge-cancelled')}]") == []
    assert texts(second, ".//h3") == ["Gone Cancelled"]


def test_draft_talks_are_not_on_the_schedule(client):
    event = make_event(slug="summit")
    make_talk(event, title="Published")
    make_talk(event, title="Draft", status=Talk.Status.DRAFT)

    assert talk_titles(parse(client.get("/summit/schedule/"))) == ["Published"]


def test_the_schedule_shows_markup_in_titles_and_names_as_text(client):
    event = make_event(slug="summit")
    track = make_track(event, name="<b>Bold</b> & Co")
    speaker = make_speaker(name='Ann "<i>" O\'Neil', affiliation="<img src=x onerror=alert(1)>")
    make_talk(event, title="<script>alert(1)</script> & 'quotes'", track=track, speakers=[speaker])

    tree = parse(client.get("/summit/schedule/"))

    card = tree.xpath(f"//li[{cls('talk')}]")[0]
    assert card.get("data-title") == "<script>alert(1)</script> & 'quotes'"
    assert talk_titles(tree) == ["<script>alert(1)</script> & 'quotes'"]
    assert words(card.xpath(f".//p[{cls('talk-speakers')}]")[0]) == (
        'Ann "<i>" O\'Neil (<img src=x onerror=alert(1)>)'
    )
    assert words(card.xpath(f".//span[{cls('track')}]")[0]) == "<b>Bold</b> & Co"
    assert tree.xpath("//main//script | //main//img | //main//i | //main//b") == []


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("?day=2022-05-19", ["Thursday talk", "Thursday tutorial"]),
        ("?kind=tutorial", ["Thursday tutorial", "Friday tutorial"]),
        ("?day=2022-05-20&kind=talk", ["Friday talk"]),
    ],
)
def test_filters_narrow_the_schedule(client, query, titles):
    event = make_event(slug="summit")
    make_talk(event, title="Monday talk", starts_at=at(16, 10))
    make_talk(event, title="Thursday talk", starts_at=at(19, 10))
    make_talk(event, title="Thursday tutorial", starts_at=at(19, 11), kind=Talk.Kind.TUTORIAL)
    make_talk(event, title="Friday tutorial", starts_at=at(20, 10), kind=Talk.Kind.TUTORIAL)
    make_talk(event, title="Friday talk", starts_at=at(20, 11))

    response = client.get(SCHEDULE + query)

    assert response.status_code == 200
    assert talk_titles(parse(response)) == titles


def test_a_day_of_the_event_without_talks_says_so(client):
    event = make_event(slug="summit")  # 16 to 20 May
    make_talk(event, starts_at=at(16, 10))

    tree = parse(client.get(SCHEDULE + "?day=2022-05-18"))

    assert talk_titles(tree) == []
    assert texts(tree, "//p[@class='empty']") == ["No talks match these filters. Show the whole schedule."]


def test_filtering_by_track_keeps_the_tracks_talks(client):
    event = make_event(slug="summit")
    ebpf = make_track(event, name="Networking", slug="networking")
    make_track(event, name="Storage", slug="storage")
    make_talk(event, title="In networking", track=ebpf)
    make_talk(event, title="Without track")

    tree = parse(client.get("/summit/schedule/?track=networking"))

    assert talk_titles(tree) == ["In networking"]
    assert texts(tree, "//details[@class='filters']//ul[@aria-labelledby='filter-track']/li") == [
        "All tracks",
        "Networking",
        "Storage",
    ]


def test_filter_links_are_plain_links_that_keep_the_other_filters(client):
    event = make_event(slug="summit")
    make_talk(event, starts_at=at(16, 10))
    make_talk(event, starts_at=at(19, 10), kind=Talk.Kind.TUTORIAL)

    make_room(event, name="Hall A")
    tree = parse(client.get(SCHEDULE + "?kind=tutorial"))

    assert tree.xpath("//ul[@aria-labelledby='filter-room']/li/a/@href") == [
        SCHEDULE + "?kind=tutorial",
        SCHEDULE + "?kind=tutorial&room=hall-a",
    ]
    assert texts(tree, "//ul[@aria-labelledby='filter-kind']/li/a[@aria-current='true']") == ["Tutorial"]
    assert tree.xpath("//nav[@class='day-tabs']//li[not(@hidden)]/a/@href") == [
        SCHEDULE + "?kind=tutorial&day=2022-05-16",
        SCHEDULE + "?kind=tutorial&day=2022-05-19",
        "/summit/my-schedule/",
    ]
    # Unfiltered, a small event shows every day on one page: its day tabs are anchors on it.
    tree = parse(client.get(SCHEDULE))
    assert tree.xpath("//nav[@class='day-tabs']//a/@href")[:2] == ["#day-2022-05-16", "#day-2022-05-19"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?day=garbage", "“garbage” is not a date. Days are written like 2022-05-16."),
        ("?day=2023-05-16", "Tuesday 16 May 2023 is not a day of this event."),
        ("?track=storage", "This event has no track “storage”."),
        ("?kind=party", "“party” is not a kind of session."),
    ],
)
def test_bad_filter_values_get_a_message_and_a_400(client, query, message):
    event = make_event(slug="summit")  # 16 to 20 May 2022, without tracks
    make_talk(event, title="First", starts_at=at(16, 10))
    make_talk(event, title="Second", starts_at=at(17, 10))

    response = client.get(SCHEDULE + query)

    assert response.status_code == 400
    tree = parse(response)
    [alert] = texts(tree, "//div[@role='alert']")
    assert alert.startswith("That filter does not work. " + message)
    assert talk_titles(tree) == ["First", "Second"]
    # The filter links start afresh instead of carrying the rejected value along.
    rejected = query.split("=")[1]
    assert [href for href in tree.xpath("//a/@href") if rejected in href] == []


def test_schedule_links_the_exports_by_their_addresses(client):
    event = make_event(slug="summit")
    make_talk(event)

    tree = parse(client.get(SCHEDULE))

    assert tree.xpath("//section[@class='downloads']//a/@href") == [
        "/summit/schedule.ics",
        "webcal://testserver/summit/schedule.ics",
        "/summit/schedule.xml",
        "/summit/schedule.json",
    ]
    # The stars of this browser go to My schedule, which lists them and offers their calendar.
    assert tree.xpath("//a[@class='my-schedule-link']/@href") == ["/summit/my-schedule/"]


def test_schedule_offers_a_calendar_to_download_or_subscribe_for_each_track_and_room(client):
    event = make_event(slug="summit")
    track = make_track(event, name="Kernel", slug="kernel")
    make_talk(event, track=track, room=make_room(event, name="Hall 4", order=2))
    make_talk(event, room=make_room(event, name="Annex B", order=1))
    make_room(event, name="Empty room")

    tree = parse(client.get(SCHEDULE))

    items = tree.xpath("//ul[@class='calendar-list']/li")
    assert [words(item) for item in items] == [
        "Track: Kernel (.ics) · Subscribe to the track Kernel",
        "Room: Annex B (.ics) · Subscribe to the room Annex B",
        "Room: Hall 4 (.ics) · Subscribe to the room Hall 4",
    ]
    assert [item.xpath(".//a/@href") for item in items] == [
        ["/summit/schedule.ics?track=kernel", "webcal://testserver/summit/schedule.ics?track=kernel"],
        ["/summit/schedule.ics?room=annex-b", "webcal://testserver/summit/schedule.ics?room=annex-b"],
        ["/summit/schedule.ics?room=hall-4", "webcal://testserver/summit/schedule.ics?room=hall-4"],
    ]
    for href in tree.xpath("//ul[@class='calendar-list']/li/a[1]/@href"):
        assert client.get(href).status_code == 200, href


def test_a_speaker_page_offers_their_calendar_to_download_or_subscribe(client):
    event = make_event(slug="summit")
    make_talk(event, speakers=[make_speaker(name="Ada Lane", slug="ada-lane")])

    tree = parse(client.get("/summit/speakers/ada-lane/"))

    (links,) = tree.xpath("//p[@class='calendar-actions']")
    assert words(links) == "Calendar of these talks (.ics) · Subscribe to the talks of Ada Lane"
    assert links.xpath(".//a/@href") == [
        "/summit/speakers/ada-lane.ics",
        "webcal://testserver/summit/speakers/ada-lane.ics",
    ]


def test_a_talk_page_adds_the_talk_to_google_calendar_at_its_utc_instants(client):
    event = make_event(slug="autumn", start_date=dt.date(2022, 10, 29), end_date=dt.date(2022, 10, 30))
    starts_at = dt.datetime(2022, 10, 30, 1, 30, tzinfo=dt.UTC)  # 02:30 CET, the second half past two
    make_talk(
        event,
        title="Winter time",
        slug="cet",
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=30),
        room=make_room(event, name="Hall 4"),
        speakers=[make_speaker(name="Ada Lane")],
    )

    with mock.patch("django.utils.timezone.now", return_value=starts_at - dt.timedelta(days=30)):
        tree = parse(client.get("/autumn/talks/cet/"))

    (google,) = tree.xpath("//a[text()='Add to Google Calendar']/@href")
    address = urlsplit(google)
    assert (address.scheme, address.netloc, address.path) == (
        "https",
        "calendar.google.com",
        "/calendar/render",
    )
    assert parse_qs(address.query) == {
        "action": ["TEMPLATE"],
        "text": ["Winter time"],
        "dates": ["20221030T013000Z/20221030T020000Z"],
        "details": [
            "Sunday 30 October 2022, 02:30–03:00 CET (Europe/Madrid)\n\nSpeakers: Ada Lane\n\n"
            "http://testserver/autumn/talks/cet/"
        ],
        "location": ["Hall 4, Valencia, Spain"],
    }
    assert tree.xpath("//ul[@class='actions']//a[starts-with(@href, 'webcal:')]/@href") == [
        "webcal://testserver/autumn/talks/cet.ics"
    ]


def test_a_cancelled_talks_page_offers_no_calendar_to_add_it_to(client):
    make_talk(make_event(slug="summit"), slug="gone", status=Talk.Status.CANCELLED)

    tree = parse(client.get("/summit/talks/gone/"))

    assert (
        tree.xpath("//ul[@class='actions']//a[contains(@href, 'calendar') or contains(@href, '.ics')]") == []
    )


def test_schedule_loads_its_script_deferred_and_has_no_inline_script_or_style(client):
    make_talk(make_event(slug="summit"))

    tree = parse(client.get(SCHEDULE))

    # The words of the script in the page's language (Django's JavaScript catalogue), then the script.
    assert [(s.get("src"), s.get("defer") is not None) for s in tree.xpath("//script")] == [
        ("/jsi18n", True),
        ("/static/js/portal.js", True),
    ]
    assert tree.xpath("//*[@style] | //style") == []
    # What needs JavaScript is hidden until the script shows it.
    assert tree.xpath("//div[@class='js-tools']/@hidden") == [""]
    assert tree.xpath("//section[@id='live']/@hidden") == [""]


# ----- Talk pages --------------------------------------------------------------------------------


def test_talk_page_shows_time_in_the_events_zone_length_speakers_and_talks_at_the_same_time(client):
    event = make_event(slug="summit")
    speaker = make_speaker(name="Daniel Bernier", affiliation="Bell Canada")
    talk = make_talk(event, title="SRv6 for telcos", speakers=[speaker], starts_at=at(16, 10, 50))
    make_talk(event, title="IKEA private cloud", starts_at=at(16, 10, 45))
    make_talk(event, title="Right after", starts_at=at(16, 11, 20))

    with mock.patch("django.utils.timezone.now", return_value=at(1, 12)):  # before the event
        response = client.get(talk.get_absolute_url())

    assert response.status_code == 200
    tree = parse(response)
    assert texts(tree, "//h1") == ["SRv6 for telcos"]
    facts = dict(
        zip(texts(tree, "//dl[@class='facts']/dt"), texts(tree, "//dl[@class='facts']/dd"), strict=True)
    )
    assert facts == {
        "When": "Monday 16 May 2022, 10:50–11:20 CEST (UTC+02:00)",
        "Length": "30 minutes",
        "Room": "Not announced yet",
        "Kind": "Talk",
        "Speaker": "Daniel Bernier, Bell Canada",
    }
    assert texts(tree, "//section[@aria-labelledby='overlapping-heading']//li/a") == ["IKEA private cloud"]


def test_after_the_event_a_talk_page_says_it_took_place_and_links_its_recording(client):
    event = make_event(slug="summit")
    talk = make_talk(event, title="Maps", starts_at=at(16, 10), video_url="https://video.example/maps")

    tree = parse(client.get(talk.get_absolute_url()))

    assert texts(tree, "//p[contains(@class, 'notice-past')]") == [
        "This talk took place on Monday 16 May 2022. Watch the recording."
    ]
    assert tree.xpath("//p[contains(@class, 'notice-past')]/a/@href") == ["https://video.example/maps"]
    assert "Recording (video)" in texts(tree, "//ul[@class='actions']/li")


def test_talk_page_shows_its_own_speakers_beside_a_twin_talk_at_the_same_time(client):
    # Same time, same title, no room: only their row ids tell the two talks' speakers apart.
    event = make_event()
    names = iter(["Ada", "Bob", "Cy", "Di"])
    speakers = [make_speaker(name=next(names)) for _ in range(4)]
    first = make_talk(event, title="Twin", slug="twin-1", speakers=speakers[:2])
    make_talk(event, title="Twin", slug="twin-2", speakers=speakers[2:])

    tree = parse(client.get(first.get_absolute_url()))

    assert texts(tree, "//dt[starts-with(., 'Speaker')]/following-sibling::dd[1]//li") == ["Ada", "Bob"]
    assert [a.get("href") for a in tree.xpath("//section[@aria-labelledby='overlapping-heading']//li/a")] == [
        f"/{event.slug}/talks/twin-2/"
    ]


def test_talk_page_links_add_to_calendar_and_the_official_page(client):
    event = make_event(slug="summit")
    talk = make_talk(event, slug="srv6", conference_url="https://kccnceu2022.sched.com/event/ytkj")

    tree = parse(client.get(talk.get_absolute_url()))

    assert tree.xpath("//a[text()='Add to calendar (.ics)']/@href") == ["/summit/talks/srv6.ics"]
    assert tree.xpath("//a[text()='Official conference page']/@href") == [
        "https://kccnceu2022.sched.com/event/ytkj"
    ]


def test_talk_page_has_open_graph_and_description_meta(client):
    event = make_event(name="Cilium Summit", slug="summit")
    abstract = "In this session, Daniel Bernier from Bell Canada will be demonstrating SRv6."
    make_talk(event, title="SRv6 for telcos", slug="srv6", abstract=abstract)

    tree = parse(client.get("/summit/talks/srv6/"))

    meta = {m.get("property") or m.get("name"): m.get("content") for m in tree.xpath("//meta[@content]")}
    assert meta["og:title"] == "SRv6 for telcos"
    assert meta["og:type"] == "article"
    assert meta["og:url"] == "http://testserver/summit/talks/srv6/"
    assert meta["description"] == abstract
    assert meta["og:description"] == abstract
    assert texts(tree, "//title") == ["SRv6 for telcos · Cilium Summit"]


def test_talk_abstract_is_markdown_with_organiser_html_made_harmless(client):
    abstract = (
        "**Fast** paths.\n\n<script>alert('x')</script>\n\n"
        "[click](javascript:alert(1)) <img src=x onerror=alert(1)>"
    )
    talk = make_talk(make_event(), abstract=abstract)

    tree = parse(client.get(talk.get_absolute_url()))

    section = tree.xpath("//section[@class='abstract']")[0]
    assert texts(section, ".//strong") == ["Fast"]
    assert section.xpath(".//script | .//img | .//*[@onerror]") == []
    assert section.xpath(".//a[text()='click']/@href") == []
    assert "alert('x')" not in words(section)


def test_cancelled_talk_page_says_so_and_offers_no_calendar_file(client):
    talk = make_talk(make_event(), status=Talk.Status.CANCELLED)

    tree = parse(client.get(talk.get_absolute_url()))

    assert texts(tree, "//p[@class='notice']") == ["This talk has been cancelled."]
    assert tree.xpath("//a[contains(@href, '.ics')]") == []


# ----- Speakers and booth ------------------------------------------------------------------------


def test_speaker_list_shows_affiliation_and_talk_count(client):
    event = make_event(slug="summit")
    speaker = make_speaker(name="Daniel Bernier", affiliation="Bell Canada", slug="daniel-bernier")
    make_talk(event, speakers=[speaker])
    address = "/summit/speakers/"

    tree = parse(client.get(address))

    assert texts(tree, "//ul[@class='speaker-list']/li") == ["Daniel Bernier, Bell Canada 1 talk"]
    # The links are relative to the list's own address.
    links = [urljoin(address, href) for href in tree.xpath("//ul[@class='speaker-list']/li//a/@href")]
    assert links == ["/summit/speakers/daniel-bernier/"]
    assert texts(parse(client.get(links[0])), "//h1") == ["Daniel Bernier"]


def test_speaker_list_counts_public_talks_of_this_event_only(client):
    event, other = make_event(slug="summit"), make_event()
    speaker = make_speaker(name="Ana")
    make_talk(event, speakers=[speaker])
    make_talk(event, speakers=[speaker], status=Talk.Status.CANCELLED, starts_at=at(17, 10))
    make_talk(event, speakers=[speaker], status=Talk.Status.DRAFT)
    make_talk(other, speakers=[speaker])
    make_talk(event, speakers=[make_speaker(name="Only drafts")], status=Talk.Status.DRAFT)

    tree = parse(client.get("/summit/speakers/"))

    assert texts(tree, "//ul[@class='speaker-list']/li") == ["Ana 2 talks"]


def test_speaker_page_shows_bio_links_and_talks(client):
    event = make_event(slug="summit")
    speaker = make_speaker(
        name="Ana", slug="ana", bio="Works on *eBPF*.", links="https://example.org/ana\nhttps://ana.dev"
    )
    make_talk(event, title="Second", speakers=[speaker], starts_at=at(17, 10))
    make_talk(event, title="First", speakers=[speaker], starts_at=at(16, 10))

    tree = parse(client.get("/summit/speakers/ana/"))

    assert texts(tree, "//h1") == ["Ana"]
    assert texts(tree, "//main//em") == ["eBPF"]
    assert tree.xpath("//main//ul[not(@class)]/li/a/@href") == ["https://example.org/ana", "https://ana.dev"]
    assert texts(tree, "//ul[@class='talk-lines']/li/a") == ["First", "Second"]
    assert texts(tree, "//ul[@class='talk-lines']//span[@class='when']") == [
        "Mon 16 May, 10:00–10:30 CEST (UTC+02:00)",
        "Tue 17 May, 10:00–10:30 CEST (UTC+02:00)",
    ]


@pytest.mark.parametrize(
    "address",
    [
        "/summit/speakers/nobody/",
        "/summit/speakers/drafty/",
        "/summit/talks/nothing/",
        "/nowhere/schedule/",
        "/nowhere/talks/nothing/",
    ],
)
def test_unknown_and_unpublished_addresses_are_a_404_with_a_helpful_page(client, address):
    event = make_event(slug="summit")
    make_talk(event, speakers=[make_speaker(slug="drafty")], status=Talk.Status.DRAFT)

    response = client.get(address)

    assert response.status_code == 404
    tree = parse(response)
    assert texts(tree, "//h1") == ["Page not found"]
    assert tree.xpath("//main//a/@href") == ["/"]


def test_the_500_page_stands_alone_and_points_home():
    tree = lxml.html.fromstring(render_to_string("500.html"))

    assert texts(tree, "//h1") == ["Something went wrong on our side"]
    assert tree.xpath("//a/@href") == ["/"]


def test_booth_page_says_where_what_and_when_in_the_events_zone(client):
    event = make_event(slug="summit")
    booth = make_booth(
        event, name="Cilium booth", location="Hall 2, booth S45", description="Get your *swag*."
    )
    make_shift(booth, starts_at=at(17, 10), ends_at=at(17, 12, 30), staff="Cilium maintainers")

    with mock.patch("django.utils.timezone.now", return_value=at(1, 12)):  # before the event
        tree = parse(client.get("/summit/booth/"))

    assert texts(tree, "//section[@class='booth']/h2") == ["Cilium booth"]
    assert texts(tree, "//section[@class='booth']/h3") == [
        "Where",
        "What you get there",
        "When it is staffed",
    ]
    assert texts(tree, "//section[@class='booth']/p[1]") == ["Hall 2, booth S45, Valencia, Spain."]
    assert texts(tree, "//section[@class='booth']//em") == ["swag"]
    assert texts(tree, "//ul[@class='shifts']/li") == [
        "Tuesday 17 May, 10:00–12:30 CEST (UTC+02:00): Cilium maintainers"
    ]


# ----- Every page --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "/",
        "/summit/",
        "/summit/schedule/",
        "/summit/talks/srv6/",
        "/summit/speakers/",
        "/summit/speakers/ana/",
        "/summit/booth/",
    ],
)
def test_every_page_has_language_title_description_viewport_and_one_h1(client, address):
    make_event_with_every_page()

    tree = parse(client.get(address))

    assert tree.xpath("/html/@lang") == ["en"]
    assert len(tree.xpath("//title")[0].text_content().strip()) > 0
    assert len(tree.xpath("//meta[@name='description']/@content")[0].strip()) > 20
    assert tree.xpath("//meta[@name='viewport']/@content") == ["width=device-width, initial-scale=1"]
    assert len(tree.xpath("//h1")) == 1
    assert tree.xpath("//link[@rel='stylesheet']/@href") == ["/static/css/portal.css"]
    assert tree.xpath("//*[@style] | //style | //script[not(@src)]") == []


@pytest.mark.parametrize(
    "path",
    [
        "/summit/",
        "/summit/schedule/",
        "/summit/talks/srv6/",
        "/summit/speakers/",
        "/summit/speakers/ana/",
        "/summit/booth/",
        "/summit/office-hours/",
    ],
)
def test_every_page_of_the_event_renders_with_its_name(client, path):
    make_event_with_every_page()

    response = client.get(path)

    assert response.status_code == 200
    assert texts(parse(response), "//nav[@aria-label='Site']//li[1]/a") == ["Cilium Summit"]


# ----- Edge cases --------------------------------------------------------------------------------


def test_draft_talks_are_a_404(client):
    talk = make_talk(make_event(), status=Talk.Status.DRAFT)

    assert client.get(talk.get_absolute_url()).status_code == 404


def test_quotes_in_an_abstract_cannot_break_out_of_the_meta_tags(client):
    event = make_event()
    talk = make_talk(event, abstract='0;url=https://evil.example/" http-equiv="refresh <b>bold</b> & "more"')

    response = client.get(talk.get_absolute_url())

    tree = lxml.html.fromstring(response.content)
    assert tree.xpath("//meta[@http-equiv]") == []
    description = tree.xpath("//meta[@name='description']/@content")[0]
    assert description == '0;url=https://evil.example/" http-equiv="refresh bold & "more"'
    assert tree.xpath("//meta[@property='og:description']/@content") == [description]


def test_a_talk_outside_the_events_dates_gets_a_day_link_that_works(client):
    event = make_event(start_date=dt.date(2022, 5, 16), end_date=dt.date(2022, 5, 20))
    make_talk(event, title="The day after", starts_at=at(21, 10))

    page = client.get(f"/{event.slug}/schedule/")
    filtered = client.get(f"/{event.slug}/schedule/", {"day": "2022-05-21"})

    assert parse(page).xpath("//nav[@class='day-tabs']//a/@href")[0] == "#day-2022-05-21"
    assert filtered.status_code == 200
    assert "The day after" in filtered.content.decode()
