"""Import of a frab schedule.xml (as pretalx, frab or this portal export it) into one event.

Rows are matched by guid, so importing the same file again changes nothing. The file is checked completely
(well-formed, valid against the c3voc schedule.xml.xsd, times and zones readable) before anything is written,
and everything is written in one transaction.
"""

import datetime as dt
import re
import uuid
import zoneinfo
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_slug
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from lxml import etree

from .exports import PLACEHOLDER_ROOM
from .models import Event, Room, Speaker, Talk, TalkSpeaker, Track

SCHEMA_PATH = Path(__file__).resolve().parent / "formats" / "schedule.xml.xsd"
_DURATION = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{1,2}))?")
_KINDS = {
    "talk": Talk.Kind.TALK,
    "keynote": Talk.Kind.KEYNOTE,
    "panel": Talk.Kind.PANEL,
    "panel discussion": Talk.Kind.PANEL,
    "tutorial": Talk.Kind.TUTORIAL,
    "workshop": Talk.Kind.TUTORIAL,
    "lightning": Talk.Kind.LIGHTNING,
    "lightning talk": Talk.Kind.LIGHTNING,
}
# Times outside these years cannot be shown in every zone (Python's datetime ends at 9999) and are typing
# mistakes anyway.
EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(9000, 1, 1, tzinfo=dt.UTC)
_LINK_FIELDS = {"slides": "slides_url", "media": "video_url", "video": "video_url", "recording": "video_url"}
_TALK_FIELDS = [
    "title",
    "abstract",
    "starts_at",
    "ends_at",
    "room_id",
    "track_id",
    "kind",
    "conference_url",
    "slides_url",
    "video_url",
]


class FrabImportError(Exception):
    """The file cannot be imported; the message names the line and element at fault."""


@dataclass
class Person:
    key: uuid.UUID
    name: str


@dataclass
class Entry:
    """One `<event>` of the file, read into plain values."""

    guid: uuid.UUID
    number: int
    line: int
    room: str | None
    room_guid: uuid.UUID | None
    title: str
    abstract: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    track: str
    kind: str
    slug: str
    persons: list
    links: dict
    origin_url: str


@dataclass
class Schedule:
    title: str
    acronym: str
    time_zone: str | None
    start: str | None
    end: str | None
    website: str
    track_colours: dict
    rooms: list
    entries: list


@dataclass
class ImportResult:
    event: Event
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)

    @property
    def changed(self):
        return bool(+self.created or +self.updated)

    def __str__(self):
        kinds = ["talks", "speakers", "rooms", "tracks"]
        created = ", ".join(f"{self.created[kind]} {kind}" for kind in kinds)
        updated = ", ".join(f"{self.updated[kind]} {kind}" for kind in kinds)
        event = "created" if self.created["events"] else "updated" if self.updated["events"] else "unchanged"
        return f"Event {self.event.slug} {event}. Created: {created}. Updated: {updated}."


@cache
def _schema():
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def parse_file(source):
    """The parsed, schema-valid document of `source` (a path or a file object)."""
    # No entities, no network, no DTD: an uploaded schedule cannot make the parser read anything else.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        document = etree.parse(source, parser)
    except etree.XMLSyntaxError as exc:
        problem = {
            "line": exc.lineno,
            "error": exc.error_log.last_error.message if exc.error_log.last_error else exc.msg,
        }
        # Translators: %(error)s is the XML parser's own explanation, in English.
        message = _("line %(line)s: the file is not well-formed XML: %(error)s") % problem
        raise FrabImportError(message) from None
    except OSError as exc:
        # Translators: %(error)s is the system's own explanation, in English.
        raise FrabImportError(_("the file cannot be read: %(error)s") % {"error": exc}) from None
    if document.docinfo.doctype:
        # Entities could pull in other files or blow up in size; schedules never need them.
        raise FrabImportError(_("a DOCTYPE declaration (<!DOCTYPE …>) is not allowed in a schedule.xml."))
    schema = _schema()
    if not schema.validate(document):
        problem = {"line": schema.error_log[0].line, "error": schema.error_log[0].message}
        # Translators: %(error)s is the schema checker's own explanation, in English.
        raise FrabImportError(_("line %(line)s: not a valid frab schedule.xml: %(error)s") % problem)
    return document


def _text(element, tag):
    child = element.find(tag)
    return (child.text or "") if child is not None else ""


def _fail(element, message):
    problem = {"line": element.sourceline, "tag": element.tag, "message": message}
    # Translators: where a schedule.xml is wrong: its line, the element (such as <date>), the problem.
    raise FrabImportError(_("line %(line)s, <%(tag)s>: %(message)s") % problem)


def _http(value):
    value = (value or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        return ""
    return value if len(value) <= 500 else ""


def read_schedule(document, *, source_key):
    """The file's conference, rooms and talks as plain values; semantic errors name their line."""
    root = document.getroot()
    conference = root.find("conference")
    time_zone = _text(conference, "time_zone_name").strip() or None
    if time_zone and time_zone not in zoneinfo.available_timezones():
        _fail(
            conference.find("time_zone_name"),
            _("“%(zone)s” is not an IANA time zone name.") % {"zone": time_zone},
        )
    acronym = _text(conference, "acronym").strip()
    base_url = _text(conference, "base_url").strip()
    source = base_url or (f"acronym:{acronym}" if acronym else source_key)
    # Track names are cut to what the database holds, as the talks' own <track> names are.
    track_colours = {
        track.get("name").strip()[:200]: track.get("color").lower()
        for track in conference.findall("track")
        if track.get("color")
    }
    rooms, entries, guids = {}, [], {}
    for day in root.iter("day"):
        for room in day.findall("room"):
            name = room.get("name").strip()
            guid = uuid.UUID(room.get("guid")) if room.get("guid") else None
            if name != PLACEHOLDER_ROOM:
                if not name:
                    _fail(room, _("a room needs a name."))
                if len(name) > Room._meta.get_field("name").max_length:
                    _fail(room, _("the room name is longer than 200 characters."))
                if name.lower() == PLACEHOLDER_ROOM.lower():
                    # Only the exact spelling is read as "no room"; another one would be a room of that name,
                    # which the database refuses (Room's room_name_is_not_the_placeholder).
                    _fail(
                        room,
                        _("“%(name)s” is how exports name talks without a room: write “%(placeholder)s”.")
                        % {"name": name, "placeholder": PLACEHOLDER_ROOM},
                    )
                if guid and guids.setdefault(guid, (name, room.sourceline))[0] != name:
                    other, line = guids[guid]
                    _fail(
                        room,
                        _("the guid %(guid)s is already the guid of the room “%(other)s” (line %(line)s).")
                        % {"guid": guid, "other": other, "line": line},
                    )
                rooms.setdefault(name, guid)
            for element in room.findall("event"):
                entries.append(_read_entry(element, None if name == PLACEHOLDER_ROOM else name, guid, source))
    for tag in ("start", "end"):
        value = _text(conference, tag).strip()
        try:
            if value and not EARLIEST <= dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC) <= LATEST:
                raise ValueError
        except ValueError:
            _fail(
                conference.find(tag),
                _("“%(value)s” is not a date between %(earliest)d and %(latest)d.")
                % {"value": value, "earliest": EARLIEST.year, "latest": LATEST.year},
            )
    return Schedule(
        title=_text(conference, "title").strip(),
        acronym=acronym,
        time_zone=time_zone,
        start=_text(conference, "start").strip() or None,
        end=_text(conference, "end").strip() or None,
        website=_http(_text(conference, "url")),
        track_colours=track_colours,
        rooms=list(rooms.items()),
        entries=entries,
    )


def _read_entry(element, room, room_guid, source):
    title = _text(element, "title").strip()
    if not title:
        _fail(element, _("an event needs a title."))
    if len(title) > Talk._meta.get_field("title").max_length:
        _fail(element.find("title"), _("the title is longer than 300 characters."))
    try:
        starts_at = dt.datetime.fromisoformat(_text(element, "date").strip())
    except ValueError:
        _fail(element.find("date"), _("the date is not an ISO 8601 date and time."))
    hours, minutes, seconds = _DURATION.fullmatch(_text(element, "duration").strip()).groups()
    duration = dt.timedelta(hours=int(hours), minutes=int(minutes), seconds=int(seconds or 0))
    if duration <= dt.timedelta(0):
        _fail(element.find("duration"), _("the duration must be longer than zero."))
    # Compared, not converted: converting 0001-01-01T00:00+14:00 to UTC overflows.
    if starts_at < EARLIEST:
        _fail(
            element.find("date"),
            _("the date is before the year %(year)d: no talk takes place then.") % {"year": EARLIEST.year},
        )
    if starts_at > LATEST - duration:
        _fail(
            element.find("date"),
            _("the talk would end after the year %(year)d: no talk takes place then.")
            % {"year": LATEST.year},
        )
    persons = []
    for person in element.iterfind("persons/person"):
        name = (person.text or "").strip()
        if not name:
            continue
        if person.get("guid"):
            key = uuid.UUID(person.get("guid"))
        elif person.get("id"):
            key = uuid.uuid5(uuid.NAMESPACE_URL, f"{source}#person-{person.get('id')}")
        else:
            key = uuid.uuid5(uuid.NAMESPACE_URL, f"{source}#person-name-{name}")
        persons.append(Person(key, name[:200]))
    links = {}
    for link in element.iterfind("links/link"):
        target = _LINK_FIELDS.get((link.get("type") or "").lower())
        if target and _http(link.get("href")):
            links.setdefault(target, _http(link.get("href")))
    abstract = _text(element, "abstract").strip("\n")
    description = _text(element, "description").strip()
    if description and description != abstract.strip():
        abstract = f"{abstract}\n\n{description}" if abstract else description
    return Entry(
        guid=uuid.UUID(element.get("guid")),
        number=int(element.get("id")),
        line=element.sourceline,
        room=room,
        room_guid=room_guid,
        title=title,
        abstract=abstract,
        starts_at=starts_at,
        ends_at=starts_at + duration,
        track=_text(element, "track").strip()[:200],
        kind=_KINDS.get(
            _text(element, "type").strip().lower(),
            Talk.Kind.OTHER if _text(element, "type").strip() else Talk.Kind.TALK,
        ),
        slug=_text(element, "slug").strip(),
        persons=persons,
        links=links,
        origin_url=_http(_text(element, "origin_url")) or _http(_text(element, "url")),
    )


def import_frab(source, *, event_slug):
    """Create or update the event `event_slug` from the frab schedule.xml `source`, all or nothing."""
    try:
        validate_slug(event_slug)
    except ValidationError:
        raise FrabImportError(
            _("“%(slug)s” is not a slug (letters, digits, hyphens, underscores).") % {"slug": event_slug}
        ) from None
    schedule = read_schedule(parse_file(source), source_key=f"event:{event_slug}")
    with transaction.atomic():
        result = _write(schedule, event_slug)
        if result.changed:
            # Bulk writes send no signals: mark the schedule changed once, for caches and ETags.
            Event.objects.filter(pk=result.event.pk).bump_schedule_version(event_ids=[result.event.pk])
    return result


def _date(value, tz):
    if "T" in value:
        return timezone.localtime(dt.datetime.fromisoformat(value), tz).date()
    return dt.date.fromisoformat(value)


def _write(schedule, event_slug):
    event = Event.objects.filter(slug=event_slug).first()
    time_zone = schedule.time_zone or (event.time_zone if event else "UTC")
    tz = zoneinfo.ZoneInfo(time_zone)
    talk_dates = [timezone.localtime(entry.starts_at, tz).date() for entry in schedule.entries]
    starts = [d for d in [schedule.start and _date(schedule.start, tz), *talk_dates] if d]
    ends = [d for d in [schedule.end and _date(schedule.end, tz), *talk_dates] if d]
    if not starts or not ends:
        raise FrabImportError(_("the file gives no conference dates and no talks, so the event has no days."))
    values = {
        "name": (schedule.title or (event.name if event else event_slug))[:200],
        "time_zone": time_zone,
        "start_date": min(starts),
        "end_date": max(ends),
    }
    result = ImportResult(event=event)
    if event is None:
        event = Event.objects.create(slug=event_slug, website=schedule.website, **values)
        result.event = event
        result.created["events"] += 1
    elif any(getattr(event, name) != value for name, value in values.items()):
        for name, value in values.items():
            setattr(event, name, value)
        event.save()
        result.updated["events"] += 1
    rooms = _write_rooms(event, schedule, result)
    tracks = _write_tracks(event, schedule, result)
    speakers = _write_speakers(schedule, result)
    talks = _write_talks(event, schedule, rooms, tracks, result)
    _write_talk_speakers(schedule, talks, speakers, result)
    return result


def _write_rooms(event, schedule, result):
    by_name = {room.name: room for room in event.rooms.all()}
    by_guid = {room.uuid: room for room in by_name.values()}
    taken = set(
        Room.objects.filter(uuid__in=[guid for _, guid in schedule.rooms if guid]).values_list(
            "uuid", flat=True
        )
    )
    order = max((room.order for room in by_name.values()), default=0)
    for name, guid in schedule.rooms:
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


def _write_tracks(event, schedule, result):
    by_name = {track.name: track for track in event.tracks.all()}
    slugs = {track.slug for track in by_name.values()}
    names = dict.fromkeys(
        [*schedule.track_colours, *(entry.track for entry in schedule.entries if entry.track)]
    )
    for name in names:
        colour = schedule.track_colours.get(name)
        colour = colour if colour and re.fullmatch(r"#[0-9a-f]{6}", colour) else None
        track = by_name.get(name)
        if track is None:
            slug = _unique_slug(slugify(name)[:90] or "track", slugs)
            fields = {"colour": colour} if colour else {}
            by_name[name] = Track.objects.create(
                event=event, name=name, slug=slug, order=len(by_name), **fields
            )
            result.created["tracks"] += 1
        elif colour and track.colour.lower() != colour:
            track.colour = colour
            track.save(update_fields=["colour"])
            result.updated["tracks"] += 1
    return by_name


def _unique_slug(base, taken):
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    taken.add(slug)
    return slug


def _write_speakers(schedule, result):
    people = {person.key: person for entry in schedule.entries for person in entry.persons}
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
                    slug=_unique_slug(slugify(people[key].name)[:90] or "speaker", slugs),
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


def _talk_slug(entry, schedule):
    slug = entry.slug
    for prefix in (f"{schedule.acronym}-{entry.number}-", f"{schedule.acronym}-"):
        if schedule.acronym and slug.startswith(prefix):
            slug = slug[len(prefix) :]
            break
    return slugify(slug)[:190] or slugify(entry.title)[:190] or f"talk-{entry.number}"


def _write_talks(event, schedule, rooms, tracks, result):
    guids = [entry.guid for entry in schedule.entries]
    keys = guids + [_own_guid(event, guid) for guid in guids]
    existing = {talk.uuid: talk for talk in event.talks.filter(uuid__in=keys)}
    elsewhere = set(Talk.objects.filter(uuid__in=guids).exclude(event=event).values_list("uuid", flat=True))
    slugs = set(event.talks.values_list("slug", flat=True))
    now = timezone.now()
    talks, new, changed = {}, [], []
    for entry in schedule.entries:
        values = {
            "title": entry.title,
            "abstract": entry.abstract,
            "starts_at": entry.starts_at,
            "ends_at": entry.ends_at,
            "room_id": rooms[entry.room].pk if entry.room else None,
            "track_id": tracks[entry.track].pk if entry.track else None,
            "kind": entry.kind,
            "conference_url": entry.origin_url,
            "slides_url": entry.links.get("slides_url", ""),
            "video_url": entry.links.get("video_url", ""),
        }
        talk = existing.get(entry.guid) or existing.get(_own_guid(event, entry.guid))
        if talk is None:
            guid = _own_guid(event, entry.guid) if entry.guid in elsewhere else entry.guid
            talk = Talk(
                event=event,
                uuid=guid,
                slug=_unique_slug(_talk_slug(entry, schedule), slugs),
                status=Talk.Status.PUBLISHED,
                **values,
            )
            new.append(talk)
        elif any(getattr(talk, name) != value for name, value in values.items()):
            if any(getattr(talk, name) != values[name] for name in Talk.REVISED_FIELDS if name in values):
                talk.sequence += 1
            for name, value in values.items():
                setattr(talk, name, value)
            talk.updated_at = now
            changed.append(talk)
        talks[entry.guid] = talk
    Talk.objects.bulk_create(new, batch_size=500)
    Talk.objects.bulk_update(changed, [*_TALK_FIELDS, "updated_at", "sequence"], batch_size=500)
    result.created["talks"] += len(new)
    result.updated["talks"] += len(changed)
    if new:
        # Not every database returns the new primary keys from a bulk insert.
        pks = dict(event.talks.filter(uuid__in=[talk.uuid for talk in new]).values_list("uuid", "pk"))
        for talk in new:
            talk.pk = pks[talk.uuid]
    return talks


def _write_talk_speakers(schedule, talks, speakers, result):
    wanted = {}
    for entry in schedule.entries:
        ids = list(dict.fromkeys(speakers[person.key].pk for person in entry.persons))
        wanted[talks[entry.guid].pk] = {speaker_id: position for position, speaker_id in enumerate(ids)}
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
