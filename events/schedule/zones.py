"""The time zone a visitor reads the schedule in: the venue's, or one they chose, beside or instead of it."""

import zoneinfo
from dataclasses import dataclass
from functools import cache

from django.utils.translation import gettext as _

ZONE_PARAMS = ("tz", "times")
INSTEAD = "instead"  # `times=instead`: only the chosen zone's times; otherwise they stand beside the venue's


@cache
def known_zones():
    """Every IANA zone name this machine knows, sorted, without the legacy aliases (EST5EDT, Etc/GMT+3, …)."""
    return tuple(
        sorted(
            name
            for name in zoneinfo.available_timezones()
            if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))
        )
        + ["UTC"]
    )


@dataclass(frozen=True)
class ZoneChoice:
    """The zone a page shows times in beside (or instead of) the venue's; no zone: the venue's alone."""

    zone: str = ""
    instead: bool = False

    @property
    def tzinfo(self):
        return zoneinfo.ZoneInfo(self.zone) if self.zone else None

    @property
    def is_set(self):
        return bool(self.zone)

    @property
    def key(self):
        """The choice as text for cache keys: the same text, the same markup."""
        return f"{self.zone}|{INSTEAD if self.instead else ''}"


def read_zone(params, venue_zone):
    """The zone choice of `params` (`tz=<IANA name>`, `times=instead`) and the problems with it, if any. The
    venue's own zone is no choice: its times are shown anyway."""
    zone = params.get("tz", "").strip()
    if not zone or zone == venue_zone:
        return ZoneChoice(), []
    if zone not in known_zones():
        return ZoneChoice(), [_("“%(zone)s” is not a time zone this site knows.") % {"zone": zone[:60]}]
    return ZoneChoice(zone=zone, instead=params.get("times", "") == INSTEAD), []
