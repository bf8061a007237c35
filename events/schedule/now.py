"""What is on now and next."""

from dataclasses import dataclass

from .days import day_of


@dataclass(frozen=True)
class WhatsOn:
    now: tuple
    next: tuple

    @property
    def is_empty(self):
        return not (self.now or self.next)


def whats_on(talks, now):
    """Talks running at `now`, and the talks starting soonest after it; cancelled talks are neither."""
    held = [talk for talk in talks if not talk.is_cancelled]
    running = tuple(sorted((t for t in held if t.starts_at <= now < t.ends_at), key=lambda t: t.starts_at))
    later = sorted((t for t in held if t.starts_at > now), key=lambda t: (t.starts_at, t.title))
    coming = tuple(t for t in later if t.starts_at == later[0].starts_at) if later else ()
    return WhatsOn(now=running, next=coming)


def whats_on_today(event, talks, now):
    """As whats_on(), among the talks of the schedule day `now` falls on: what runs now, and what comes next
    today (never tomorrow's first talk)."""
    today = day_of(event, now)
    return whats_on([talk for talk in talks if day_of(event, talk.starts_at) == today], now)
