"""Talks that share time: in one room, for one speaker, among an attendee's chosen talks."""

from collections import defaultdict
from itertools import combinations


def overlap(a, b):
    """Whether talks (or anything with starts_at and ends_at) `a` and `b` share at least a moment."""
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
        if overlap(a, b)
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
        if overlap(a, b)
    ]


def find_clashes(talks):
    """{talk id: [the other talks it overlaps]} among `talks` (an attendee's chosen ones); cancelled talks
    clash with nothing."""
    held = sorted((talk for talk in talks if not talk.is_cancelled), key=lambda t: t.starts_at)
    clashes = defaultdict(list)
    for a, b in combinations(held, 2):
        if overlap(a, b):
            clashes[a.pk].append(b)
            clashes[b.pk].append(a)
    return dict(clashes)


def assign_lanes(talks):
    """The lane (1, 2, …) of each of `talks` in start order, each taking the first lane free when it starts
    (greedy interval colouring), and the number of lanes used."""
    lane_ends, lanes = [], []
    for talk in talks:
        for lane, lane_end in enumerate(lane_ends):
            if lane_end <= talk.starts_at:
                lane_ends[lane] = talk.ends_at
                break
        else:
            lane_ends.append(talk.ends_at)
            lane = len(lane_ends) - 1
        lanes.append(lane + 1)
    return lanes, len(lane_ends)
