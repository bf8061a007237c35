"""Write actions and reports on office-hours signups."""

from django.db.models import Q

from .models import Signup

CONFIRMED_FILTER = Q(signups__status=Signup.Status.CONFIRMED)
WAITLISTED_FILTER = Q(signups__status=Signup.Status.WAITLISTED)

CSV_HEADER = ["office hours", "slot", "name", "email", "question", "status", "signed up", "cancelled"]


def _spreadsheet_safe(value):
    """Attendee text that a spreadsheet would run as a formula is prefixed with a quote."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def signup_rows(signups):
    """The CSV header and one row per signup, with slot times in the event's zone and ISO 8601 offsets."""
    yield CSV_HEADER
    for signup in signups.select_related("office_hours__event").order_by("office_hours__starts_at", "slot_start", "created_at"):
        event = signup.office_hours.event
        yield [
            signup.office_hours.title,
            event.localtime(signup.slot_start).isoformat(),
            _spreadsheet_safe(signup.name),
            signup.email,
            _spreadsheet_safe(signup.question),
            signup.get_status_display(),
            event.localtime(signup.created_at).isoformat(timespec="seconds"),
            event.localtime(signup.cancelled_at).isoformat(timespec="seconds") if signup.cancelled_at else "",
        ]
