"""Schedule exports for calendars and conference apps: iCalendar, frab schedule XML and c3voc schedule JSON.

One Exporter class per format; events.views.ExportView serves any of them, and a new format is a class here
and an address in events/urls.py. Exporters write the talks they are given as bytes, each talk's piece kept
in the cache under its change time (events.pagecache.per_talk), so the views only deal with HTTP.
"""

import datetime as dt
import json
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass

import icalendar
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from lxml import etree

from . import changelog, pagecache
from .models import Room
from .times import day_bounds, span_text, utc_stamp

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


class CalendarQueryError(ValueError):
    """The query string of a calendar address asks for something the event does not have."""


class ChosenTalksError(CalendarQueryError):
    """The `talks` list of a calendar address is not a list of talk slugs."""


def parse_talk_slugs(value):
    """The slugs of a `?talks=a,b` list, sorted, without repeats; anything but slugs is refused."""
    items = [item.strip() for item in value.split(",") if item.strip()]
    if len(items) > MAX_CHOSEN_TALKS:
        raise ChosenTalksError(
            ngettext(
                "At most %(count)d talk fits in one list.",
                "At most %(count)d talks fit in one list.",
                MAX_CHOSEN_TALKS,
            )
            % {"count": MAX_CHOSEN_TALKS}
        )
    for item in items:
        if not _SLUG.fullmatch(item):
            raise ChosenTalksError(
                _("The talks list takes talk slugs (letters, digits, hyphens) separated by commas.")
            )
    return tuple(sorted(set(items)))


# What a calendar address may narrow the schedule to, beside `?talks=`: the schedule page's `track`, and `room`.
CALENDAR_FILTERS = ("track", "room")


@dataclass(frozen=True)
class CalendarFilters:
    track: object = None  # a Track
    rooms: tuple = ()  # the Rooms whose names give the slug asked for

    @property
    def names(self):
        return [item.name for item in [self.track, *self.rooms] if item is not None]


def read_calendar_filters(params, event):
    """The track (by slug) and room (by Room.slug) of `event` that `params` (a QueryDict) names; a value the
    event does not have raises CalendarQueryError."""
    errors = []
    track, rooms = None, ()
    track_slug, room_slug = params.get("track", "").strip(), params.get("room", "").strip()
    not_a_slug = {
        "track": _("A track is named by its slug (letters, digits, hyphens), as the schedule's links do."),
        "room": _("A room is named by its slug (letters, digits, hyphens), as the schedule's links do."),
    }
    for name, value in [("track", track_slug), ("room", room_slug)]:
        # Only a slug reaches the database or the message (PostgreSQL refuses NUL characters outright).
        if value and not _SLUG.fullmatch(value):
            errors.append(not_a_slug[name])
    well_formed = not errors
    if track_slug and well_formed:
        track = event.tracks.filter(slug=track_slug).first()
        if track is None:
            errors.append(_("This event has no track “%(slug)s”.") % {"slug": track_slug})
    if room_slug and well_formed:
        rooms = tuple(room for room in event.rooms.all() if room.slug == room_slug)
        if not rooms:
            errors.append(_("This event has no room “%(slug)s”.") % {"slug": room_slug})
    if errors:
        raise CalendarQueryError(" ".join(errors))
    return CalendarFilters(track=track, rooms=rooms)


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


def _duration(talk):
    hours, minutes = divmod(talk.duration_minutes, 60)
    return f"{hours:02d}:{minutes:02d}"


def _kind_name(talk):
    """The talk's kind as the frab and c3voc exports name it: in English, whatever the visitor's language, since
    apps read it and every visitor gets the same file."""
    with translation.override("en"):
        return str(talk.get_kind_display())


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


class Exporter:
    """One format of an event's schedule: its content type and file name extension, and `render()`, which writes
    `talks` (published talks of `event` with their details, in schedule order) as bytes. `base_url` (scheme
    and host) makes the links absolute; `title` names a calendar of chosen talks."""

    content_type = ""
    extension = ""

    def __init__(self, event, talks, *, base_url, title=None):
        self.event = event
        self.talks = list(talks)
        self.base_url = base_url
        self.title = title

    @classmethod
    def talks_of(cls, event):
        """The talks of `event` the format lists: those that take place (the frab and c3voc formats have no
        way to say a talk was cancelled)."""
        return event.talks.published()

    def render(self):
        raise NotImplementedError

    def render_talk(self, talk):
        """The talk's own piece of the export."""
        raise NotImplementedError

    def talk_pieces(self):
        """{talk id: piece} for every talk, kept per talk and change time (events.pagecache.per_talk): after an
        edit only the edited talk's piece is made again."""
        event = self.event
        # A calendar's texts are in the visitor's language.
        vary = [
            self.base_url,
            event.slug,
            event.time_zone,
            event.venue,
            event.city,
            event.language,
            translation.get_language(),
        ]
        pieces = pagecache.per_talk(self.talks, self.render_talk, name=self.extension, vary=vary)
        return {talk.pk: piece for talk, piece in zip(self.talks, pieces, strict=True)}

    def room_name(self, talk):
        return talk.room.name if talk.room else PLACEHOLDER_ROOM

    def talk_url(self, talk):
        return self.base_url + talk.get_absolute_url()


class ICalExporter(Exporter):
    """iCalendar: one VEVENT per talk, its times in UTC.

    A local time with a TZID is ambiguous in the hour that happens twice when summer time ends, and clients
    resolve it differently (RFC 5545 takes the first occurrence, several clients the second), so every start
    and end is written as a UTC instant (`...Z`). People still see the venue's time: X-WR-TIMEZONE names the
    event's zone, and each DESCRIPTION opens with the local times and their abbreviations.

    Cancelled talks stay in with STATUS:CANCELLED, so a subscribed calendar strikes them out instead of
    silently losing them; SEQUENCE (Talk.sequence) tells it which version of an entry is newer.
    """

    content_type = "text/calendar; charset=utf-8"
    extension = "ics"
    # How often subscribed calendars should fetch the address again (RFC 7986, and Outlook's older name).
    REFRESH = dt.timedelta(hours=1)

    @classmethod
    def talks_of(cls, event):
        return event.talks.public()

    def render(self):
        event = self.event
        calendar = icalendar.Calendar()
        calendar.add("prodid", f"-//{GENERATOR}//{event.slug}//EN")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        calendar.add("x-wr-calname", self.title or event.name)
        calendar.add("x-wr-timezone", event.time_zone)
        calendar.add("refresh-interval", self.REFRESH, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", icalendar.vDuration(self.REFRESH))  # unknown to icalendar: typed here
        # The talks' VEVENTs, as icalendar writes them, go where icalendar would put them: last before the
        # calendar's END line.
        head, end = calendar.to_ical().rsplit(b"END:VCALENDAR", 1)
        return b"".join([head, *self.talk_pieces().values(), b"END:VCALENDAR", end])

    def render_talk(self, talk):
        return self.vevent(talk).to_ical()

    def vevent(self, talk):
        url = self.talk_url(talk)
        entry = icalendar.Event()
        entry.add("uid", str(talk.uuid))
        summary = talk.title
        if talk.is_cancelled:
            # Translators: the name of a cancelled talk's entry in calendars.
            summary = _("Cancelled: %(title)s") % {"title": talk.title}
        entry.add("summary", summary)
        entry.add("dtstart", talk.starts_at.astimezone(dt.UTC))
        entry.add("dtend", talk.ends_at.astimezone(dt.UTC))
        # The talk's own change time, not "now": the same schedule always renders the same bytes.
        entry.add("dtstamp", talk.updated_at.astimezone(dt.UTC))
        entry.add("last-modified", talk.updated_at.astimezone(dt.UTC))
        entry.add("sequence", talk.sequence)
        if talk.track is not None:
            entry.add("categories", [talk.track.name])
        entry.add("description", talk_description(self.event, talk, url, abstract=True))
        location = talk_location(self.event, talk)
        if location:
            entry.add("location", location)
        if talk.is_cancelled:
            entry.add("status", "CANCELLED")
            entry.add("transp", "TRANSPARENT")  # a cancelled talk leaves the time free
        else:
            entry.add("status", "CONFIRMED")
        entry.add("url", url)
        return entry


def talk_location(event, talk):
    """Room, venue and city, as calendars show a place."""
    return ", ".join(part for part in [talk.room and talk.room.name, event.venue, event.city] if part)


def talk_description(event, talk, url, *, abstract):
    """The text of a talk's calendar entry: its time at the venue (the entry's own times are UTC), the
    speakers, the abstract if `abstract`, and the talk's page."""
    when = f"{span_text(talk.starts_at, talk.ends_at, event.tzinfo)} ({event.time_zone})"
    if talk.is_cancelled:
        # Translators: the first line of a cancelled talk's calendar entry; %(when)s is the time it had.
        when = _("Cancelled. Was: %(when)s") % {"when": when}
    speakers = ", ".join(speaker.name for speaker in talk.speakers.all())
    parts = [
        when,
        speakers and _("Speakers: %(names)s") % {"names": speakers},
        abstract and talk.abstract,
        url,
    ]
    return "\n\n".join(part for part in parts if part)


def google_calendar_url(event, talk, url):
    """Google Calendar's template link that adds the talk (at `url`), with its times as UTC instants."""
    query = urlencode(
        {
            "action": "TEMPLATE",
            "text": talk.title,
            "dates": f"{utc_stamp(talk.starts_at)}/{utc_stamp(talk.ends_at)}",
            # No abstract: the whole link has to stay short enough for every browser.
            "details": talk_description(event, talk, url, abstract=False),
            "location": talk_location(event, talk),
        }
    )
    return f"https://calendar.google.com/calendar/render?{query}"


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


# frab schedule XML ----------------------------------------------------------------------------------


def _text(value):
    return _NOT_XML.sub("", value or "")


def _sub(parent, tag, text=None, **attributes):
    """A child element of `parent` with `text` and `attributes`, cleaned of the characters XML forbids."""
    element = etree.SubElement(parent, tag, {key: _text(str(value)) for key, value in attributes.items()})
    if text is not None:
        element.text = _text(text)
    return element


class FrabXmlExporter(Exporter):
    """The frab/pretalx `schedule.xml`, valid against the c3voc schedule.xml.xsd."""

    content_type = "application/xml; charset=utf-8"
    extension = "xml"

    def render(self):
        event, base_url = self.event, self.base_url
        root = etree.Element("schedule")
        _sub(root, "generator", name=GENERATOR, version=GENERATOR_VERSION)
        _sub(root, "url", base_url + reverse("events:schedule_xml", kwargs={"event": event.slug}))
        _sub(root, "version", changelog.version_name(event))
        days = schedule_days(event, self.talks, event.rooms.all())
        conference = _sub(root, "conference")
        _sub(conference, "title", event.name)
        _sub(conference, "acronym", acronym(event))
        _sub(conference, "start", event.start_date.isoformat())
        _sub(conference, "end", event.end_date.isoformat())
        _sub(conference, "days", str(len(days)))
        _sub(conference, "timeslot_duration", "00:05")
        _sub(conference, "base_url", base_url + "/")
        _sub(
            conference,
            "url",
            event.website if _is_http(event.website) else base_url + event.get_absolute_url(),
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
        _sub(element, "type", _kind_name(talk))
        _sub(element, "date", start.isoformat(timespec="seconds"))
        _sub(element, "start", f"{start:%H:%M}")
        _sub(element, "duration", _duration(talk))
        _sub(element, "abstract", talk.abstract)
        slug = talk_slug(acronym(self.event), talk)
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
        for kind, title, url in _links(talk):
            _sub(links, "link", title, href=url, type=kind)
        _sub(element, "url", self.talk_url(talk))
        if _is_http(talk.conference_url):
            _sub(element, "origin_url", talk.conference_url)
        return etree.tostring(element, encoding="utf-8")


# c3voc schedule JSON --------------------------------------------------------------------------------


class C3vocJsonExporter(Exporter):
    """The c3voc `schedule.json`, valid against the c3voc schema.json (formats included)."""

    content_type = "application/json"
    extension = "json"

    def render(self):
        event, base_url = self.event, self.base_url
        days = schedule_days(event, self.talks, event.rooms.all())
        pieces = self.talk_pieces()
        conference = {
            "acronym": acronym(event),
            "title": event.name,
            "start": event.start_date.isoformat(),
            "end": event.end_date.isoformat(),
            "daysCount": len(days),
            "timeslot_duration": "00:05",
            "url": event.website if _is_http(event.website) else base_url + event.get_absolute_url(),
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
            "generator": {"name": GENERATOR, "version": GENERATOR_VERSION},
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
            "duration": _duration(talk),
            "room": self.room_name(talk),
            "slug": talk_slug(acronym(self.event), talk),
            "url": self.talk_url(talk),
            "title": talk.title,
            "subtitle": "",
            "track": talk.track.name if talk.track else None,
            "type": _kind_name(talk),
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
            "links": [{"url": url, "type": kind, "title": title} for kind, title, url in _links(talk)],
        }
        if _is_http(talk.conference_url):
            item["origin_url"] = talk.conference_url
        return item
