"""A programme read from any exchange format, as plain values, and its writing into an event.

Every reader (events/exchange/frab.py, c3voc.py, ical.py) turns a file into a `Programme`: the conference's
name, dates, zone, day change, rooms and tracks, its talks as `FoundTalk`s, and `Notes` (where the file departs
from its format, and the entries it skips); what frab XML and c3voc JSON read alike (lengths, guids, people's
keys, which entries are skipped, the days' bounds) is here once. The writers here put it into an event:
`import_schedule` copies a whole conference (manage.py import_frab), `import_talks` picks talks into an
existing event (manage.py import_talks, the admin's import page). Both write everything in one transaction,
or nothing.
"""

import colorsys
import datetime as dt
import re
import uuid
import zoneinfo
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_slug
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import matching
from ..models import Event, Room, Speaker, Talk, TalkSpeaker, Track
from ..times import programme_date, utc_offset

# Times outside these years cannot be shown in every zone (Python's datetime ends at 9999) and are typing
# mistakes anyway.
EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(9000, 1, 1, tzinfo=dt.UTC)

# What a talk carries in and out of the exchange formats, by the portal's names (FoundTalk has the same
# attributes; `room` and `track` are names there). Readers fill them, writers store them, exports write them,
# and tests/test_exchange.py sends each through every format and back. Speakers travel beside them.
TALK_FIELDS = (
    "title",
    "abstract",
    "starts_at",
    "ends_at",
    "room",
    "track",
    "kind",
    "programme_type",
    "conference_url",
    "slides_url",
    "video_url",
)

# A programme's own types, lower case without spaces, hyphens or underscores, and the portal's kind for each.
# Types not listed here keep their name (Talk.programme_type) and the kind "other".
KINDS = {
    "talk": Talk.Kind.TALK,
    "lecture": Talk.Kind.TALK,
    "presentation": Talk.Kind.TALK,
    "maintrack": Talk.Kind.TALK,
    "devroom": Talk.Kind.TALK,
    "session": Talk.Kind.TALK,
    "keynote": Talk.Kind.KEYNOTE,
    "plenary": Talk.Kind.KEYNOTE,
    "panel": Talk.Kind.PANEL,
    "paneldiscussion": Talk.Kind.PANEL,
    "podium": Talk.Kind.PANEL,
    "discussion": Talk.Kind.PANEL,
    "tutorial": Talk.Kind.TUTORIAL,
    "workshop": Talk.Kind.TUTORIAL,
    "lightning": Talk.Kind.LIGHTNING,
    "lightningtalk": Talk.Kind.LIGHTNING,
    "lightningtalks": Talk.Kind.LIGHTNING,
    "ltngtalk": Talk.Kind.LIGHTNING,
}


def read_type(text):
    """(kind, programme_type) for a programme's type as written: the type is kept where it says more than the
    kind's own name ("lecture", "devroom", "BoF"; not "Talk" or "Lightning talk", which the kind says)."""
    programme_type = " ".join(text.split())[:100]
    kind = kind_of(programme_type)
    with translation.override("en"):
        names = {kind.value, str(kind.label).casefold()}
    return kind, "" if programme_type.casefold() in names else programme_type


def kind_of(programme_type):
    """The portal's kind for a programme's type ("Lightning Talk", "lecture", "devroom"): a talk when there is
    no type, "other" for a type the portal has no kind for (BoF, meeting, contest: kept as the type)."""
    key = re.sub(r"[\s_-]+", "", programme_type.casefold())
    if not key:
        return Talk.Kind.TALK
    return KINDS.get(key, Talk.Kind.OTHER)


class ProgrammeError(Exception):
    """The programme cannot be read or written; the message says why, with the line where there is one."""


class ZoneNeeded(ProgrammeError):
    """The file names no time zone and none was given: `offsets` are the UTC offsets its dates carry."""

    def __init__(self, offsets):
        self.offsets = offsets
        super().__init__(self.explain("--time-zone"))

    def explain(self, option):
        """The message, naming how the zone is given (`--time-zone` on the command line, a field in the admin)."""
        if self.offsets:
            offsets = ", ".join(self.offsets)
            return ngettext(
                "the file names no time zone (<time_zone_name>) and its dates carry the UTC offset %(offsets)s: "
                "give the venue's zone with %(option)s, e.g. Europe/Berlin.",
                "the file names no time zone (<time_zone_name>) and its dates carry the UTC offsets %(offsets)s: "
                "give the venue's zone with %(option)s, e.g. Europe/Berlin.",
                len(self.offsets),
            ) % {"offsets": offsets, "option": option}
        return _(
            "the file names no time zone (<time_zone_name>) and its times carry no UTC offset: give the "
            "venue's zone with %(option)s, e.g. Europe/Brussels."
        ) % {"option": option}


def venue_zone(declared, given, offsets=()):
    """The zone the programme's times are read and shown in: the file's own (`declared`) or the one given, which
    must agree; neither raises ZoneNeeded."""
    for name in (declared, given):
        if name and name not in zoneinfo.available_timezones():
            raise ProgrammeError(_("“%(zone)s” is not an IANA time zone name.") % {"zone": name})
    if declared and given and declared != given:
        raise ProgrammeError(
            _("the file says its times are in %(declared)s, but the zone given is %(given)s.")
            % {"declared": declared, "given": given}
        )
    if not (declared or given):
        raise ZoneNeeded(sorted(set(offsets)))
    return declared or given


@dataclass
class Notes:
    """What an import met besides talks: where the file departs from its format (kind → line numbers), and the
    entries it skipped, each with its line and why."""

    deviations: dict = field(default_factory=lambda: defaultdict(list))
    skipped: list = field(default_factory=list)  # (line, title, reason)

    SHOWN_LINES = 5

    def deviate(self, kind, line):
        self.deviations[kind].append(line or 0)

    def skip(self, line, title, reason):
        self.skipped.append((line or 0, title, reason))

    def lines(self):
        """The notes as lines of text for a summary: each kind of deviation counted, with its first lines."""
        lines = []
        for kind, numbers in sorted(self.deviations.items(), key=lambda item: (-len(item[1]), item[0])):
            known = [number for number in numbers if number]  # 0: the line is not known
            shown = ", ".join(str(number) for number in known[: self.SHOWN_LINES])
            more = "…" if len(known) > self.SHOWN_LINES else ""
            where = (
                ngettext("line %(lines)s%(more)s", "lines %(lines)s%(more)s", len(numbers))
                % {"lines": shown, "more": more}
                if shown
                else ""
            )
            lines.append(f"{len(numbers)} × {kind}" + (f" ({where})" if where else ""))
        return lines

    def first(self):
        """(line, kind) of the departure met first in the file (those of unknown line last), or None."""
        return min(
            ((min(numbers, key=lambda n: (n == 0, n)), kind) for kind, numbers in self.deviations.items()),
            key=lambda item: (item[0] == 0, item[0]),
            default=None,
        )

    def skipped_lines(self):
        return [
            # Translators: a programme entry left out of an import: its line, its title and why.
            _("line %(line)d: “%(title)s”: %(reason)s") % {"line": line, "title": title, "reason": reason}
            for line, title, reason in self.skipped
        ]


@dataclass
class FoundSpeaker:
    name: str
    affiliation: str = ""
    key: str = (
        ""  # a UUID that stays the same from one import of the file to the next, where the format has one
    )


@dataclass
class FoundTalk:
    """One talk of a programme, as plain values; `line` is where it starts in the file, `day` the programme day
    the file lists it under (None where the format has no days)."""

    uid: str
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    room: str = ""
    track: str = ""
    kind: str = Talk.Kind.TALK
    programme_type: str = ""
    abstract: str = ""
    speakers: list = field(default_factory=list)
    conference_url: str = ""
    slides_url: str = ""
    video_url: str = ""
    line: int = 0
    slug: str = ""
    number: int | None = None
    day: dt.date | None = None

    def matches(self, query):
        """Whether a word or phrase of `query` is in the title, the abstract, a speaker's name or affiliation."""
        return matching.matches(query, matching.talk_texts(self))

    def to_json(self):
        return {
            **asdict(self),
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat(),
            "day": self.day and self.day.isoformat(),
        }

    @classmethod
    def from_json(cls, data):
        return cls(
            **{
                **data,
                "starts_at": dt.datetime.fromisoformat(data["starts_at"]),
                "ends_at": dt.datetime.fromisoformat(data["ends_at"]),
                "day": data.get("day") and dt.date.fromisoformat(data["day"]),
                "speakers": [FoundSpeaker(**speaker) for speaker in data["speakers"]],
            }
        )


@dataclass
class Programme:
    """A conference's programme as a reader found it."""

    talks: list
    notes: Notes = field(default_factory=Notes)
    title: str = ""
    acronym: str = ""
    time_zone: str | None = None  # the zone its times are shown in (the file's, or the one given)
    start: dt.date | None = None
    end: dt.date | None = None
    website: str = ""
    day_change: dt.time | None = None  # None: the format has no days
    tracks: dict = field(default_factory=dict)  # name → colour ("#rrggbb") or None
    rooms: list = field(default_factory=list)  # (name, guid or None), in the file's order


def http(value, max_length=500):
    """`value` when it is an http(s) address the database can hold, else ""."""
    value = (value or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        return ""
    return value if len(value) <= max_length else ""


def derived_uuid(source, what):
    """A UUID for something the file names without one: the same file gives the same UUID every time."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{source}#{what}"))


def as_uuid(value):
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return None


def check_range(starts_at, ends_at):
    """Why the span cannot be a talk, or None. Compared, not converted: 0001-01-01T00:00+14:00 overflows UTC."""
    if starts_at < EARLIEST:
        return _("it starts before the year %(year)d.") % {"year": EARLIEST.year}
    if ends_at > LATEST:
        return _("it ends after the year %(year)d.") % {"year": LATEST.year}
    if ends_at <= starts_at:
        return _("it has no length: it ends when it starts or before.")
    return None


def read_moment(value):
    """The date and time written in ISO 8601 (with or without a UTC offset), or None."""
    try:
        return dt.datetime.fromisoformat(str(value or "").strip())
    except ValueError:
        return None


def read_date(text):
    """The date written as YYYY-MM-DD (a <day>'s date), or None, also for one outside EARLIEST to LATEST."""
    try:
        date = dt.date.fromisoformat(text.strip())
    except ValueError:
        return None
    return date if EARLIEST.date() <= date < LATEST.date() else None


def choose_day_change(talks, tz, candidates):
    """The time the programme's days change at: the first of `candidates` (the file's day_change, its days'
    start and end times) under which every talk falls on the day the file lists it under, else the earliest
    time after the last session listed under the day before, else midnight."""
    after_midnight, same_day = [], []
    for talk in talks:
        if talk.day is None:
            continue
        local = talk.starts_at.astimezone(tz)
        if local.date() == talk.day + dt.timedelta(days=1):
            after_midnight.append(local.time())
        elif local.date() == talk.day:
            same_day.append(local.time())
    latest_night = max(after_midnight, default=None)
    earliest_day = min(same_day, default=dt.time.max)
    for candidate in [*candidates, dt.time.min]:
        if (
            candidate is not None
            and (latest_night is None or candidate > latest_night)
            and candidate <= earliest_day
        ):
            return candidate
    if latest_night is None:
        return dt.time.min
    minute = (dt.datetime.combine(dt.date.min, latest_night) + dt.timedelta(minutes=1)).time()
    return minute.replace(second=0, microsecond=0)


def day_change_candidates(days):
    """What a programme's days say of their change, for choose_day_change: the ends of the days that run past
    their date, latest first, then the earliest start. `days` are (date, start, end), the times in the venue's
    zone (local_moment) or None."""
    starts, ends = [], []
    for date, start, end in days:
        if date is None:
            continue
        if start is not None:
            starts.append(start.time().replace(microsecond=0))
        if end is not None and end.date() > date:
            ends.append(end.time().replace(microsecond=0))
    return [*sorted(ends, reverse=True), min(starts, default=None)]


def local_moment(moment, tz):
    """`moment` in the venue's zone `tz` (read there when it has no UTC offset), or None when there is none or it
    is too far off to be shown in every zone."""
    if (
        moment is None
        or not EARLIEST <= (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)) <= LATEST
    ):
        return None
    return moment.astimezone(tz) if moment.tzinfo else timezone.make_aware(moment, tz)


def settle_days(programme, tz, candidates):
    """Choose the programme's day change (choose_day_change) and note the talks that then fall on another day
    than the file lists them under."""
    programme.day_change = choose_day_change(programme.talks, tz, candidates)
    for talk in programme.talks:
        if talk.day is not None and programme_date(talk.starts_at, tz, programme.day_change) != talk.day:
            programme.notes.deviate(_("talk listed under a day it does not take place on"), talk.line)


# Pieces of an entry that frab XML and c3voc JSON write alike -----------------------------------------------

# A link's or attachment's type, and the talk's field it fills.
LINK_FIELDS = {"slides": "slides_url", "media": "video_url", "video": "video_url", "recording": "video_url"}
_LENGTH = re.compile(r"(\d{1,3}):(\d{2})(?::(\d{1,2}))?")


def read_length(text):
    """The length written as frab's <duration> ("00:45", "01:30:00"), or None."""
    match = _LENGTH.fullmatch(text.strip())
    if not match:
        return None
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return dt.timedelta(hours=hours, minutes=minutes, seconds=seconds)


def joined_text(abstract, description):
    """The talk's one text: the abstract, then the description where it says more."""
    if description and description != abstract.strip():
        return f"{abstract}\n\n{description}" if abstract else description
    return abstract


def event_uid(guid, *, source, fallback, notes, line):
    """The talk's UUID: the file's `guid`, or one derived from it when it is not a UUID, or from `fallback` (the
    event's id, else its day, room and title) when there is none; the file's departure is noted."""
    if as_uuid(guid):
        return as_uuid(guid)
    if guid:
        notes.deviate(_("event guid that is not a UUID (a UUID is derived from it)"), line)
        return derived_uuid(source, f"event-guid-{guid}")
    notes.deviate(_("event without a guid (one is derived from its id)"), line)
    return derived_uuid(source, f"event-{fallback}")


def person_key(source, *, guid, number, name):
    """A speaker's key: the file's guid where it is a UUID, else a UUID derived from its guid, id or name."""
    if as_uuid(guid):
        return as_uuid(guid)
    if guid:
        return derived_uuid(source, f"person-guid-{guid}")
    if number:
        return derived_uuid(source, f"person-{number}")
    return derived_uuid(source, f"person-name-{name}")


def add_room(rooms, name, guid, line, notes):
    """Collect the room `name` and its guid into `rooms` (name → guid or None, in the file's order). A guid that
    another room already has is noted and dropped, so the room gets one of its own: pretalx has given two rooms
    one guid."""
    if guid and any(other_guid == guid and other != name for other, other_guid in rooms.items()):
        notes.deviate(_("room guid that another room already has"), line)
        guid = None
    if name not in rooms or (guid and not rooms[name]):
        rooms[name] = guid


def found_talk(notes, *, line, label, title, starts_at, length, **values):
    """The entry as a FoundTalk, or None when it lacks a title, a start or a length or its span cannot be a
    talk: then it is skipped and listed with its line (and, without a title, its `label`: slug or id)."""
    title = " ".join(title.split())
    if not title:
        notes.skip(line, label or "?", _("it has no title."))
        return None
    if len(title) > Talk._meta.get_field("title").max_length:
        notes.deviate(_("title longer than 300 characters, cut"), line)
        title = title[: Talk._meta.get_field("title").max_length]
    if starts_at is None:
        notes.skip(line, title, _("it has no start (<date>, or its day's date and <start>)."))
        return None
    if length is None:
        notes.skip(line, title, _("it has no length (<duration> such as 00:45)."))
        return None
    ends_at = starts_at + length if starts_at <= LATEST - length else LATEST + length
    if problem := check_range(starts_at, ends_at):
        notes.skip(line, title, problem)
        return None
    return FoundTalk(title=title, starts_at=starts_at, ends_at=ends_at, line=line, **values)


def drop_repeated_guids(talks, notes):
    """The talks but those that repeat an earlier one's guid, which are skipped and listed with their line."""
    first, kept = {}, []
    for talk in talks:
        if talk.uid in first:
            notes.skip(
                talk.line,
                talk.title,
                _("it repeats the guid of the event on line %(line)d.") % {"line": first[talk.uid]},
            )
        else:
            first[talk.uid] = talk.line
            kept.append(talk)
    return kept


def offsets_of(values):
    return [utc_offset(value) for value in values if value.tzinfo is not None]


# Colours for tracks the file gives none: distinct hues, each as light as lets it stand out against both the
# light and the dark page (WCAG's 3:1 for graphics against white and against black), so that 69 tracks get 69
# colours, all readable.
_GOLDEN_ANGLE = 0.381966


def _luminance(rgb):
    def channel(c):
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(colour, other):
    """WCAG contrast ratio of two "#rrggbb" colours."""
    lum = [_luminance([int(c[i : i + 2], 16) / 255 for i in (1, 3, 5)]) for c in (colour, other)]
    high, low = max(lum), min(lum)
    return (high + 0.05) / (low + 0.05)


def distinct_colours(count, start=0):
    """`count` colours ("#rrggbb") of distinct hues with a luminance of about 0.18: at least 3:1 against
    white and against black."""
    colours = []
    for n in range(start, start + count):
        hue = (0.6 + n * _GOLDEN_ANGLE) % 1.0
        saturation = 0.75 if n % 2 == 0 else 0.55
        low, high = 0.0, 1.0
        for _step in range(30):  # bisect the lightness to the luminance wanted
            middle = (low + high) / 2
            if _luminance(colorsys.hls_to_rgb(hue, middle, saturation)) < 0.18:
                low = middle
            else:
                high = middle
        r, g, b = colorsys.hls_to_rgb(hue, (low + high) / 2, saturation)
        colours.append(f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}")
    return colours


def check_size(event, adding):
    """Refuse an import that would give an event more talks than EVENT_MAX_TALKS: its pages must still render."""
    limit = settings.EVENT_MAX_TALKS
    total = (event.talks.count() if event is not None else 0) + adding
    if total > limit:
        raise ProgrammeError(
            ngettext(
                "the import would give the event %(total)d talks; an event holds at most %(limit)d talk "
                "(the EVENT_MAX_TALKS setting).",
                "the import would give the event %(total)d talks; an event holds at most %(limit)d talks "
                "(the EVENT_MAX_TALKS setting).",
                limit,
            )
            % {"total": total, "limit": limit}
        )


def unique_slug(base, taken):
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    taken.add(slug)
    return slug


# Copying a whole conference (import_frab) ------------------------------------------------------------------


@dataclass
class ImportResult:
    event: Event
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    outside: list = field(default_factory=list)  # titles of the talks outside the event's days (import_talks)

    @property
    def changed(self):
        return bool(+self.created or +self.updated)

    def __str__(self):
        kinds = ["talks", "speakers", "rooms", "tracks"]
        created = ", ".join(f"{self.created[kind]} {kind}" for kind in kinds)
        updated = ", ".join(f"{self.updated[kind]} {kind}" for kind in kinds)
        event = "created" if self.created["events"] else "updated" if self.updated["events"] else "unchanged"
        return f"Event {self.event.slug} {event}. Created: {created}. Updated: {updated}."


def validate_event_slug(event_slug):
    try:
        validate_slug(event_slug)
    except ValidationError:
        raise ProgrammeError(
            _("“%(slug)s” is not a slug (letters, digits, hyphens, underscores).") % {"slug": event_slug}
        ) from None


def import_schedule(programme, *, event_slug, status=Talk.Status.PUBLISHED):
    """Create or update the event `event_slug` with the whole `programme`, all or nothing: rooms, tracks, talks
    and speakers matched by their guids. New talks get `status`."""
    validate_event_slug(event_slug)
    with transaction.atomic():
        event = Event.objects.select_for_update().filter(slug=event_slug).first()
        keys = [uuid.UUID(talk.uid) for talk in programme.talks]
        known = set(event.talks.filter(uuid__in=keys).values_list("uuid", flat=True)) if event else set()
        check_size(event, len(programme.talks) - len(known))
        result = _write(programme, event_slug, event, status)
        if result.changed:
            # Bulk writes send no signals: mark the schedule changed once, for caches and ETags.
            Event.objects.filter(pk=result.event.pk).bump_schedule_version(event_ids=[result.event.pk])
    return result


def _write(programme, event_slug, event, status):
    tz = zoneinfo.ZoneInfo(programme.time_zone)
    day_change = programme.day_change or dt.time.min
    talk_dates = [programme_date(talk.starts_at, tz, day_change) for talk in programme.talks]
    starts = [d for d in [programme.start, *talk_dates] if d]
    ends = [d for d in [programme.end, *talk_dates] if d]
    if not starts or not ends:
        raise ProgrammeError(_("the file gives no conference dates and no talks, so the event has no days."))
    values = {
        "name": (programme.title or (event.name if event else event_slug))[:200],
        "time_zone": programme.time_zone,
        "start_date": min(starts),
        "end_date": max(ends),
        "day_change": day_change,
    }
    result = ImportResult(event=event)
    if event is None:
        result.event = event = create_event(slug=event_slug, website=programme.website, **values)
        result.created["events"] += 1
    elif any(getattr(event, name) != value for name, value in values.items()):
        for name, value in values.items():
            setattr(event, name, value)
        event.save()
        result.updated["events"] += 1
    rooms = _write_rooms(event, programme, result)
    tracks = _write_tracks(event, programme, result)
    speakers = _write_speakers(programme, result)
    talks = _write_talks(event, programme, rooms, tracks, result, status)
    _write_talk_speakers(programme, talks, speakers, result)
    return result


def create_event(**values):
    """The event a programme creates (the one place that decides what a new imported event starts as)."""
    return Event.objects.create(**values)


def _write_rooms(event, programme, result):
    by_name = {room.name: room for room in event.rooms.all()}
    by_guid = {room.uuid: room for room in by_name.values()}
    wanted = list(
        dict.fromkeys([*programme.rooms, *((talk.room, None) for talk in programme.talks if talk.room)])
    )
    names, rooms = set(), []
    for name, guid in wanted:
        if name not in names:
            names.add(name)
            rooms.append((name, uuid.UUID(guid) if guid else None))
    taken = set(
        Room.objects.filter(uuid__in=[guid for _, guid in rooms if guid]).values_list("uuid", flat=True)
    )
    order = max((room.order for room in by_name.values()), default=0)
    for name, guid in rooms:
        room = by_guid.get(guid) or by_name.get(name)
        if room is None:
            order += 1
            room = Room.objects.create(
                event=event, name=name, order=order, uuid=guid if guid and guid not in taken else uuid.uuid4()
            )
            result.created["rooms"] += 1
        elif room.name != name and name not in by_name:
            del by_name[room.name]
            room.name = name
            room.save(update_fields=["name"])
            result.updated["rooms"] += 1
        by_name[name] = room
    return by_name


def _write_tracks(event, programme, result):
    by_name = {track.name: track for track in event.tracks.all()}
    slugs = {track.slug for track in by_name.values()}
    names = list(dict.fromkeys([*programme.tracks, *(talk.track for talk in programme.talks if talk.track)]))
    # Tracks the file gives no colour get distinct ones, after the hues the event's tracks already use.
    spare = iter(distinct_colours(len(names), start=len(by_name)))
    for name in names:
        colour = programme.tracks.get(name)
        colour = colour.lower() if colour and re.fullmatch(r"#[0-9a-fA-F]{6}", colour) else None
        track = by_name.get(name)
        if track is None:
            slug = unique_slug(slugify(name)[:90] or "track", slugs)
            by_name[name] = Track.objects.create(
                event=event, name=name, slug=slug, order=len(by_name), colour=colour or next(spare)
            )
            result.created["tracks"] += 1
        elif colour and track.colour.lower() != colour:
            track.colour = colour
            track.save(update_fields=["colour"])
            result.updated["tracks"] += 1
    return by_name


def _speaker_key(speaker):
    return uuid.UUID(speaker.key)


def _write_speakers(programme, result):
    people = {_speaker_key(person): person for talk in programme.talks for person in talk.speakers}
    speakers = {speaker.uuid: speaker for speaker in Speaker.objects.filter(uuid__in=people)}
    changed = []
    for key, person in people.items():
        speaker = speakers.get(key)
        if speaker is not None and speaker.name != person.name:
            speaker.name = person.name
            changed.append(speaker)
    Speaker.objects.bulk_update(changed, ["name"], batch_size=500)
    # Speakers are shared between events: a new name shows in every schedule they are in.
    Talk.objects.filter(speakers__in=changed).mark_changed()
    result.updated["speakers"] += len(changed)
    new = [key for key in people if key not in speakers]
    if new:
        slugs = set(Speaker.objects.values_list("slug", flat=True))
        Speaker.objects.bulk_create(
            [
                Speaker(
                    uuid=key,
                    name=people[key].name,
                    affiliation=people[key].affiliation,
                    slug=unique_slug(slugify(people[key].name)[:90] or "speaker", slugs),
                )
                for key in new
            ],
            batch_size=500,
        )
        speakers.update({speaker.uuid: speaker for speaker in Speaker.objects.filter(uuid__in=new)})
        result.created["speakers"] += len(new)
    return speakers


def _own_guid(event, guid):
    """The guid a talk gets in `event` when another event holds the file's guid (a copied schedule)."""
    return uuid.uuid5(guid, f"event:{event.pk}")


def _talk_slug(talk, acronym):
    slug = talk.slug
    prefixes = [f"{acronym}-{talk.number}-", f"{acronym}-"] if acronym else []
    for prefix in prefixes:
        if slug.startswith(prefix):
            slug = slug[len(prefix) :]
            break
    return slugify(slug)[:190] or slugify(talk.title)[:190] or f"talk-{talk.number or 1}"


def talk_values(found, *, rooms, tracks):
    """The values a talk takes from `found` (TALK_FIELDS), its room and track looked up by name."""
    values = {name: getattr(found, name) for name in TALK_FIELDS}
    values["room"] = rooms[found.room] if found.room else None
    values["track"] = tracks[found.track] if found.track else None
    return values


def _differs(talk, values):
    return any(getattr(talk, name) != value for name, value in values.items())


def _write_talks(event, programme, rooms, tracks, result, status):
    guids = [uuid.UUID(talk.uid) for talk in programme.talks]
    keys = guids + [_own_guid(event, guid) for guid in guids]
    existing = {talk.uuid: talk for talk in event.talks.filter(uuid__in=keys).select_related("room", "track")}
    elsewhere = set(Talk.objects.filter(uuid__in=guids).exclude(event=event).values_list("uuid", flat=True))
    slugs = set(event.talks.values_list("slug", flat=True))
    now = timezone.now()
    talks, new, changed = {}, [], []
    for found, guid in zip(programme.talks, guids, strict=True):
        values = talk_values(found, rooms=rooms, tracks=tracks)
        talk = existing.get(guid) or existing.get(_own_guid(event, guid))
        if talk is None:
            talk = Talk(
                event=event,
                uuid=_own_guid(event, guid) if guid in elsewhere else guid,
                slug=unique_slug(_talk_slug(found, programme.acronym), slugs),
                status=status,
                **values,
            )
            new.append(talk)
        elif _differs(talk, values):
            if any(getattr(talk, name) != values[name] for name in ("title", "starts_at", "ends_at", "room")):
                talk.sequence += 1  # Talk.REVISED_FIELDS: what a calendar entry shows of when and where
            for name, value in values.items():
                setattr(talk, name, value)
            talk.updated_at = now
            changed.append(talk)
        talks[guid] = talk
    Talk.objects.bulk_create(new, batch_size=500)
    Talk.objects.bulk_update(changed, [*TALK_FIELDS, "updated_at", "sequence"], batch_size=500)
    result.created["talks"] += len(new)
    result.updated["talks"] += len(changed)
    if new:
        # Not every database returns the new primary keys from a bulk insert.
        pks = dict(event.talks.filter(uuid__in=[talk.uuid for talk in new]).values_list("uuid", "pk"))
        for talk in new:
            talk.pk = pks[talk.uuid]
    return talks


def _write_talk_speakers(programme, talks, speakers, result):
    wanted = {}
    for found in programme.talks:
        ids = list(dict.fromkeys(speakers[_speaker_key(person)].pk for person in found.speakers))
        wanted[talks[uuid.UUID(found.uid)].pk] = {
            speaker_id: position for position, speaker_id in enumerate(ids)
        }
    current = TalkSpeaker.objects.filter(talk_id__in=wanted)
    have = {(row.talk_id, row.speaker_id): row for row in current}
    gone = [row.pk for key, row in have.items() if key[1] not in wanted[key[0]]]
    moved = []
    for (talk_id, speaker_id), row in have.items():
        position = wanted[talk_id].get(speaker_id)
        if position is not None and row.position != position:
            row.position = position
            moved.append(row)
    added = [
        TalkSpeaker(talk_id=talk_id, speaker_id=speaker_id, position=position)
        for talk_id, positions in wanted.items()
        for speaker_id, position in positions.items()
        if (talk_id, speaker_id) not in have
    ]
    TalkSpeaker.objects.filter(pk__in=gone).delete()
    TalkSpeaker.objects.bulk_update(moved, ["position"], batch_size=500)
    TalkSpeaker.objects.bulk_create(added, batch_size=500)
    if gone or moved or added:
        touched = {row.talk_id for row in added} | {row.talk_id for row in moved}
        touched |= {key[0] for key, row in have.items() if row.pk in set(gone)}
        Talk.objects.filter(pk__in=touched).mark_changed()
        result.updated["speaker lists"] += len(touched)


# Picking talks into an existing event (import_talks) --------------------------------------------------------


@dataclass
class PickResult:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    outside: list = field(default_factory=list)

    def __str__(self):
        return _(
            # Translators: counts of an import; the English text uses the plural for any number, so a form such as
            # “talks: 3” may read better than a noun after each count.
            "Created: %(talks)d talks, %(speakers)d speakers, %(rooms)d rooms. "
            "Updated: %(updated_talks)d talks, %(updated_speakers)d speakers."
        ) % {
            "talks": self.created["talks"],
            "speakers": self.created["speakers"],
            "rooms": self.created["rooms"],
            "updated_talks": self.updated["talks"],
            "updated_speakers": self.updated["speakers"],
        }


def import_talks(event, found, *, status=Talk.Status.PUBLISHED):
    """Create or update in `event` the talks `found`, matched by their UID in the programme, all or nothing.
    New talks get `status`; a talk imported before keeps its status and slug (a talk cancelled here stays
    cancelled), and gets the programme's TALK_FIELDS and speakers."""
    result = PickResult()
    with transaction.atomic():
        existing = {
            talk.source_uid: talk for talk in event.talks.filter(source_uid__in=[item.uid for item in found])
        }
        # import_frab keeps a frab guid as the talk's own uuid: those talks are the same talks too.
        for talk in event.talks.filter(
            source_uid="", uuid__in=[as_uuid(item.uid) for item in found if as_uuid(item.uid)]
        ):
            existing.setdefault(str(talk.uuid), talk)
        check_size(event, sum(1 for item in found if item.uid not in existing))
        rooms = _Named(
            event.rooms.all(), lambda name, order: Room.objects.create(event=event, name=name, order=order)
        )
        tracks = _Named(
            event.tracks.all(),
            lambda name, order: Track.objects.create(
                event=event,
                name=name,
                order=order,
                slug=unique_slug(
                    slugify(name)[:90] or "track", set(event.tracks.values_list("slug", flat=True))
                ),
                colour=distinct_colours(1, start=order)[0],
            ),
        )
        slugs = set(event.talks.values_list("slug", flat=True))
        speakers = {}
        for item in found:
            values = {
                "source_uid": item.uid,
                **{name: getattr(item, name) for name in TALK_FIELDS},
                "room": rooms.get(item.room, result, "rooms"),
                "track": tracks.get(item.track, result, "tracks"),
            }
            talk, changed = existing.get(item.uid), False
            is_new = talk is None
            if is_new:
                slug = unique_slug(slugify(item.title)[:190] or "talk", slugs)
                talk = Talk.objects.create(event=event, slug=slug, status=status, **values)
                existing[item.uid] = talk
                result.created["talks"] += 1
            elif _differs(talk, values):
                for name, value in values.items():
                    setattr(talk, name, value)
                talk.save()
                changed = True
            wanted = list(dict.fromkeys(_speaker_of(person, speakers, result).pk for person in item.speakers))
            if list(talk.talk_speakers.order_by("position").values_list("speaker_id", flat=True)) != wanted:
                talk.talk_speakers.all().delete()
                TalkSpeaker.objects.bulk_create(
                    [TalkSpeaker(talk=talk, speaker_id=pk, position=n) for n, pk in enumerate(wanted)]
                )
                Talk.objects.filter(pk=talk.pk).mark_changed()  # bulk_create sends no signals
                changed = True
            if changed and not is_new:
                result.updated["talks"] += 1
            if not event.start_date <= event.programme_date(item.starts_at) <= event.end_date:
                result.outside.append(item.title)
    return result


class _Named:
    """An event's rooms or tracks by name in any letter case, created as they are first asked for."""

    def __init__(self, rows, create):
        self.rows = {row.name.casefold(): row for row in rows}
        self.create = create

    def get(self, name, result, counter):
        if not name:
            return None
        row = self.rows.get(name.casefold())
        if row is None:
            order = max((row.order for row in self.rows.values()), default=0) + 1
            row = self.rows[name.casefold()] = self.create(name, order)
            result.created[counter] += 1
        return row


def _speaker_of(person, speakers, result):
    """The speaker of that name (any letter case), created when there is none; speakers are shared between
    events, so a community's regular speaker is found again."""
    key = person.name.casefold()
    if key not in speakers:
        speaker = Speaker.objects.filter(name__iexact=person.name).order_by("pk").first()
        if speaker is None:
            taken = set(
                Speaker.objects.filter(slug__startswith=slugify(person.name)[:90]).values_list(
                    "slug", flat=True
                )
            )
            speaker = Speaker.objects.create(
                name=person.name,
                affiliation=person.affiliation,
                slug=unique_slug(slugify(person.name)[:90] or "speaker", taken),
            )
            result.created["speakers"] += 1
        elif person.affiliation and not speaker.affiliation:
            speaker.affiliation = person.affiliation
            speaker.save(update_fields=["affiliation"])
            result.updated["speakers"] += 1
        speakers[key] = speaker
    return speakers[key]
