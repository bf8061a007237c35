"""Read logic of the schedule, without HTTP: blocks of parallel talks, filters, what is on now."""

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.http import QueryDict

from events import schedule
from events.models import Talk, Track

MADRID = ZoneInfo("Europe/Madrid")
VENUE = SimpleNamespace(tzinfo=MADRID, day_change=dt.time.min)  # what the day functions read of an event
UTC = dt.UTC


def talk(title, day, start, end, *, kind="talk", track=None, status=Talk.Status.PUBLISHED):
    """An unsaved talk on `day` of May 2022 from `start` to `end` (HH:MM, Madrid time)."""
    starts_at = dt.datetime.combine(dt.date(2022, 5, day), dt.time.fromisoformat(start), tzinfo=MADRID)
    ends_at = dt.datetime.combine(dt.date(2022, 5, day), dt.time.fromisoformat(end), tzinfo=MADRID)
    return Talk(
        title=title,
        slug=title.lower(),
        starts_at=starts_at,
        ends_at=ends_at,
        kind=kind,
        status=status,
        track=track,
    )


def titles(block):
    return [item.talk.title for item in block.items]


def test_talks_that_share_no_minute_are_blocks_of_one():
    first, second = talk("A", 17, "11:35", "11:45"), talk("B", 17, "11:45", "12:00")

    blocks = schedule.lay_out_blocks([second, first])

    assert [titles(block) for block in blocks] == [["A"], ["B"]]
    assert [block.lanes for block in blocks] == [1, 1]
    assert [block.is_parallel for block in blocks] == [False, False]


def test_overlapping_talks_sit_side_by_side_in_one_block():
    ikea, srv6 = talk("IKEA", 16, "10:45", "11:15"), talk("SRv6", 16, "10:50", "11:20")

    [block] = schedule.lay_out_blocks([srv6, ikea])

    assert titles(block) == ["IKEA", "SRv6"]
    assert [item.lane for item in block.items] == [1, 2]
    assert (block.starts_at, block.ends_at) == (ikea.starts_at, srv6.ends_at)
    assert block.is_parallel is True


def test_a_talk_runs_over_its_share_of_the_block_in_percent():
    ikea, srv6 = talk("IKEA", 16, "10:45", "11:15"), talk("SRv6", 16, "10:50", "11:20")

    [block] = schedule.lay_out_blocks([ikea, srv6])

    # The block runs 35 minutes: IKEA takes the first 30, SRv6 starts 5 minutes in.
    assert [(item.offset, item.width) for item in block.items] == [(0.0, 85.7), (14.3, 85.7)]


def test_three_talks_at_the_same_time_take_three_lanes():
    talks = [talk(name, 19, "15:25", "16:00") for name in ("Transparent", "Cilium", "Choosing")]

    [block] = schedule.lay_out_blocks(talks)

    assert block.lanes == 3
    assert titles(block) == ["Choosing", "Cilium", "Transparent"]
    assert [item.lane for item in block.items] == [1, 2, 3]
    assert [len(item.parallel) for item in block.items] == [2, 2, 2]


def test_a_chain_of_overlaps_is_one_block_and_reuses_a_freed_lane():
    long = talk("Long", 20, "10:00", "11:00")
    middle = talk("Middle", 20, "10:30", "11:30")
    late = talk("Late", 20, "11:00", "12:00")

    [block] = schedule.lay_out_blocks([late, long, middle])

    assert titles(block) == ["Long", "Middle", "Late"]
    assert [item.lane for item in block.items] == [1, 2, 1]
    assert block.lanes == 2
    # Late shares time with Middle only: Long has ended when Late starts.
    assert [other.title for other in block.items[2].parallel] == ["Middle"]


def test_the_schedule_is_laid_out_by_day_in_the_events_zone():
    # 00:30 in Madrid on 17 May is still 16 May in UTC: the day is the venue's.
    late_night = talk("Night", 17, "00:30", "01:00")
    morning = talk("Morning", 16, "10:45", "11:15")

    days = schedule.lay_out_schedule([late_night, morning], VENUE)

    assert [(day.date, day.talk_count) for day in days] == [
        (dt.date(2022, 5, 16), 1),
        (dt.date(2022, 5, 17), 1),
    ]
    assert days[1].first_start == late_night.starts_at


EVENT_DAYS = [dt.date(2022, 5, 16) + dt.timedelta(days=n) for n in range(5)]


def read(**params):
    return schedule.read_filters(params, days=EVENT_DAYS, track_slugs={"ebpf"}, kinds=Talk.Kind.values)


def test_no_filters_in_the_query_mean_the_whole_schedule():
    filters = read()

    assert filters == schedule.Filters()
    assert filters.is_active is False


def test_a_day_track_and_kind_of_the_event_are_read():
    filters = read(day="2022-05-19", track="ebpf", kind="tutorial")

    assert filters == schedule.Filters(day=dt.date(2022, 5, 19), track="ebpf", kind="tutorial")
    assert filters.is_active is True


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"day": "garbage"}, "“garbage” is not a date. Days are written like 2022-05-16."),
        ({"day": "2022-5-19"}, "“2022-5-19” is not a date. Days are written like 2022-05-16."),
        ({"day": "2022-02-30"}, "“2022-02-30” is not a date. Days are written like 2022-05-16."),
        ({"day": "2022-05-21"}, "Saturday 21 May 2022 is not a day of this event."),
        ({"track": "storage"}, "This event has no track “storage”."),
        (
            {"kind": "party"},
            "“party” is not a kind of session. "
            "Choose one of: talk, keynote, panel, tutorial, lightning, other.",
        ),
    ],
)
def test_unknown_filter_values_are_refused_with_a_message(params, message):
    with pytest.raises(schedule.FilterError) as error:
        read(**params)

    assert str(error.value) == message


def test_filters_keep_only_the_talks_matching_all_of_them():
    ebpf = Track(name="eBPF", slug="ebpf")
    monday_talk = talk("Monday talk", 16, "10:45", "11:15", track=ebpf)
    friday_tutorial = talk("Friday tutorial", 20, "11:00", "12:30", kind="tutorial", track=ebpf)
    friday_talk = talk("Friday talk", 20, "14:00", "14:35")
    talks = [monday_talk, friday_tutorial, friday_talk]

    def kept(filters):
        return [t.title for t in schedule.filter_talks(talks, filters, VENUE)]

    assert kept(schedule.Filters()) == ["Monday talk", "Friday tutorial", "Friday talk"]
    assert kept(schedule.Filters(day=dt.date(2022, 5, 20))) == ["Friday tutorial", "Friday talk"]
    assert kept(schedule.Filters(track="ebpf")) == ["Monday talk", "Friday tutorial"]
    assert kept(schedule.Filters(day=dt.date(2022, 5, 20), kind="talk")) == ["Friday talk"]


def test_whats_on_gives_the_running_talks_and_the_next_start():
    tutorial = talk("Tutorial", 20, "11:00", "12:30")
    dns = talk("DNS", 20, "11:55", "12:30")
    bandwidth = talk("Bandwidth", 20, "14:00", "14:35")
    now = dt.datetime(2022, 5, 20, 12, 0, tzinfo=MADRID)

    on = schedule.whats_on([bandwidth, dns, tutorial], now)

    assert [t.title for t in on.now] == ["Tutorial", "DNS"]
    assert [t.title for t in on.next] == ["Bandwidth"]


def test_whats_on_lists_every_talk_of_the_next_start_and_skips_cancelled_ones():
    talks = [
        talk("Transparent", 19, "15:25", "16:00"),
        talk("Cilium", 19, "15:25", "16:00"),
        talk("Choosing", 19, "15:25", "16:00", status=Talk.Status.CANCELLED),
    ]
    before = dt.datetime(2022, 5, 19, 13, 0, tzinfo=UTC)  # 15:00 in Madrid

    on = schedule.whats_on(talks, before)

    assert on.now == ()
    assert [t.title for t in on.next] == ["Cilium", "Transparent"]


def test_whats_on_is_empty_after_the_last_talk():
    on = schedule.whats_on([talk("Tour", 20, "16:00", "16:35")], dt.datetime(2022, 5, 21, tzinfo=MADRID))

    assert on.is_empty is True


def test_a_blocks_version_changes_with_any_of_its_talks_and_nothing_else():
    ikea, srv6 = talk("IKEA", 16, "10:45", "11:15"), talk("SRv6", 16, "10:50", "11:20")
    ikea.pk, srv6.pk = 1, 2
    ikea.updated_at = srv6.updated_at = dt.datetime(2022, 5, 1, 9, 0, tzinfo=UTC)
    before = schedule.lay_out_blocks([ikea, srv6])[0].version

    srv6.updated_at += dt.timedelta(seconds=1)

    assert schedule.lay_out_blocks([ikea, srv6])[0].version != before
    assert schedule.lay_out_blocks([ikea])[0].version != before
    assert (
        schedule.lay_out_blocks([srv6, ikea])[0].version == schedule.lay_out_blocks([ikea, srv6])[0].version
    )


@pytest.mark.parametrize(
    "query, variant",
    [
        ("", "today="),
        ("day=2022-05-16&kind=talk", "today="),
        ("q=cilium&room=hall-a", None),  # a search: as many as visitors can type, so rendered and not kept
        ("q=", "today="),
    ],
)
def test_a_search_is_never_kept(query, variant):
    assert schedule.cache_variant(QueryDict(query)) == variant


def test_while_the_event_runs_the_pages_of_each_day_are_kept_apart():
    assert schedule.cache_variant(QueryDict(""), dt.date(2022, 5, 17)) == "today=2022-05-17"


# A day by room -----------------------------------------------------------------------------------


class FakeRoom:
    def __init__(self, pk, name):
        self.pk, self.name, self.slug = pk, name, name.lower().replace(" ", "-")


HALL_A, HALL_B, HALL_C = FakeRoom(1, "Hall A"), FakeRoom(2, "Hall B"), FakeRoom(3, "Hall C")


def in_room(item, room):
    item.room_id = room.pk if room else None
    return item


def placed(grid):
    return [(item.talk.title, item.column, item.row, item.row_end, item.spans_all) for item in grid.items]


def test_a_day_by_room_keeps_each_room_in_its_column_and_spans_talks_over_their_length():
    talks = [
        in_room(talk("Long", 16, "09:00", "10:00"), HALL_B),
        in_room(talk("First", 16, "09:00", "09:30"), HALL_A),
        in_room(talk("Second", 16, "09:30", "10:00"), HALL_A),
        in_room(talk("Later", 16, "11:00", "11:30"), HALL_C),
    ]

    grid = schedule.lay_out_grid(talks, [HALL_A, HALL_B, HALL_C])

    assert [column.name for column in grid.columns] == ["Hall A", "Hall B", "Hall C"]
    # Row lines: 09:00 is 2, 09:30 is 3, 10:00 is 4, 11:00 is 5, 11:30 is 6; column 1 holds the times.
    assert placed(grid) == [
        ("First", 2, 2, 3, False),
        ("Long", 3, 2, 4, False),
        ("Second", 2, 3, 4, False),
        ("Later", 4, 5, 6, False),
    ]
    assert [row for row, _moment in grid.times] == [2, 3, 5]


def test_talks_without_a_room_get_a_last_column_and_a_lone_break_spans_every_room():
    talks = [
        in_room(talk("Keynote", 16, "09:00", "09:30"), HALL_A),
        in_room(talk("Lunch", 16, "12:00", "13:00", kind=Talk.Kind.OTHER), None),
        in_room(talk("Somewhere", 16, "09:00", "09:30"), None),
    ]

    grid = schedule.lay_out_grid(talks, [HALL_A, HALL_B])

    assert [column.name for column in grid.columns] == ["Hall A", "Hall B", "No room yet"]
    assert placed(grid) == [
        ("Keynote", 2, 2, 3, False),
        ("Somewhere", 4, 2, 3, False),
        ("Lunch", 2, 4, 5, True),
    ]


def test_two_talks_at_once_in_one_room_sit_side_by_side_in_its_column_and_the_day_stays_a_grid():
    talks = [
        in_room(talk("One", 16, "09:00", "10:00"), HALL_A),
        in_room(talk("Two", 16, "09:30", "10:30"), HALL_A),
        in_room(talk("After", 16, "10:30", "11:00"), HALL_A),
        in_room(talk("Beside", 16, "09:00", "10:00"), HALL_B),
    ]

    grid = schedule.lay_out_grid(talks, [HALL_A, HALL_B])

    # Hall A takes two columns (lines 2 and 3), Hall B starts at line 4.
    assert [(column.name, column.line, column.lanes) for column in grid.columns] == [
        ("Hall A", 2, 2),
        ("Hall B", 4, 1),
    ]
    assert [(item.talk.title, item.column, item.span) for item in grid.items] == [
        ("One", 2, 1),
        ("Beside", 4, 1),
        ("Two", 3, 1),
        ("After", 2, 2),  # alone in the room again: as wide as the room
    ]
    assert [[other.title for other in item.clashes] for item in grid.items] == [["Two"], [], ["One"], []]
    day = schedule.lay_out_schedule(talks, VENUE, [HALL_A, HALL_B])[0]
    assert day.grid is not None and day.grid.has_clashes


def test_more_talks_at_once_in_a_room_than_the_grid_places_leave_the_day_in_blocks():
    talks = [
        in_room(talk(f"T{n}", 16, "09:00", "10:00"), HALL_A) for n in range(schedule.grid.GRID_MAX_LANES + 1)
    ]

    assert schedule.lay_out_grid(talks, [HALL_A]) is None
    assert schedule.lay_out_schedule(talks, VENUE, [HALL_A])[0].grid is None


@pytest.mark.django_db
def test_a_search_matches_every_word_in_title_speakers_room_or_abstract_accents_and_case_aside():
    maps = talk("Maps of the Network", 16, "09:00", "09:30")
    maps.abstract = "Routing with BGP."
    other = talk("Storage", 16, "10:00", "10:30")
    other.abstract = "Ceph on Kubernetes, with network policies."
    talks = [maps, other]
    for n, item in enumerate(talks):
        item.pk = n + 1

    def found(text):
        filters = schedule.Filters(q=text)
        ranks = schedule.match_words(talks, filters.words)
        return sorted(ranks, key=lambda pk: -ranks[pk])

    assert found("network") == [1, 2]  # the title match first
    assert found("NETWÖRK bgp") == [1]
    assert found("ceph network") == [2]
    assert found("nothing") == []


@pytest.mark.parametrize(
    "params, message",
    [
        ("q=" + "a" * 201, "A search takes at most 200 characters."),
        ("q=cil%00ium", "A search takes words, not control characters."),
        ("room=hall-z", "This event has no room “hall-z”."),
    ],
)
def test_searches_and_rooms_that_cannot_be_are_refused(params, message):
    with pytest.raises(schedule.FilterError, match=message):
        schedule.read_filters(
            QueryDict(params), days=[dt.date(2022, 5, 16)], track_slugs=set(), kinds=[], room_slugs={"hall-a"}
        )
