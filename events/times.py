"""Times as the portal writes them: the UTC offset of a local time, lengths in minutes, a day's bounds.

A local time itself is `Event.localtime(value)`; pages get it from the zone the event middleware activates.
"""

import datetime as dt

from django.utils import dateformat
from django.utils.translation import pgettext_lazy


def utc_offset(value):
    """The UTC offset of an aware datetime as text, e.g. "+02:00" in Valencia in May; "" for a naive one."""
    offset = value.strftime("%z")
    return f"{offset[:3]}:{offset[3:]}" if offset else ""


def minutes(starts_at, ends_at):
    """Whole minutes from `starts_at` to `ends_at`."""
    return int((ends_at - starts_at).total_seconds() // 60)


def day_bounds(day, tz, day_change=dt.time.min):
    """The first instant of `day` and of the day after it, as aware datetimes in `tz` (DST-safe), for days that
    begin at `day_change` (a programme that runs past midnight starts its next day later)."""
    start = dt.datetime.combine(day, day_change, tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), day_change, tzinfo=tz)
    return start, end


def programme_date(value, tz, day_change=dt.time.min):
    """The day of the programme an aware datetime belongs to in `tz`: its date, or the day before when it comes
    before `day_change` (a session at 00:15 still belongs to the evening's day)."""
    local = value.astimezone(tz)
    return local.date() - dt.timedelta(days=1) if local.time() < day_change else local.date()


def span_text(starts_at, ends_at, tz):
    """A span of time as people at the venue read it, each end with the abbreviation its own moment has in `tz`
    (the two differ across a change of summer time): "Sunday 30 October 2022, 02:30 CEST–02:30 CET"."""
    # Django writes the names of days and months in the active language; strftime would write English ones.
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    text = local_date(start, "l j F Y, H:i")
    if start.tzname() != end.tzname():
        text += f" {start.tzname()}"
    text += "–"
    if end.date() != start.date():
        text += local_date(end, "l j F Y") + ", "
    return text + f"{end:%H:%M} {end.tzname()}"


def utc_stamp(value):
    """An aware datetime as an iCalendar UTC date-time, 20221030T003000Z: one instant in every client."""
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


# How each language writes a day: the English format (Django's date filter letters) is the key, and each
# language's catalogue gives its own order and words ("Mon 16 May", "lun 16 may", "Mo., 16. Mai"). Django
# writes the weekday and month names in the active language. Times stay 24-hour, and labelled with the
# event's zone, in every language.
DAY_FORMATS = {
    # Translators: how your language writes a date, in the letters of Django's date filter
    # (https://docs.djangoproject.com/en/stable/ref/templates/builtins/#date): l weekday, D its
    # abbreviation, j day, d day with a zero, F month, M its abbreviation, Y year, H:i the time, T the
    # zone. A letter meant as text is escaped: "l j \\d\\e F". Keep the same information.
    "j": pgettext_lazy("date format", "j"),
    "D j": pgettext_lazy("date format", "D j"),
    "D j M": pgettext_lazy("date format", "D j M"),
    "D d M": pgettext_lazy("date format", "D d M"),
    "D d M, H:i": pgettext_lazy("date format", "D d M, H:i"),
    "D d M Y": pgettext_lazy("date format", "D d M Y"),
    "D d M Y, H:i": pgettext_lazy("date format", "D d M Y, H:i"),
    "d M H:i": pgettext_lazy("date format", "d M H:i"),
    "D j M, H:i": pgettext_lazy("date format", "D j M, H:i"),
    "D j M Y": pgettext_lazy("date format", "D j M Y"),
    "D j M Y, H:i": pgettext_lazy("date format", "D j M Y, H:i"),
    "D j M Y, H:i T": pgettext_lazy("date format", "D j M Y, H:i T"),
    "j F": pgettext_lazy("date format", "j F"),
    "j F Y": pgettext_lazy("date format", "j F Y"),
    "j M": pgettext_lazy("date format", "j M"),
    "j M Y": pgettext_lazy("date format", "j M Y"),
    "l j F": pgettext_lazy("date format", "l j F"),
    "l j F, H:i": pgettext_lazy("date format", "l j F, H:i"),
    "l j F, H:i T": pgettext_lazy("date format", "l j F, H:i T"),
    "l j F Y": pgettext_lazy("date format", "l j F Y"),
    "l j F Y, H:i": pgettext_lazy("date format", "l j F Y, H:i"),
}


def local_date(value, english_format):
    """`value` (a date, or an aware datetime already in the zone it is shown in) written as the active language
    writes `english_format`, one of DAY_FORMATS."""
    return dateformat.format(value, str(DAY_FORMATS[english_format]))
