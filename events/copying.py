"""Next year's event from this year's: the same rooms, tracks, booth and office hours on the new dates."""

import datetime as dt

from django.db import transaction

from .models import Booth, BoothShift, Event, OfficeHours, Room, Track


def copy_event(event, *, name, slug, start_date):
    """A new event named `name` at `slug`, `start_date` to as many days as `event` lasts, with copies of its rooms,
    tracks, booths with their shifts and office-hours sessions with their hosts (not their signups); talks are not
    copied. The copy is a draft until it is published (events/publishing.py). Times move by whole days at the venue's wall clock, so a 10:00 shift stays at 10:00 across a change of
    summer time."""
    days = start_date - event.start_date

    def move(value):
        if value is None:
            return None
        local = event.localtime(value)
        return dt.datetime.combine(local.date() + days, local.time(), tzinfo=event.tzinfo)

    with transaction.atomic():
        copy = Event.objects.create(
            name=name,
            slug=slug,
            time_zone=event.time_zone,
            day_change=event.day_change,
            start_date=start_date,
            end_date=event.end_date + days,
            venue=event.venue,
            city=event.city,
            description=event.description,
            language=event.language,
            website=event.website,
            # Last year's texts are not this year's: organisers read them over before anyone sees the copy.
            status=Event.Status.DRAFT,
        )
        Room.objects.bulk_create(
            Room(event=copy, name=room.name, order=room.order) for room in event.rooms.all()
        )
        Track.objects.bulk_create(
            Track(event=copy, name=track.name, slug=track.slug, order=track.order, colour=track.colour)
            for track in event.tracks.all()
        )
        for booth in event.booths.prefetch_related("shifts"):
            new_booth = Booth.objects.create(
                event=copy, name=booth.name, location=booth.location, description=booth.description
            )
            BoothShift.objects.bulk_create(
                BoothShift(
                    booth=new_booth,
                    starts_at=move(shift.starts_at),
                    ends_at=move(shift.ends_at),
                    staff=shift.staff,
                )
                for shift in booth.shifts.all()
            )
        for session in event.office_hours.prefetch_related("hosts"):
            new_session = OfficeHours.objects.create(
                event=copy,
                title=session.title,
                description=session.description,
                starts_at=move(session.starts_at),
                ends_at=move(session.ends_at),
                format=session.format,
                location=session.location,
                join_url=session.join_url,
                slot_minutes=session.slot_minutes,
                seats_per_slot=session.seats_per_slot,
                signup_deadline=move(session.signup_deadline),
            )
            new_session.hosts.set(session.hosts.all())
    return copy
