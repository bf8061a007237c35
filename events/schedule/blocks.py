"""A day laid out by time alone: blocks of talks that overlap, each talk in a lane of its block."""

import datetime as dt
from bisect import bisect_left
from dataclasses import dataclass

from .clashes import assign_lanes, overlap


@dataclass(frozen=True)
class PlacedTalk:
    """A talk inside a block of overlapping talks: its lane, and where it runs within the block (percent)."""

    talk: object
    lane: int
    offset: float
    width: float
    parallel: tuple = ()


@dataclass(frozen=True)
class Block:
    """Talks joined by overlapping times; a single talk is a block of one."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    lanes: int
    items: tuple

    @property
    def is_parallel(self):
        return self.lanes > 1

    @property
    def version(self):
        """Text that changes whenever anything the block shows changes: its talks and their change times (a talk's
        change time moves with its speakers, room and track too, see events/signals.py)."""
        return " ".join(f"{item.talk.pk}@{item.talk.updated_at.timestamp()}" for item in self.items)


def _percent(part, whole):
    return round(100 * part.total_seconds() / whole.total_seconds(), 1)


def _place(talks):
    """One block: each talk in the first lane that is free when it starts."""
    starts_at = talks[0].starts_at
    ends_at = max(talk.ends_at for talk in talks)
    lanes, count = assign_lanes(talks)
    span = ends_at - starts_at
    starts = [talk.starts_at for talk in talks]  # in order
    items = tuple(
        PlacedTalk(
            talk=talk,
            lane=lane,
            offset=_percent(talk.starts_at - starts_at, span),
            width=_percent(talk.duration, span),
            # Only talks starting before this one ends can share its time.
            parallel=tuple(
                other
                for other in talks[: bisect_left(starts, talk.ends_at)]
                if other is not talk and overlap(talk, other)
            ),
        )
        for talk, lane in zip(talks, lanes, strict=True)
    )
    return Block(starts_at=starts_at, ends_at=ends_at, lanes=count, items=items)


def lay_out_blocks(talks):
    """Talks in start order, cut into blocks of talks that overlap in time (directly or through a chain).

    Rooms play no part: parallel talks are found by their times alone, so events without rooms lay out too.
    """
    ordered = sorted(talks, key=lambda t: (t.starts_at, t.ends_at, t.title))
    blocks, current, current_end = [], [], None
    for talk in ordered:
        if current and talk.starts_at >= current_end:
            blocks.append(_place(current))
            current = []
        current.append(talk)
        current_end = talk.ends_at if len(current) == 1 else max(current_end, talk.ends_at)
    if current:
        blocks.append(_place(current))
    return blocks
