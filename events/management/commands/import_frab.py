"""manage.py import_frab FILE --event SLUG: create or update an event from a frab schedule.xml."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from events import frab, publishing
from events.models import Event, Room, Speaker, Talk, TalkSpeaker, Track


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
        parser.add_argument(
            "--publish",
            action="store_true",
            help="publish the event after the import (a new event is a draft, seen by organisers only)",
        )

    def handle(self, *args, file, event, publish, **options):
        try:
            result = frab.import_frab(file, event_slug=event)
        except frab.FrabImportError as exc:
            raise CommandError(f"{file}: {str(exc).rstrip('.')}. Nothing was imported.") from exc
        refresh_statistics()
        self.stdout.write(self.style.SUCCESS(str(result)))
        if publish and (entry := publishing.publish_event(result.event)) is not None:
            self.stdout.write(f"Published {result.event.slug}: {entry.talk_count} talks.")
        elif result.event.status == Event.Status.DRAFT:
            self.stdout.write(
                f"{result.event.slug} is a draft, seen by organisers only: publish it in the admin, "
                "or import with --publish."
            )


def refresh_statistics():
    """Let PostgreSQL's planner see the imported rows at once. Until autovacuum analyses the tables, a
    new conference's pages are planned with default estimates: a talk page, for one, then filters all
    600 talks of the event instead of using the (event, slug) index."""
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(
        connection.ops.quote_name(model._meta.db_table)
        for model in [Event, Room, Track, Talk, Speaker, TalkSpeaker]
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")
