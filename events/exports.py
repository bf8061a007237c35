"""Schedule exports for calendars and conference apps: iCalendar, frab schedule XML and c3voc schedule JSON,
and what their addresses may ask for (chosen talks, a track, a room).

One Exporter class per format, each in the module of its format with that format's reader
(events/exchange/ical.py, frab.py, c3voc.py); events.views.ExportView serves any of them, and a new format is
a class there and an address in events/urls.py. Exporters write the talks they are given as bytes, each talk's
piece kept in the cache under its change time (events.pagecache.per_talk), so the views only deal with HTTP.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .exchange.c3voc import C3vocJsonExporter
from .exchange.exporting import PLACEHOLDER_ROOM, Exporter
from .exchange.frab import FrabXmlExporter
from .exchange.ical import ICalExporter, google_calendar_url

__all__ = [
    "PLACEHOLDER_ROOM",
    "C3vocJsonExporter",
    "Exporter",
    "FrabXmlExporter",
    "ICalExporter",
    "google_calendar_url",
]

MAX_CHOSEN_TALKS = 300
_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,200}")


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
