"""c3voc schedule JSON (pretalx, frab, the CCC congresses' hub, this portal's own export), both ways: `read()`
turns a schedule.json into a Programme, `C3vocJsonExporter` writes an event's schedule.

Two shapes are read. The schedule.json lists each day's events by room (`conference.days[].rooms`); the hub's
"schedule2" (38C3 onwards) lists them flat (`schedule.events`), with a start and an end each, rooms and tracks
as objects (`{"name", "guid", "slug"}`, a track named by its slug) and `participants` for persons; there the
day an event belongs to is the conference day whose start and end enclose it, so a session at 00:15 stays on
the day before. Reading is as tolerant as the frab reader's (events/exchange/frab.py): what the portal needs is
read, the rest is left alone, and an event without a title, a start or a length is skipped and listed. JSON
gives no line numbers to objects, so an event's line is that of its guid (else of its title).
"""

import datetime as dt
import json
import re
import zoneinfo
from collections import defaultdict, deque

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import changelog
from . import exporting
from .programme import (
    EARLIEST,
    LATEST,
    LINK_FIELDS,
    FoundSpeaker,
    Notes,
    Programme,
    ProgrammeError,
    add_room,
    as_uuid,
    day_change_candidates,
    drop_repeated_guids,
    event_uid,
    found_talk,
    http,
    joined_text,
    local_moment,
    offsets_of,
    person_key,
    read_date,
    read_length,
    read_moment,
    read_type,
    settle_days,
    venue_zone,
)

_SLUG_JSON = re.compile(r"[a-z0-9_-]+[a-z0-9]")
# The c3voc JSON pattern for time_zone_name, applied as jsonschema does (a search, unanchored alternation).
_TIME_ZONE_JSON = re.compile(r"^([A-Z][a-z]+/[A-Z][a-z]+)|UTC$")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")
_COLOUR = re.compile(r"#[0-9a-f]{6}")
_GUID_KEY = re.compile(r'"guid"\s*:\s*"([^"\\]*)"')
# The hub's schedule2 names the talk's page at the conference by a link of this type.
_ORIGIN = "origin"


def _str(value):
    return str(value).strip() if isinstance(value, str | int | float) else ""


def _list(value):
    return value if isinstance(value, list) else []


def _dicts(value):
    return [item for item in _list(value) if isinstance(item, dict)]


def _name(value):
    """A room's or track's name: the value itself (schedule.json) or its "name" (schedule2's objects)."""
    return _str(value.get("name")) if isinstance(value, dict) else _str(value)


def read(data, *, source_key, time_zone=None):
    """The Programme of the c3voc schedule.json or hub schedule2 `data` (bytes); times without an offset are read
    in the file's time_zone_name or in `time_zone`, which must agree with it."""
    try:
        text = data.decode("utf-8-sig")
        document = json.loads(text)
    except RecursionError:
        raise ProgrammeError(_("line 1: the file is not valid JSON: it is nested too deeply.")) from None
    except (UnicodeDecodeError, ValueError) as exc:
        line = getattr(exc, "lineno", 1)
        raise ProgrammeError(
            _("line %(line)d: the file is not valid JSON: %(error)s")
            % {"line": line, "error": getattr(exc, "msg", exc)}
        ) from None
    schedule = document.get("schedule") if isinstance(document, dict) else None
    conference = schedule.get("conference") if isinstance(schedule, dict) else None
    if not isinstance(conference, dict):
        raise ProgrammeError(
            _("line 1: this JSON is not a c3voc schedule.json: it has no “schedule” with a “conference”.")
        )
    notes = Notes()
    # (the day it is listed under, or None for schedule2, its room's name, the event)
    events = [
        (_day_date(day), room, item)
        for day in _dicts(conference.get("days"))
        for room, items in (day.get("rooms") if isinstance(day.get("rooms"), dict) else {}).items()
        for item in _dicts(items)
    ] + [(None, _name(item.get("room")), item) for item in _dicts(schedule.get("events"))]
    declared = _str(conference.get("time_zone_name")) or None
    offsets = offsets_of(moment for _day, _room, item in events if (moment := _start_moment(item)))
    zone = venue_zone(declared, time_zone, [o for o in offsets if o])
    tz = zoneinfo.ZoneInfo(zone)
    days = [
        (
            _day_date(day),
            local_moment(read_moment(day.get("day_start", day.get("start"))), tz),
            local_moment(read_moment(day.get("day_end", day.get("end"))), tz),
        )
        for day in _dicts(conference.get("days"))
    ]
    acronym = _str(conference.get("acronym"))
    source = _str(schedule.get("base_url")) or (f"acronym:{acronym}" if acronym else source_key)
    tracks = _tracks(conference)
    lines = _Lines(text)
    rooms = {}
    for room in _dicts(conference.get("rooms")):
        if _name(room) not in ("", exporting.PLACEHOLDER_ROOM):
            add_room(rooms, _name(room)[:200], as_uuid(room.get("guid")), lines.of(room), notes)
    talks = []
    for listed_day, room, item in events:
        room = "" if room == exporting.PLACEHOLDER_ROOM else room[:200]
        line = lines.of(item)
        if room:
            guid = as_uuid(item["room"].get("guid")) if isinstance(item.get("room"), dict) else None
            add_room(rooms, room, guid, line, notes)
        day = listed_day if listed_day is not None else _enclosing_day(_start_moment(item), days, tz)
        talks.append(_read_event(item, day, room, tracks, source, tz, line, notes))
    programme = Programme(
        talks=drop_repeated_guids([talk for talk in talks if talk], notes),
        notes=notes,
        title=_str(conference.get("title")),
        acronym=acronym,
        time_zone=zone,
        start=_conference_date(conference.get("start"), tz),
        end=_conference_date(conference.get("end"), tz),
        website=http(_str(conference.get("url"))),
        tracks={name: colour for name, (_slug, colour) in tracks.items()},
        rooms=list(rooms.items()),
    )
    settle_days(programme, tz, day_change_candidates(days))
    return programme


class _Lines:
    """The line each event (or room) starts on, found by its guid as the file writes it, else by its title: JSON
    readers give no positions. Each call takes the next place its guid or title is written at."""

    def __init__(self, text):
        self.text = text
        self.places = defaultdict(deque)
        line, last = 1, 0
        for match in _GUID_KEY.finditer(text):
            line, last = line + text.count("\n", last, match.start()), match.start()
            self.places["guid", match[1]].append(line)

    def of(self, item):
        guid, title = item.get("guid"), item.get("title")
        if isinstance(guid, str) and self.places["guid", guid]:
            return self.places["guid", guid].popleft()
        if isinstance(title, str) and title:
            if ("title", title) not in self.places:
                key = rf'"title"\s*:\s*{re.escape(json.dumps(title, ensure_ascii=False))}'
                self.places["title", title].extend(
                    self.text.count("\n", 0, match.start()) + 1 for match in re.finditer(key, self.text)
                )
            if self.places["title", title]:
                return self.places["title", title].popleft()
        return 0


def _tracks(conference):
    """Track name → (slug, colour or None): schedule.json's "color", schedule2's "colors" (the light page's)."""
    tracks = {}
    for track in _dicts(conference.get("tracks")):
        name = _name(track)[:200]
        colours = track.get("colors") if isinstance(track.get("colors"), dict) else {}
        colour = (_str(track.get("color")) or _str(colours.get("light")) or _str(colours.get("dark"))).lower()
        if name:
            tracks.setdefault(name, (_str(track.get("slug")), colour if _COLOUR.fullmatch(colour) else None))
    return tracks


def _track(value, tracks):
    """The event's track name: as written, or (schedule2) the conference's track of that slug."""
    if isinstance(value, dict) and not _name(value):
        slug = _str(value.get("slug"))
        return next(
            (name for name, (track_slug, _colour) in tracks.items() if slug and track_slug == slug), ""
        )
    return _name(value)[:200]


def _day_date(day):
    return read_date(_str(day.get("date")))


def _enclosing_day(moment, days, tz):
    """The date of the conference day whose start and end enclose `moment` (schedule2), or None."""
    moment = local_moment(moment, tz)
    for date, start, end in days:
        if moment and date and start and end and start <= moment < end:
            return date
    return None


def _conference_date(value, tz):
    moment = read_moment(value)
    if moment is None or not EARLIEST <= moment.replace(tzinfo=dt.UTC) <= LATEST:
        return None
    return timezone.localtime(moment, tz).date() if moment.tzinfo else moment.date()


def _start_moment(item):
    """The event's start as written: "date" (schedule.json) or "start" (schedule2; schedule.json's is a clock)."""
    return read_moment(item.get("date")) or read_moment(item.get("start"))


def _start(item, day_date, tz, line, notes):
    starts_at = _start_moment(item)
    if starts_at is not None and starts_at.tzinfo is None:
        notes.deviate(_("<date> without a UTC offset, read in the venue's zone"), line)
        starts_at = timezone.make_aware(starts_at, tz)
    if starts_at is None and day_date and (match := _CLOCK.fullmatch(_str(item.get("start")))):
        starts_at = timezone.make_aware(
            dt.datetime.combine(day_date, dt.time(int(match[1]), int(match[2]))), tz
        )
    return starts_at


def _length(item, starts_at, tz):
    """The event's "duration", or (schedule2) the time from its start to its "end"."""
    if "duration" in item or starts_at is None:
        return read_length(_str(item.get("duration")))
    end = read_moment(item.get("end"))
    if end is not None and end.tzinfo is None:
        end = timezone.make_aware(end, tz)
    return end - starts_at if end is not None and end > starts_at else None


def _links(item):
    """Slides, recording and (schedule2's "origin" link) the talk's page, from "links" and "attachments"."""
    links = {}
    for link in [*_dicts(item.get("links")), *_dicts(item.get("attachments"))]:
        kind, url = _str(link.get("type")).lower(), http(_str(link.get("url")))
        target = "conference_url" if kind == _ORIGIN else LINK_FIELDS.get(kind)
        if target and url:
            links.setdefault(target, url)
    return links


def _read_event(item, day_date, room, tracks, source, tz, line, notes):
    title = _str(item.get("title"))
    starts_at = _start(item, day_date, tz, line, notes) if title else None
    links = _links(item)
    kind, programme_type = read_type(_str(item.get("type")))
    number = _str(item.get("id"))
    abstract = item.get("abstract") if isinstance(item.get("abstract"), str) else ""
    return found_talk(
        notes,
        line=line,
        label=_str(item.get("slug")) or number,
        title=title,
        starts_at=starts_at,
        length=_length(item, starts_at, tz),
        uid=event_uid(
            _str(item.get("guid")),
            source=source,
            fallback=number or f"{day_date}-{room}-{' '.join(title.split())}",
            notes=notes,
            line=line,
        ),
        room=room,
        track=_track(item.get("track"), tracks),
        kind=kind,
        programme_type=programme_type,
        abstract=joined_text(abstract.strip("\n"), _str(item.get("description"))),
        speakers=_persons(item, source),
        conference_url=(
            http(_str(item.get("origin_url"))) or links.get("conference_url") or http(_str(item.get("url")))
        ),
        slides_url=links.get("slides_url", ""),
        video_url=links.get("video_url", ""),
        slug=_str(item.get("slug")),
        number=int(number) if number.isdigit() else None,
        day=day_date,
    )


def _persons(item, source):
    """The event's people: "persons" (frab-style or pretalx-style, or plain names) or schedule2's
    "participants", in the file's order."""
    persons = []
    for person in [*_list(item.get("persons")), *_list(item.get("participants"))]:
        if isinstance(person, str):
            person = {"name": person}
        if not isinstance(person, dict):
            continue
        name = " ".join((_str(person.get("public_name")) or _str(person.get("name"))).split())
        if name:
            key = person_key(source, guid=_str(person.get("guid")), number=_str(person.get("id")), name=name)
            persons.append(FoundSpeaker(name[:200], key=key))
    return persons


# The export -----------------------------------------------------------------------------------------------


class C3vocJsonExporter(exporting.Exporter):
    """The c3voc `schedule.json`, valid against the c3voc schema.json (formats included)."""

    content_type = "application/json"
    extension = "json"

    def render(self):
        event, base_url = self.event, self.base_url
        days = exporting.schedule_days(event, self.talks, event.rooms.all())
        pieces = self.talk_pieces()
        conference = {
            "acronym": exporting.acronym(event),
            "title": event.name,
            "start": event.start_date.isoformat(),
            "end": event.end_date.isoformat(),
            "daysCount": len(days),
            "timeslot_duration": "00:05",
            "url": event.website if exporting.is_http(event.website) else base_url + event.get_absolute_url(),
            "tracks": [self.track(track) for track in event.tracks.all()],
            "rooms": [
                {"name": column.name, "guid": str(column.guid)} for column in (days[0].rooms if days else [])
            ],
            "days": [
                {
                    "index": day.index,
                    "date": day.date.isoformat(),
                    "day_start": day.start.isoformat(timespec="seconds"),
                    "day_end": day.end.isoformat(timespec="seconds"),
                    "rooms": {
                        column.name: [pieces[talk.pk] for talk in column.talks] for column in day.rooms
                    },
                }
                for day in days
            ],
        }
        if _TIME_ZONE_JSON.search(event.time_zone):
            conference["time_zone_name"] = event.time_zone
        document = {
            "$schema": "https://c3voc.de/schedule/schema.json",
            "generator": {"name": exporting.GENERATOR, "version": exporting.GENERATOR_VERSION},
            "schedule": {
                "url": base_url + reverse("events:schedule_json", kwargs={"event": event.slug}),
                "version": changelog.version_name(event),
                "base_url": base_url + "/",
                "conference": conference,
            },
        }
        return json.dumps(document, ensure_ascii=False).encode()

    def track(self, track):
        item = {"name": track.name, "color": track.colour}
        if _SLUG_JSON.fullmatch(track.slug):
            item["slug"] = track.slug
        return item

    def render_talk(self, talk):
        item = {
            "guid": str(talk.uuid),
            "id": talk.pk,
            "date": self.event.localtime(talk.starts_at).isoformat(timespec="seconds"),
            "start": f"{self.event.localtime(talk.starts_at):%H:%M}",
            "end": self.event.localtime(talk.ends_at).isoformat(timespec="seconds"),
            "duration": exporting.duration(talk),
            "room": self.room_name(talk),
            "slug": exporting.talk_slug(exporting.acronym(self.event), talk),
            "url": self.talk_url(talk),
            "title": talk.title,
            "subtitle": "",
            "track": talk.track.name if talk.track else None,
            "type": exporting.kind_name(talk),
            "language": self.event.language,
            "abstract": talk.abstract,
            # One text per talk, as in the frab XML: readers such as pyfahrplan index "description".
            "description": talk.abstract,
            # c3voc persons are frab-style (id + public_name) or pretalx-style (name), never both: these are
            # pretalx-style (no id), with the deprecated public_name as well, which older readers show.
            "persons": [
                {
                    "name": speaker.name,
                    "public_name": speaker.name,
                    "guid": str(speaker.uuid),
                    "biography": speaker.bio or None,
                }
                for speaker in talk.speakers.all()
            ],
            "links": [
                {"url": url, "type": kind, "title": title} for kind, title, url in exporting.links(talk)
            ],
        }
        if exporting.is_http(talk.conference_url):
            item["origin_url"] = talk.conference_url
        return item
