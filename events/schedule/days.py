"""Which schedule day a talk or anything else of an event belongs to, and the event's talks grouped by day."""

from collections import defaultdict

from ..times import programme_date


def day_of(event, moment):
    """The schedule day of `moment` at `event`: its date at the venue, a moment before the event's day change
    (a session at 00:15 of a night programme) counting as the day before. The one place that decides it."""
    return programme_date(moment, event.tzinfo, event.day_change)


def group_by_day(talks, event):
    """Talks grouped by their schedule day, as an ordered list of (date, [talks]) in start order."""
    days = defaultdict(list)
    for talk in sorted(talks, key=lambda t: (t.starts_at, t.title)):
        days[day_of(event, talk.starts_at)].append(talk)
    return sorted(days.items())


def schedule_days(event, talks, extras=()):
    """The days anything happens on: talks, and `extras` (starts_at, ends_at, what, address)."""
    return sorted({day_of(event, talk.starts_at) for talk in talks} | {day_of(event, e[0]) for e in extras})
