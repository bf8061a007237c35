"""Times as the portal writes them: the UTC offset of a local time, lengths in minutes, a day's bounds.

A local time itself is `Event.localtime(value)`; pages get it from the zone the event middleware activates.
"""

import datetime as dt

from django.utils.formats import date_format


def utc_offset(value):
    """The UTC offset of an aware datetime as text, e.g. "+02:00" in Valencia in May; "" for a naive one."""
    offset = value.strftime("%z")
    return f"{offset[:3]}:{offset[3:]}" if offset else ""


def minutes(starts_at, ends_at):
    """Whole minutes from `starts_at` to `ends_at`."""
    return int((ends_at - starts_at).total_seconds() // 60)


def day_bounds(day, tz):
    """The first instant of `day` and of the day after it, as aware datetimes in `tz` (DST-safe)."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def span_text(starts_at, ends_at, tz):
    """A span of time as people at the venue read it, each end with the abbreviation its own moment has in `tz`
    (the two differ across a change of summer time): "Sunday 30 October 2022, 02:30 CEST–02:30 CET"."""
    # Django writes the names of days and months in the active language; strftime would write English ones.
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    text = date_format(start, "l j F Y, H:i")
    if start.tzname() != end.tzname():
        text += f" {start.tzname()}"
    text += "–"
    if end.date() != start.date():
        text += date_format(end, "l j F Y, ")
    return text + f"{date_format(end, 'H:i')} {end.tzname()}"


def utc_stamp(value):
    """An aware datetime as an iCalendar UTC date-time, 20221030T003000Z: one instant in every client."""
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
