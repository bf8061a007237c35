"""The schedule's filters as an address gives them: a day, a track, a kind, rooms, a search."""

import datetime as dt
from dataclasses import dataclass, replace

from django.utils.translation import gettext as _

from .. import times
from .days import day_of
from .search import search_problems, search_words


class FilterError(ValueError):
    """A schedule filter names a day, track, kind or room the event does not have, or a search it cannot run."""


ALL_DAYS = "all"
FILTER_NAMES = ("day", "track", "kind", "room", "q")


@dataclass(frozen=True)
class Filters:
    day: dt.date | None = None
    track: str = ""
    kind: str = ""
    rooms: tuple = ()  # room slugs (`?room=a&room=b`): the rooms followed, in the order given
    q: str = ""
    all_days: bool = False  # asked for every day (`?day=all`), where one day at a time is the default

    @property
    def room(self):
        """The one room followed (its page), or ""."""
        return self.rooms[0] if len(self.rooms) == 1 else ""

    @property
    def is_active(self):
        return bool(self.day or self.track or self.kind or self.rooms or self.q)

    @property
    def narrows_talks(self):
        """Whether the filters leave out talks of the shown days (the day itself aside)."""
        return bool(self.track or self.kind or self.rooms or self.q)

    @property
    def words(self):
        """The search's words, folded (lower case, no accents), for matching and highlighting."""
        return search_words(self.q)

    def on_day(self, day):
        return replace(self, day=day)


def _read_day(raw, days):
    """(date, problems) of a `day` value: "", "all" or YYYY-MM-DD, one of `days`."""
    if not raw or raw == ALL_DAYS:
        return None, []
    try:
        day = dt.date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        day = None
    if day is None:
        # Translators: %(example)s is a day of the event written as a date, e.g. 2022-05-18.
        message = _("“%(value)s” is not a date. Days are written like %(example)s.")
        return None, [message % {"value": raw[:40], "example": f"{days[0]:%Y-%m-%d}"}]
    if day not in days:
        # Django writes the names of days and months in the active language; strftime would write English ones.
        return None, [_("%(day)s is not a day of this event.") % {"day": times.local_date(day, "l j F Y")}]
    return day, []


def _read_kind(kind, kinds):
    if not kind or kind in kinds:
        return []
    # Translators: %(kinds)s lists the values the address takes, as they are: talk, keynote, panel …
    message = _("“%(value)s” is not a kind of session. Choose one of: %(kinds)s.")
    return [message % {"value": kind[:40], "kinds": ", ".join(kinds)}]


def _read_rooms(params, room_slugs):
    values = params.getlist("room") if hasattr(params, "getlist") else [params.get("room", "")]
    rooms = tuple(dict.fromkeys(slug.strip() for slug in values if slug.strip()))
    unknown = [slug for slug in rooms if slug not in room_slugs]
    return rooms, [_("This event has no room “%(slug)s”.") % {"slug": slug[:40]} for slug in unknown[:3]]


def read_filters(params, *, days, track_slugs, kinds, room_slugs=()):
    """The day (YYYY-MM-DD, one of `days`, or "all"), track, kind, rooms and search in `params` (a QueryDict);
    values the event does not have raise FilterError, with every problem in its message."""
    raw_day = params.get("day", "").strip()
    day, errors = _read_day(raw_day, days)
    track = params.get("track", "").strip()
    if track and track not in track_slugs:
        errors.append(_("This event has no track “%(slug)s”.") % {"slug": track[:40]})
    kind = params.get("kind", "").strip()
    errors += _read_kind(kind, kinds)
    rooms, room_errors = _read_rooms(params, room_slugs)
    q = " ".join(params.get("q", "").split())
    errors += room_errors + search_problems(q)
    if errors:
        raise FilterError(" ".join(errors))
    return Filters(day=day, track=track, kind=kind, rooms=rooms, q=q, all_days=raw_day == ALL_DAYS)


def _matches(talk, filters):
    return (
        (not filters.track or (talk.track is not None and talk.track.slug == filters.track))
        and (not filters.kind or talk.kind == filters.kind)
        and (not filters.rooms or (talk.room is not None and talk.room.slug in filters.rooms))
    )


def filter_talks(talks, filters, event):
    """The talks that match every filter that is set except the search; the day is the schedule day."""
    return [
        talk
        for talk in talks
        if (filters.day is None or day_of(event, talk.starts_at) == filters.day) and _matches(talk, filters)
    ]


def filter_query(params, filters):
    """A copy of `params` holding the filters that worked, never a rejected value: what the filter links start
    from (the zone choice and anything else the address carries stay)."""
    query = params.copy()
    values = {
        "day": filters.day.isoformat() if filters.day else (ALL_DAYS if filters.all_days else ""),
        "track": filters.track,
        "kind": filters.kind,
        "q": filters.q,
    }
    for name, value in values.items():
        if value:
            query[name] = value
        else:
            query.pop(name, None)
    if filters.rooms:
        query.setlist("room", list(filters.rooms))
    else:
        query.pop("room", None)
    return query


def cache_variant(params, today=None):
    """What a schedule page shows beside the filters and zone of its address (`params`, which the page cache has
    narrowed to what the page reads, see events/pagecache.py), as text naming its kept copy: the venue's date
    `today` while the event runs, since the page opens on it. None for a search: searches are as many as
    visitors can type, so such a page is rendered for its visitor and not kept."""
    if params.get("q", "").strip():
        return None
    return f"today={today or ''}"
