"""Read logic over talks as plain functions: days, blocks of parallel talks, filters, clashes."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations

from django.utils import timezone

from .models import Talk


def group_by_day(talks, tz):
    """Talks grouped by their start date in `tz`, as an ordered list of (date, [talks])."""
    days = defaultdict(list)
    for talk in sorted(talks, key=lambda t: (t.starts_at, t.title)):
        days[timezone.localtime(talk.starts_at, tz).date()].append(talk)
    return sorted(days.items())


def _overlap(a, b):
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at


def find_room_clashes(talks):
    """Pairs of talks held in the same room at overlapping times (talks without a room never clash)."""
    by_room = defaultdict(list)
    for talk in talks:
        if talk.room_id is not None:
            by_room[talk.room_id].append(talk)
    return [
        (a, b)
        for room_talks in by_room.values()
        for a, b in combinations(sorted(room_talks, key=lambda t: t.starts_at), 2)
        if _overlap(a, b)
    ]


def find_speaker_clashes(talks):
    """(speaker, talk, talk) for each speaker booked into two overlapping talks.

    Each talk must carry its speakers, e.g. through prefetch_related("speakers").
    """
    by_speaker = defaultdict(list)
    speakers = {}
    for talk in talks:
        for speaker in talk.speakers.all():
            speakers[speaker.pk] = speaker
            by_speaker[speaker.pk].append(talk)
    return [
        (speakers[pk], a, b)
        for pk, speaker_talks in by_speaker.items()
        for a, b in combinations(sorted(speaker_talks, key=lambda t: t.starts_at), 2)
        if _overlap(a, b)
    ]


# The public schedule page: laying out parallel talks, reading the filters, what is on now.


@dataclass(frozen=True)
class PlacedTalk:
    """A talk inside a block of overlapping talks: its lane, and where it runs within the block (percent)."""

    talk: object
    lane: int
    offset: float
    width: float
    parallel: tuple = ()


@dataclass(frozen=True)
class Block:
    """Talks joined by overlapping times; a single talk is a block of one."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    lanes: int
    items: tuple

    @property
    def is_parallel(self):
        return self.lanes > 1

    @property
    def version(self):
        """Text that changes whenever anything the block shows changes: its talks and their change times (a talk's
        change time moves with its speakers, room and track too, see events/signals.py)."""
        return " ".join(f"{item.talk.pk}@{item.talk.updated_at.timestamp()}" for item in self.items)


@dataclass(frozen=True)
class ScheduleDay:
    date: dt.date
    blocks: tuple

    @property
    def talk_count(self):
        return sum(len(block.items) for block in self.blocks)

    @property
    def first_start(self):
        return self.blocks[0].starts_at


def _percent(part, whole):
    return round(100 * part.total_seconds() / whole.total_seconds(), 1)


def _place(talks):
    """One block: each talk takes the first lane that is free when it starts (greedy interval colouring)."""
    starts_at = talks[0].starts_at
    ends_at = max(talk.ends_at for talk in talks)
    lane_ends, lanes = [], []
    for talk in talks:
        for lane, lane_end in enumerate(lane_ends):
            if lane_end <= talk.starts_at:
                lane_ends[lane] = talk.ends_at
                break
        else:
            lane_ends.append(talk.ends_at)
            lane = len(lane_ends) - 1
        lanes.append(lane + 1)
    span = ends_at - starts_at
    items = tuple(
        PlacedTalk(
            talk=talk,
            lane=lane,
            offset=_percent(talk.starts_at - starts_at, span),
            width=_percent(talk.duration, span),
            parallel=tuple(other for other in talks if other is not talk and _overlap(talk, other)),
        )
        for talk, lane in zip(talks, lanes, strict=True)
    )
    return Block(starts_at=starts_at, ends_at=ends_at, lanes=len(lane_ends), items=items)


def lay_out_blocks(talks):
    """Talks in start order, cut into blocks of talks that overlap in time (directly or through a chain).

    Rooms play no part: parallel talks are found by their times alone, so events without rooms lay out too.
    """
    ordered = sorted(talks, key=lambda t: (t.starts_at, t.ends_at, t.title))
    blocks, current, current_end = [], [], None
    for talk in ordered:
        if current and talk.starts_at >= current_end:
            blocks.append(_place(current))
            current = []
        current.append(talk)
        current_end = talk.ends_at if len(current) == 1 else max(current_end, talk.ends_at)
    if current:
        blocks.append(_place(current))
    return blocks


def lay_out_schedule(talks, tz):
    """The schedule by day in `tz`, each day laid out in blocks of parallel talks."""
    return [
        ScheduleDay(date=day, blocks=tuple(lay_out_blocks(day_talks)))
        for day, day_talks in group_by_day(talks, tz)
    ]


class FilterError(ValueError):
    """A schedule filter names a day, track or kind the event does not have."""


@dataclass(frozen=True)
class Filters:
    day: dt.date | None = None
    track: str = ""
    kind: str = ""

    @property
    def is_active(self):
        return bool(self.day or self.track or self.kind)


def read_filters(params, *, days, track_slugs, kinds):
    """The day (YYYY-MM-DD, one of `days`), track slug and kind in `params`; unknown values raise."""
    errors = []
    day = None
    raw_day = params.get("day", "").strip()
    if raw_day:
        try:
            day = dt.date.fromisoformat(raw_day) if len(raw_day) == 10 else None
        except ValueError:
            day = None
        if day is None:
            errors.append(f"“{raw_day}” is not a date. Days are written like {days[0]:%Y-%m-%d}.")
        elif day not in days:
            errors.append(f"{day:%A} {day.day} {day:%B %Y} is not a day of this event.")
            day = None
    track = params.get("track", "").strip()
    if track and track not in track_slugs:
        errors.append(f"This event has no track “{track}”.")
    kind = params.get("kind", "").strip()
    if kind and kind not in kinds:
        errors.append(f"“{kind}” is not a kind of session. Choose one of: {', '.join(kinds)}.")
    if errors:
        raise FilterError(" ".join(errors))
    return Filters(day=day, track=track, kind=kind)


def filter_talks(talks, filters, tz):
    """The talks that match every filter that is set; the day is taken in `tz`."""
    return [
        talk
        for talk in talks
        if (filters.day is None or timezone.localtime(talk.starts_at, tz).date() == filters.day)
        and (not filters.track or (talk.track is not None and talk.track.slug == filters.track))
        and (not filters.kind or talk.kind == filters.kind)
    ]


@dataclass(frozen=True)
class WhatsOn:
    now: tuple
    next: tuple

    @property
    def is_empty(self):
        return not (self.now or self.next)


def whats_on(talks, now):
    """Talks running at `now`, and the talks starting soonest after it; cancelled talks are neither."""
    held = [talk for talk in talks if not talk.is_cancelled]
    running = tuple(sorted((t for t in held if t.starts_at <= now < t.ends_at), key=lambda t: t.starts_at))
    later = sorted((t for t in held if t.starts_at > now), key=lambda t: (t.starts_at, t.title))
    coming = tuple(t for t in later if t.starts_at == later[0].starts_at) if later else ()
    return WhatsOn(now=running, next=coming)


# The schedule page: the talks of an event laid out by day, narrowed by the filters of its address.

FILTER_NAMES = ("day", "track", "kind")


def cache_variant(params):
    """The filters of a schedule address as text naming its page, or None when the query string holds anything
    else (a repeated or unknown parameter, which the filter links keep): such a page is rendered for its
    visitor and not kept, so made-up query strings cannot fill the cache."""
    if not set(params) <= set(FILTER_NAMES) or any(len(params.getlist(name)) > 1 for name in params):
        return None
    return "&".join(f"{name}={params.get(name, '').strip()}" for name in FILTER_NAMES)


@dataclass(frozen=True)
class SchedulePage:
    """What the schedule page shows: the chosen talks by day, the filters and their choices, and the message
    for a filter the event does not have (the whole schedule is shown under it)."""

    days: list
    filters: Filters
    error: str
    filter_query: object  # the query string the filter links start from
    day_choices: list
    track_choices: list
    kind_choices: list
    talk_count: int
    rooms: list = ()  # the rooms the talks are in, each with a calendar of its own

    @property
    def status(self):
        return 400 if self.error else 200


def lay_out_page(event, talks, *, tracks, params):
    """The schedule page of `event` for the filters in `params` (a QueryDict), from its public `talks` (with
    their rooms, tracks and speakers) and its `tracks`."""
    talks = list(talks)
    tz = event.tzinfo
    day_choices = [day for day, _ in group_by_day(talks, tz)]
    try:
        filters = read_filters(
            params,
            # A talk an organiser placed outside the event's dates still gets a working day link.
            days=sorted(set(event.days()) | set(day_choices)),
            track_slugs={track.slug for track in tracks},
            kinds=Talk.Kind.values,
        )
        error = ""
    except FilterError as exc:
        filters, error = Filters(), str(exc)
    # The filter links start from the filters that worked, never from a rejected value.
    filter_query = params.copy()
    for name, value in zip(
        FILTER_NAMES, [filters.day and filters.day.isoformat(), filters.track, filters.kind], strict=True
    ):
        if value:
            filter_query[name] = value
        else:
            filter_query.pop(name, None)
    kinds = {talk.kind for talk in talks}
    return SchedulePage(
        days=lay_out_schedule(filter_talks(talks, filters, tz), tz),
        filters=filters,
        error=error,
        filter_query=filter_query,
        day_choices=day_choices,
        track_choices=list(tracks),
        kind_choices=[(kind, label) for kind, label in Talk.Kind.choices if kind in kinds],
        talk_count=len(talks),
        rooms=rooms_of(talks),
    )


def rooms_of(talks):
    """The rooms `talks` are held in, in the event's room order, each once."""
    rooms = {talk.room.pk: talk.room for talk in talks if talk.room is not None}
    return sorted(rooms.values(), key=lambda room: (room.order, room.name))
