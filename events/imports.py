"""Talks brought in from a conference's own programme: a frab schedule.xml (pretalx, frab) or an iCalendar
file (Sched and most schedule tools), read into plain values, picked, and written into one event.

Unlike import_frab, which copies a whole conference, this picks the community's own talks out of a big
programme. A talk is matched by the UID (iCalendar) or guid (frab) the programme gives it, stored in
Talk.source_uid, so importing the same programme again updates the talks instead of adding them twice.
A file is read completely before anything is written, and written in one transaction; a mistake in it is
reported with its line.

What is read from an iCalendar VEVENT: SUMMARY (title), DTSTART and DTEND or DURATION (with a TZID and its
VTIMEZONE, in UTC, or floating: then read in the event's zone), LOCATION (room), DESCRIPTION (abstract),
URL (the talk's page at the conference) and UID. Speakers come from ATTENDEE lines with a CN and from a line
"Speakers: Ana Sample (Isovalent); Liz Example" in the description. All-day entries (a date without a time:
the conference's days, a party) are no talks and are left out, as are cancelled ones.
"""

import datetime as dt
import io
import ipaddress
import re
import time
import unicodedata
import urllib.error
import urllib.request
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from http.client import HTTPConnection, HTTPSConnection

import icalendar
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import frab, matching
from .models import Room, Speaker, Talk, TalkSpeaker

_SPEAKERS_LINE = re.compile(r"^\s*speakers?\s*:\s*(?P<names>.+?)\s*$", re.IGNORECASE | re.MULTILINE)
_AFFILIATION = re.compile(r"^(?P<name>.+?)\s*\((?P<affiliation>[^()]*)\)$")
_CONTENT_LINE = re.compile(r"(?P<name>[A-Za-z0-9-]+)[;:]")


class ProgrammeError(Exception):
    """The programme cannot be read or fetched; the message says why, with the line where there is one."""


@dataclass
class FoundSpeaker:
    name: str
    affiliation: str = ""


@dataclass
class FoundTalk:
    """One talk of a programme, as plain values; `line` is where it starts in the file."""

    uid: str
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    room: str = ""
    speakers: list = field(default_factory=list)
    abstract: str = ""
    url: str = ""
    line: int = 0

    def matches(self, query):
        """Whether a word or phrase of `query` is in the title, the abstract, a speaker's name or affiliation."""
        return matching.matches(query, matching.talk_texts(self))

    def to_json(self):
        return {**asdict(self), "starts_at": self.starts_at.isoformat(), "ends_at": self.ends_at.isoformat()}

    @classmethod
    def from_json(cls, data):
        return cls(
            **{
                **data,
                "starts_at": dt.datetime.fromisoformat(data["starts_at"]),
                "ends_at": dt.datetime.fromisoformat(data["ends_at"]),
                "speakers": [FoundSpeaker(**speaker) for speaker in data["speakers"]],
            }
        )


def read_programme(data, *, tz):
    """The talks of a frab schedule.xml or iCalendar file given as bytes; floating times are read in `tz`."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:100]
    if head.startswith(b"<"):
        return read_frab(data)
    if head.upper().startswith(b"BEGIN:VCALENDAR"):
        return read_ical(data, tz=tz)
    raise ProgrammeError(
        _(
            "line 1: this is neither a frab schedule.xml (it would start with <) nor an iCalendar file "
            "(it would start with BEGIN:VCALENDAR)."
        )
    )


def read_frab(data):
    """The talks of a frab schedule.xml, checked as import_frab checks it."""
    try:
        schedule = frab.read_schedule(frab.parse_file(io.BytesIO(data)), source_key="import")
    except frab.FrabImportError as exc:
        raise ProgrammeError(str(exc)) from None
    return [
        FoundTalk(
            uid=str(entry.guid),
            title=entry.title,
            starts_at=entry.starts_at.astimezone(dt.UTC),
            ends_at=entry.ends_at.astimezone(dt.UTC),
            room=entry.room or "",
            speakers=[FoundSpeaker(person.name) for person in entry.persons],
            abstract=entry.abstract,
            url=entry.origin_url,
            line=entry.line,
        )
        for entry in schedule.entries
    ]


def read_ical(data, *, tz):
    """The talks of an iCalendar file; see the module's docstring for what is read from where."""
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
    talks, seen = [], {}
    for component, where in zip(calendar.walk("VEVENT"), lines, strict=True):
        talk = _read_vevent(component, where, tz)
        if talk is None:
            continue
        if talk.uid in seen:
            _fail(
                where,
                "UID",
                _("the UID “%(uid)s” is already the UID of the event on line %(line)d.")
                % {"uid": talk.uid, "line": seen[talk.uid]},
            )
        seen[talk.uid] = talk.line
        talks.append(talk)
    return talks


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
    problem = {"line": where.get(name, where["BEGIN"]), "name": name, "message": message}
    # Translators: where a programme is wrong: its line, the iCalendar property (such as DTSTART), the problem.
    raise ProgrammeError(_("line %(line)d, %(name)s: %(message)s") % problem)


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
                _("the event would end after the year %(year)d.") % {"year": frab.LATEST.year},
            )
    if not isinstance(ends_at, dt.datetime):
        _fail(where, "BEGIN", _("the event has no end time (DTEND or DURATION)."))
    # Floating times (no zone, no Z) are the venue's wall-clock times.
    starts_at, ends_at = (
        value if value.tzinfo else timezone.make_aware(value, tz) for value in (starts_at, ends_at)
    )
    name = "DTSTART"
    for value in (starts_at, ends_at):
        # Compared before converting: the year 1 in a zone east of UTC is before what datetime can hold in UTC.
        if not frab.EARLIEST <= value <= frab.LATEST:
            _fail(
                where,
                name,
                _("the time is not between the years %(earliest)d and %(latest)d.")
                % {"earliest": frab.EARLIEST.year, "latest": frab.LATEST.year},
            )
        name = "DTEND" if "DTEND" in where else "DURATION"
    starts_at, ends_at = starts_at.astimezone(dt.UTC), ends_at.astimezone(dt.UTC)
    if ends_at <= starts_at:
        _fail(where, name, _("the event must end after it starts."))
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
    return FoundTalk(
        uid=uid,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        room=room,
        speakers=[unique[key] for key in dict.fromkeys(s.name.casefold() for s in speakers)],
        abstract=_SPEAKERS_LINE.sub("", description).strip(),
        url=_http(_text(component, "URL", where)),
        line=where["BEGIN"],
    )


def _list(value):
    return value if isinstance(value, list) else [] if value is None else [value]


def _room(name):
    name = " ".join(name.split())
    # The exports' stand-in for "no room" is no room here, however it is spelled.
    return "" if name.casefold() == Room.PLACEHOLDER_NAME.casefold() else name


def _http(value):
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        return ""
    return value if len(value) <= Talk._meta.get_field("conference_url").max_length else ""


# Fetching a programme by its address -------------------------------------------------------------------


class _PublicOnly:
    """Connects, then refuses a peer that is not a public address: the check sees the address actually
    connected to, so a name that resolves to a private address (or changes to one) cannot reach inside."""

    def connect(self):
        super().connect()
        address = ipaddress.ip_address(self.sock.getpeername()[0])
        if not settings.IMPORT_ALLOW_PRIVATE_ADDRESSES and not address.is_global:
            self.sock.close()
            raise ProgrammeError(
                _("%(host)s is a private or local address (%(address)s); give a public one.")
                % {"host": self.host, "address": address}
            )


class _PublicHTTPConnection(_PublicOnly, HTTPConnection):
    pass


class _PublicHTTPSConnection(_PublicOnly, HTTPSConnection):
    pass


class _PublicHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_PublicHTTPConnection, req)


class _PublicHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_PublicHTTPSConnection, req, context=self._context)


def _opener():
    # Only http and https, also after a redirect: no file:, ftp: or data: handlers.
    opener = urllib.request.OpenerDirector()
    for handler in (
        _PublicHTTPHandler(),
        _PublicHTTPSHandler(),
        urllib.request.HTTPRedirectHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


def fetch_programme(address):
    """The bytes at an http(s) address, within IMPORT_TIMEOUT seconds and IMPORT_MAX_MB megabytes."""
    try:
        URLValidator(schemes=["http", "https"])(address)
    except ValidationError:
        raise ProgrammeError(
            _("“%(address)s” is not an http:// or https:// address.") % {"address": address}
        ) from None
    limit, seconds = settings.IMPORT_MAX_MB * 1024 * 1024, settings.IMPORT_TIMEOUT
    deadline = time.monotonic() + seconds
    request = urllib.request.Request(
        address, headers={"User-Agent": "community-event-portal (talk import)", "Accept-Encoding": "identity"}
    )
    try:
        with _opener().open(request, timeout=seconds) as response:
            chunks, size = [], 0
            # read1: at most one read from the socket, so a server trickling bytes meets the deadline too.
            while chunk := response.read1(64 * 1024):
                size += len(chunk)
                if size > limit:
                    raise ProgrammeError(
                        _("%(address)s sends more than %(limit)d MB.")
                        % {"address": address, "limit": settings.IMPORT_MAX_MB}
                    )
                if time.monotonic() > deadline:
                    raise TimeoutError
                chunks.append(chunk)
    except urllib.error.HTTPError as exc:
        status = f"{exc.code} {exc.reason}"
        # Translators: %(status)s is the HTTP status the server answered, such as “404 Not Found”.
        message = _("%(address)s answered %(status)s.") % {"address": address, "status": status}
        raise ProgrammeError(message) from None
    except TimeoutError:
        raise ProgrammeError(_no_answer(address, seconds)) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise ProgrammeError(_no_answer(address, seconds)) from None
        raise ProgrammeError(_unreachable(address, reason)) from None
    except OSError as exc:
        raise ProgrammeError(_unreachable(address, exc)) from None
    return b"".join(chunks)


def _no_answer(address, seconds):
    return ngettext(
        # Translators: the English text is the same for any count; give each plural form its own wording.
        "%(address)s did not answer within %(seconds)d seconds.",
        "%(address)s did not answer within %(seconds)d seconds.",
        seconds,
    ) % {"address": address, "seconds": seconds}


def _unreachable(address, reason):
    # Translators: %(reason)s is the system's own explanation, in English, such as “Connection refused”.
    return _("%(address)s cannot be reached: %(reason)s.") % {"address": address, "reason": reason}


# Writing the chosen talks --------------------------------------------------------------------------------


@dataclass
class ImportResult:
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
    cancelled), and gets the programme's title, times, room, abstract, link and speakers."""
    result = ImportResult()
    with transaction.atomic():
        existing = {
            talk.source_uid: talk for talk in event.talks.filter(source_uid__in=[item.uid for item in found])
        }
        # import_frab keeps a frab guid as the talk's own uuid: those talks are the same talks too.
        for talk in event.talks.filter(
            source_uid="", uuid__in=[_uuid(item.uid) for item in found if _uuid(item.uid)]
        ):
            existing.setdefault(str(talk.uuid), talk)
        rooms = {room.name.casefold(): room for room in event.rooms.all()}
        slugs = set(event.talks.values_list("slug", flat=True))
        speakers = {}
        for item in found:
            values = {
                "source_uid": item.uid,
                "title": item.title,
                "abstract": item.abstract,
                "starts_at": item.starts_at,
                "ends_at": item.ends_at,
                "room": _room_of(event, item.room, rooms, result),
                "conference_url": item.url,
            }
            talk, changed = existing.get(item.uid), False
            is_new = talk is None
            if is_new:
                slug = frab._unique_slug(slugify(item.title)[:190] or "talk", slugs)
                talk = Talk.objects.create(event=event, slug=slug, status=status, **values)
                existing[item.uid] = talk
                result.created["talks"] += 1
            elif any(getattr(talk, name) != value for name, value in values.items()):
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
            if not event.start_date <= event.localtime(item.starts_at).date() <= event.end_date:
                result.outside.append(item.title)
    return result


def _uuid(value):
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def _room_of(event, name, rooms, result):
    if not name:
        return None
    room = rooms.get(name.casefold())
    if room is None:
        order = max((room.order for room in rooms.values()), default=0) + 1
        room = rooms[name.casefold()] = Room.objects.create(event=event, name=name, order=order)
        result.created["rooms"] += 1
    return room


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
                slug=frab._unique_slug(slugify(person.name)[:90] or "speaker", taken),
            )
            result.created["speakers"] += 1
        elif person.affiliation and not speaker.affiliation:
            speaker.affiliation = person.affiliation
            speaker.save(update_fields=["affiliation"])
            result.updated["speakers"] += 1
        speakers[key] = speaker
    return speakers[key]
