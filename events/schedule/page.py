"""The schedule page: an event's talks laid out by day, narrowed by the filters of its address."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from ..models import Talk
from .blocks import lay_out_blocks
from .days import day_of, group_by_day, schedule_days
from .filters import FilterError, Filters, filter_query, filter_talks, read_filters
from .grid import lay_out_grid
from .search import rank_results
from .zones import ZoneChoice, read_zone

# Events with more talks than this over more than one day show one day at a time (a phone would scroll
# through the whole programme otherwise); `?day=all` still shows every day.
ONE_DAY_AT_A_TIME_FROM = 40


@dataclass(frozen=True)
class ScheduleDay:
    date: dt.date
    blocks: tuple  # blocks of parallel talks, where the day is not laid out by room
    grid: object = None  # a DayGrid when the day is laid out by room
    extras: tuple = ()  # what else happens that day: (starts_at, ends_at, what, address)
    talks: tuple = ()  # in start order

    @property
    def talk_count(self):
        return len(self.talks)

    @property
    def first_start(self):
        return self.talks[0].starts_at if self.talks else self.extras[0][0]


def lay_out_day(day, talks, rooms, extras):
    """One day: a grid by room where the event has `rooms` and the day fits one, else blocks of parallel talks."""
    grid = lay_out_grid(talks, rooms) if rooms and talks else None
    return ScheduleDay(
        date=day,
        blocks=() if grid else tuple(lay_out_blocks(talks)),
        grid=grid,
        extras=tuple(extras),
        talks=tuple(talks),
    )


def lay_out_schedule(talks, event, rooms=(), extras=()):
    """The schedule of `event` by day, each day laid out as a grid by room where the event has `rooms`, else
    (or where the day does not fit a grid) in blocks of parallel talks. `extras` [(starts_at, ends_at, what,
    address)] are the other things that happen (office hours, booth shifts): their days are schedule days too."""
    by_day = dict(group_by_day(talks, event))
    extras_by_day = defaultdict(list)
    for extra in sorted(extras, key=lambda extra: extra[0]):
        extras_by_day[day_of(event, extra[0])].append(extra)
    return [
        lay_out_day(day, by_day.get(day, []), rooms, extras_by_day.get(day, ()))
        for day in sorted(set(by_day) | set(extras_by_day))
    ]


@dataclass(frozen=True)
class SchedulePage:
    """What the schedule page shows: the chosen talks by day (or the talks a search found, best first), the
    filters and their choices, the day tabs, and the message for a filter the event does not have (the whole
    schedule is shown under it)."""

    days: list
    filters: Filters
    error: str
    filter_query: object  # the query string the filter links start from
    day_choices: list
    track_choices: list
    kind_choices: list
    talk_count: int
    room_choices: list = ()
    shown_day: dt.date | None = None  # the one day shown, where the event shows one day at a time
    one_day_at_a_time: bool = False
    results: tuple | None = None  # the talks a search found, best first
    today: dt.date | None = None
    rooms: list = ()  # the rooms the talks are in, each with a calendar of its own
    zone: ZoneChoice = ZoneChoice()

    @property
    def status(self):
        return 400 if self.error else 200

    @property
    def now_query(self):
        """The query string "Jump to now" carries: the page's filters and zone, but the day and the search, which
        now decides ("?room=a&room=b", or "" without filters)."""
        query = self.filter_query.copy()
        for name in ("day", "q"):
            query.pop(name, None)
        return f"?{query.urlencode()}" if query else ""

    @property
    def previous_day(self):
        return self._neighbour(-1)

    @property
    def next_day(self):
        return self._neighbour(1)

    @property
    def sections(self):
        """(day, the date of the day after it on this page, or None) of each day shown."""
        dates = [day.date for day in self.days]
        return [(day, dates[n + 1] if n + 1 < len(dates) else None) for n, day in enumerate(self.days)]

    @property
    def followed_rooms(self):
        """The rooms the page follows (`?room=`), in the event's order."""
        return [room for room in self.room_choices if room.slug in self.filters.rooms]

    def _neighbour(self, step):
        if self.shown_day not in self.day_choices:
            return None
        index = self.day_choices.index(self.shown_day) + step
        return self.day_choices[index] if 0 <= index < len(self.day_choices) else None


def read_page_filters(event, params, *, day_choices, tracks, rooms):
    """(filters, zone choice, error message) of `params`; with a problem, no filter and the message."""
    zone, problems = read_zone(params, event.time_zone)
    try:
        filters = read_filters(
            params,
            # A talk an organiser placed outside the event's dates still gets a working day link.
            days=sorted(set(event.days()) | set(day_choices)),
            track_slugs={track.slug for track in tracks},
            kinds=Talk.Kind.values,
            room_slugs={room.slug for room in rooms},
        )
    except FilterError as exc:
        problems.insert(0, str(exc))
        filters = Filters()
    return filters, zone, " ".join(problems)


def shown_day_of(filters, *, day_choices, one_day, today):
    """The day a page shows where the event shows one day at a time and the address names none: today while
    the event runs, else the first."""
    if not one_day or filters.day is not None or filters.all_days or filters.q:
        return filters.day
    return today if today in day_choices else day_choices[0]


def shown_extras(extras, filters, event):
    """Office hours and booth shifts of the shown days, unless the filters narrow the talks."""
    if filters.narrows_talks:
        return []
    return [e for e in extras if filters.day is None or day_of(event, e[0]) == filters.day]


def lay_out_page(event, talks, *, tracks, params, rooms=(), extras=(), today=None, rank=None):
    """The schedule page of `event` for the filters in `params` (a QueryDict), from its public `talks` (with
    their rooms, tracks and speakers), its `tracks` and `rooms`, the `extras` that are not talks (office
    hours, booth shifts: (starts_at, ends_at, what, address)), the venue's date `today` while the event runs,
    and `rank(text)`, the database's search ({talk id: rank}, or None to match words here)."""
    talks, extras, rooms, tracks = list(talks), list(extras), list(rooms), list(tracks)
    day_choices = schedule_days(event, talks, extras)
    filters, zone, error = read_page_filters(
        event, params, day_choices=day_choices, tracks=tracks, rooms=rooms
    )
    one_day = len(day_choices) > 1 and len(talks) > ONE_DAY_AT_A_TIME_FROM
    filters = filters.on_day(shown_day_of(filters, day_choices=day_choices, one_day=one_day, today=today))
    chosen = filter_talks(talks, filters, event)
    results = rank_results(chosen, filters.q, rank) if filters.q else None
    grid_rooms = [room for room in rooms if room.slug in filters.rooms] if filters.rooms else rooms
    kinds = {talk.kind for talk in talks}
    return SchedulePage(
        days=[]
        if results is not None
        else lay_out_schedule(chosen, event, grid_rooms, shown_extras(extras, filters, event)),
        filters=filters,
        error=error,
        filter_query=filter_query(params, filters),
        day_choices=day_choices,
        track_choices=tracks,
        kind_choices=[(kind, label) for kind, label in Talk.Kind.choices if kind in kinds],
        talk_count=len(talks),
        room_choices=rooms,
        shown_day=filters.day if one_day else None,
        one_day_at_a_time=one_day,
        results=results,
        today=today,
        rooms=rooms_of(talks),
        zone=zone,
    )


def rooms_of(talks):
    """The rooms `talks` are held in, in the event's room order, each once."""
    rooms = {talk.room.pk: talk.room for talk in talks if talk.room is not None}
    return sorted(rooms.values(), key=lambda room: (room.order, room.name))
