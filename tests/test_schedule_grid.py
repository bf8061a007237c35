"""The room grid at any size, without HTTP: buildings, lanes for double bookings, compact big days, the
placement classes in the stylesheet, what runs now today, the zone a visitor chose."""

import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.http import QueryDict

from events import schedule
from events.schedule import grid as grids
from events.schedule import zones
from tests.test_schedule import HALL_A, HALL_B, VENUE, FakeRoom, in_room, talk

STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "css" / "portal.css"


@pytest.mark.parametrize(
    "name, building",
    [
        ("H.1309 (Van Rijn)", "H"),
        ("UB2.252A (Lameere)", "UB"),
        ("K.3.201", "K"),
        ("AW1.120", "AW"),
        ("Janson", ""),
        ("Hall A", ""),
    ],
)
def test_a_rooms_building_is_the_prefix_its_name_starts_with(name, building):
    assert grids.building_of(name) == building


def test_rooms_are_grouped_by_building_in_the_order_their_first_room_comes_the_others_last():
    rooms = [FakeRoom(n, name) for n, name in enumerate(["Janson", "K.1.105", "H.1301", "K.3.201", "H.2215"])]

    groups = grids.group_rooms(rooms)

    assert [(group.name, [room.name for room in group.rooms]) for group in groups] == [
        ("K", ["K.1.105", "K.3.201"]),
        ("H", ["H.1301", "H.2215"]),
        ("Other rooms", ["Janson"]),
    ]


def test_names_that_tell_no_buildings_apart_make_no_groups():
    assert grids.group_rooms([FakeRoom(n, f"Hall {letter}") for n, letter in enumerate("ABC")]) == ()


def test_a_day_of_80_rooms_is_a_grid_with_a_compact_card_and_a_column_per_room_by_building():
    rooms = [FakeRoom(n, f"{'HKU'[n % 3]}.{n:03d}") for n in range(80)]
    talks = [in_room(talk(f"T{n}", 16, "09:00", "09:30"), room) for n, room in enumerate(rooms)]

    day = schedule.lay_out_grid(talks, rooms)

    assert len(day.columns) == 80 and day.is_compact
    assert [group.name for group in day.groups] == ["H", "K", "U"]
    assert [column.line for column in day.columns] == list(range(2, 82))
    assert (
        schedule.lay_out_grid(
            talks + [in_room(talk("T81", 16, "09:00", "09:30"), FakeRoom(81, "H.081"))],
            [*rooms, FakeRoom(81, "H.081")],
        )
        is None
    )


def test_a_big_day_shows_the_rooms_in_use_that_day_a_small_event_all_of_its_rooms():
    rooms = [FakeRoom(n, f"H.{n:03d}") for n in range(12)]
    talks = [in_room(talk("Only", 16, "09:00", "09:30"), rooms[3])]

    assert [column.name for column in schedule.lay_out_grid(talks, rooms).columns] == ["H.003"]
    assert [column.name for column in schedule.lay_out_grid(talks, [HALL_A, HALL_B]).columns] == [
        "Hall A",
        "Hall B",
        "No room yet",
    ]


def test_a_break_spans_every_column_a_double_booked_room_included():
    talks = [
        in_room(talk("One", 16, "09:00", "10:00"), HALL_A),
        in_room(talk("Two", 16, "09:00", "10:00"), HALL_A),
        in_room(talk("Lunch", 16, "12:00", "13:00", kind="other"), None),
    ]

    day = schedule.lay_out_grid(talks, [HALL_A, HALL_B])

    lunch = [item for item in day.items if item.talk.title == "Lunch"][0]
    assert (lunch.column, lunch.span, lunch.spans_all) == (2, 3, True)


def test_the_stylesheet_places_every_line_the_grid_can_use():
    css = STYLESHEET.read_text()

    assert grids.placement_css() in css  # written by manage.py write_grid_css
    assert f".c-{grids.GRID_MAX_COLUMNS + 1}{{grid-column-start:{grids.GRID_MAX_COLUMNS + 1}}}" in css
    assert f".cs-{grids.GRID_MAX_COLUMNS}{{grid-column-end:span {grids.GRID_MAX_COLUMNS}}}" in css
    assert f".re-{grids.GRID_MAX_ROWS + 1}{{grid-row-end:{grids.GRID_MAX_ROWS + 1}}}" in css


def test_which_day_a_talk_belongs_to_is_its_date_at_the_venue():
    late = dt.datetime(2022, 5, 16, 23, 30, tzinfo=dt.UTC)  # 01:30 on 17 May in Madrid

    assert schedule.day_of(VENUE, late) == dt.date(2022, 5, 17)
    assert schedule.day_of(
        SimpleNamespace(tzinfo=ZoneInfo("America/New_York"), day_change=dt.time.min), late
    ) == dt.date(2022, 5, 16)


def test_a_session_before_the_day_change_belongs_to_the_day_before():
    night = SimpleNamespace(tzinfo=ZoneInfo("Europe/Berlin"), day_change=dt.time(4, 0))
    after_midnight = dt.datetime(2024, 12, 28, 0, 15, tzinfo=ZoneInfo("Europe/Berlin"))

    assert schedule.day_of(night, after_midnight) == dt.date(2024, 12, 27)
    assert schedule.day_of(night, after_midnight.replace(hour=4)) == dt.date(2024, 12, 28)


def test_what_is_on_today_never_offers_tomorrows_first_talk():
    today, tomorrow = talk("Today", 16, "10:00", "11:00"), talk("Tomorrow", 17, "09:00", "10:00")
    evening = dt.datetime(2022, 5, 16, 20, 0, tzinfo=ZoneInfo("Europe/Madrid"))

    assert schedule.whats_on([today, tomorrow], evening).next == (tomorrow,)
    assert schedule.whats_on_today(VENUE, [today, tomorrow], evening).is_empty
    running = schedule.whats_on_today(VENUE, [today, tomorrow], evening.replace(hour=10, minute=30))
    assert running.now == (today,) and running.next == ()


@pytest.mark.parametrize(
    "query, choice, problems",
    [
        ("", zones.ZoneChoice(), 0),
        ("tz=Europe/Madrid", zones.ZoneChoice(), 0),  # the venue's own zone is no choice
        ("tz=Asia/Tokyo", zones.ZoneChoice("Asia/Tokyo"), 0),
        ("tz=Asia/Tokyo&times=instead", zones.ZoneChoice("Asia/Tokyo", instead=True), 0),
        ("tz=Mars/Olympus", zones.ZoneChoice(), 1),
    ],
)
def test_a_visitor_chooses_a_zone_by_its_name(query, choice, problems):
    found, errors = schedule.read_zone(QueryDict(query), "Europe/Madrid")

    assert (found, len(errors)) == (choice, problems)


def test_rooms_are_followed_together_in_the_order_given_each_once():
    filters = schedule.read_filters(
        QueryDict("room=hall-b&room=hall-a&room=hall-b"),
        days=[dt.date(2022, 5, 16)],
        track_slugs=set(),
        kinds=["talk"],
        room_slugs={"hall-a", "hall-b"},
    )

    assert filters.rooms == ("hall-b", "hall-a") and filters.room == ""
    kept = schedule.filter_talks(
        [
            SimpleNamespace(
                starts_at=talk("x", 16, "09:00", "10:00").starts_at, track=None, kind="talk", room=room
            )
            for room in (SimpleNamespace(slug="hall-a"), SimpleNamespace(slug="hall-c"))
        ],
        filters,
        VENUE,
    )
    assert [each.room.slug for each in kept] == ["hall-a"]
