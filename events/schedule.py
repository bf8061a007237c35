"""Read logic over talks as plain functions: grouping by day and finding clashes."""

from collections import defaultdict
from itertools import combinations

from django.utils import timezone


def group_by_day(talks, tz):
    """Talks grouped by their start date in `tz`, as an ordered list of (date, [talks])."""
    days = defaultdict(list)
    for talk in sorted(talks, key=lambda t: (t.starts_at, t.title)):
        days[timezone.localtime(talk.starts_at, tz).date()].append(talk)
    return sorted(days.items())


def _overlap(a, b):
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at


def find_room_clashes(talks):
    """Pairs of talks held in the same room at overlapping times (talks without a room never clash)."""
    by_room = defaultdict(list)
    for talk in talks:
        if talk.room_id is not None:
            by_room[talk.room_id].append(talk)
    return [
        (a, b)
        for room_talks in by_room.values()
        for a, b in combinations(sorted(room_talks, key=lambda t: t.starts_at), 2)
        if _overlap(a, b)
    ]


def find_speaker_clashes(talks):
    """(speaker, talk, talk) for each speaker booked into two overlapping talks.

    Each talk must carry its speakers, e.g. through prefetch_related("speakers").
    """
    by_speaker = defaultdict(list)
    speakers = {}
    for talk in talks:
        for speaker in talk.speakers.all():
            speakers[speaker.pk] = speaker
            by_speaker[speaker.pk].append(talk)
    return [
        (speakers[pk], a, b)
        for pk, speaker_talks in by_speaker.items()
        for a, b in combinations(sorted(speaker_talks, key=lambda t: t.starts_at), 2)
        if _overlap(a, b)
    ]
