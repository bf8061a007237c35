"""Small builders for the rows a test needs: make_talk(**overrides) and friends."""

import datetime as dt
import itertools
import os
from pathlib import Path
from zoneinfo import ZoneInfo

from events.models import (
    Booth,
    BoothShift,
    Event,
    OfficeHours,
    Room,
    Signup,
    Speaker,
    Talk,
    TalkSpeaker,
    Track,
)

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


# A FOSDEM-sized event, before real FOSDEM files can be imported: buildings whose rooms share a dotted prefix,
# a Saturday of about 470 talks of 10 to 50 minutes in 29 rooms, a Sunday in other rooms as well.
FOSDEM_ROOMS = {
    "saturday": [
        "Janson",
        "K.1.105 (La Fontaine)",
        "H.1301 (Cornil)",
        "H.1302 (Depage)",
        "H.1308 (Rolin)",
        "H.1309 (Van Rijn)",
        "H.2111",
        "H.2213",
        "H.2214",
        "H.2215 (Ferrer)",
        "K.3.201",
        "K.3.401",
        "K.4.201",
        "K.4.401",
        "K.4.601",
        "UA2.114 (Baudoux)",
        "UA2.118 (Henriot)",
        "UA2.220 (Guillissen)",
        "UB2.147",
        "UB2.252A (Lameere)",
        "UB4.132",
        "UB4.136",
        "UB5.132",
        "UB5.230",
        "UD2.120 (Chavanne)",
        "UD2.208 (Decroly)",
        "UD2.218A",
        "UD6.215",
        "AW1.120",
    ],
    "sunday": [
        "AW1.121",
        "AW1.126",
        "H.3242",
        "H.3244",
        "K.3.601",
        "K.4.301",
        "UD2.119",
        "UB2.251",
        "UB5.133",
    ],
}
FOSDEM_LENGTHS = (10, 15, 20, 25, 25, 30, 30, 40, 50)  # minutes


def make_fosdem_like_event(slug="fosdem", saturday=dt.date(2025, 2, 1)):
    """A FOSDEM-like weekend in Brussels written with bulk_create: Saturday 10:30–19:00 in 29 rooms (468 talks:
    one room holding a single long workshop, one room with two talks at once), Sunday in those and 9 more rooms
    until 17:00. Each room is a devroom (a track of its own); talks have one or two speakers."""
    import random

    brussels = ZoneInfo("Europe/Brussels")
    event = make_event(
        slug=slug,
        name="FOSDEM-like 2025",
        time_zone="Europe/Brussels",
        start_date=saturday,
        end_date=saturday + dt.timedelta(days=1),
        city="Brussels",
    )
    names = FOSDEM_ROOMS["saturday"] + FOSDEM_ROOMS["sunday"]
    rooms = Room.objects.bulk_create(Room(event=event, name=name, order=n) for n, name in enumerate(names))
    tracks = Track.objects.bulk_create(
        Track(event=event, name=f"{name.split(' ')[0]} devroom", slug=f"devroom-{n}")
        for n, name in enumerate(names)
    )
    chance = random.Random(2025)
    talks = []

    def add(room, track, starts_at, minutes, title=None):
        n = len(talks)
        talks.append(
            Talk(
                event=event,
                title=title
                or f"{chance.choice(['Scaling', 'Debugging', 'Packaging', 'Securing'])} "
                f"{chance.choice(['Rust', 'the kernel', 'PostgreSQL', 'Firefox', 'RISC-V', 'Nix'])} "
                f"for {chance.choice(['everyone', 'embedded boards', 'the desktop', 'HPC'])} #{n}",
                slug=f"talk-{n}",
                abstract="Notes from the devroom.",
                starts_at=starts_at,
                ends_at=starts_at + dt.timedelta(minutes=minutes),
                room=room,
                track=track,
                status=Talk.Status.PUBLISHED,
            )
        )

    for day, until, count in (
        (saturday, dt.time(19), 29),
        (saturday + dt.timedelta(days=1), dt.time(17), 38),
    ):
        opens = dt.datetime.combine(day, dt.time(10, 30), tzinfo=brussels)
        closes = dt.datetime.combine(day, until, tzinfo=brussels)
        for index in range(count):
            room, track = rooms[index], tracks[index]
            if index == 28 and day == saturday:  # a workshop room: one long session all afternoon
                add(
                    room,
                    track,
                    opens + dt.timedelta(hours=3, minutes=30),
                    270,
                    "Hands-on: a whole afternoon of Nix",
                )
                continue
            moment = opens
            while True:
                minutes = chance.choice(FOSDEM_LENGTHS)
                if moment + dt.timedelta(minutes=minutes) > closes:
                    break
                add(room, track, moment, minutes)
                moment += dt.timedelta(minutes=minutes + chance.choice((0, 0, 5)))
    # An organiser's double booking: a second talk on top of the first one of H.1309 on Saturday.
    add(
        rooms[5],
        tracks[5],
        dt.datetime.combine(saturday, dt.time(10, 30), tzinfo=brussels),
        25,
        "A clash in H.1309",
    )
    talks = Talk.objects.bulk_create(talks)
    speakers = Speaker.objects.bulk_create(
        Speaker(
            name=f"{chance.choice(['Ada', 'Linus', 'Grace', 'Ken', 'Radia'])} Hacker {n}", slug=f"hacker-{n}"
        )
        for n in range(len(talks) + 200)
    )
    TalkSpeaker.objects.bulk_create(
        TalkSpeaker(talk=talk, speaker=speakers[(n * 7 + k) % len(speakers)], position=k)
        for n, talk in enumerate(talks)
        for k in range(1 + n % 2)
    )
    return event
