"""What the schedule exports share: the Exporter base class, and the days, rooms, slugs and links that frab XML
and c3voc JSON write alike."""

import datetime as dt
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass

from django.utils import translation

from .. import pagecache
from ..models import Room

GENERATOR = "community-event-portal"
GENERATOR_VERSION = "0.1.0"
# frab and c3voc need a room for every talk; talks without one are listed under this room.
PLACEHOLDER_ROOM = Room.PLACEHOLDER_NAME
_PORTAL_NAMESPACE = uuid.UUID("6f1d3c3e-5b0a-4c55-9d6a-5d1f0c2b7a10")
_NOT_SLUG = re.compile(r"[^a-z0-9_-]+")


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


def duration(talk):
    hours, minutes = divmod(talk.duration_minutes, 60)
    return f"{hours:02d}:{minutes:02d}"


def kind_name(talk):
    """The talk's type as the frab and c3voc exports name it: the programme's own type where it came with one
    (so that a programme exported again says "lecture" or "devroom" as it did), else its kind, in English
    whatever the visitor's language, since apps read it and every visitor gets the same file."""
    if talk.programme_type:
        return talk.programme_type
    with translation.override("en"):
        return str(talk.get_kind_display())


def is_http(url):
    return url.startswith(("http://", "https://"))


def links(talk):
    """(type, title, url) of the talk's slides and video; types from the c3voc list."""
    links = []
    if talk.slides_url:
        links.append(("slides", "Slides", talk.slides_url))
    if talk.video_url:
        links.append(("media", "Video", talk.video_url))
    return [link for link in links if is_http(link[2])]


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
    """Every programme day of the event (and any day a talk falls on outside it), each with one column per
    room, from its day change to the next; talks without a room go in the placeholder room's column."""
    talks_by_date = defaultdict(list)
    for talk in talks:
        talks_by_date[event.programme_date(talk.starts_at)].append(talk)
    dates = sorted(set(event.days()) | set(talks_by_date))
    columns = [(room.pk, room.name, room.uuid) for room in rooms]
    if any(talk.room_id is None for talk in talks):
        columns.append((None, PLACEHOLDER_ROOM, placeholder_room_guid(event)))
    days = []
    for index, date in enumerate(dates, start=1):
        start, end = event.day_bounds(date)
        day_talks = talks_by_date.get(date, [])
        day_rooms = [
            Column(name, guid, [talk for talk in day_talks if talk.room_id == pk])
            for pk, name, guid in columns
        ]
        days.append(Day(index, date, start, end, day_rooms))
    return days
