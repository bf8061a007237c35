"""What the portal keeps about attendees, for how long, and what hangs on a signup when it is erased.

An attendee's name, email address and question live on their signup and, outside it, in the emails the outbox
sent them (portal.models.Email, linked to the signup), in the admin's log of changes (its entries name the
signup, "Ana <ana@example.org>", and an email, "subject → address") and in the brake on signups per address
(portal.models.Counter, keyed by a keyed hash of the address, not the address). They are kept until
PERSONAL_DATA_RETENTION_DAYS after the event ends; events.signups.erase_signup() then clears the signup and
forget() what hangs on it. The signup itself stays, anonymous, with its session, slot and status, so every count
(seats taken, people waiting, how many came) stays right.
"""

import datetime as dt
from dataclasses import astuple, dataclass

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.models import Counter, Email

from .models import Signup
from .times import day_bounds


def event_ends_at(event):
    """The end of the event's last day in its zone."""
    return day_bounds(event.end_date, event.tzinfo)[1]


def kept_until(signup):
    """When the attendee's details on `signup` are due for erasure: PERSONAL_DATA_RETENTION_DAYS after its event
    ends (or its session, should that end later)."""
    session = signup.office_hours
    ends = max(event_ends_at(session.event), session.ends_at)
    return ends + dt.timedelta(days=settings.PERSONAL_DATA_RETENTION_DAYS)


def email_counter_key(email):
    """The key of the brake on signups per email address: a keyed hash (SECRET_KEY), so that the counter holds
    no address, the same for every spelling of one."""
    digest = salted_hmac("events.privacy.email_counter_key", email.lower(), algorithm="sha256").hexdigest()
    return f"office-hours-signup-email:{digest}"


@dataclass
class Erasure:
    """How many rows an erasure cleared or removed."""

    signups: int = 0
    emails: int = 0
    log_entries: int = 0
    counters: int = 0

    def __add__(self, other):
        return Erasure(*(mine + theirs for mine, theirs in zip(astuple(self), astuple(other), strict=True)))

    def __bool__(self):
        return any(astuple(self))

    def __str__(self):
        return ", ".join(
            [
                ngettext("%(count)d signup", "%(count)d signups", self.signups) % {"count": self.signups},
                ngettext("%(count)d email", "%(count)d emails", self.emails) % {"count": self.emails},
                ngettext("%(count)d admin log entry", "%(count)d admin log entries", self.log_entries)
                % {"count": self.log_entries},
                ngettext("%(count)d counter", "%(count)d counters", self.counters) % {"count": self.counters},
            ]
        )


def forget(signup, *, keep_counter=False):
    """Erase what hangs on `signup` outside its own row, its details as they are now: the emails about it, the
    admin's log entries that name it or those emails, and the brake on its address (unless `keep_counter`: an
    attendee erasing their own signup leaves the brake in place until its window ends, so that signing up and
    erasing cannot flood an inbox). The row itself is left to the caller, who clears or deletes it."""
    email_ids = list(signup.emails.values_list("pk", flat=True))
    _total, deleted = Email.objects.filter(pk__in=email_ids).delete()  # with their links to signups
    signup_type = ContentType.objects.get_for_model(Signup)
    email_type = ContentType.objects.get_for_model(Email)
    signup_label = Signup.erased_label(signup.pk)
    log_entries = (
        LogEntry.objects.filter(content_type=signup_type, object_id=str(signup.pk))
        .exclude(object_repr=signup_label)
        .update(object_repr=signup_label)
    )
    # Translators: what the admin's log calls an email that was erased with the signup it was about.
    email_label = _("Email (erased with its signup)")
    about_its_emails = Q(object_id__in=[str(pk) for pk in email_ids])
    if signup.email:  # entries of emails deleted before, which no link leads to, still end with the address
        about_its_emails |= Q(object_repr__iendswith=f" → {signup.email}")
    log_entries += (
        LogEntry.objects.filter(about_its_emails, content_type=email_type)
        .exclude(object_repr=email_label)
        .update(object_repr=email_label)
    )
    counters = 0
    if signup.email and not keep_counter:
        counters, _by_model = Counter.objects.filter(key=email_counter_key(signup.email)).delete()
    return Erasure(emails=deleted.get(Email._meta.label, 0), log_entries=log_entries, counters=counters)


def forget_ended_counters(now):
    """Remove the brakes whose window has ended: they hold client addresses and are of no more use."""
    removed, _by_model = Counter.objects.filter(expires_at__lte=now).delete()
    return removed
