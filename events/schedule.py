"""Read logic over talks as plain functions: grouping by day and finding clashes."""

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations, groupby
from operator import itemgetter

from django.urls import reverse
from django.utils import dateformat, timezone

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


# The schedule page's rows: plain values formatted once, so 600 talks render in a fraction of a second.


@dataclass(frozen=True, slots=True)
class Moment:
    """A point in time as the schedule page writes it, in the event's zone."""

    iso: str  # 2022-05-16T09:00:00+02:00, as the date filter's "c"
    time: str  # 09:00
    day: str  # Mon 16 May
    zone: str  # CEST
    offset: str  # +02:00


def moment_formatter(tz):
    """A function datetime -> Moment in `tz` that formats each distinct datetime once (talks share start times)."""
    seen = {}

    def moment(value):
        if value not in seen:
            local = timezone.localtime(value, tz)
            offset = local.strftime("%z")
            seen[value] = Moment(
                iso=local.isoformat(),
                time=f"{local:%H:%M}",
                day=dateformat.format(local, "D j M"),
                zone=local.tzname() or "",
                offset=f"{offset[:3]}:{offset[3:]}" if offset else "",
            )
        return seen[value]

    return moment


@dataclass(frozen=True, slots=True)
class SpeakerLink:
    name: str
    url: str
    affiliation: str


@dataclass(slots=True)
class ScheduleTalk:
    """A talk as the schedule page shows it, built from plain rows rather than model instances.

    It answers what the functions above ask of a talk (times, title, kind, track, is_cancelled), so the
    layout and the filters work on it as on a Talk.
    """

    slug: str
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    kind: str
    kind_label: str
    is_cancelled: bool
    room_name: str
    track: object
    url: str
    start: Moment
    end: Moment
    speakers: list

    @property
    def duration(self):
        return self.ends_at - self.starts_at

    @property
    def duration_minutes(self):
        return int(self.duration.total_seconds() // 60)


def build_schedule_talks(rows, speaker_rows, *, tracks, kinds, tz, talk_path, speaker_path):
    """ScheduleTalks from talk rows (dicts: slug, title, starts_at, ends_at, kind, status, room name, track id)
    and speaker rows (talk id, name, slug, affiliation, in speaking order). `tracks` are the event's tracks,
    `kinds` maps a kind to its label, the paths are functions slug -> address."""
    speakers = defaultdict(list)
    for talk_id, name, slug, affiliation in speaker_rows:
        speakers[talk_id].append(SpeakerLink(name=name, url=speaker_path(slug), affiliation=affiliation))
    tracks_by_id = {track.pk: track for track in tracks}
    moment = moment_formatter(tz)
    return [
        ScheduleTalk(
            slug=row["slug"],
            title=row["title"],
            starts_at=row["starts_at"],
            ends_at=row["ends_at"],
            kind=row["kind"],
            kind_label=kinds.get(row["kind"], row["kind"]),
            is_cancelled=row["status"] == Talk.Status.CANCELLED,
            room_name=row["room__name"] or "",
            track=tracks_by_id.get(row["track_id"]),
            url=talk_path(row["slug"]),
            start=moment(row["starts_at"]),
            end=moment(row["ends_at"]),
            speakers=speakers.get(row["pk"], []),
        )
        for row in rows
    ]


@dataclass(frozen=True, slots=True)
class TalkLine:
    """A talk in a short list beside another talk (the talks at the same time): no speakers, room or kind."""

    title: str
    url: str
    is_cancelled: bool
    start: Moment
    end: Moment


def split_time_slot(rows, talk_pk, *, moment, talk_path, speaker_path):
    """(the talk's SpeakerLinks, TalkLines of the other talks) from TalkQuerySet.time_slot_rows(); `moment`
    is a moment_formatter, the paths are functions slug -> address."""
    speakers, lines = [], []
    for pk, talk_rows in groupby(rows, key=itemgetter(0)):
        if pk == talk_pk:
            speakers = [
                SpeakerLink(name=name, url=speaker_path(slug), affiliation=affiliation)
                for *_, name, slug, affiliation in talk_rows
                if slug is not None  # a talk without speakers has one row, without a speaker
            ]
            continue
        _, slug, title, starts_at, ends_at, status, *_ = next(talk_rows)
        lines.append(
            TalkLine(
                title=title,
                url=talk_path(slug),
                is_cancelled=status == Talk.Status.CANCELLED,
                start=moment(starts_at),
                end=moment(ends_at),
            )
        )
    return speakers, lines


# Addresses of many rows at once.

_PLAIN_SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def path_builder(viewname, slug_kwarg, **kwargs):
    """A function slug -> reverse(viewname) with that slug, which reverses once rather than once per row
    (reverse() costs more than the rest of a schedule row). Slugs that are not plain go through reverse()."""
    marker = "slug-marker"
    head, _, tail = reverse(viewname, kwargs={**kwargs, slug_kwarg: marker}).rpartition(marker)

    def build(slug):
        if _PLAIN_SLUG.fullmatch(slug):
            return f"{head}{slug}{tail}"
        return reverse(viewname, kwargs={**kwargs, slug_kwarg: slug})

    return build
