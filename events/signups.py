"""Write actions and reports on office-hours signups."""

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_tasks import task

from . import notices, privacy
from .models import Event, OfficeHours, Signup

CONFIRMED_FILTER = Q(signups__status=Signup.Status.CONFIRMED)
WAITLISTED_FILTER = Q(signups__status=Signup.Status.WAITLISTED)

# The columns of the signups' CSV file, which organisers open in a spreadsheet.
CSV_HEADER = [
    gettext_lazy("office hours"),
    gettext_lazy("slot"),
    gettext_lazy("name"),
    gettext_lazy("email"),
    gettext_lazy("question"),
    gettext_lazy("status"),
    # Translators: a column of the signups' CSV file: when the person signed up.
    gettext_lazy("signed up"),
    # Translators: a column of the signups' CSV file: when the person agreed that their details are kept.
    gettext_lazy("consented"),
    # Translators: a column of the signups' CSV file: when the signup was cancelled.
    gettext_lazy("cancelled"),
]


# What starts a formula in a spreadsheet's cell (OWASP's list, with the full-width forms that East Asian input
# methods type and some spreadsheets read the same), and everything that may start a cell: the CSV module
# quotes a cell holding a comma, but a spreadsheet that splits at semicolons (Excel in German, Spanish or
# French), tabs or bars, or whose text delimiter is ', starts a new cell inside it, as does a line break read
# by one that ignores the quotes.
FORMULA_STARTS = "=+-@\t\r\n\uff1d\uff0b\uff0d\uff20"
CELL_STARTS = ",;\t|\r\n\"'"
TRAILING = ",;\t| \r\n"
_FORMULA_IN_A_CELL = re.compile(
    rf"(?:^|(?<=[{re.escape(CELL_STARTS)}]))( *)(?=[{re.escape(FORMULA_STARTS)}])"
)


def spreadsheet_safe(value):
    """Attendee text with a quote before every formula character that could start a cell, whichever delimiter
    the spreadsheet splits at (leading spaces aside); the rest reads as typed: "Ana;=1+1" → "Ana;'=1+1".

    Delimiters, line breaks and spaces at the end go: a spreadsheet splitting at another delimiter would read
    the CSV module's closing quote after them as an opening one, and start a cell with the line break that ends
    the row."""
    return _FORMULA_IN_A_CELL.sub(r"\1'", value.rstrip(TRAILING))


def signup_rows(signups):
    """The CSV header and one row per signup, with slot times in the event's zone and ISO 8601 offsets."""
    yield [str(column) for column in CSV_HEADER]
    for signup in signups.select_related("office_hours__event").order_by(
        "office_hours__starts_at", "slot_start", "created_at"
    ):
        event = signup.office_hours.event
        yield [
            spreadsheet_safe(signup.office_hours.title),
            event.localtime(signup.slot_start).isoformat(),
            spreadsheet_safe(signup.name),
            spreadsheet_safe(signup.email),
            spreadsheet_safe(signup.question),
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
        "This email address is already signed up for this session. We have emailed the link to that signup to "
        "the address again: open it to see your slot or to cancel."
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


def free_slots_besides(signup, *, now=None):
    """The slots of the signup's session, other than its own, that still have a free seat and take signups."""
    session = signup.office_hours
    if not session.is_open_for_signup(now or timezone.now()):
        return []
    return [
        seats
        for seats in slot_seats([session])[session.pk]
        if not seats.is_full and seats.starts_at != signup.slot_start
    ]


def _lock(office_hours):
    """The session's row, locked until the transaction ends: every decision about its seats takes this lock,
    so decisions about one session are made one after the other. Its event comes along (unlocked), for the
    notices the decisions send."""
    return OfficeHours.objects.select_related("event").select_for_update(of=("self",)).get(pk=office_hours.pk)


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
    """Refuse new times, slot length or seats of a session that would leave a signup without a slot, or a slot
    with more confirmed signups than seats; returns where the slots go, {old start: (old Slot, new Slot)} (see
    _slot_moves()). Takes the session's lock: call it inside the saving transaction, before saving `office_hours`
    (unsaved changes on the instance are what is checked)."""
    if office_hours.pk is None:
        return {}
    moves = _slot_moves(_lock(office_hours), office_hours)
    active = Signup.objects.filter(office_hours=office_hours).active()
    stranded = active.exclude(slot_start__in=moves.keys()).count()
    if stranded:
        raise SignupError(
            ngettext(
                # Translators: the English text is the same for any count; give each plural form its own wording.
                "%(count)d signup(s) are for slots that these times or this slot length would remove. "
                "Cancel them first, or keep as many slots.",
                "%(count)d signup(s) are for slots that these times or this slot length would remove. "
                "Cancel them first, or keep as many slots.",
                stranded,
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
    return moves


class AlreadySignedUp(SignupError):
    """The address has an active signup for the session; the link back to it went to that address."""


def _attendees_language():
    """The language of the page the attendee signed up on (the address's, which the request activated)."""
    language = translation.get_language()
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def sign_up(office_hours, *, slot, name, email, question, now=None):
    """Give the attendee a seat in `slot` while one is free, else a place on its waiting list, and email them.

    The session row is locked for the whole decision, so concurrent signups are counted one after the other and a
    slot never holds more confirmed signups than it has seats. People already waiting get a free seat before a
    newcomer does. One active signup per email and session: signing up again emails the link to the signup to that
    address and raises AlreadySignedUp, which shows nothing of the signup to whoever sent the form.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            locked = _lock(office_hours)
            if not locked.is_open_for_signup(now):
                raise SignupError(_("Signup for this session has closed."))
            _check_slot(locked, slot)
            existing = locked.signups.active().filter(email__iexact=email).first()
            if existing is None:
                _fill_free_seats(locked, slot, now)
                taken = _seats_taken(locked, slot)
                status = (
                    Signup.Status.CONFIRMED if taken < locked.seats_per_slot else Signup.Status.WAITLISTED
                )
                signup = locked.signups.create(
                    slot_start=slot,
                    name=name,
                    email=email,
                    question=question,
                    status=status,
                    created_at=now,
                    consented_at=now,
                    language=_attendees_language(),
                )
                if status == Signup.Status.CONFIRMED:
                    notices.send(signup, notices.CONFIRMED)
                    notices.schedule_reminders(signup, now=now)
                else:
                    notices.send(signup, notices.WAITLISTED, free_slots=free_slots_besides(signup, now=now))
                schedule_erasure(signup)
                return signup
            notices.send(existing, notices.LINK)
    except IntegrityError:
        # The constraint signup_once_per_email_per_session backs up the check above.
        raise AlreadySignedUp(_already_signed_up()) from None
    raise AlreadySignedUp(_already_signed_up())


def _fill_free_seats(locked, slot_start, now):
    """Give the free seats of one slot to the people on its waiting list, first come first served, and email
    them. Call it with the session locked, whenever seats may have opened."""
    if now >= slot_start:
        return []  # a seat in a slot that has begun helps nobody
    free = locked.seats_per_slot - _seats_taken(locked, slot_start)
    if free <= 0:
        return []
    promoted = list(locked.signups.waitlisted().unerased().filter(slot_start=slot_start)[:free])
    for signup in promoted:
        signup.status = Signup.Status.CONFIRMED
        signup.save(update_fields=["status"])
        notices.send(signup, notices.PROMOTED)
        notices.schedule_reminders(signup, now=now)
    return promoted


def cancel_signup(signup, *, now=None):
    """Cancel a signup and email the attendee (with the calendar's cancellation for a seat); a seat it frees goes to
    the first person on that slot's waiting list, who is returned.

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
        _withdraw(current, now)
        signup.status, signup.cancelled_at, signup.sequence = current.status, now, current.sequence
        notices.send(current, notices.CANCELLED, with_calendar=had_seat)
        promoted = _fill_free_seats(locked, current.slot_start, now) if had_seat else []
    return promoted[0] if promoted else None


def _withdraw(current, now):
    """Mark a signup cancelled; its queued reminders find a newer revision and stay silent."""
    current.status, current.cancelled_at = Signup.Status.CANCELLED, now
    current.sequence += 1
    current.save(update_fields=["status", "cancelled_at", "sequence"])


def promote_from_waitlist(office_hours, *, slot=None, now=None):
    """Fill the free seats of one slot (or of every slot) from its waiting list; returns the promoted signups.

    Seats free up without a cancellation when organisers add seats or remove a signup.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(office_hours)
        starts = [slot] if slot is not None else [each.starts_at for each in locked.slots()]
        return [signup for start in starts for signup in _fill_free_seats(locked, start, now)]


def save_session(session, *, now=None):
    """Save an organiser's changes to a session, and follow them through for its signups.

    Signups keep their slot's time while the new slots still have it; when the session moved or its slots were cut
    differently, each signup keeps its place in the order of the slots. Everyone whose slot changed is emailed the
    new time (a seat with an updated calendar entry), and seats that opened go to the people waiting. Returns
    (moved, promoted) signups. Refuses, as check_session_change() does, changes that would strand a signup or
    overbook a slot.
    """
    now = now or timezone.now()
    with transaction.atomic():
        if session.pk is None:
            session.save()
            return [], []
        moves = check_session_change(session)
        session.save()
        moved = []
        for signup in session.signups.active().order_by("slot_start", "created_at"):
            old, new = moves[signup.slot_start]
            if old == new:
                continue
            signup.slot_start = new.starts_at
            signup.sequence += 1
            signup.save(update_fields=["slot_start", "sequence"])
            notices.send(signup, notices.MOVED)
            if signup.status == Signup.Status.CONFIRMED:
                notices.schedule_reminders(signup, now=now)
            moved.append(signup)
        promoted = [
            signup for slot in session.slots() for signup in _fill_free_seats(session, slot.starts_at, now)
        ]
    return moved, promoted


def _slot_moves(before, after):
    """{old start: (old Slot, new Slot)} for every slot of `before` whose signups a change of session keeps: the
    same times while `after` still has every taken slot, else the slots in order."""
    old, new = before.slots(), after.slots()
    new_by_start = {slot.starts_at: slot for slot in new}
    taken = set(Signup.objects.filter(office_hours=before).active().values_list("slot_start", flat=True))
    if taken <= new_by_start.keys():
        pairs = [(slot, new_by_start[slot.starts_at]) for slot in old if slot.starts_at in new_by_start]
    else:
        pairs = zip(old, new, strict=False)
    return {old_slot.starts_at: (old_slot, new_slot) for old_slot, new_slot in pairs}


# Erasure: the attendee's details go, the signup stays (events/privacy.py).


def erase_signup(signup, *, now=None, keep_counter=False):
    """Erase the attendee's name, email address and question from `signup` and from what hangs on it (its emails,
    the admin's log, the brake on its address: privacy.forget()); returns a privacy.Erasure.

    The row stays, anonymous, with its session, slot and status, so the seats, waiting lists and counts stay
    right. A signup whose slot has not begun gives up its seat or its place on the waiting list first, without
    email (there is no address left to send it to): the seat goes to the first person waiting, who is emailed.
    Nothing is sent about an erased signup again. Erasing twice changes nothing.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(signup.office_hours)
        current = locked.signups.get(pk=signup.pk)
        if current.erased_at is not None:
            return privacy.Erasure()
        if current.status != Signup.Status.CANCELLED and now < current.slot_start:
            had_seat = current.status == Signup.Status.CONFIRMED
            _withdraw(current, now)
            if had_seat:
                _fill_free_seats(locked, current.slot_start, now)
        erased = privacy.forget(current, keep_counter=keep_counter) + privacy.Erasure(signups=1)
        current.name = current.email = current.question = ""
        current.erased_at = now
        current.save(update_fields=["name", "email", "question", "erased_at"])
    for field in ("name", "email", "question", "erased_at", "status", "cancelled_at", "sequence"):
        setattr(signup, field, getattr(current, field))
    return erased


def erase_signups(signups, *, now=None, dry_run=False):
    """Erase each of `signups` (erase_signup()) in one transaction; returns {event: privacy.Erasure}.

    `dry_run` erases and then rolls back, so that the counts are exactly what a real run would erase.
    """
    now = now or timezone.now()
    by_event = {}
    with transaction.atomic():
        for signup in signups.unerased().select_related("office_hours__event").order_by("pk"):
            event = signup.office_hours.event
            by_event[event] = by_event.get(event, privacy.Erasure()) + erase_signup(signup, now=now)
        if dry_run:
            transaction.set_rollback(True)
    return by_event


def due_for_erasure(now):
    """The signups whose details are kept no longer at `now` (privacy.kept_until())."""
    latest_end = now - dt.timedelta(days=settings.PERSONAL_DATA_RETENTION_DAYS)
    events = Event.objects.filter(office_hours__signups__erased_at__isnull=True).distinct()
    ended = [event.pk for event in events if privacy.event_ends_at(event) <= latest_end]
    return Signup.objects.unerased().filter(
        office_hours__event__in=ended, office_hours__ends_at__lte=latest_end
    )


def erase_expired(*, now=None, dry_run=False):
    """Erase every signup kept beyond its time, and the brakes whose window has ended (they hold client
    addresses); returns ({event: privacy.Erasure}, ended counters). The worker runs it whenever a signup is due
    (erase_when_due), `manage.py erase_personal_data` whenever it is asked."""
    now = now or timezone.now()
    with transaction.atomic():
        by_event = erase_signups(due_for_erasure(now), now=now)
        counters = privacy.forget_ended_counters(now)
        if dry_run:
            transaction.set_rollback(True)
    return by_event, counters


def schedule_erasure(signup):
    """Queue the erasure of the signup's details for when they are due; the queue is in the database, so it
    outlasts restarts."""
    erase_when_due.using(run_after=privacy.kept_until(signup)).enqueue(signup.pk)


@task()
def erase_when_due(signup_id):
    """Erase whatever is due (erase_expired()). A signup that is not due yet (its event moved, or the retention
    grew since it was queued) is queued again for its new time."""
    now = timezone.now()
    signup = Signup.objects.unerased().filter(pk=signup_id).select_related("office_hours__event").first()
    if signup is not None and privacy.kept_until(signup) > now:
        schedule_erasure(signup)
    erase_expired(now=now)
