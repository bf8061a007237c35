"""iCalendar (Sched, pretalx, PyCon, most schedule tools), both ways: `read()` turns a calendar into a
Programme of talks, `ICalExporter` writes an event's calendars.

What is read from a VEVENT: SUMMARY (title), DTSTART and DTEND or DURATION (with a TZID and its VTIMEZONE, in
UTC, or floating: then read in the venue's zone), LOCATION (room), DESCRIPTION (abstract), CATEGORIES (the
first is the track), URL (the talk's page at the conference) and UID. Speakers come from CONTACT lines, from
ATTENDEE lines with a CN and from a line "Speakers: Ana Sample (Isovalent); Liz Example" in the description.
All-day entries (the conference's days, a party) are no talks and are left out, as are cancelled ones; an
entry without a length (a milestone that ends when it starts), a title or a UID is skipped and listed with its
line. A file whose lines or BEGIN/END nesting are broken is refused, naming the line.
"""

import datetime as dt
import re
import unicodedata
import zoneinfo

import icalendar
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from ..models import Room, Talk
from ..text import plain_text
from ..times import span_text, utc_stamp
from . import exporting
from .programme import (
    EARLIEST,
    LATEST,
    FoundSpeaker,
    FoundTalk,
    Notes,
    Programme,
    ProgrammeError,
    http,
    venue_zone,
)

_SPEAKERS_LINE = re.compile(r"^\s*speakers?\s*:\s*(?P<names>.+?)\s*$", re.IGNORECASE | re.MULTILINE)
_AFFILIATION = re.compile(r"^(?P<name>.+?)\s*\((?P<affiliation>[^()]*)\)$")
_CONTENT_LINE = re.compile(r"(?P<name>[A-Za-z0-9-]+)[;:]")


class _Skip(Exception):
    """This entry is left out of the import, for the reason given."""


def read(data, *, tz, time_zone=None):
    """The Programme of the iCalendar file `data` (bytes); floating times are read in `time_zone` when given
    (it must agree with the calendar's X-WR-TIMEZONE), else in `tz`. See the module's docstring."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ProgrammeError(_("line %(line)d: the file is not UTF-8 text.") % {"line": line}) from None
    lines = _check_ical_structure(text)
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except ValueError as exc:
        # Translators: %(error)s is the iCalendar reader's own explanation, in English.
        message = _("the file is not a valid iCalendar file: %(error)s") % {"error": exc}
        raise ProgrammeError(message) from None
    declared = str(calendar.get("X-WR-TIMEZONE", "")).strip() or None
    if declared or time_zone:
        # The calendar's own zone, when it names one IANA knows, must agree with the one given.
        zone = venue_zone(declared if declared in zoneinfo.available_timezones() else None, time_zone, ["?"])
        tz = zoneinfo.ZoneInfo(zone)
    talks, seen, notes = [], {}, Notes()
    for component, where in zip(calendar.walk("VEVENT"), lines, strict=True):
        try:
            talk = _read_vevent(component, where, tz)
            if talk is not None and talk.uid in seen:
                _fail(
                    where,
                    "UID",
                    _("the UID “%(uid)s” is already the UID of the event on line %(line)d.")
                    % {"uid": talk.uid, "line": seen[talk.uid]},
                )
        except _Skip as skip:
            line, reason = skip.args
            title = (
                " ".join(str(component.get("SUMMARY", "")).split()) or str(component.get("UID", "")) or "?"
            )
            notes.skip(line, title[:300], reason)
            continue
        if talk is None:
            continue
        seen[talk.uid] = talk.line
        talks.append(talk)
    return Programme(talks=talks, notes=notes, time_zone=str(tz))


def _check_ical_structure(text):
    """Check every content line and the nesting of BEGIN and END, so that mistakes are named by line; returns,
    for each VEVENT, the line number of BEGIN and of the first line of each of its properties."""
    stack, events = [], []
    # Lines end in CRLF or LF only: a form feed or U+2028 pasted into a description is part of the text.
    for number, line in enumerate(text.split("\n"), 1):
        line = line.removesuffix("\r")
        if not line.strip() or line[0] in " \t":  # blank, or the continuation of a folded line
            continue
        match = _CONTENT_LINE.match(line)
        if not match:
            raise ProgrammeError(
                _("line %(line)d: “%(text)s” is not an iCalendar line (NAME:value).")
                % {"line": number, "text": line[:60]}
            )
        name = match["name"].upper()
        value = line.partition(":")[2].strip().upper()
        if name == "BEGIN":
            if value == "VEVENT" and stack and stack[-1][0] == "VEVENT":
                raise ProgrammeError(
                    _(
                        "line %(line)d: BEGIN:VEVENT inside the VEVENT of line %(begin)d, which has no END:VEVENT."
                    )
                    % {"line": number, "begin": stack[-1][1]}
                )
            stack.append((value, number))
            if value == "VEVENT":
                events.append({"BEGIN": number})
        elif name == "END":
            if not stack:
                raise ProgrammeError(
                    _("line %(line)d: END:%(value)s where the end of the file was expected.")
                    % {"line": number, "value": value}
                )
            if stack[-1][0] != value:
                raise ProgrammeError(
                    _("line %(line)d: END:%(value)s where END:%(expected)s was expected.")
                    % {"line": number, "value": value, "expected": stack[-1][0]}
                )
            stack.pop()
        elif stack and stack[-1][0] == "VEVENT":
            events[-1].setdefault(name, number)
    if stack:
        raise ProgrammeError(
            _("line %(line)d: BEGIN:%(name)s is never ended (END:%(name)s).")
            % {"line": stack[-1][1], "name": stack[-1][0]}
        )
    return events


def _fail(where, name, message):
    """Leave the entry out, saying why: its property (such as DTSTART) and the problem."""
    # Translators: why a calendar entry is left out of an import: the iCalendar property (such as DTSTART), the
    # problem.
    raise _Skip(
        where.get(name, where["BEGIN"]), _("%(name)s: %(message)s") % {"name": name, "message": message}
    )


def _value(component, name, where):
    try:
        prop = component.get(name)
        return prop.dt if hasattr(prop, "dt") else prop
    except ValueError as exc:
        # Translators: %(error)s is the iCalendar reader's own explanation, in English.
        _fail(where, name, _("cannot be read: %(error)s") % {"error": exc})


def _text(component, name, where):
    """The text of property `name`, or ""; refused when it is given twice or holds control characters (which
    PostgreSQL cannot store, and nobody means)."""
    value = component.get(name)
    if isinstance(value, list):
        _fail(where, name, _("is given more than once in one event."))
    text = str(value).strip() if value is not None else ""
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in text):
        _fail(where, name, _("holds control characters."))
    return text


def _read_vevent(component, where, tz):
    starts_at = _value(component, "DTSTART", where)
    if starts_at is None:
        _fail(where, "BEGIN", _("the event has no start (DTSTART)."))
    if not isinstance(starts_at, dt.datetime):
        return None  # an all-day entry: the conference's days, a party, not a talk
    if _text(component, "STATUS", where).upper() == "CANCELLED" or component.get("RECURRENCE-ID") is not None:
        return None
    ends_at = _value(component, "DTEND", where)
    if ends_at is None and component.get("DURATION") is not None:
        duration = _value(component, "DURATION", where)
        if not isinstance(duration, dt.timedelta):
            _fail(where, "DURATION", _("is not a length of time such as PT30M."))
        try:
            ends_at = starts_at + duration
        except OverflowError:
            _fail(
                where,
                "DURATION",
                _("the event would end after the year %(year)d.") % {"year": LATEST.year},
            )
    if not isinstance(ends_at, dt.datetime):
        _fail(where, "DTSTART", _("the event has no end time (DTEND or DURATION): a milestone, not a talk."))
    # Floating times (no zone, no Z) are the venue's wall-clock times.
    starts_at, ends_at = (
        value if value.tzinfo else timezone.make_aware(value, tz) for value in (starts_at, ends_at)
    )
    name = "DTSTART"
    for value in (starts_at, ends_at):
        # Compared before converting: the year 1 in a zone east of UTC is before what datetime can hold in UTC.
        if not EARLIEST <= value <= LATEST:
            _fail(
                where,
                name,
                _("the time is not between the years %(earliest)d and %(latest)d.")
                % {"earliest": EARLIEST.year, "latest": LATEST.year},
            )
        name = "DTEND" if "DTEND" in where else "DURATION"
    starts_at, ends_at = starts_at.astimezone(dt.UTC), ends_at.astimezone(dt.UTC)
    if ends_at <= starts_at:
        _fail(where, name, _("the event has no length: it ends when it starts (a milestone, not a talk)."))
    uid = _text(component, "UID", where)
    if not uid:
        _fail(
            where, "BEGIN", _("the event has no UID, which tells it apart when the file is imported again.")
        )
    if len(uid) > Talk._meta.get_field("source_uid").max_length:
        _fail(where, "UID", _("the UID is longer than 255 characters."))
    title = " ".join(_text(component, "SUMMARY", where).split())
    if not title:
        _fail(where, "BEGIN", _("the event has no title (SUMMARY)."))
    if len(title) > Talk._meta.get_field("title").max_length:
        _fail(where, "SUMMARY", _("the title is longer than 300 characters."))
    room = _room(_text(component, "LOCATION", where))
    if len(room) > Room._meta.get_field("name").max_length:
        _fail(where, "LOCATION", _("the room name is longer than 200 characters."))
    description = _text(component, "DESCRIPTION", where)
    speakers = [
        FoundSpeaker(" ".join(str(contact).split())[:200])
        for contact in _list(component.get("CONTACT"))
        if str(contact).strip()
    ]
    speakers += [
        FoundSpeaker(" ".join(str(attendee.params["CN"]).split())[:200])
        for attendee in _list(component.get("ATTENDEE"))
        if attendee.params.get("CN", "").strip()
    ]
    for match in _SPEAKERS_LINE.finditer(description):
        for item in match["names"].split(";"):
            named = _AFFILIATION.match(item.strip())
            name, affiliation = (named["name"], named["affiliation"]) if named else (item, "")
            if name.strip():
                speakers.append(
                    FoundSpeaker(" ".join(name.split())[:200], " ".join(affiliation.split())[:200])
                )
    unique = {speaker.name.casefold(): speaker for speaker in reversed(speakers)}
    categories = component.get("CATEGORIES")
    categories = categories[0] if isinstance(categories, list) else categories
    track = str(categories.cats[0]).strip()[:200] if categories is not None and categories.cats else ""
    return FoundTalk(
        uid=uid,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        room=room,
        speakers=[unique[key] for key in dict.fromkeys(s.name.casefold() for s in speakers)],
        abstract=_SPEAKERS_LINE.sub("", description).strip(),
        track=track,
        conference_url=http(
            _text(component, "URL", where), max_length=Talk._meta.get_field("conference_url").max_length
        ),
        line=where["BEGIN"],
    )


def _list(value):
    return value if isinstance(value, list) else [] if value is None else [value]


def _room(name):
    name = " ".join(name.split())
    # The exports' stand-in for "no room" is no room here, however it is spelled.
    return "" if name.casefold() == Room.PLACEHOLDER_NAME.casefold() else name


# The export -----------------------------------------------------------------------------------------------


class ICalExporter(exporting.Exporter):
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
        calendar.add("prodid", f"-//{exporting.GENERATOR}//{event.slug}//EN")
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
        # One CONTACT per speaker: a name with a comma in it ("Jann Traschewski, DG8NGN") stays one name,
        # escaped as TEXT values are (RFC 5545 3.3.11), where a list in one line could not tell.
        for speaker in talk.speakers.all():
            entry.add("contact", speaker.name)
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
    # Semicolons between the names, as Sched writes them and the import reads them: names hold commas.
    speakers = "; ".join(speaker.name for speaker in talk.speakers.all())
    parts = [
        when,
        speakers and _("Speakers: %(names)s") % {"names": speakers},
        # Calendars show no markup: an abstract in Markdown or a programme's HTML is given as plain text.
        abstract and plain_text(talk.abstract),
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
