"""c3voc schedule JSON (pretalx, frab, the CCC congresses' hub, this portal's own export), both ways: `read()`
turns a schedule.json into a Programme, `C3vocJsonExporter` writes an event's schedule.

Reading is as tolerant as the frab reader's (events/exchange/frab.py): what the portal needs is read, the rest
is left alone, and an event without a title, a start or a length is skipped and listed. JSON gives no line
numbers to objects, so an event's line is that of its "duration" (every event has one, nothing else does).
"""

import datetime as dt
import json
import re
import zoneinfo

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import changelog
from . import exporting
from .programme import (
    EARLIEST,
    LATEST,
    FoundSpeaker,
    FoundTalk,
    Notes,
    Programme,
    ProgrammeError,
    as_uuid,
    check_range,
    choose_day_change,
    derived_uuid,
    http,
    note_days,
    offsets_of,
    read_type,
    venue_zone,
)

_DURATION = re.compile(r"(\d{1,3}):(\d{2})(?::(\d{1,2}))?")
_DURATION_KEY = re.compile(r'"duration"\s*:')
_LINK_FIELDS = {"slides": "slides_url", "media": "video_url", "video": "video_url", "recording": "video_url"}
_SLUG_JSON = re.compile(r"[a-z0-9_-]+[a-z0-9]")
# The c3voc JSON pattern for time_zone_name, applied as jsonschema does (a search, unanchored alternation).
_TIME_ZONE_JSON = re.compile(r"^([A-Z][a-z]+/[A-Z][a-z]+)|UTC$")


def _moment(value):
    try:
        return dt.datetime.fromisoformat(str(value or "").strip())
    except ValueError:
        return None


def _str(value):
    return str(value).strip() if isinstance(value, str | int | float) else ""


def read(data, *, source_key, time_zone=None):
    """The Programme of the c3voc schedule.json `data` (bytes); times without an offset are read in the file's
    time_zone_name or in `time_zone`, which must agree with it."""
    try:
        text = data.decode("utf-8-sig")
        document = json.loads(text)
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
    lines = iter(text[: match.start()].count("\n") + 1 for match in _DURATION_KEY.finditer(text))
    notes = Notes()
    days = [day for day in conference.get("days") or [] if isinstance(day, dict)]
    events = [
        (day, room, item)
        for day in days
        for room, items in (day.get("rooms") or {}).items()
        for item in (items if isinstance(items, list) else [])
        if isinstance(item, dict)
    ]
    declared = _str(conference.get("time_zone_name")) or None
    offsets = offsets_of(moment for _day, _room, item in events if (moment := _moment(item.get("date"))))
    zone = venue_zone(declared, time_zone, [o for o in offsets if o])
    tz = zoneinfo.ZoneInfo(zone)
    acronym = _str(conference.get("acronym"))
    source = _str(schedule.get("base_url")) or (f"acronym:{acronym}" if acronym else source_key)
    talks, guids, day_ends, day_starts = [], {}, [], []
    for day in days:
        date = _day_date(day)
        for key, times in (("day_start", day_starts), ("day_end", day_ends)):
            moment = _moment(day.get(key))
            if moment and moment.tzinfo and date:
                local = moment.astimezone(tz)
                if key == "day_start" or local.date() > date:
                    times.append(local.time().replace(microsecond=0))
    rooms = {}
    for room in conference.get("rooms") or []:
        if isinstance(room, dict) and _str(room.get("name")) not in ("", exporting.PLACEHOLDER_ROOM):
            rooms.setdefault(_str(room["name"]), as_uuid(room.get("guid")))
    for day, room, item in events:
        line = next(lines, 0) if "duration" in item else 0
        room = "" if room == exporting.PLACEHOLDER_ROOM else room[:200]
        if room:
            rooms.setdefault(room, None)
        talk = _read_event(item, _day_date(day), room, source, tz, line, notes)
        if talk is None:
            continue
        if talk.uid in guids:
            notes.skip(
                line,
                talk.title,
                _("it repeats the guid of the event on line %(line)d.") % {"line": guids[talk.uid]},
            )
            continue
        guids[talk.uid] = line
        talks.append(talk)
    programme = Programme(
        talks=talks,
        notes=notes,
        title=_str(conference.get("title")),
        acronym=acronym,
        time_zone=zone,
        start=_conference_date(conference.get("start"), tz),
        end=_conference_date(conference.get("end"), tz),
        website=http(_str(conference.get("url"))),
        tracks={
            _str(track.get("name"))[:200]: (_str(track.get("color")).lower() or None)
            for track in conference.get("tracks") or []
            if isinstance(track, dict) and _str(track.get("name"))
        },
        rooms=[(name, guid) for name, guid in rooms.items()],
    )
    programme.day_change = choose_day_change(
        talks, tz, [*sorted(day_ends, reverse=True), min(day_starts, default=None)]
    )
    note_days(programme, tz)
    return programme


def _day_date(day):
    try:
        return dt.date.fromisoformat(_str(day.get("date")))
    except ValueError:
        return None


def _conference_date(value, tz):
    moment = _moment(value)
    if moment is None or not EARLIEST <= moment.replace(tzinfo=dt.UTC) <= LATEST:
        return None
    return timezone.localtime(moment, tz).date() if moment.tzinfo else moment.date()


def _read_event(item, day_date, room, source, tz, line, notes):
    title = " ".join(_str(item.get("title")).split())
    if not title:
        notes.skip(line, _str(item.get("slug")) or _str(item.get("id")) or "?", _("it has no title."))
        return None
    title = title[:300]
    starts_at = _moment(item.get("date"))
    if starts_at is not None and starts_at.tzinfo is None:
        notes.deviate(_("<date> without a UTC offset, read in the venue's zone"), line)
        starts_at = timezone.make_aware(starts_at, tz)
    if (
        starts_at is None
        and day_date
        and (match := re.fullmatch(r"(\d{1,2}):(\d{2})", _str(item.get("start"))))
    ):
        starts_at = timezone.make_aware(
            dt.datetime.combine(day_date, dt.time(int(match[1]), int(match[2]))), tz
        )
    if starts_at is None:
        notes.skip(line, title, _("it has no start (<date>, or its day's date and <start>)."))
        return None
    match = _DURATION.fullmatch(_str(item.get("duration")))
    if not match:
        notes.skip(line, title, _("it has no length (<duration> such as 00:45)."))
        return None
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    length = dt.timedelta(hours=hours, minutes=minutes, seconds=seconds)
    ends_at = starts_at + length if starts_at <= LATEST - length else LATEST + length
    if problem := check_range(starts_at, ends_at):
        notes.skip(line, title, problem)
        return None
    guid = _str(item.get("guid"))
    uid = as_uuid(guid)
    if uid is None:
        if guid:
            notes.deviate(_("event guid that is not a UUID (a UUID is derived from it)"), line)
            uid = derived_uuid(source, f"event-guid-{guid}")
        else:
            notes.deviate(_("event without a guid (one is derived from its id)"), line)
            uid = derived_uuid(source, f"event-{_str(item.get('id')) or f'{day_date}-{room}-{title}'}")
    abstract = (item.get("abstract") or "").strip("\n") if isinstance(item.get("abstract"), str) else ""
    description = _str(item.get("description"))
    if description and description != abstract.strip():
        abstract = f"{abstract}\n\n{description}" if abstract else description
    links = {}
    for link in [*(item.get("links") or []), *(item.get("attachments") or [])]:
        if isinstance(link, dict):
            target = _LINK_FIELDS.get(_str(link.get("type")).lower())
            if target and http(_str(link.get("url"))):
                links.setdefault(target, http(_str(link.get("url"))))
    kind, programme_type = read_type(_str(item.get("type")))
    number = _str(item.get("id"))
    return FoundTalk(
        uid=uid,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        room=room,
        track=_str(item.get("track"))[:200],
        kind=kind,
        programme_type=programme_type,
        abstract=abstract,
        speakers=_persons(item, source),
        conference_url=http(_str(item.get("origin_url"))) or http(_str(item.get("url"))),
        slides_url=links.get("slides_url", ""),
        video_url=links.get("video_url", ""),
        line=line,
        slug=_str(item.get("slug")),
        number=int(number) if number.isdigit() else None,
        day=day_date,
    )


def _persons(item, source):
    persons = []
    for person in item.get("persons") or []:
        if isinstance(person, str):
            person = {"name": person}
        if not isinstance(person, dict):
            continue
        name = " ".join((_str(person.get("public_name")) or _str(person.get("name"))).split())
        if not name:
            continue
        guid, number = _str(person.get("guid")), _str(person.get("id"))
        if as_uuid(guid):
            key = as_uuid(guid)
        elif guid or number:
            key = derived_uuid(source, f"person-guid-{guid}" if guid else f"person-{number}")
        else:
            key = derived_uuid(source, f"person-name-{name}")
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
