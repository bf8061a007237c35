"""What the portal tells attendees by email about their office-hours signups.

Every notice goes through the outbox (portal.outbox), inside the transaction of the change it tells about, and the
worker delivers it after the response. A notice about a seat carries the slot as a calendar part that calendars
treat as an invitation they keep up to date: one UID per signup, a SEQUENCE that grows with every change
(Signup.sequence), METHOD:REQUEST for a seat and its new times, METHOD:CANCEL when the seat is given up.
"""

import datetime as dt
from email.utils import parseaddr

import icalendar
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_tasks import task

from portal import outbox

from . import times
from .models import Signup
from .times import span_text

CONFIRMED = "confirmed"  # a seat, straight away
WAITLISTED = "waitlisted"  # a place on the waiting list
PROMOTED = "promoted"  # a seat that freed up, given to the first person waiting
MOVED = "moved"  # the session's times changed, and with them the slot
CANCELLED = "cancelled"  # the attendee gave up the seat or left the waiting list
REMINDER = "reminder"  # some time before the slot
LINK = "link"  # the same address signed up again: the way back to the signup, sent to that address only

SUBJECTS = {
    CONFIRMED: gettext_lazy("You are signed up: %(title)s, %(when)s"),
    WAITLISTED: gettext_lazy("You are on the waiting list: %(title)s, %(when)s"),
    PROMOTED: gettext_lazy("A seat is free for you: %(title)s, %(when)s"),
    MOVED: gettext_lazy("New time: %(title)s, %(when)s"),
    CANCELLED: gettext_lazy("Cancelled: %(title)s, %(when)s"),
    REMINDER: gettext_lazy("Starting in %(before)s: %(title)s, %(when)s"),
    LINK: gettext_lazy("Your signup: %(title)s, %(when)s"),
}


def absolute(path):
    return settings.SITE_URL + path


def duration_text(minutes):
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


def send(signup, kind, *, before=None, with_calendar=None, free_slots=(), key=None):
    """Queue the notice `kind` about `signup` (status and times as saved) in the outbox, in the language the
    attendee signed up in, whoever or whatever sends it (a request in another language, the worker).

    A notice about a seat carries the calendar part; `with_calendar=False` leaves it out, e.g. when someone leaves
    a waiting list. `before` is a reminder's minutes before the slot; `free_slots` (signups.SlotSeats) are other
    slots of the session with seats left, offered to someone who joined a waiting list. `key` names a notice
    that goes out once however often it is sent (see outbox.post).
    """
    with transaction.atomic():
        # Read under the signup's lock: an erasure that commits first leaves nothing to tell and no address; one
        # that comes after waits, then erases this email with the rest.
        erased_at = (
            Signup.objects.select_for_update().filter(pk=signup.pk).values_list("erased_at", flat=True)
        )
        if signup.erased_at is not None or not erased_at or erased_at[0] is not None:
            return []  # no address left, and nothing more to tell
        with translation.override(signup.language):
            emails = _send(
                signup, kind, before=before, with_calendar=with_calendar, free_slots=free_slots, key=key
            )
        signup.emails.add(*emails)  # erased with the signup's details
    return emails


def _send(signup, kind, *, before, with_calendar, free_slots, key):
    office_hours = signup.office_hours
    event = office_hours.event
    has_seat = signup.status == Signup.Status.CONFIRMED
    # The private join link goes to people with a seat: with their seat, a new time, and the last reminder.
    last_reminder = before is not None and before == min(settings.OFFICE_HOURS_REMINDERS, default=None)
    shows_join_link = has_seat and (
        kind in (CONFIRMED, PROMOTED, MOVED) or (kind == REMINDER and last_reminder)
    )
    if with_calendar is None:
        with_calendar = (has_seat and kind in (CONFIRMED, PROMOTED, MOVED)) or kind == CANCELLED
    with timezone.override(event.tzinfo):
        slot_start = event.localtime(signup.slot_start)
        context = {
            "kind": kind,
            "signup": signup,
            "office_hours": office_hours,
            "event": event,
            "slot_start": slot_start,
            "slot_end": event.localtime(signup.slot_end),
            "has_seat": has_seat,
            "has_calendar": with_calendar,
            "before": duration_text(before) if before is not None else "",
            "join_url": office_hours.join_url if shows_join_link else "",
            "waitlist_position": signup.waitlist_position(),
            "page_url": absolute(signup.get_absolute_url()),
            "cancel_url": absolute(signup.get_cancel_url()),
            "signup_again_url": absolute(office_hours.get_absolute_url()),
            "free_slots": [
                (event.localtime(seats.starts_at), event.localtime(seats.ends_at), seats.seats_left)
                for seats in free_slots
            ],
        }
        text = render_to_string("emails/signup.txt", context)
        html = render_to_string("emails/signup.html", context)
        # Django writes the names of days and months in the active language; strftime would write English ones.
        when = f"{times.local_date(slot_start, 'D d M, H:i')} {slot_start.tzname()}"
    subject = SUBJECTS[kind] % {"title": office_hours.title, "when": when, "before": context["before"]}
    message = EmailMultiAlternatives(subject, text, to=[signup.email])
    message.attach_alternative(html, "text/html")
    if with_calendar:
        method = "CANCEL" if kind == CANCELLED else "REQUEST"
        message.attach(
            "office-hours.ics", calendar(signup, method=method).decode(), f"text/calendar; method={method}"
        )
    return outbox.post(message, key=key)


def calendar(signup, *, method="PUBLISH"):
    """The signup's slot as an iCalendar file (bytes).

    PUBLISH is the file to download from the signup's page; REQUEST and CANCEL are the invitation and its
    withdrawal that email carries (RFC 5546), with the portal as organiser and the attendee as the one guest.
    """
    office_hours = signup.office_hours
    event = office_hours.event
    entry = icalendar.Event()
    entry.add(
        "uid", f"office-hours-signup-{signup.pk}-{signup.created_at:%Y%m%dT%H%M%S}@community-event-portal"
    )
    entry.add("sequence", signup.sequence)
    entry.add("dtstamp", timezone.now().astimezone(dt.UTC))
    # UTC instants: a local time with a TZID is ambiguous in the hour that repeats when summer time ends, and
    # clients disagree about which one it means. The venue's time is the description's first line.
    entry.add("dtstart", signup.slot_start.astimezone(dt.UTC))
    entry.add("dtend", signup.slot_end.astimezone(dt.UTC))
    entry.add("summary", f"{office_hours.title} ({event.name})")
    entry.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    when = span_text(signup.slot_start, signup.slot_end, event.tzinfo)
    lines = [
        f"{when} ({event.time_zone})",
        _("Your question or topic: %(question)s") % {"question": signup.question},
    ]
    if office_hours.join_url and signup.status == Signup.Status.CONFIRMED and method != "PUBLISH":
        lines.append(_("Join: %(url)s") % {"url": office_hours.join_url})
        entry.add("location", office_hours.join_url)
        entry.add("url", office_hours.join_url)
    elif office_hours.location:
        entry.add("location", office_hours.location)
    elif office_hours.is_virtual:
        entry.add("location", _("Online: the join link is in your confirmation email"))
    if signup.status != Signup.Status.CANCELLED:
        lines.append(
            _("Your signup, and the link to cancel it: %(url)s")
            % {"url": absolute(signup.get_absolute_url())}
        )
    entry.add("description", "\n".join(lines))
    if method != "PUBLISH":
        name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
        organizer = icalendar.vCalAddress(f"mailto:{address}")
        if name:
            organizer.params["cn"] = name
        entry.add("organizer", organizer)
        attendee = icalendar.vCalAddress(f"mailto:{signup.email}")
        attendee.params.update(
            {"cn": signup.name, "role": "REQ-PARTICIPANT", "partstat": "ACCEPTED", "rsvp": "FALSE"}
        )
        entry.add("attendee", attendee)
    result = icalendar.Calendar()
    result.add("prodid", "-//Community event portal//Office hours//EN")
    result.add("version", "2.0")
    result.add("method", method)
    result.add("x-wr-timezone", event.time_zone)
    result.add_component(entry)
    return result.to_ical()


def schedule_reminders(signup, *, now):
    """Queue the reminders of a seat (OFFICE_HOURS_REMINDERS minutes before the slot) whose time is still ahead.

    Each reminder remembers the signup's revision: a reminder for a slot that moved or was cancelled since
    finds a newer revision and stays silent, and the move queued reminders of its own. A reminder whose task runs
    again (its worker died, portal.worker) finds its email posted already and sends nothing more.
    """
    for minutes in settings.OFFICE_HOURS_REMINDERS:
        at = signup.slot_start - dt.timedelta(minutes=minutes)
        if at > now:
            remind.using(run_after=at).enqueue(signup.pk, signup.sequence, minutes)


@task()
def remind(signup_id, sequence, minutes):
    signup = (
        Signup.objects.confirmed()
        .unerased()
        .filter(pk=signup_id, sequence=sequence)
        .select_related("office_hours__event")
        .first()
    )
    if signup is not None and timezone.now() < signup.slot_start:
        # One email per reminder of a revision, however often this task runs.
        key = f"office-hours-reminder-{signup.pk}-{signup.created_at:%Y%m%dT%H%M%S}-{sequence}-{minutes}"
        send(signup, REMINDER, before=minutes, key=key)


def send_organiser_message(signups, *, subject, message):
    """Queue an organiser's own message (e.g. "we start five minutes late") to the people of `signups` in the
    outbox: one email per address, naming the slots of theirs it is about and the way to each signup's page.
    Cancelled signups are left out. Returns the Email rows."""
    with transaction.atomic():
        # Under the signups' locks: an attendee who erases their details meanwhile is left out, or waits and then
        # erases this email with the rest (see send()).
        return _send_organiser_message(
            signups.select_for_update(of=("self",)), subject=subject, message=message
        )


def _send_organiser_message(signups, *, subject, message):
    by_address = {}
    for signup in (
        signups.active().unerased().select_related("office_hours__event").order_by("slot_start", "pk")
    ):
        by_address.setdefault(signup.email.lower(), []).append(signup)
    emails = []
    for mine in by_address.values():
        # The organiser's words as written; the portal's own words in the language the attendee signed up in.
        with translation.override(mine[0].language):
            slots = []
            for signup in mine:
                event = signup.office_hours.event
                start, end = event.localtime(signup.slot_start), event.localtime(signup.slot_end)
                slots.append(
                    {
                        "signup": signup,
                        "when": f"{times.local_date(start, 'D d M Y, H:i')}–{end:%H:%M} {start.tzname()}",
                        "page_url": absolute(signup.get_absolute_url()),
                    }
                )
            context = {"name": mine[0].name, "message": message, "slots": slots}
            text = render_to_string("emails/organiser_message.txt", context)
        posted = outbox.post(EmailMultiAlternatives(subject, text, to=[mine[0].email]))
        for signup in mine:
            signup.emails.add(*posted)  # erased with each signup's details
        emails += posted
    return emails
