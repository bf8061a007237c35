"""manage.py import_frab FILE --event SLUG: create or update an event from a frab schedule.xml."""

from django.core.management.base import BaseCommand, CommandError

from events import frab


class Command(BaseCommand):
    help = (
        "Create or update the event SLUG, its rooms, tracks, talks and speakers from a frab schedule.xml "
        "(as pretalx, frab or this portal export it). Rows are matched by guid; a file that cannot be "
        "imported changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the schedule.xml")
        parser.add_argument(
            "--event", required=True, metavar="SLUG", help="slug of the event to create or update"
        )

    def handle(self, *args, file, event, **options):
        try:
            result = frab.import_frab(file, event_slug=event)
        except frab.FrabImportError as exc:
            raise CommandError(f"{file}: {str(exc).rstrip('.')}. Nothing was imported.") from exc
        self.stdout.write(self.style.SUCCESS(str(result)))
