"""frab schedule XML (pentabarf, frab, pretalx, the c3voc tools, FOSDEM, this portal's own export), both ways:
`read()` turns a file into a Programme, `FrabXmlExporter` writes an event's schedule.

Reading takes what the portal needs and tolerates the rest: elements and attributes the c3voc schema does not
know (FOSDEM's <subtitle>, <venue>, <tracks>), guids that are not UUIDs, slugs of any shape, a missing
<version>, pentabarf's events without guid or <date>. Each departure from the schema is a note in the import's
summary, counted by kind with its first lines; `strict=True` keeps the schema check that refuses the file at its
first error. An event without a title, a start or a length is skipped and listed with its line. A file is
refused when it is not a schedule at all, when it is hostile (a DOCTYPE, entities), or when its rooms or
conference dates are what the database cannot hold.
"""

import datetime as dt
import re
import zoneinfo
from functools import cache
from pathlib import Path

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from .. import changelog
from ..models import Room
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

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "formats" / "schedule.xml.xsd"
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
_VIDEO_FILE = re.compile(r"\.(webm|mp4|mkv|ogv|m4v)$", re.IGNORECASE)
# What the schema checker's messages say, with the values that differ from one line to the next left out, so
# that 112 guids that are not UUIDs count as one kind of departure.
_QUOTED_VALUE = re.compile(r"(: |The value )'[^']*'")
_EXPECTED = re.compile(r"\s*Expected is .*$")


class FrabImportError(ProgrammeError):
    """The file cannot be imported; the message names the line and element at fault."""


@cache
def _schema():
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def parse(data):
    """The parsed document of `data` (bytes), refused when it is not well-formed XML or would read other files."""
    # No entities, no network, no DTD: an uploaded schedule cannot make the parser read anything else. lxml's
    # default limits on depth and text size stay (no huge_tree).
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        document = etree.fromstring(data, parser).getroottree()
    except etree.XMLSyntaxError as exc:
        problem = {
            "line": exc.lineno,
            "error": exc.error_log.last_error.message if exc.error_log.last_error else exc.msg,
        }
        # Translators: %(error)s is the XML parser's own explanation, in English.
        raise FrabImportError(
            _("line %(line)s: the file is not well-formed XML: %(error)s") % problem
        ) from None
    if document.docinfo.doctype:
        # Entities could pull in other files or blow up in size; schedules never need them.
        raise FrabImportError(_("a DOCTYPE declaration (<!DOCTYPE …>) is not allowed in a schedule.xml."))
    root = document.getroot()
    if root.tag != "schedule":
        raise FrabImportError(_not_a_schedule(root))
    return document


def _not_a_schedule(root):
    tag = root.tag if isinstance(root.tag, str) else "?"
    name = etree.QName(tag).localname.lower() if tag != "?" else tag
    if name == "html":
        looks = _("an HTML page (the schedule's page, perhaps, rather than its schedule.xml export)")
    elif name == "rss" or name == "feed":
        looks = _("a news feed")
    elif name in ("icalendar", "vcalendar"):
        looks = _("an xCal calendar")
    else:
        looks = _("an XML document whose root element is <%(tag)s>") % {"tag": name}
    return _(
        "line %(line)s: this is not a frab schedule.xml (its root element would be <schedule>) but %(looks)s."
    ) % {
        "line": root.sourceline,
        "looks": looks,
    }


def _kind_of_deviation(message):
    return _EXPECTED.sub("", _QUOTED_VALUE.sub(r"\1…", message)).rstrip(".")


def _check_schema(document, notes, strict):
    schema = _schema()
    if schema.validate(document):
        return
    if strict:
        problem = {"line": schema.error_log[0].line, "error": schema.error_log[0].message}
        # Translators: %(error)s is the schema checker's own explanation, in English.
        raise FrabImportError(_("line %(line)s: not a valid frab schedule.xml: %(error)s") % problem)
    for error in schema.error_log:
        if "No precomputed value available" in error.message:
            continue  # libxml2's echo of the error just before it, about the same value
        # Translators: %(error)s is the schema checker's own explanation, in English, without the values.
        notes.deviate(
            _("not as the c3voc schema has it: %(error)s") % {"error": _kind_of_deviation(error.message)},
            error.line,
        )


def _text(element, tag):
    child = element.find(tag) if element is not None else None
    return (child.text or "").strip() if child is not None else ""


def _fail(element, message):
    problem = {"line": element.sourceline, "tag": element.tag, "message": message}
    # Translators: where a schedule.xml is wrong: its line, the element (such as <date>), the problem.
    raise FrabImportError(_("line %(line)s, <%(tag)s>: %(message)s") % problem)


def _clock(value):
    match = _CLOCK.fullmatch(value.strip())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        return None
    return dt.time(int(match[1]), int(match[2]), int(match[3] or 0))


def _conference_date(conference, tag):
    value = _text(conference, tag)
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
        if not EARLIEST <= moment.replace(tzinfo=dt.UTC) <= LATEST:
            raise ValueError
    except ValueError:
        _fail(
            conference.find(tag),
            _("“%(value)s” is not a date between %(earliest)d and %(latest)d.")
            % {"value": value, "earliest": EARLIEST.year, "latest": LATEST.year},
        )
    return moment


def _tracks(root, conference):
    """Track names and colours: c3voc's <conference><track name color>, FOSDEM's <tracks><track>Name</track>."""
    tracks = {}
    for track in [
        *conference.findall("track"),
        *root.iterfind("tracks/track"),
        *conference.iterfind("tracks/track"),
    ]:
        name = (track.get("name") or track.text or "").strip()[:200]
        if name:
            colour = (track.get("color") or track.get("colour") or "").strip().lower()
            tracks.setdefault(name, colour if re.fullmatch(r"#[0-9a-f]{6}", colour) else None)
    return tracks


def read(data, *, source_key, time_zone=None, strict=False):
    """The Programme of the frab schedule.xml `data` (bytes). Times without a zone are read in the file's
    <time_zone_name> or in `time_zone`, which must agree with it; `strict` refuses the file at its first
    departure from the c3voc schema."""
    document = parse(data)
    notes = Notes()
    _check_schema(document, notes, strict)
    root = document.getroot()
    conference = root.find("conference")
    if conference is None:
        _fail(root, _("the file has no <conference>: it is not a frab schedule.xml."))
    declared = _text(conference, "time_zone_name") or None
    if declared and declared not in zoneinfo.available_timezones():
        _fail(
            conference.find("time_zone_name"),
            _("“%(zone)s” is not an IANA time zone name.") % {"zone": declared},
        )
    offsets = offsets_of(_aware(value) for value in root.iterfind("day/room/event/date"))
    zone = venue_zone(declared, time_zone, [o for o in offsets if o])
    tz = zoneinfo.ZoneInfo(zone)
    acronym = _text(conference, "acronym")
    base_url = _text(conference, "base_url")
    source = base_url or (f"acronym:{acronym}" if acronym else source_key)
    declared_change = _clock(_text(conference, "day_change"))
    rooms, talks, days = {}, [], []
    for day in root.iter("day"):
        day_date = _day_date(day, notes)
        days.append((day_date, *(local_moment(read_moment(day.get(key)), tz) for key in ("start", "end"))))
        for room in day.findall("room"):
            name = _room(room, rooms, notes)
            for element in room.findall("event"):
                talks.append(_read_event(element, day_date, name, source, tz, declared_change, notes))
    start, end = _conference_date(conference, "start"), _conference_date(conference, "end")
    programme = Programme(
        talks=drop_repeated_guids([talk for talk in talks if talk], notes),
        notes=notes,
        title=_text(conference, "title"),
        acronym=acronym,
        time_zone=zone,
        start=start and _date(start, tz),
        end=end and _date(end, tz),
        website=http(_text(conference, "url")),
        tracks=_tracks(root, conference),
        rooms=list(rooms.items()),
    )
    settle_days(programme, tz, [declared_change, *day_change_candidates(days)])
    return programme


def _date(moment, tz):
    return timezone.localtime(moment, tz).date() if moment.tzinfo else moment.date()


def _aware(element):
    return read_moment(element.text) or dt.datetime(2000, 1, 1)


def _day_date(day, notes):
    date = read_date(day.get("date") or "")
    if date is None:
        notes.deviate(_("day without a date"), day.sourceline)
    return date


def _room(room, rooms, notes):
    """The room's name ("" for the exports' placeholder: no room); `rooms` collects name → guid (add_room)."""
    name = (room.get("name") or "").strip()
    if name == exporting.PLACEHOLDER_ROOM:
        return ""
    if not name:
        _fail(room, _("a room needs a name."))
    if len(name) > Room._meta.get_field("name").max_length:
        _fail(room, _("the room name is longer than 200 characters."))
    if name.lower() == exporting.PLACEHOLDER_ROOM.lower():
        # Only the exact spelling is read as "no room"; another one would be a room of that name, which the
        # database refuses (Room's room_name_is_not_the_placeholder).
        _fail(
            room,
            _("“%(name)s” is how exports name talks without a room: write “%(placeholder)s”.")
            % {"name": name, "placeholder": exporting.PLACEHOLDER_ROOM},
        )
    guid = as_uuid(room.get("guid")) if room.get("guid") else None
    if room.get("guid") and guid is None:
        notes.deviate(_("room guid that is not a UUID"), room.sourceline)
    add_room(rooms, name, guid, room.sourceline, notes)
    return name


def _start(element, day_date, tz, declared_change, notes):
    """The event's start: its <date>, or (pentabarf) its day's date and <start>, read in the venue's zone."""
    text = _text(element, "date")
    moment = read_moment(text) if text else None
    if text and moment is None:
        notes.deviate(_("<date> that is not an ISO 8601 date and time"), element.find("date").sourceline)
    if moment is not None:
        if moment.tzinfo is None:
            notes.deviate(
                _("<date> without a UTC offset, read in the venue's zone"), element.find("date").sourceline
            )
            moment = timezone.make_aware(moment, tz)
        return moment
    clock = _clock(_text(element, "start"))
    if clock is None or day_date is None:
        return None
    if not text:
        notes.deviate(_("event without a <date>: its day's date and <start> are taken"), element.sourceline)
    # A start before the day change is the night after the day it is listed under.
    date = day_date + dt.timedelta(days=1) if declared_change and clock < declared_change else day_date
    return timezone.make_aware(dt.datetime.combine(date, clock), tz)


def _persons(element, source):
    persons = []
    for person in element.iterfind("persons/person"):
        name = " ".join((person.text or person.get("name") or "").split())
        if name:
            key = person_key(source, guid=person.get("guid"), number=person.get("id"), name=name)
            persons.append(FoundSpeaker(name[:200], key=key))
    return persons


def _links(element):
    """Slides and recording: typed <link>s and <attachment>s (the type an attribute, or since 39C3 an element),
    and FOSDEM's untyped video files."""
    links = {}
    for link in [*element.iterfind("links/link"), *element.iterfind("attachments/attachment")]:
        href = http(link.get("href"))
        kind = (link.get("type") or link.findtext("type") or "").strip().lower()
        target = LINK_FIELDS.get(kind)
        if target is None and not kind and _VIDEO_FILE.search(href.split("?")[0]):
            target = "video_url"
        if target and href:
            links.setdefault(target, href)
    return links


def _read_event(element, day_date, room, source, tz, declared_change, notes):
    """The event as a FoundTalk, or None (noted as skipped) when it lacks what the portal needs."""
    line = element.sourceline
    title = _text(element, "title")
    kind, programme_type = read_type(_text(element, "type"))
    links = _links(element)
    number = element.get("id")
    return found_talk(
        notes,
        line=line,
        label=_text(element, "slug") or number,
        title=title,
        starts_at=_start(element, day_date, tz, declared_change, notes) if title else None,
        length=read_length(_text(element, "duration")),
        uid=event_uid(
            element.get("guid"),
            source=source,
            fallback=number or f"{day_date}-{room}-{' '.join(title.split())}",
            notes=notes,
            line=line,
        ),
        room=room,
        track=_text(element, "track")[:200],
        kind=kind,
        programme_type=programme_type,
        abstract=joined_text((element.findtext("abstract") or "").strip("\n"), _text(element, "description")),
        speakers=_persons(element, source),
        conference_url=http(_text(element, "origin_url")) or http(_text(element, "url")),
        slides_url=links.get("slides_url", ""),
        video_url=links.get("video_url", ""),
        slug=_text(element, "slug"),
        number=int(number) if number and number.isdigit() else None,
        day=day_date,
    )


# The export -----------------------------------------------------------------------------------------------

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_TRACK_SLUG_XML = re.compile(r"[a-z][a-z0-9-]+")
_SLUG_XML = re.compile(r"[a-z0-9_]{4,}-[a-z0-9\-_]{4,}")


def _clean(value):
    return _NOT_XML.sub("", value or "")


def _sub(parent, tag, text=None, **attributes):
    """A child element of `parent` with `text` and `attributes`, cleaned of the characters XML forbids."""
    element = etree.SubElement(parent, tag, {key: _clean(str(value)) for key, value in attributes.items()})
    if text is not None:
        element.text = _clean(text)
    return element


class FrabXmlExporter(exporting.Exporter):
    """The frab/pretalx `schedule.xml`, valid against the c3voc schedule.xml.xsd."""

    content_type = "application/xml; charset=utf-8"
    extension = "xml"

    def render(self):
        event, base_url = self.event, self.base_url
        root = etree.Element("schedule")
        _sub(root, "generator", name=exporting.GENERATOR, version=exporting.GENERATOR_VERSION)
        _sub(root, "url", base_url + reverse("events:schedule_xml", kwargs={"event": event.slug}))
        _sub(root, "version", changelog.version_name(event))
        days = exporting.schedule_days(event, self.talks, event.rooms.all())
        conference = _sub(root, "conference")
        _sub(conference, "title", event.name)
        _sub(conference, "acronym", exporting.acronym(event))
        _sub(conference, "start", event.start_date.isoformat())
        _sub(conference, "end", event.end_date.isoformat())
        _sub(conference, "days", str(len(days)))
        _sub(conference, "timeslot_duration", "00:05")
        _sub(conference, "base_url", base_url + "/")
        _sub(
            conference,
            "url",
            event.website if exporting.is_http(event.website) else base_url + event.get_absolute_url(),
        )
        _sub(conference, "time_zone_name", event.time_zone)
        for track in event.tracks.all():
            attributes = {"name": track.name}
            if re.fullmatch(r"#[0-9a-f]{6}", track.colour.lower()):
                attributes["color"] = track.colour.lower()
            if _TRACK_SLUG_XML.fullmatch(track.slug):
                attributes["slug"] = track.slug
            _sub(conference, "track", **attributes)
        pieces = self.talk_pieces()
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
                    room_element.append(etree.fromstring(pieces[talk.pk]))
        etree.indent(root)
        return etree.tostring(root, xml_declaration=True, encoding="utf-8")

    def render_talk(self, talk):
        """The talk's <event> element, as bytes."""
        element = etree.Element("event", id=str(talk.pk), guid=str(talk.uuid))
        start = self.event.localtime(talk.starts_at)
        _sub(element, "room", self.room_name(talk))
        _sub(element, "title", talk.title)
        _sub(element, "subtitle", "")
        _sub(element, "type", exporting.kind_name(talk))
        _sub(element, "date", start.isoformat(timespec="seconds"))
        _sub(element, "start", f"{start:%H:%M}")
        _sub(element, "duration", exporting.duration(talk))
        _sub(element, "abstract", talk.abstract)
        slug = exporting.talk_slug(exporting.acronym(self.event), talk)
        if _SLUG_XML.fullmatch(slug):
            _sub(element, "slug", slug)
        _sub(element, "track", talk.track.name if talk.track else "")
        _sub(element, "language", self.event.language)
        # The portal keeps one text per talk: older importers (pretalx's import_schedule) need <description>
        # to be there and read it, so it carries the same text as <abstract>.
        _sub(element, "description", talk.abstract)
        persons = _sub(element, "persons")
        for speaker in talk.speakers.all():
            _sub(persons, "person", speaker.name, id=speaker.pk, guid=speaker.uuid)
        links = _sub(element, "links")
        for kind, title, url in exporting.links(talk):
            _sub(links, "link", title, href=url, type=kind)
        _sub(element, "url", self.talk_url(talk))
        if exporting.is_http(talk.conference_url):
            _sub(element, "origin_url", talk.conference_url)
        return etree.tostring(element, encoding="utf-8")
