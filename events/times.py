"""Times as the portal writes them: the UTC offset of a local time, lengths in minutes, a day's bounds.

A local time itself is `Event.localtime(value)`; pages get it from the zone the event middleware activates.
"""

import datetime as dt


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
