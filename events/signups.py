"""Write actions and reports on office-hours signups."""

import datetime as dt
from dataclasses import dataclass

import icalendar
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import OfficeHours, Signup

CONFIRMED_FILTER = Q(signups__status=Signup.Status.CONFIRMED)
WAITLISTED_FILTER = Q(signups__status=Signup.Status.WAITLISTED)

CSV_HEADER = [
    "office hours",
    "slot",
    "name",
    "email",
    "question",
    "status",
    "signed up",
    "consented",
    "cancelled",
]


def _spreadsheet_safe(value):
    """Attendee text that a spreadsheet would run as a formula is prefixed with a quote."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def signup_rows(signups):
    """The CSV header and one row per signup, with slot times in the event's zone and ISO 8601 offsets."""
    yield CSV_HEADER
    for signup in signups.select_related("office_hours__event").order_by(
        "office_hours__starts_at", "slot_start", "created_at"
    ):
        event = signup.office_hours.event
        yield [
            _spreadsheet_safe(signup.office_hours.title),
            event.localtime(signup.slot_start).isoformat(),
            _spreadsheet_safe(signup.name),
            _spreadsheet_safe(signup.email),
            _spreadsheet_safe(signup.question),
            signup.get_status_display(),
            event.localtime(signup.created_at).isoformat(timespec="seconds"),
            event.localtime(signup.consented_at).isoformat(timespec="seconds") if signup.consented_at else "",
            event.localtime(signup.cancelled_at).isoformat(timespec="seconds") if signup.cancelled_at else "",
        ]


class SignupError(Exception):
    """A signup or cancellation the rules do not allow; the message is written for the attendee.

    `field` names the form field at fault, where there is one.
    """

    def __init__(self, message, *, field=None):
        super().__init__(message)
        self.field = field


def _already_signed_up():
    return _(
        "This email address is already signed up for this session. Check your inbox for the confirmation."
    )


@dataclass(frozen=True)
class SlotSeats:
    """One slot of a session with how many seats are taken and how many people wait."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    seats: int
    confirmed: int
    waitlisted: int

    @property
    def seats_left(self):
        return max(self.seats - self.confirmed, 0)

    @property
    def is_full(self):
        return self.seats_left == 0


def slot_seats(sessions):
    """Every slot of each session with its seats taken and its waiting list, in one query: {pk: [SlotSeats]}."""
    sessions = list(sessions)
    counts = {
        (row["office_hours"], row["slot_start"]): row
        for row in Signup.objects.filter(office_hours__in=sessions)
        .order_by()
        .values("office_hours", "slot_start")
        .annotate(
            confirmed=Count("pk", filter=Q(status=Signup.Status.CONFIRMED)),
            waitlisted=Count("pk", filter=Q(status=Signup.Status.WAITLISTED)),
        )
    }
    result = {}
    for session in sessions:
        result[session.pk] = []
        for slot in session.slots():
            row = counts.get((session.pk, slot.starts_at), {})
            result[session.pk].append(
                SlotSeats(
                    starts_at=slot.starts_at,
                    ends_at=slot.ends_at,
                    seats=session.seats_per_slot,
                    confirmed=row.get("confirmed", 0),
                    waitlisted=row.get("waitlisted", 0),
                )
            )
    return result


def slot_end(signup):
    """When the signup's slot ends: the next slot's start, or the session's end for the last one."""
    for slot in signup.office_hours.slots():
        if slot.starts_at == signup.slot_start:
            return slot.ends_at
    return signup.office_hours.ends_at


def _lock(office_hours):
    """The session's row, locked until the transaction ends: every decision about its seats takes this lock,
    so decisions about one session are made one after the other."""
    return OfficeHours.objects.select_for_update().get(pk=office_hours.pk)


def _check_slot(session, slot_start):
    starts = [slot.starts_at for slot in session.slots()]
    if slot_start not in starts:
        tz = session.event.tzinfo
        times = ", ".join(f"{start.astimezone(tz):%H:%M}" for start in starts)
        raise SignupError(
            _("Choose one of the slots of this session: %(times)s.") % {"times": times}, field="slot_start"
        )


def _seats_taken(session, slot_start, *, besides=None):
    """Confirmed signups in the slot, leaving out the signup `besides` (one being changed)."""
    confirmed = session.signups.confirmed().filter(slot_start=slot_start)
    return confirmed.exclude(pk=besides.pk).count() if besides else confirmed.count()


def check_organiser_signup(signup):
    """Refuse a signup an organiser saves for a slot the session does not have, or as confirmed in a full slot.

    Takes the session's lock as sign_up() does, so an attendee signing up at the same moment is counted: call
    it inside the transaction that saves the signup (the admin's change form runs in one).
    """
    session = _lock(signup.office_hours)
    _check_slot(session, signup.slot_start)
    if signup.status == Signup.Status.CONFIRMED:
        taken = _seats_taken(session, signup.slot_start, besides=signup if signup.pk else None)
        if taken >= session.seats_per_slot:
            raise SignupError(
                _(
                    "This slot is full (%(taken)d of %(seats)d seats taken). Save the signup as waitlisted, "
                    "or add seats to the session first."
                )
                % {"taken": taken, "seats": session.seats_per_slot},
                field="status",
            )


def check_session_change(office_hours):
    """Refuse new times, slot length or seats of a session that would leave a signup without its slot, or a
    slot with more confirmed signups than seats. Takes the session's lock: call it inside the saving
    transaction, before saving `office_hours` (unsaved changes on the instance are what is checked)."""
    if office_hours.pk is None:
        return
    _lock(office_hours)
    active = Signup.objects.filter(office_hours=office_hours).active()
    starts = {slot.starts_at for slot in office_hours.slots()}
    stranded = active.exclude(slot_start__in=starts).count()
    if stranded:
        raise SignupError(
            _(
                "%(count)d signup(s) are for slots that these times or this slot length would remove. "
                "Cancel them first, or keep the slots."
            )
            % {"count": stranded}
        )
    fullest = active.confirmed().values("slot_start").annotate(n=Count("pk")).order_by("-n").first()
    if fullest and fullest["n"] > office_hours.seats_per_slot:
        raise SignupError(
            _("A slot already has %(n)d confirmed signups: keep at least %(n)d seats per slot.")
            % {"n": fullest["n"]},
            field="seats_per_slot",
        )


def sign_up(office_hours, *, slot, name, email, question, now=None):
    """Give the attendee a seat in `slot` while one is free, else a place on its waiting list.

    The session row is locked for the whole decision, so concurrent signups are counted one after the other and a
    slot never holds more confirmed signups than it has seats. One active signup per email and session.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            locked = _lock(office_hours)
            if not locked.is_open_for_signup(now):
                raise SignupError(_("Signup for this session has closed."))
            _check_slot(locked, slot)
            if locked.signups.active().filter(email__iexact=email).exists():
                raise SignupError(_already_signed_up())
            taken = _seats_taken(locked, slot)
            status = Signup.Status.CONFIRMED if taken < locked.seats_per_slot else Signup.Status.WAITLISTED
            return locked.signups.create(
                slot_start=slot,
                name=name,
                email=email,
                question=question,
                status=status,
                created_at=now,
                consented_at=now,
            )
    except IntegrityError:
        # The constraint signup_once_per_email_per_session backs up the check above.
        raise SignupError(_already_signed_up()) from None


def _fill_free_seats(locked, slot_start, now):
    """Confirm people from the waiting list of one slot, first come first served, while seats are free."""
    if now >= slot_start:
        return []  # a seat in a slot that has begun helps nobody
    free = locked.seats_per_slot - _seats_taken(locked, slot_start)
    if free <= 0:
        return []
    promoted = list(locked.signups.waitlisted().filter(slot_start=slot_start)[:free])
    for signup in promoted:
        signup.status = Signup.Status.CONFIRMED
        signup.save(update_fields=["status"])
    return promoted


def cancel_signup(signup, *, now=None):
    """Cancel a signup; a seat it frees goes to the first person on that slot's waiting list, who is returned.

    Cancelling twice changes nothing. A session that is over cannot be cancelled any more.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(signup.office_hours)
        current = locked.signups.get(pk=signup.pk)
        if current.status == Signup.Status.CANCELLED:
            return None
        if now >= locked.ends_at:
            raise SignupError(_("This session is over, so there is nothing left to cancel."))
        had_seat = current.status == Signup.Status.CONFIRMED
        current.status, current.cancelled_at = Signup.Status.CANCELLED, now
        current.save(update_fields=["status", "cancelled_at"])
        signup.status, signup.cancelled_at = current.status, current.cancelled_at
        promoted = _fill_free_seats(locked, current.slot_start, now) if had_seat else []
    return promoted[0] if promoted else None


def promote_from_waitlist(office_hours, *, slot=None, now=None):
    """Fill the free seats of one slot (or of every slot) from its waiting list; returns the promoted signups.

    Seats free up without a cancellation when organisers add seats or remove a signup.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(office_hours)
        starts = [slot] if slot is not None else [each.starts_at for each in locked.slots()]
        return [signup for start in starts for signup in _fill_free_seats(locked, start, now)]


def waitlist_position(signup):
    """1 for the first person waiting in the signup's slot; None when the signup is not waiting."""
    if signup.status != Signup.Status.WAITLISTED:
        return None
    ahead = (
        Signup.objects.waitlisted()
        .filter(office_hours_id=signup.office_hours_id, slot_start=signup.slot_start)
        .filter(Q(created_at__lt=signup.created_at) | Q(created_at=signup.created_at, pk__lt=signup.pk))
        .count()
    )
    return ahead + 1


def signup_calendar(signup, *, cancel_url=""):
    """The signup's slot as an iCalendar file (bytes), in the event's zone, with the join link for a seat."""
    office_hours = signup.office_hours
    event = office_hours.event
    entry = icalendar.Event()
    entry.add(
        "uid", f"office-hours-signup-{signup.pk}-{signup.created_at:%Y%m%dT%H%M%S}@community-event-portal"
    )
    entry.add("dtstamp", timezone.now().astimezone(dt.UTC))
    entry.add("dtstart", event.localtime(signup.slot_start))
    entry.add("dtend", event.localtime(slot_end(signup)))
    entry.add("summary", f"{office_hours.title} ({event.name})")
    lines = [_("Your question or topic: %(question)s") % {"question": signup.question}]
    if office_hours.join_url and signup.status == Signup.Status.CONFIRMED:
        lines.append(_("Join: %(url)s") % {"url": office_hours.join_url})
        entry.add("location", office_hours.join_url)
        entry.add("url", office_hours.join_url)
    elif office_hours.location:
        entry.add("location", office_hours.location)
    if cancel_url:
        lines.append(_("Cancel: %(url)s") % {"url": cancel_url})
    entry.add("description", "\n".join(lines))
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Community event portal//Office hours//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(entry)
    # The zone's rules around the slot only, not its whole history since 1970.
    day = event.localtime(signup.slot_start).date()
    calendar.add_missing_timezones(
        first_date=day - dt.timedelta(days=366), last_date=day + dt.timedelta(days=366)
    )
    return calendar.to_ical()


def send_signup_email(signup, *, absolute_url, promoted=False):
    """Email the attendee where they stand: a seat (with .ics and join link) or a place on the waiting list.

    `absolute_url` turns a path into a full address, e.g. `request.build_absolute_uri`. Times are rendered in the
    event's zone.
    """
    office_hours = signup.office_hours
    event = office_hours.event
    is_confirmed = signup.status == Signup.Status.CONFIRMED
    cancel_url = absolute_url(signup.get_cancel_url())
    with timezone.override(event.tzinfo):
        slot_start = event.localtime(signup.slot_start)
        context = {
            "signup": signup,
            "office_hours": office_hours,
            "event": event,
            "slot_start": slot_start,
            "slot_end": event.localtime(slot_end(signup)),
            "is_confirmed": is_confirmed,
            "is_promoted": promoted,
            "join_url": office_hours.join_url if is_confirmed else "",
            "waitlist_position": waitlist_position(signup),
            "cancel_url": cancel_url,
            "page_url": absolute_url(signup.get_absolute_url()),
        }
        text = render_to_string("emails/signup.txt", context)
        html = render_to_string("emails/signup.html", context)
        when = f"{slot_start:%a %d %b, %H:%M} {slot_start.tzname()}"
    if promoted:
        subject = _("A seat is free for you: %(title)s, %(when)s")
    elif is_confirmed:
        subject = _("You are signed up: %(title)s, %(when)s")
    else:
        subject = _("You are on the waiting list: %(title)s, %(when)s")
    message = EmailMultiAlternatives(
        subject % {"title": office_hours.title, "when": when}, text, to=[signup.email]
    )
    message.attach_alternative(html, "text/html")
    if is_confirmed:
        message.attach("office-hours.ics", signup_calendar(signup, cancel_url=cancel_url), "text/calendar")
    message.send()
    return message
