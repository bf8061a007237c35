"""Schedule exports for calendars and conference apps: iCalendar, frab schedule XML and c3voc schedule JSON.

Only published talks are exported. Every function takes the rows it needs and returns bytes, so the views
only deal with HTTP (conditional GET, caching) and the tests can call these directly.
"""

import datetime as dt
import json
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass

import icalendar
from django.urls import reverse
from lxml import etree

from .models import Room, Talk, TalkSpeaker, day_bounds
from .schedule import path_builder

GENERATOR = "community-event-portal"
GENERATOR_VERSION = "0.1.0"
# frab and c3voc need a room for every talk; talks without one are listed under this room.
PLACEHOLDER_ROOM = Room.PLACEHOLDER_NAME
_PORTAL_NAMESPACE = uuid.UUID("6f1d3c3e-5b0a-4c55-9d6a-5d1f0c2b7a10")

MAX_CHOSEN_TALKS = 300
_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,200}")
# Characters XML 1.0 forbids; a stray one in an abstract must not break the whole export.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_TRACK_SLUG_XML = re.compile(r"[a-z][a-z0-9-]+")
_SLUG_JSON = re.compile(r"[a-z0-9_-]+[a-z0-9]")
_NOT_SLUG = re.compile(r"[^a-z0-9_-]+")
_SLUG_XML = re.compile(r"[a-z0-9_]{4,}-[a-z0-9\-_]{4,}")
# The c3voc JSON pattern for time_zone_name, applied as jsonschema does (a search, unanchored alternation).
_TIME_ZONE_JSON = re.compile(r"^([A-Z][a-z]+/[A-Z][a-z]+)|UTC$")

CONTENT_TYPES = {
    "ics": "text/calendar; charset=utf-8",
    "xml": "application/xml; charset=utf-8",
    "json": "application/json",
}


class ChosenTalksError(ValueError):
    """The `talks` list of a calendar address is not a list of talk slugs."""


def parse_talk_slugs(value):
    """The slugs of a `?talks=a,b` list, sorted, without repeats; anything but slugs is refused."""
    items = [item.strip() for item in value.split(",") if item.strip()]
    if len(items) > MAX_CHOSEN_TALKS:
        raise ChosenTalksError(f"At most {MAX_CHOSEN_TALKS} talks fit in one calendar.")
    for item in items:
        if not _SLUG.fullmatch(item):
            raise ChosenTalksError(
                "The talks list takes talk slugs (letters, digits, hyphens) separated by commas."
            )
    return tuple(sorted(set(items)))


@dataclass(frozen=True, slots=True)
class ExportedSpeaker:
    pk: int
    name: str
    uuid: uuid.UUID
    bio: str


@dataclass(slots=True)
class ExportedTalk:
    """A published talk with what the exports write of it, its room's and track's names included."""

    pk: int
    title: str
    slug: str
    abstract: str
    kind: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    updated_at: dt.datetime
    uuid: uuid.UUID
    room_id: int | None
    room_name: str | None
    track_name: str | None
    conference_url: str
    slides_url: str
    video_url: str
    path: str
    speaker_list: list

    @property
    def duration_minutes(self):
        """As Talk.duration_minutes."""
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


def exported_talks(event, *, slugs=None):
    """The published talks of `event` (only those named in `slugs`, when given) with their speakers, in
    schedule order. Unknown slugs are ignored: a starred talk may be withdrawn. Two queries whatever the
    number of talks. Talks and speakers come as plain rows: building a model instance for each talk and its
    room took a fifth of the time of an export."""
    talks = event.talks.published()
    if slugs is not None:
        talks = talks.filter(slug__in=slugs)
    talk_rows = list(
        talks.in_schedule_order().values_list(
            "pk",
            "title",
            "slug",
            "abstract",
            "kind",
            "starts_at",
            "ends_at",
            "updated_at",
            "uuid",
            "room_id",
            "room__name",
            "track__name",
            "conference_url",
            "slides_url",
            "video_url",
        )
    )
    rows = TalkSpeaker.objects.filter(talk__event=event, talk__status=Talk.Status.PUBLISHED)
    if slugs is not None:
        rows = rows.filter(talk__slug__in=slugs)
    speakers = defaultdict(list)
    for talk_id, *speaker in rows.order_by("talk_id", "position", "pk").values_list(
        "talk_id", "speaker_id", "speaker__name", "speaker__uuid", "speaker__bio"
    ):
        speakers[talk_id].append(ExportedSpeaker(*speaker))
    talk_path = path_builder("events:talk_detail", "talk", event=event.slug)
    return [
        ExportedTalk(*row, path=talk_path(row[2]), speaker_list=speakers.get(row[0], [])) for row in talk_rows
    ]


def version_label(event):
    """The schedule version as the exports state it; it changes whenever the schedule changes."""
    return str(event.schedule_version)


def acronym(event):
    """The event's slug as an acronym both schemas accept: lower case, `_` instead of `-` (c3voc JSON
    refuses hyphens in the middle), at least four characters."""
    return re.sub(r"[^a-z0-9_]", "_", event.slug.lower()).ljust(4, "_")


def talk_slug(event_acronym, talk):
    """`<acronym>-<id>-<slug>`, the frab convention; the import strips the prefix again."""
    slug = _NOT_SLUG.sub("-", talk.slug.lower()).strip("-_")
    return f"{event_acronym}-{talk.pk}-{slug}" if slug else f"{event_acronym}-{talk.pk}"


def placeholder_room_guid(event):
    return uuid.uuid5(_PORTAL_NAMESPACE, f"placeholder-room:{event.pk}")


def _speakers(talk):
    return talk.speaker_list


def _talk_url(base_url, event, talk):
    return base_url + talk.path


def _duration(talk):
    hours, minutes = divmod(talk.duration_minutes, 60)
    return f"{hours:02d}:{minutes:02d}"


def _is_http(url):
    return url.startswith(("http://", "https://"))


def _links(talk):
    """(type, title, url) of the talk's slides and video; types from the c3voc list."""
    links = []
    if talk.slides_url:
        links.append(("slides", "Slides", talk.slides_url))
    if talk.video_url:
        links.append(("media", "Video", talk.video_url))
    return [link for link in links if _is_http(link[2])]


# iCalendar ------------------------------------------------------------------------------------------


def build_ical(event, talks, *, base_url, name=None):
    """A VCALENDAR with one VEVENT per talk, in the event's zone (with its VTIMEZONE).

    The calendar and its VTIMEZONE are icalendar components; the talks are written as content lines by
    `vevent_lines`, since building and serialising an icalendar.Event per talk took most of the time."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//{GENERATOR}//{event.slug}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name or event.name)
    calendar.add("x-wr-timezone", event.time_zone)
    years = {event.start_date.year, event.end_date.year}
    shared = SharedLines(event)
    talk_lines = []
    for talk in talks:
        talk_lines += vevent_lines(event, talk, base_url, shared)
        years.add(event.localtime(talk.starts_at).year)
    # Every talk is in the event's zone, so the zones the first talk needs are the zones all need. Zone rules
    # for the years the calendar covers only, not the library's default of 1970 to 2038.
    zones = icalendar.Calendar()
    for talk in talks[:1]:
        first = icalendar.Event()
        first.add("dtstart", event.localtime(talk.starts_at))
        zones.add_component(first)
    zones.add_missing_timezones(first_date=dt.date(min(years), 1, 1), last_date=dt.date(max(years) + 1, 1, 1))
    for timezone in zones.timezones:
        calendar.add_component(timezone)
    # What calendar.to_ical() would return with the VEVENTs as its last components: they go before its END.
    *head, end = (fold_line(line) for line in calendar.content_lines() if line)
    return "\r\n".join([*head, *talk_lines, end, ""]).encode()


def fold_line(line, limit=75):
    """An iCalendar content line folded exactly as icalendar folds it: at most `limit` - 1 characters per
    line, never ending a line with an escaping \\ or ^. Lines of ASCII, nearly all of them, are cut by slicing;
    any other line is cut character by character, counting UTF-8 bytes."""
    if not line.isascii():
        return _fold_by_bytes(line, limit)
    width = limit - 1
    parts, start, end = [], 0, len(line)
    while end - start > width:
        cut = start + width
        if line[cut - 1] in "\\^" and width > 1:
            cut -= 1
        parts.append(line[start:cut])
        start = cut
    parts.append(line[start:])
    return "\r\n ".join(parts)


def _fold_by_bytes(line, limit):
    parts, current, size = [], [], 0
    for char in line:
        char_size = len(char.encode())
        if current and size + char_size >= limit:
            carried = [current.pop()] if len(current) > 1 and current[-1] in "\\^" else []
            parts.append("".join(current))
            current, size = carried, sum(len(c.encode()) for c in carried)
        current.append(char)
        size += char_size
    parts.append("".join(current))
    return "\r\n ".join(parts)


def content_line(name, value):
    """The folded content line of property `name` with `value`, an icalendar value (vText, vUri, vDDDTypes...),
    as icalendar's Component.to_ical writes it."""
    return fold_line(icalendar.parser.Contentline.from_parts(name, value.params, value))


class SharedLines:
    """The content lines many talks of a calendar share (times, locations, tracks), each written once: the
    600 talks of a big conference start at 100 different times, and icalendar looks up the zone's TZID for
    every date-time value."""

    def __init__(self, event):
        self.event = event
        self.lines = {}

    def get(self, name, value, to_ical):
        """The line of `name` with `to_ical(value)`, written the first time it is asked for."""
        key = (name, value)
        if key not in self.lines:
            self.lines[key] = content_line(name, to_ical(value))
        return self.lines[key]

    def local_time(self, name, value):
        return self.get(name, value, lambda value: icalendar.vDDDTypes(self.event.localtime(value)))

    def utc_time(self, name, value):
        return self.get(name, value, lambda value: icalendar.vDDDTypes(value.astimezone(dt.UTC)))

    def text(self, name, value):
        return self.get(name, value, icalendar.vText)


def vevent_lines(event, talk, base_url, shared):
    """The content lines of the talk's VEVENT, exactly as icalendar.Event.to_ical writes them: its canonical
    properties first (SUMMARY, DTSTART, DTEND, DTSTAMP, UID), then the others by name
    (tests/test_performance.py compares the two)."""
    url = _talk_url(base_url, event, talk)
    speakers = ", ".join(speaker.name for speaker in _speakers(talk))
    description = "\n\n".join(
        part for part in [speakers and f"Speakers: {speakers}", talk.abstract, url] if part
    )
    location = ", ".join(part for part in [talk.room_name, event.venue, event.city] if part)
    # The talk's own change time, not "now": the same schedule always renders the same bytes. iCalendar
    # writes whole seconds, so talks imported or saved together share the lines of their change time.
    changed_at = talk.updated_at.replace(microsecond=0)
    lines = [
        "BEGIN:VEVENT",
        content_line("SUMMARY", icalendar.vText(talk.title)),
        shared.local_time("DTSTART", talk.starts_at),
        shared.local_time("DTEND", talk.ends_at),
        shared.utc_time("DTSTAMP", changed_at),
        content_line("UID", icalendar.vText(str(talk.uuid))),
    ]
    if talk.track_name is not None:
        lines.append(shared.get("CATEGORIES", talk.track_name, icalendar.vCategory))
    lines.append(content_line("DESCRIPTION", icalendar.vText(description)))
    lines.append(shared.utc_time("LAST-MODIFIED", changed_at))
    if location:
        lines.append(shared.text("LOCATION", location))
    lines.append(shared.text("STATUS", "CONFIRMED"))
    lines.append(content_line("URL", icalendar.vUri(url)))
    lines.append("END:VEVENT")
    return lines


# Days and rooms shared by frab XML and c3voc JSON ---------------------------------------------------


@dataclass
class Column:
    name: str
    guid: uuid.UUID
    talks: list


@dataclass
class Day:
    index: int
    date: dt.date
    start: dt.datetime
    end: dt.datetime
    rooms: list


def schedule_days(event, talks, rooms):
    """Every day of the event (and any day a talk falls on outside it), each with one column per room;
    talks without a room go in the placeholder room's column."""
    talks = list(talks)
    # Each talk's day worked out once, not once for every day of the event.
    talks_by_date = defaultdict(list)
    for talk in talks:
        talks_by_date[event.localtime(talk.starts_at).date()].append(talk)
    dates = sorted(set(event.days()) | set(talks_by_date))
    columns = [(room.pk, room.name, room.uuid) for room in rooms]
    if any(talk.room_id is None for talk in talks):
        columns.append((None, PLACEHOLDER_ROOM, placeholder_room_guid(event)))
    days = []
    for index, date in enumerate(dates, start=1):
        start, end = day_bounds(date, event.tzinfo)
        day_talks = talks_by_date.get(date, [])
        day_rooms = [
            Column(name, guid, [talk for talk in day_talks if talk.room_id == pk])
            for pk, name, guid in columns
        ]
        days.append(Day(index, date, start, end, day_rooms))
    return days


class TalkFormats:
    """What frab XML and c3voc JSON write for a talk that many talks share (local times, type names) or that
    depends on the event only (the acronym), worked out once per export rather than once per talk: the 600
    talks of a big conference start at 100 different times and are of a few kinds."""

    def __init__(self, event):
        self.event = event
        self.acronym = acronym(event)
        self.local_times = {}
        self.kind_names = {kind: str(label) for kind, label in Talk.Kind.choices}

    def local_time(self, value):
        """(ISO 8601 date-time, HH:MM) of `value` in the event's zone."""
        if value not in self.local_times:
            local = self.event.localtime(value)
            self.local_times[value] = (local.isoformat(timespec="seconds"), f"{local:%H:%M}")
        return self.local_times[value]

    def kind_name(self, talk):
        """The talk's kind as the schedule shows it (as Talk.get_kind_display), in the active language."""
        return self.kind_names.get(talk.kind, talk.kind)

    def slug(self, talk):
        return talk_slug(self.acronym, talk)


# frab schedule XML ----------------------------------------------------------------------------------


def _text(value):
    return _NOT_XML.sub("", value or "")


def _sub(parent, tag, text=None, **attributes):
    element = etree.SubElement(parent, tag, {key: _text(str(value)) for key, value in attributes.items()})
    if text is not None:
        element.text = _text(text)
    return element


def build_frab_xml(event, talks, *, rooms, tracks, base_url):
    """The frab/pretalx `schedule.xml` (valid against the c3voc schedule.xml.xsd)."""
    root = etree.Element("schedule")
    _sub(root, "generator", name=GENERATOR, version=GENERATOR_VERSION)
    _sub(root, "url", base_url + reverse("events:schedule_xml", kwargs={"event": event.slug}))
    _sub(root, "version", version_label(event))
    days = schedule_days(event, talks, rooms)
    formats = TalkFormats(event)
    conference = _sub(root, "conference")
    _sub(conference, "title", event.name)
    _sub(conference, "acronym", formats.acronym)
    _sub(conference, "start", event.start_date.isoformat())
    _sub(conference, "end", event.end_date.isoformat())
    _sub(conference, "days", str(len(days)))
    _sub(conference, "timeslot_duration", "00:05")
    _sub(conference, "base_url", base_url + "/")
    _sub(conference, "url", event.website if _is_http(event.website) else base_url + event.get_absolute_url())
    _sub(conference, "time_zone_name", event.time_zone)
    for track in tracks:
        attributes = {"name": track.name, "color": track.colour.lower()}
        if _TRACK_SLUG_XML.fullmatch(track.slug):
            attributes["slug"] = track.slug
        if not re.fullmatch(r"#[0-9a-f]{6}", attributes["color"]):
            del attributes["color"]
        _sub(conference, "track", **attributes)
    for day in days:
        day_element = _sub(
            root,
            "day",
            index=day.index,
            date=day.date.isoformat(),
            start=day.start.isoformat(timespec="seconds"),
            end=day.end.isoformat(timespec="seconds"),
        )
        for column in day.rooms:
            room_element = _sub(day_element, "room", name=column.name, guid=column.guid)
            for talk in column.talks:
                _frab_event(room_element, event, talk, column.name, base_url, formats)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def _frab_event(parent, event, talk, room_name, base_url, formats):
    """The talk's <event>, without `_sub`: its keyword arguments and attribute cleaning nearly double the cost
    of each of the twenty elements of a talk. Ids and guids are safe in XML as they are; texts are cleaned."""
    element = etree.SubElement(parent, "event", id=str(talk.pk), guid=str(talk.uuid))
    date, start = formats.local_time(talk.starts_at)
    _child(element, "room", room_name)
    _child(element, "title", talk.title)
    _child(element, "subtitle", "")
    _child(element, "type", formats.kind_name(talk))
    _child(element, "date", date)
    _child(element, "start", start)
    _child(element, "duration", _duration(talk))
    _child(element, "abstract", talk.abstract)
    slug = formats.slug(talk)
    if _SLUG_XML.fullmatch(slug):
        _child(element, "slug", slug)
    _child(element, "track", talk.track_name or "")
    _child(element, "language", "en")
    persons = etree.SubElement(element, "persons")
    for speaker in _speakers(talk):
        person = etree.SubElement(persons, "person", id=str(speaker.pk), guid=str(speaker.uuid))
        person.text = _text(speaker.name)
    links = etree.SubElement(element, "links")
    for kind, title, url in _links(talk):
        _sub(links, "link", title, href=url, type=kind)
    _child(element, "url", _talk_url(base_url, event, talk))
    if _is_http(talk.conference_url):
        _child(element, "origin_url", talk.conference_url)


def _child(parent, tag, text):
    """A child element of `parent` with `text`, cleaned of the characters XML forbids."""
    etree.SubElement(parent, tag).text = _text(text)


# c3voc schedule JSON --------------------------------------------------------------------------------


def build_c3voc_json(event, talks, *, rooms, tracks, base_url):
    """The c3voc `schedule.json` (valid against the c3voc schema.json, formats included)."""
    days = schedule_days(event, talks, rooms)
    formats = TalkFormats(event)
    conference = {
        "acronym": formats.acronym,
        "title": event.name,
        "start": event.start_date.isoformat(),
        "end": event.end_date.isoformat(),
        "daysCount": len(days),
        "timeslot_duration": "00:05",
        "url": event.website if _is_http(event.website) else base_url + event.get_absolute_url(),
        "tracks": [_json_track(track) for track in tracks],
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
                    column.name: [
                        _json_event(event, talk, column.name, base_url, formats) for talk in column.talks
                    ]
                    for column in day.rooms
                },
            }
            for day in days
        ],
    }
    if _TIME_ZONE_JSON.search(event.time_zone):
        conference["time_zone_name"] = event.time_zone
    document = {
        "$schema": "https://c3voc.de/schedule/schema.json",
        "generator": {"name": GENERATOR, "version": GENERATOR_VERSION},
        "schedule": {
            "url": base_url + reverse("events:schedule_json", kwargs={"event": event.slug}),
            "version": version_label(event),
            "base_url": base_url + "/",
            "conference": conference,
        },
    }
    # Without indent, json uses its C encoder: five times faster on a big schedule.
    return json.dumps(document, ensure_ascii=False).encode()


def _json_track(track):
    item = {"name": track.name, "color": track.colour}
    if _SLUG_JSON.fullmatch(track.slug):
        item["slug"] = track.slug
    return item


def _json_event(event, talk, room_name, base_url, formats):
    date, start = formats.local_time(talk.starts_at)
    item = {
        "guid": str(talk.uuid),
        "id": talk.pk,
        "date": date,
        "start": start,
        "end": formats.local_time(talk.ends_at)[0],
        "duration": _duration(talk),
        "room": room_name,
        "slug": formats.slug(talk),
        "url": _talk_url(base_url, event, talk),
        "title": talk.title,
        "subtitle": "",
        "track": talk.track_name,
        "type": formats.kind_name(talk),
        "language": "en",
        "abstract": talk.abstract,
        # c3voc persons are frab-style (id + public_name) or pretalx-style (name), never both.
        "persons": [
            {"name": speaker.name, "guid": str(speaker.uuid), "biography": speaker.bio or None}
            for speaker in _speakers(talk)
        ],
        "links": [{"url": url, "type": kind, "title": title} for kind, title, url in _links(talk)],
    }
    if _is_http(talk.conference_url):
        item["origin_url"] = talk.conference_url
    return item


# Entry point for the views --------------------------------------------------------------------------


class TalkNotFound(LookupError):
    """The single talk asked for is not a published talk of the event."""


def render_export(kind, event, *, base_url, slugs=None, talk=None):
    """The bytes of export `kind` ("ics", "xml", "json") of `event`: the whole schedule, the chosen `slugs`
    (calendar only) or the one talk with slug `talk` (calendar only). A fixed number of queries."""
    if talk is not None:
        talks = list(exported_talks(event, slugs=[talk]))
        if not talks:
            raise TalkNotFound(talk)
        return build_ical(event, talks, base_url=base_url, name=f"{talks[0].title} ({event.name})")
    talks = list(exported_talks(event, slugs=slugs))
    if kind == "ics":
        name = f"{event.name}: chosen talks" if slugs is not None else None
        return build_ical(event, talks, base_url=base_url, name=name)
    rooms, tracks = list(event.rooms.all()), list(event.tracks.all())
    build = build_frab_xml if kind == "xml" else build_c3voc_json
    return build(event, talks, rooms=rooms, tracks=tracks, base_url=base_url)
