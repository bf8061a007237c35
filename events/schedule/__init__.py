"""Read logic of the public schedule as plain functions over talks, one module per concern: which day a talk
belongs to (days), blocks of parallel talks (blocks), the grid by room (grid), clashes, filters, search, the
visitor's time zone (zones), what is on now (now), the speakers' index (speakers) and the page (page)."""

from .blocks import Block, PlacedTalk, lay_out_blocks
from .clashes import find_clashes, find_room_clashes, find_speaker_clashes, overlap
from .days import day_of, group_by_day, schedule_days
from .filters import ALL_DAYS, FILTER_NAMES, FilterError, Filters, cache_variant, filter_talks, read_filters
from .grid import GRID_MAX_COLUMNS, GRID_MAX_ROOMS, GRID_MAX_ROWS, DayGrid, GridItem, lay_out_grid
from .now import WhatsOn, whats_on, whats_on_today
from .page import ONE_DAY_AT_A_TIME_FROM, ScheduleDay, SchedulePage, lay_out_page, lay_out_schedule, rooms_of
from .search import MAX_SEARCH, fold, match_words, search_problems
from .speakers import SpeakerIndex, index_speakers
from .zones import ZONE_PARAMS, ZoneChoice, known_zones, read_zone

__all__ = [
    "ALL_DAYS",
    "FILTER_NAMES",
    "GRID_MAX_COLUMNS",
    "GRID_MAX_ROOMS",
    "GRID_MAX_ROWS",
    "MAX_SEARCH",
    "ONE_DAY_AT_A_TIME_FROM",
    "Block",
    "DayGrid",
    "FilterError",
    "Filters",
    "GridItem",
    "PlacedTalk",
    "ScheduleDay",
    "SchedulePage",
    "SpeakerIndex",
    "WhatsOn",
    "ZONE_PARAMS",
    "ZoneChoice",
    "cache_variant",
    "day_of",
    "filter_talks",
    "find_clashes",
    "find_room_clashes",
    "find_speaker_clashes",
    "fold",
    "group_by_day",
    "index_speakers",
    "known_zones",
    "lay_out_blocks",
    "lay_out_grid",
    "lay_out_page",
    "lay_out_schedule",
    "match_words",
    "overlap",
    "read_filters",
    "read_zone",
    "rooms_of",
    "schedule_days",
    "search_problems",
    "whats_on",
    "whats_on_today",
]
