"""Finding one's way through a big schedule: one day at a time, the room grid, search, the room filter,
jump to now, My schedule, and the speakers' index."""

import datetime as dt
from unittest import mock

import pytest

from events.models import Talk
from tests.factories import (
    at,
    make_event,
    make_office_hours,
    make_room,
    make_speaker,
    make_talk,
)
from tests.test_queries import build_conference
from tests.test_views import parse, talk_titles, texts

pytestmark = pytest.mark.django_db


@pytest.fixture
def big():
    """Five days of twelve talks in three rooms each: more than one day at a time shows."""
    event = make_event(slug="big", name="Big")
    rooms = [make_room(event, name=name, order=n) for n, name in enumerate(["Hall A", "Hall B", "Hall C"])]
    for day in range(16, 21):
        for n in range(12):
            slot, room = divmod(n, 3)
            make_talk(
                event,
                title=f"Day {day} talk {n}",
                slug=f"d{day}-{n}",
                starts_at=at(day, 9) + dt.timedelta(hours=slot),
                room=rooms[room],
            )
    return event


def during(day, hour=11):
    """Patch the clock to `day` of May 2022 at `hour` in Valencia."""
    return mock.patch("django.utils.timezone.now", return_value=at(day, hour))


def shown_days(tree):
    return [section.get("id") for section in tree.xpath("//section[@class='day']")]


def test_a_big_event_shows_its_first_day_before_the_event_with_tabs_to_the_others(client, big):
    with during(1):
        tree = parse(client.get("/big/schedule/"))

    assert shown_days(tree) == ["day-2022-05-16"]
    assert texts(tree, "//nav[@class='day-tabs']//li[not(@hidden)]/a") == [
        "Mon 16",
        "Tue 17",
        "Wed 18",
        "Thu 19",
        "Fri 20",
        "All days",
        "★ My schedule",
    ]
    assert texts(tree, "//nav[@class='day-tabs']//a[@aria-current='page']") == ["Mon 16"]
    assert tree.xpath("//nav[@class='day-steps']//a/@href") == ["/big/schedule/?day=2022-05-17"]


def test_during_the_event_the_schedule_opens_on_today_and_offers_jump_to_now(client, big):
    with during(18):
        tree = parse(client.get("/big/schedule/"))
    with during(19):
        next_day = parse(client.get("/big/schedule/"))

    assert shown_days(tree) == ["day-2022-05-18"]
    assert texts(tree, "//nav[@class='day-tabs']//a[@aria-current='page']") == ["Wed 18 today"]
    assert tree.xpath("//li[@data-jump-now-item and not(@hidden)]/a/@href") == ["/big/schedule/now/"]
    assert shown_days(next_day) == ["day-2022-05-19"]  # not the page kept the day before


def test_jump_to_now_leads_to_the_talk_on_now_or_next_and_outside_the_event_to_the_schedule(client, big):
    with during(18, 10):
        response = client.get("/big/schedule/now/")
    assert response.status_code == 302
    assert response["Location"] == "/big/schedule/?day=2022-05-18#talk-d18-3"
    assert "no-store" in response["Cache-Control"]
    with during(1):
        assert client.get("/big/schedule/now/")["Location"] == "/big/schedule/"


def test_every_day_on_asking_and_the_room_grid_keeps_rooms_in_their_columns(client, big):
    tree = parse(client.get("/big/schedule/?day=all"))

    assert len(shown_days(tree)) == 5
    for day in ["2022-05-16", "2022-05-20"]:
        grid = f"//section[@id='day-{day}']//ol[contains(@class, 'grid')]"
        assert texts(tree, grid + "/li[contains(@class, 'grid-room')]") == ["Hall A", "Hall B", "Hall C"]
        columns = {
            words.split("talk ")[1]: li.get("class").split()[1]
            for li, words in zip(
                tree.xpath(grid + "/li[starts-with(@id, 'talk-')]"),
                texts(tree, grid + "/li[starts-with(@id, 'talk-')]//h4/a"),
                strict=True,
            )
        }
        assert columns["0"] == columns["3"] == "c-2" and columns["1"] == "c-3" and columns["2"] == "c-4"


def test_a_search_finds_talks_by_title_abstract_speaker_and_room_marked_and_best_first(client, big):
    event = big
    ada = make_speaker(name="Ada Lovelace")
    make_talk(event, title="Engines", slug="engines", starts_at=at(17, 15), speakers=[ada])
    make_talk(
        event,
        title="Looms",
        slug="looms",
        abstract="Punched cards, as Lovelace saw them.",
        starts_at=at(16, 15),
    )

    tree = parse(client.get("/big/schedule/?q=lovelace"))

    assert texts(tree, "//section[@class='results']/h2") == ["2 talks match “lovelace”"]
    assert talk_titles(tree, "//section[@class='results']") == ["Engines", "Looms"]  # a speaker counts more
    assert texts(tree, "//section[@class='results']//mark") == ["Lovelace", "Lovelace"]
    hall = parse(client.get("/big/schedule/?q=hall+c&day=2022-05-16"))
    assert len(talk_titles(hall, "//section[@class='results']")) == 4


def test_a_search_combines_with_the_room_filter_and_bad_input_gets_a_400(client, big):
    tree = parse(client.get("/big/schedule/?q=talk+3&room=hall-a"))

    assert set(talk_titles(tree, "//section[@class='results']")) == {
        f"Day {day} talk 3" for day in range(16, 21)
    }
    for query in ["?q=" + "x" * 300, "?q=%00", "?room=hall-z"]:
        response = client.get("/big/schedule/" + query)
        assert response.status_code == 400
        assert texts(parse(response), "//div[@role='alert']")[0].startswith("That filter does not work.")


def test_the_room_filter_lists_what_happens_in_one_room(client, big):
    tree = parse(client.get("/big/schedule/?room=hall-b&day=2022-05-16"))

    assert talk_titles(tree) == ["Day 16 talk 1", "Day 16 talk 4", "Day 16 talk 7", "Day 16 talk 10"]
    assert texts(tree, "//ul[@aria-labelledby='filter-room']/li/a[@aria-current='true']") == ["Hall B"]


def test_the_office_hours_day_is_a_day_of_the_schedule_and_of_the_event_page(client):
    event = make_event(slug="summit")
    make_talk(event, starts_at=at(16, 10))
    make_office_hours(event, title="Virtual office hours", starts_at=at(18, 12, 30), ends_at=at(18, 13, 15))

    schedule = parse(client.get("/summit/schedule/"))
    home = parse(client.get("/summit/"))

    assert shown_days(schedule) == ["day-2022-05-16", "day-2022-05-18"]
    assert texts(schedule, "//section[@id='day-2022-05-18']//ul[@class='extras']/li") == [
        "12:30–13:15 CEST Office hours: Virtual office hours"
    ]
    assert texts(home, "//ul[@class='day-list']/li")[1].startswith(
        "Wednesday 18 May: Office hours: Virtual office hours, from 12:30 CEST"
    )


def test_my_schedule_lists_the_chosen_talks_by_day_and_flags_the_ones_that_overlap(client):
    event = make_event(slug="summit")
    make_talk(event, title="Maps", slug="maps", starts_at=at(16, 10))
    make_talk(event, title="Routes", slug="routes", starts_at=at(16, 10, 15))
    make_talk(event, title="Later", slug="later", starts_at=at(17, 10))
    make_talk(event, title="Draft", slug="draft", status=Talk.Status.DRAFT)

    tree = parse(client.get("/summit/my-schedule/?talks=routes,maps,later,draft,gone"))

    assert texts(tree, "//section[@class='day']/h2") == ["Monday 16 May", "Tuesday 17 May"]
    assert talk_titles(tree) == ["Maps", "Routes", "Later"]
    assert texts(tree, "//li[contains(@class, 'has-clash')]//p[@class='clash']") == [
        "Overlaps with Routes.",
        "Overlaps with Maps.",
    ]
    assert texts(tree, "//p[contains(@class, 'notice-clash')]/strong") == ["2 of your talks overlap."]
    assert tree.xpath("//section[@class='downloads']//a/@href") == [
        "/summit/schedule.ics?talks=maps,routes,later",
        "webcal://testserver/summit/schedule.ics?talks=maps,routes,later",
        "http://testserver/summit/my-schedule/?talks=maps,routes,later",
    ]
    assert "2 of the chosen talks are no longer in the schedule." in texts(tree, "//p")


def test_my_schedule_without_a_list_explains_that_stars_need_javascript_and_a_bad_list_is_a_400(client):
    make_talk(make_event(slug="summit"))

    tree = parse(client.get("/summit/my-schedule/"))
    bad = client.get("/summit/my-schedule/?talks=<script>")

    assert "Stars need JavaScript" in texts(tree, "//p[@class='no-js-note']")[0]
    assert bad.status_code == 400
    assert texts(parse(bad), "//div[@role='alert']")[0].startswith("That list of talks does not work.")


def test_speakers_are_sorted_as_people_read_names_under_an_a_to_z_index_and_can_be_searched(client):
    event = make_event(slug="summit")
    for name, affiliation in [
        ("zoë Zed", ""),
        ("Émile Ace", "Isovalent"),
        ("adam Bee", ""),
        ("Óscar Ohm", ""),
    ]:
        make_talk(event, speakers=[make_speaker(name=name, affiliation=affiliation)])

    tree = parse(client.get("/summit/speakers/"))
    found = parse(client.get("/summit/speakers/?q=isovalent"))

    assert texts(tree, "//ul[@class='speaker-list']/li//a") == [
        "adam Bee",
        "Émile Ace",
        "Óscar Ohm",
        "zoë Zed",
    ]
    assert texts(tree, "//nav[@class='az']//a") == ["A", "E", "O", "Z"]
    assert texts(found, "//ul[@class='speaker-list']/li//a") == ["Émile Ace"]
    assert texts(found, "//ul[@class='speaker-list']//mark") == ["Isovalent"]
    assert client.get("/summit/speakers/?q=%00").status_code == 400


def test_one_day_of_a_600_talk_conference_weighs_under_a_quarter_of_the_whole_programme(client):
    build_conference(600)

    one_day = client.get("/big/schedule/").content
    every_day = client.get("/big/schedule/?day=all").content

    assert len(one_day) < len(every_day) / 4
    assert len(one_day) < 904_000 / 4  # the all-days page before days came one at a time


def test_the_schedule_follows_office_hours_as_organisers_change_them(client):
    event = make_event(slug="summit")
    make_talk(event, starts_at=at(16, 10))
    session = make_office_hours(event, title="Office hours", starts_at=at(18, 12, 30), ends_at=at(18, 13, 15))
    client.get("/summit/schedule/")

    session.title = "Ask the maintainers"
    session.save()

    assert texts(parse(client.get("/summit/schedule/")), "//ul[@class='extras']/li") == [
        "12:30–13:15 CEST Office hours: Ask the maintainers"
    ]


def test_searches_are_rendered_for_their_visitor_and_not_kept(client, big):
    for path in ["/big/schedule/?q=talk", "/big/speakers/?q=speaker"]:
        client.get(path)
        assert not client.get(path).has_header("ETag"), path
    assert client.get("/big/speakers/").has_header("ETag")


def test_a_list_too_long_for_my_schedule_says_so_once_and_the_page_does_not_reload_itself(client):
    make_talk(make_event(slug="summit"))

    response = client.get("/summit/my-schedule/?talks=" + ",".join(f"t{n}" for n in range(301)))

    assert response.status_code == 400
    tree = parse(response)
    assert texts(tree, "//div[@role='alert']") == [
        "That list of talks does not work. At most 300 talks fit in one list."
    ]
    # The script brings a visitor without a list to their stars; this page has one, however wrong.
    assert tree.xpath("//div[@data-my-schedule-page]/@data-chosen") == [""]


def test_the_talk_page_tells_the_script_its_room_as_the_schedule_does(client):
    event = make_event(slug="summit")
    talk = make_talk(event, room=make_room(event, name="Hall E"))

    tree = parse(client.get(talk.get_absolute_url()))

    assert tree.xpath("//article[@class='talk-detail']/@data-room") == ["Hall E"]


def test_a_rooms_page_is_titled_and_headed_with_the_rooms_name(client, big):
    tree = parse(client.get("/big/schedule/?room=hall-b&day=2022-05-16"))

    assert texts(tree, "//title") == ["Monday 16 May · Hall B · Schedule · Big"]
    assert texts(tree, "//h1") == ["Hall B"]


def test_several_rooms_are_followed_at_once_and_such_a_page_is_rendered_for_its_visitor(client, big):
    response = client.get("/big/schedule/?room=hall-a&room=hall-c&day=2022-05-16")

    tree = parse(response)
    assert talk_titles(tree) == [f"Day 16 talk {n}" for n in (0, 2, 3, 5, 6, 8, 9, 11)]
    assert texts(tree, "//p[@class='followed']")[0].startswith("Following these rooms: Hall A, Hall C.")
    assert texts(tree, "//ol[contains(@class, 'grid')]/li[contains(@class, 'grid-room')]") == [
        "Hall A",
        "Hall C",
    ]
    assert "ETag" not in response  # as many pages as sets of rooms: not kept


def test_jump_to_now_keeps_the_rooms_followed(client, big):
    with during(18, 10):
        response = client.get("/big/schedule/now/?room=hall-c")

    assert response["Location"] == "/big/schedule/?room=hall-c&day=2022-05-18#talk-d18-5"


def test_a_chosen_zone_writes_every_time_of_the_page_in_it(client, big):
    tree = parse(client.get("/big/schedule/?day=2022-05-16&tz=America/New_York&times=instead"))

    # 09:00 in Valencia (CEST) is 03:00 in New York (EDT).
    assert texts(tree, "//li[contains(@class, 'grid-time')]")[0] == "03:00"
    assert texts(tree, "//li[@id='talk-d16-0']//p[@class='talk-time']")[0].startswith("03:00–03:30 EDT")
    beside = parse(client.get("/big/schedule/?day=2022-05-16&tz=America/New_York"))
    assert texts(beside, "//li[@id='talk-d16-0']//p[@class='talk-time']")[0].startswith("09:00–09:30 CEST")
    assert texts(beside, "//li[@id='talk-d16-0']//span[@class='local-time']") == ["03:00–03:30 EDT"]


def test_an_unknown_zone_is_a_400_with_a_message(client, big):
    response = client.get("/big/schedule/?tz=Mars/Olympus")

    assert response.status_code == 400
    assert (
        "“Mars/Olympus” is not a time zone this site knows."
        in texts(parse(response), "//div[@role='alert']")[0]
    )


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "big/schedule/"])
def test_the_zone_form_goes_back_only_to_a_page_of_this_site(client, big, target):
    tree = parse(client.get("/big/time-zone/", {"next": target}))

    assert tree.xpath("//form[@data-zone-form]/@action") == ["/big/schedule/"]


def test_the_zone_form_goes_back_to_the_page_it_came_from_with_its_filters(client, big):
    tree = parse(
        client.get("/big/time-zone/", {"next": "/big/schedule/?day=2022-05-17&room=hall-a&tz=Asia/Tokyo"})
    )

    assert tree.xpath("//form[@data-zone-form]/@action") == ["/big/schedule/"]
    assert tree.xpath("//form[@data-zone-form]/input[@type='hidden']/@name") == ["day", "room"]
    assert tree.xpath("//select[@name='tz']/option[@selected]/text()") == ["Asia/Tokyo"]


def test_the_search_keeps_every_room_followed(client, big):
    tree = parse(client.get("/big/schedule/?room=hall-a&room=hall-c&day=2022-05-16"))

    search = tree.xpath("//form[.//input[@name='q']]")[0]
    assert search.xpath(".//input[@type='hidden' and @name='room']/@value") == ["hall-a", "hall-c"]


def test_jump_to_now_keeps_the_pages_filters_without_javascript(client, big):
    with during(18, 10):
        tree = parse(client.get("/big/schedule/?room=hall-a&room=hall-c&day=2022-05-16"))

    assert tree.xpath("//a[@data-jump-now]/@href") == ["/big/schedule/now/?room=hall-a&room=hall-c"]


def test_a_zone_chosen_on_one_visit_never_reaches_the_venues_page_of_the_next(client):
    # Without rooms, a day is laid out in blocks, each kept on its own: the zone is part of what a block shows.
    event = make_event(slug="blocks", name="Blocks")
    make_talk(event, title="Opening", starts_at=at(16, 10, 45), ends_at=at(16, 11, 15))

    in_new_york = parse(client.get("/blocks/schedule/?tz=America/New_York&times=instead"))
    at_the_venue = parse(client.get("/blocks/schedule/"))

    assert "04:45" in " ".join(texts(in_new_york, "//li[contains(@class, 'talk')]//p[@class='talk-time']"))
    venue_times = " ".join(texts(at_the_venue, "//li[contains(@class, 'talk')]//p[@class='talk-time']"))
    assert "10:45" in venue_times and "04:45" not in venue_times


def test_a_zone_chosen_beside_the_venues_is_shown_on_every_talk_of_a_day_in_blocks(client):
    event = make_event(slug="blocks", name="Blocks")
    make_talk(event, title="Opening", starts_at=at(16, 10, 45), ends_at=at(16, 11, 15))

    tree = parse(client.get("/blocks/schedule/?tz=America/New_York&times=beside"))

    assert texts(tree, "//li[contains(@class, 'talk')]//span[@class='local-time']") == ["04:45–05:15 EDT"]
