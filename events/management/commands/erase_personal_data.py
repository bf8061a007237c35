"""manage.py erase_personal_data [--event SLUG] [--dry-run]: erase attendees' names, email addresses and questions."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import ngettext

from events import privacy, signups
from events.models import Event, Signup


class Command(BaseCommand):
    help = (
        "Erase the names, email addresses and questions of the attendees of every event that ended more than "
        "PERSONAL_DATA_RETENTION_DAYS days ago, from their signups, the emails of the outbox and the admin's log, "
        "and the counters of ended signup and sign-in brakes; the signups stay, anonymous, for the counts. The "
        "worker does the same when they are due. Prints how many rows it erased."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--event",
            metavar="SLUG",
            help="erase the details of this event's attendees now, whatever the retention; it must have ended",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would be erased; erase nothing"
        )

    def handle(self, *args, event, dry_run, **options):
        now = timezone.now()
        if event is None:
            by_event, counters = signups.erase_expired(now=now, dry_run=dry_run)
        else:
            by_event, counters = self.erase_event(event, now=now, dry_run=dry_run), 0
        done = "would be erased" if dry_run else "erased"
        for erased_event, erased in sorted(
            by_event.items(), key=lambda item: (item[0].start_date, item[0].slug)
        ):
            self.stdout.write(f"{erased_event.slug}: {erased} {done}.")
        if counters:
            ended = ngettext("%(count)d counter", "%(count)d counters", counters) % {"count": counters}
            self.stdout.write(f"Ended brakes on signups and sign-ins (client addresses): {ended} {done}.")
        total = sum(by_event.values(), privacy.Erasure()) + privacy.Erasure(counters=counters)
        if not total:
            self.stdout.write("Nothing to erase." if event is None else f"{event}: nothing to erase.")
            return
        summary = f"In all: {total} {done}."
        self.stdout.write(summary if dry_run else self.style.SUCCESS(summary))

    def erase_event(self, slug, *, now, dry_run):
        event = Event.objects.filter(slug=slug).first()
        if event is None:
            raise CommandError(f"There is no event “{slug}”.")
        ends = max([privacy.event_ends_at(event), *event.office_hours.values_list("ends_at", flat=True)])
        if now < ends:
            raise CommandError(
                f"{slug} has not ended yet (it ends {event.localtime(ends):%Y-%m-%d %H:%M %Z}): its attendees' "
                "signups are still in use. Nothing was erased. To erase one attendee's details now, delete their "
                "signup in the admin or use its action “Erase the names, emails and questions”."
            )
        return signups.erase_signups(
            Signup.objects.filter(office_hours__event=event), now=now, dry_run=dry_run
        )
