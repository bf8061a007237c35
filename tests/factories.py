"""Small builders for the rows a test needs: make_talk(**overrides) and friends."""

import datetime as dt
import itertools
import os
from pathlib import Path
from zoneinfo import ZoneInfo

from events.models import Booth, BoothShift, Event, OfficeHours, Room, Signup, Speaker, Talk, Track

MADRID = ZoneInfo("Europe/Madrid")
# The 600-talk conference of the benchmark, in the shared folder beside the repository (or BENCH_DATA);
# tests that read it skip where it is missing.
SYNTHCON_600 = Path(
    os.environ.get("BENCH_DATA")
    or Path(__file__).resolve().parents[2] / "shared" / "bench" / "synthcon-600.xml"
)
_counter = itertools.count(1)


def at(day, hour, minute=0, tz=MADRID):
    """An aware datetime on `day` of May 2022 in `tz` (the fixture's week)."""
    return dt.datetime(2022, 5, day, hour, minute, tzinfo=tz)


def make_event(**overrides):
    n = next(_counter)
    fields = {
        "name": f"Conference {n}",
        "slug": f"conference-{n}",
        "time_zone": "Europe/Madrid",
        "start_date": dt.date(2022, 5, 16),
        "end_date": dt.date(2022, 5, 20),
        "city": "Valencia, Spain",
        # Most tests look at what the public sees; a draft is asked for with status=Event.Status.DRAFT.
        "status": Event.Status.PUBLISHED,
    }
    return Event.objects.create(**{**fields, **overrides})


def make_room(event=None, **overrides):
    event = event or make_event()
    return Room.objects.create(**{"event": event, "name": f"Room {next(_counter)}", **overrides})


def make_track(event=None, **overrides):
    event = event or make_event()
    n = next(_counter)
    return Track.objects.create(**{"event": event, "name": f"Track {n}", "slug": f"track-{n}", **overrides})


def make_speaker(**overrides):
    n = next(_counter)
    return Speaker.objects.create(**{"name": f"Speaker {n}", "slug": f"speaker-{n}", **overrides})


def make_talk(event=None, speakers=(), **overrides):
    event = event or make_event()
    n = next(_counter)
    starts_at = overrides.pop("starts_at", at(16, 10))
    fields = {
        "event": event,
        "title": f"Talk {n}",
        "slug": f"talk-{n}",
        "abstract": "An abstract.",
        "starts_at": starts_at,
        "ends_at": starts_at + dt.timedelta(minutes=30),
        "status": Talk.Status.PUBLISHED,
    }
    talk = Talk.objects.create(**{**fields, **overrides})
    for position, speaker in enumerate(speakers):
        talk.talk_speakers.create(speaker=speaker, position=position)
    return talk


def make_booth(event=None, **overrides):
    event = event or make_event()
    return Booth.objects.create(**{"event": event, "name": "Project booth", **overrides})


def make_shift(booth=None, **overrides):
    booth = booth or make_booth()
    fields = {"booth": booth, "starts_at": at(17, 10), "ends_at": at(17, 12), "staff": "Maintainers"}
    return BoothShift.objects.create(**{**fields, **overrides})


def make_office_hours(event=None, **overrides):
    event = event or make_event()
    fields = {
        "event": event,
        "title": "Office hours",
        "starts_at": at(18, 12, 30),
        "ends_at": at(18, 13, 15),
        "slot_minutes": 15,
        "seats_per_slot": 5,
    }
    return OfficeHours.objects.create(**{**fields, **overrides})


def make_signup(office_hours=None, **overrides):
    office_hours = office_hours or make_office_hours()
    n = next(_counter)
    fields = {
        "office_hours": office_hours,
        "slot_start": office_hours.starts_at,
        "name": f"Attendee {n}",
        "email": f"attendee{n}@example.org",
        "question": "How does Cluster Mesh route?",
    }
    return Signup.objects.create(**{**fields, **overrides})
