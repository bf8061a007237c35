"""manage.py import_talks FILE --event SLUG [--match WORDS] [--publish]: a conference's talks into an event."""

import time

from django.core.management.base import BaseCommand, CommandError

from events.exchange import fetching, programme, reading
from events.models import Event, Talk

from .import_frab import add_reading_options, read_file, write_notes, write_time


class Command(BaseCommand):
    help = (
        "Create or update talks of the event SLUG from a conference's programme: a frab schedule.xml (pretalx, "
        "frab, FOSDEM), a c3voc schedule.json or an iCalendar file (Sched and most schedule tools), as a path or "
        "an http(s) address. Talks are matched by their UID or guid in the programme, so importing it again "
        "updates them. Entries without a title, start or length are skipped and listed. A file that cannot be "
        "read changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", help="path or http(s) address of the schedule.xml, schedule.json or .ics file"
        )
        parser.add_argument("--event", required=True, metavar="SLUG", help="slug of the event to import into")
        parser.add_argument(
            "--match",
            metavar="WORDS",
            default="",
            help='import only the talks with any of these whole words, or a "quoted phrase", in their title, '
            "abstract, or a speaker's name or affiliation (any letter case, accents aside)",
        )
        status = parser.add_mutually_exclusive_group()
        status.add_argument(
            "--publish", action="store_true", help="new talks are published (default: drafts)"
        )
        status.add_argument("--draft", action="store_true", help="new talks are drafts (the default)")
        add_reading_options(parser)

    def handle(self, *args, file, event, match, publish, time_zone, strict, **options):
        found_event = Event.objects.filter(slug=event).first()
        if found_event is None:
            raise CommandError(
                f"There is no event “{event}”: create it first (in the admin or with import_frab)."
            )
        started = time.monotonic()
        try:
            if file.startswith(("http://", "https://")):
                data = fetching.fetch_programme(file)
            else:
                data = read_file(file)
            found = reading.read_programme(data, tz=found_event.tzinfo, time_zone=time_zone, strict=strict)
            read_at = time.monotonic()
            chosen = [talk for talk in found.talks if talk.matches(match)]
            # As in the admin: talks found by words are looked over before attendees see them.
            status = Talk.Status.PUBLISHED if publish else Talk.Status.DRAFT
            result = programme.import_talks(found_event, chosen, status=status)
        except programme.ProgrammeError as exc:
            raise CommandError(f"{file}: {str(exc).rstrip('.')}. Nothing was imported.") from exc
        matching = f", {len(chosen)} with “{match}”" if match else ""
        self.stdout.write(self.style.SUCCESS(f"Found {len(found.talks)} talks{matching}. {result}"))
        if result.outside:
            self.stdout.write(
                self.style.WARNING(
                    f"{len(result.outside)} of them start outside the event's days "
                    f"({found_event.start_date} to {found_event.end_date}): {', '.join(result.outside)}."
                )
            )
        write_notes(self, found.notes)
        if result.created["talks"] and not publish:
            self.stdout.write(
                "The new talks are drafts: publish them in the admin (Talks › Publish selected talks), "
                "or import with --publish."
            )
        write_time(self, started, read_at)
