"""Read logic over talks as plain functions: days, blocks of parallel talks, filters, clashes."""

import datetime as dt
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import times
from .models import Talk


def group_by_day(talks, tz, day_change=dt.time.min):
    """Talks grouped by the programme day they start on in `tz` (days begin at `day_change`), as an ordered list
    of (date, [talks])."""
    days = defaultdict(list)
    for talk in sorted(talks, key=lambda t: (t.starts_at, t.title)):
        days[times.programme_date(talk.starts_at, tz, day_change)].append(talk)
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


def find_clashes(talks):
    """{talk id: [the other talks it overlaps]} among `talks` (an attendee's chosen ones); cancelled talks
    clash with nothing."""
    held = sorted((talk for talk in talks if not talk.is_cancelled), key=lambda t: t.starts_at)
    clashes = defaultdict(list)
    for a, b in combinations(held, 2):
        if _overlap(a, b):
            clashes[a.pk].append(b)
            clashes[b.pk].append(a)
    return dict(clashes)


@dataclass(frozen=True)
class SpeakerIndex:
    """Speakers under the letters of an A–Z index ("#" for names that start otherwise), and the search."""

    letters: tuple  # (letter, [speakers])
    q: str
    count: int

    @property
    def words(self):
        return tuple(dict.fromkeys(re.findall(r"\w+", fold(self.q))))


def index_speakers(speakers, q):
    """`speakers` sorted by name as people read it (case and accents aside) and grouped by first letter,
    narrowed to those whose name or affiliation holds every word of `q`; a `q` that is no search raises
    FilterError."""
    q = " ".join(q.split())
    if problems := search_problems(q):
        raise FilterError(" ".join(problems))
    words = re.findall(r"\w+", fold(q))
    chosen = [
        speaker
        for speaker in speakers
        if all(_has_word(_words_of(f"{speaker.name} {speaker.affiliation}"), word) for word in words)
    ]
    chosen.sort(key=lambda speaker: (fold(speaker.name), speaker.pk))
    letters = defaultdict(list)
    for speaker in chosen:
        first = fold(speaker.name)[:1].upper()
        letters[first if "A" <= first <= "Z" else "#"].append(speaker)
    order = sorted(letters, key=lambda letter: (letter == "#", letter))
    return SpeakerIndex(letters=tuple((letter, letters[letter]) for letter in order), q=q, count=len(chosen))


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
    grid: object = None  # a DayGrid when the day is laid out by room
    extras: tuple = ()  # what else happens that day: (starts_at, ends_at, what, address)

    @property
    def talk_count(self):
        return sum(len(block.items) for block in self.blocks)

    @property
    def first_start(self):
        return self.blocks[0].starts_at if self.blocks else self.extras[0][0]

    @property
    def talks(self):
        return [item.talk for block in self.blocks for item in block.items]


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


def lay_out_schedule(talks, tz, rooms=(), extras=(), day_change=dt.time.min):
    """The schedule by programme day in `tz` (days begin at `day_change`), each day laid out in blocks of
    parallel talks and, where the event has `rooms`, as a grid by room. `extras` [(starts_at, ends_at, what,
    address)] are the other things that happen (office hours, booth shifts): their days are schedule days too."""
    by_day = dict(group_by_day(talks, tz, day_change))
    extras_by_day = defaultdict(list)
    for extra in sorted(extras, key=lambda extra: extra[0]):
        extras_by_day[times.programme_date(extra[0], tz, day_change)].append(extra)
    return [
        ScheduleDay(
            date=day,
            blocks=tuple(lay_out_blocks(by_day.get(day, []))),
            grid=lay_out_grid(by_day[day], rooms) if rooms and day in by_day else None,
            extras=tuple(extras_by_day.get(day, ())),
        )
        for day in sorted(set(by_day) | set(extras_by_day))
    ]


# A day as a grid: one column per room in the rooms' order, time running down. The stylesheet places talks by
# the classes of their first and last grid lines (no inline styles: the Content-Security-Policy forbids them),
# and has classes for this many rows and rooms; a day that needs more is shown in blocks.
GRID_MAX_ROWS = 150
GRID_MAX_ROOMS = 16


@dataclass(frozen=True)
class GridColumn:
    name: str
    slug: str


@dataclass(frozen=True)
class GridItem:
    """A talk in the grid: its column line (2 is the first room, 1 holds the times) and its row lines."""

    talk: object
    column: int
    row: int
    row_end: int
    spans_all: bool = False


@dataclass(frozen=True)
class DayGrid:
    columns: tuple
    times: tuple  # (row line, datetime) of each time a talk starts
    items: tuple

    @property
    def version(self):
        return " ".join(f"{item.talk.pk}@{item.talk.updated_at.timestamp()}" for item in self.items)


def lay_out_grid(talks, rooms):
    """One day's talks in a grid by room, or None when they do not fit one: talks without a room get a last
    column of their own, except a break (kind “other”, no room, nothing beside it), which spans every room.
    A room with two talks at once (a clash the admin warns about) leaves the day in blocks."""
    rooms = list(rooms)
    column_of = {room.pk: index + 2 for index, room in enumerate(rooms)}
    columns = [GridColumn(room.name, room.slug) for room in rooms]
    times = sorted({talk.starts_at for talk in talks} | {talk.ends_at for talk in talks})
    if len(times) > GRID_MAX_ROWS:
        return None
    line = {moment: index + 2 for index, moment in enumerate(times)}
    placed, roomless = [], []
    for talk in sorted(talks, key=lambda t: (t.starts_at, column_of.get(t.room_id, 0), t.title)):
        if talk.room_id in column_of:
            placed.append(GridItem(talk, column_of[talk.room_id], line[talk.starts_at], line[talk.ends_at]))
        elif talk.kind == talk.Kind.OTHER and not any(
            _overlap(talk, other) for other in talks if other is not talk
        ):
            placed.append(GridItem(talk, 2, line[talk.starts_at], line[talk.ends_at], spans_all=True))
        else:
            roomless.append(talk)
    if roomless:
        columns.append(GridColumn(_("No room yet"), ""))
        placed += [GridItem(t, len(columns) + 1, line[t.starts_at], line[t.ends_at]) for t in roomless]
    if not columns or len(columns) > GRID_MAX_ROOMS or _collides(placed):
        return None
    placed.sort(key=lambda item: (item.talk.starts_at, item.column))
    starts = sorted({talk.starts_at for talk in talks})
    return DayGrid(columns=tuple(columns), times=tuple((line[s], s) for s in starts), items=tuple(placed))


def _collides(items):
    by_column = defaultdict(list)
    for item in items:
        for column in range(2, 2 + GRID_MAX_ROOMS) if item.spans_all else [item.column]:
            by_column[column].append(item)
    return any(
        a.row < b.row_end and b.row < a.row_end
        for column_items in by_column.values()
        for a, b in combinations(column_items, 2)
    )


class FilterError(ValueError):
    """A schedule filter names a day, track, kind or room the event does not have, or a search it cannot run."""


ALL_DAYS = "all"
MAX_SEARCH = 200  # characters: more is not a search but a paste accident


@dataclass(frozen=True)
class Filters:
    day: dt.date | None = None
    track: str = ""
    kind: str = ""
    room: str = ""
    q: str = ""
    all_days: bool = False  # asked for every day (`?day=all`), where one day at a time is the default

    @property
    def is_active(self):
        return bool(self.day or self.track or self.kind or self.room or self.q)

    @property
    def words(self):
        """The search's words, folded (lower case, no accents), for matching and highlighting."""
        return tuple(dict.fromkeys(re.findall(r"\w+", fold(self.q))))


def fold(text):
    """`text` in lower case without accents: how search compares words."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


def read_filters(params, *, days, track_slugs, kinds, room_slugs=()):
    """The day (YYYY-MM-DD, one of `days`, or "all"), track, kind, room and search in `params`; values the
    event does not have raise FilterError, with every problem in its message."""
    errors = []
    day = None
    raw_day = params.get("day", "").strip()
    if raw_day and raw_day != ALL_DAYS:
        try:
            day = dt.date.fromisoformat(raw_day) if len(raw_day) == 10 else None
        except ValueError:
            day = None
        if day is None:
            errors.append(
                # Translators: %(example)s is a day of the event written as a date, e.g. 2022-05-18.
                _("“%(value)s” is not a date. Days are written like %(example)s.")
                % {"value": raw_day[:40], "example": f"{days[0]:%Y-%m-%d}"}
            )
        elif day not in days:
            # Django writes the names of days and months in the active language; strftime would write English ones.
            errors.append(
                _("%(day)s is not a day of this event.") % {"day": times.local_date(day, "l j F Y")}
            )
            day = None
    track = params.get("track", "").strip()
    if track and track not in track_slugs:
        errors.append(_("This event has no track “%(slug)s”.") % {"slug": track[:40]})
    kind = params.get("kind", "").strip()
    if kind and kind not in kinds:
        errors.append(
            # Translators: %(kinds)s lists the values the address takes, as they are: talk, keynote, panel …
            _("“%(value)s” is not a kind of session. Choose one of: %(kinds)s.")
            % {"value": kind[:40], "kinds": ", ".join(kinds)}
        )
    room = params.get("room", "").strip()
    if room and room not in room_slugs:
        errors.append(_("This event has no room “%(slug)s”.") % {"slug": room[:40]})
    q = " ".join(params.get("q", "").split())
    errors += search_problems(q)
    if errors:
        raise FilterError(" ".join(errors))
    return Filters(day=day, track=track, kind=kind, room=room, q=q, all_days=raw_day == ALL_DAYS)


def search_problems(q):
    """Why `q` cannot be searched for, if it cannot."""
    if len(q) > MAX_SEARCH:
        return [
            ngettext(
                "A search takes at most %(count)d character.",
                "A search takes at most %(count)d characters.",
                MAX_SEARCH,
            )
            % {"count": MAX_SEARCH}
        ]
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co") for c in q):
        return [_("A search takes words, not control characters.")]
    return []


def filter_talks(talks, filters, tz, day_change=dt.time.min):
    """The talks that match every filter that is set except the search; the day is the programme day in `tz`."""
    return [
        talk
        for talk in talks
        if (filters.day is None or times.programme_date(talk.starts_at, tz, day_change) == filters.day)
        and (not filters.track or (talk.track is not None and talk.track.slug == filters.track))
        and (not filters.kind or talk.kind == filters.kind)
        and (not filters.room or (talk.room is not None and talk.room.slug == filters.room))
    ]


def _words_of(text):
    return re.findall(r"\w+", fold(text))


def _has_word(found, word):
    """Whether a word in `found` begins with `word`: "net" finds "networking", "c" finds "Hall C" but not
    "abstract"."""
    return any(candidate.startswith(word) for candidate in found)


def match_words(talks, words):
    """{talk id: rank} of the talks whose title, speakers, room or abstract hold a word beginning with each of
    `words` (folded), a title match counting most: the search where the database has no full-text search of
    its own."""
    ranks = {}
    for talk in talks:
        fields = [
            (4, _words_of(talk.title)),
            (2, _words_of(" ".join(speaker.name for speaker in talk.speakers.all()))),
            (2, _words_of(talk.room.name if talk.room else "")),
            (1, _words_of(talk.abstract)),
        ]
        scores = [sum(weight for weight, found in fields if _has_word(found, word)) for word in words]
        if scores and all(scores):
            ranks[talk.pk] = sum(scores)
    return ranks


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

FILTER_NAMES = ("day", "track", "kind", "room", "q")
# Events with more talks than this over more than one day show one day at a time (a phone would scroll
# through the whole programme otherwise); `?day=all` still shows every day.
ONE_DAY_AT_A_TIME_FROM = 40


def cache_variant(params, today=None):
    """What a schedule page shows beside the filters of its address (`params`, which the page cache has narrowed to
    FILTER_NAMES, see events/pagecache.py), as text naming its kept copy: the venue's date `today` while the event
    runs, since the page opens on it. None for a search: searches are as many as visitors can type, so such a
    page is rendered for its visitor and not kept."""
    if params.get("q", "").strip():
        return None
    return f"today={today or ''}"


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

    @property
    def status(self):
        return 400 if self.error else 200

    @property
    def previous_day(self):
        return self._neighbour(-1)

    @property
    def next_day(self):
        return self._neighbour(1)

    def _neighbour(self, step):
        if self.shown_day not in self.day_choices:
            return None
        index = self.day_choices.index(self.shown_day) + step
        return self.day_choices[index] if 0 <= index < len(self.day_choices) else None


def lay_out_page(event, talks, *, tracks, params, rooms=(), extras=(), today=None, rank=None):
    """The schedule page of `event` for the filters in `params` (a QueryDict), from its public `talks` (with
    their rooms, tracks and speakers), its `tracks` and `rooms`, the `extras` that are not talks (office
    hours, booth shifts: (starts_at, ends_at, what, address)), the venue's date `today` while the event runs,
    and `rank(text)`, the database's search ({talk id: rank}, or None to match words here)."""
    talks = list(talks)
    tz, day_change = event.tzinfo, event.day_change
    extras = list(extras)
    day_choices = sorted(
        {event.programme_date(talk.starts_at) for talk in talks}
        | {event.programme_date(extra[0]) for extra in extras}
    )
    rooms = list(rooms)
    try:
        filters = read_filters(
            params,
            # A talk an organiser placed outside the event's dates still gets a working day link.
            days=sorted(set(event.days()) | set(day_choices)),
            track_slugs={track.slug for track in tracks},
            kinds=Talk.Kind.values,
            room_slugs={room.slug for room in rooms},
        )
        error = ""
    except FilterError as exc:
        filters, error = Filters(), str(exc)
    one_day = len(day_choices) > 1 and len(talks) > ONE_DAY_AT_A_TIME_FROM
    shown_day = filters.day
    if one_day and shown_day is None and not filters.all_days and not filters.q:
        shown_day = today if today in day_choices else day_choices[0]
        filters = Filters(**{**filters.__dict__, "day": shown_day})
    # The filter links start from the filters that worked, never from a rejected value.
    filter_query = params.copy()
    values = [filters.day and filters.day.isoformat(), filters.track, filters.kind, filters.room, filters.q]
    for name, value in zip(FILTER_NAMES, values, strict=True):
        if value:
            filter_query[name] = value
        else:
            filter_query.pop(name, None)
    if filters.all_days and not filters.day:
        filter_query["day"] = ALL_DAYS
    chosen = filter_talks(talks, filters, tz, day_change)
    results = None
    if filters.q:
        ranks = rank(filters.q) if rank else None
        if ranks is None:
            ranks = match_words(chosen, filters.words)
        found = [talk for talk in chosen if talk.pk in ranks]
        found.sort(key=lambda talk: (-ranks[talk.pk], talk.starts_at, talk.title))
        results = tuple(found)
    kinds = {talk.kind for talk in talks}
    grid_rooms = [room for room in rooms if room.slug == filters.room] if filters.room else rooms
    shown_extras = [
        extra
        for extra in extras
        if not (filters.track or filters.kind or filters.room or filters.q)
        and (filters.day is None or event.programme_date(extra[0]) == filters.day)
    ]
    return SchedulePage(
        days=[]
        if results is not None
        else lay_out_schedule(chosen, tz, grid_rooms, shown_extras, day_change),
        filters=filters,
        error=error,
        filter_query=filter_query,
        day_choices=day_choices,
        track_choices=list(tracks),
        kind_choices=[(kind, label) for kind, label in Talk.Kind.choices if kind in kinds],
        talk_count=len(talks),
        room_choices=rooms,
        shown_day=filters.day if one_day else None,
        one_day_at_a_time=one_day,
        results=results,
        today=today,
        rooms=rooms_of(talks),
    )


def rooms_of(talks):
    """The rooms `talks` are held in, in the event's room order, each once."""
    rooms = {talk.room.pk: talk.room for talk in talks if talk.room is not None}
    return sorted(rooms.values(), key=lambda room: (room.order, room.name))
