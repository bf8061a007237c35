"""A day as a grid: one column per room, time running down, talks that share a room side by side in it.

The stylesheet places talks by the classes of their grid lines: `c-N` (first column line), `cs-N` (columns
spanned), `rs-N` and `re-N` (first and last row line). No inline styles: the Content-Security-Policy forbids
them. static/css/portal.css holds a class for every line up to the limits below, written by `placement_css()`
(`manage.py write_grid_css`; tests/test_schedule_grid.py checks that they are current).
"""

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .clashes import assign_lanes, overlap

GRID_MAX_ROOMS = 80  # rooms in one day's grid
GRID_MAX_LANES = 4  # talks at once in one room: more is no clash but a mistake, shown in blocks
GRID_MAX_COLUMNS = 120  # column tracks: each room's lanes, and the column of talks without a room
GRID_MAX_ROWS = 300  # distinct start and end times in a day
# Up to this many rooms every room of the event keeps its column all week and cards show everything; on a
# bigger day the grid shows the rooms in use that day, by building, and cards show time, title and speakers.
SMALL_GRID_ROOMS = 8


@dataclass(frozen=True)
class GridColumn:
    """A room's column: its first column line (2 is the first room; 1 holds the times) and its lanes."""

    name: str
    slug: str
    line: int
    lanes: int = 1
    group: str = ""


@dataclass(frozen=True)
class GridItem:
    """A talk in the grid: its column line and how many columns it spans, and its row lines."""

    talk: object
    column: int
    row: int
    row_end: int
    spans_all: bool = False
    span: int = 1
    room_name: str = ""
    clashes: tuple = ()  # the talks it shares its room with at that time

    @property
    def version(self):
        """Text that changes whenever anything the card shows changes: its talk's and its clashes' change times."""
        return " ".join(f"{talk.pk}@{talk.updated_at.timestamp()}" for talk in (self.talk, *self.clashes))


@dataclass(frozen=True)
class GridSlot:
    """A time at which talks start: its row line and the talks, in column order."""

    row: int
    starts_at: dt.datetime
    items: tuple


@dataclass(frozen=True)
class RoomGroup:
    """Rooms whose names share a building's prefix ("H.1309", "H.2215": H)."""

    name: str
    rooms: tuple

    @property
    def slugs(self):
        return [room.slug for room in self.rooms]


@dataclass(frozen=True)
class DayGrid:
    columns: tuple
    slots: tuple
    width: int = 0  # column tracks of the rooms
    groups: tuple = ()
    is_compact: bool = False

    @property
    def items(self):
        return tuple(item for slot in self.slots for item in slot.items)

    @property
    def times(self):
        """(row line, datetime) of each time a talk starts."""
        return tuple((slot.row, slot.starts_at) for slot in self.slots)

    @property
    def has_clashes(self):
        return any(item.clashes for item in self.items)


_BUILDING = re.compile(r"([A-Za-z]{1,4})[\d.]")


def building_of(name):
    """The building a room's name starts with, as in FOSDEM's "UB2.252A" (UB) or "K.3.201" (K); "" for names
    that do not start so ("Janson", "Hall A")."""
    match = _BUILDING.match(name)
    return match[1].upper() if match else ""


def group_rooms(rooms):
    """`rooms` by building, buildings in the order their first room comes, rooms in their order within it; rooms
    without a building's prefix last. One group of everything where the names tell no buildings apart."""
    groups = defaultdict(list)
    for room in rooms:
        groups[building_of(room.name)].append(room)
    named = [name for name in groups if name]
    if len(named) < 2 or all(len(groups[name]) == 1 for name in named):
        return ()
    order = [*named, ""] if "" in groups else named
    return tuple(RoomGroup(name=name or _("Other rooms"), rooms=tuple(groups[name])) for name in order)


def _row_lines(talks):
    moments = sorted({talk.starts_at for talk in talks} | {talk.ends_at for talk in talks})
    return {moment: index + 2 for index, moment in enumerate(moments)}


def _is_lone_break(talk, talks):
    return (
        talk.room_id is None
        and talk.kind == talk.Kind.OTHER
        and not any(overlap(talk, other) for other in talks if other is not talk)
    )


def _place_room(talks, column, line):
    """The items of one room's talks in its column: a talk alone at its time spans the room's lanes, talks that
    share the room at once take a lane each."""
    ordered = sorted(talks, key=lambda t: (t.starts_at, t.ends_at, t.title))
    lanes, _count = assign_lanes(ordered)
    items = []
    for talk, lane in zip(ordered, lanes, strict=True):
        clashes = tuple(other for other in ordered if other is not talk and overlap(talk, other))
        items.append(
            GridItem(
                talk=talk,
                column=column.line + lane - 1 if clashes else column.line,
                span=1 if clashes else column.lanes,
                row=line[talk.starts_at],
                row_end=line[talk.ends_at],
                room_name=column.name if column.slug else "",
                clashes=clashes,
            )
        )
    return items


def _rooms_shown(rooms, by_room):
    """The rooms with a column: all of a small event's, the rooms in use that day on a big one, by building."""
    if len(rooms) <= SMALL_GRID_ROOMS:
        return rooms, ()
    used = [room for room in rooms if by_room.get(room.pk)]
    groups = group_rooms(used)
    return ([room for group in groups for room in group.rooms] if groups else used), groups


def _columns(rooms, by_room, roomless):
    """The columns of `rooms` (and of talks without a room), each as wide as the most talks at once in it;
    None when a room has more than GRID_MAX_LANES."""
    columns, line = [], 2
    named = [(room.name, room.slug, by_room.get(room.pk, [])) for room in rooms]
    if roomless:
        named.append((_("No room yet"), "", roomless))
    for name, slug, talks in named:
        lanes = assign_lanes(sorted(talks, key=lambda t: (t.starts_at, t.ends_at, t.title)))[1] or 1
        if lanes > GRID_MAX_LANES:
            return None
        columns.append(GridColumn(name=name, slug=slug, line=line, lanes=lanes, group=building_of(name)))
        line += lanes
    return columns


def _slots(items):
    by_start = defaultdict(list)
    for item in items:
        by_start[(item.row, item.talk.starts_at)].append(item)
    return tuple(
        GridSlot(
            row=row, starts_at=starts_at, items=tuple(sorted(found, key=lambda i: (i.column, i.talk.title)))
        )
        for (row, starts_at), found in sorted(by_start.items(), key=lambda entry: entry[0][0])
    )


def _partition(talks, rooms):
    """({room id: its talks}, lone breaks, talks without a room of `rooms`)."""
    by_room = defaultdict(list)
    for talk in talks:
        by_room[talk.room_id].append(talk)
    breaks = [talk for talk in by_room.pop(None, []) if _is_lone_break(talk, talks)]
    known = {room.pk for room in rooms}
    roomless = [talk for talk in talks if talk.room_id not in known and talk not in breaks]
    return by_room, breaks, roomless


def _width(columns):
    return columns[-1].line + columns[-1].lanes - 2


def _fits(columns, line, shown):
    return (
        bool(columns)
        and len(line) <= GRID_MAX_ROWS
        and len(shown) <= GRID_MAX_ROOMS
        and _width(columns) <= GRID_MAX_COLUMNS
    )


def lay_out_grid(talks, rooms):
    """One day's talks in a grid by room, or None when they do not fit one (more rooms, lanes or times than the
    stylesheet places): talks without a room get a last column of their own, except a break (kind “other”, no
    room, nothing beside it), which spans every room."""
    talks, rooms = list(talks), list(rooms)
    line = _row_lines(talks)
    by_room, breaks, roomless = _partition(talks, rooms)
    shown, groups = _rooms_shown(rooms, by_room)
    columns = _columns(shown, by_room, roomless)
    if not columns or not _fits(columns, line, shown):
        return None
    items = [
        item
        for column, room in zip(columns[: len(shown)], shown, strict=True)
        for item in _place_room(by_room[room.pk], column, line)
    ]
    if roomless:
        items += _place_room(roomless, columns[-1], line)
    width = _width(columns)
    items += [GridItem(t, 2, line[t.starts_at], line[t.ends_at], spans_all=True, span=width) for t in breaks]
    return DayGrid(
        columns=tuple(columns),
        slots=_slots(items),
        width=width,
        groups=groups,
        is_compact=len(shown) > SMALL_GRID_ROOMS,
    )


GRID_CSS_BEGIN = "/* The room grid's placement classes, written by `manage.py write_grid_css`"
GRID_CSS_END = "/* End of the room grid's placement classes. */"


def placement_css():
    """The room grid's placement classes for every line up to the limits above, as static/css/portal.css holds
    them between GRID_CSS_BEGIN and GRID_CSS_END."""

    def rule(prefix, prop, numbers, value="{n}"):
        return " ".join(f".{prefix}-{n}{{{prop}:{value.format(n=n)}}}" for n in numbers)

    return "\n".join(
        [
            f"{GRID_CSS_BEGIN} from events/schedule/grid.py (do not edit",
            "   by hand): c-N starts a talk at column line N, cs-N spans N columns, rs-N starts it at row line N,",
            "   re-N ends it there. No inline styles: the Content-Security-Policy forbids them. */",
            "@media print, (min-width: 64rem) {",
            rule("c", "grid-column-start", range(2, GRID_MAX_COLUMNS + 2)),
            rule("cs", "grid-column-end", range(1, GRID_MAX_COLUMNS + 1), "span {n}"),
            rule("rs", "grid-row-start", range(2, GRID_MAX_ROWS + 2)),
            rule("re", "grid-row-end", range(2, GRID_MAX_ROWS + 2)),
            "}",
            GRID_CSS_END,
        ]
    )


def with_placement_css(stylesheet):
    """`stylesheet` with its placement classes (between the markers, or at its end) made current."""
    if GRID_CSS_BEGIN in stylesheet:
        before = stylesheet[: stylesheet.index(GRID_CSS_BEGIN)]
        after = stylesheet[stylesheet.index(GRID_CSS_END) + len(GRID_CSS_END) :]
        return before + placement_css() + after
    return stylesheet.rstrip("\n") + "\n\n" + placement_css() + "\n"
