"""manage.py import_frab FILE --event SLUG: create or update an event from a frab schedule.xml or c3voc JSON."""

import time
import zoneinfo
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from events import publishing
from events.exchange import programme, reading
from events.models import Event, Room, Speaker, Talk, TalkSpeaker, Track


class Command(BaseCommand):
    help = (
        "Create or update the event SLUG, its rooms, tracks, talks and speakers from a frab schedule.xml "
        "(as pentabarf, frab, pretalx, FOSDEM or this portal export it) or a c3voc schedule.json. Rows are "
        "matched by guid; departures from the format are listed and imported anyway (--strict refuses "
        "them); an event without a title, start or length is skipped and listed. A file that cannot be "
        "imported changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the schedule.xml or schedule.json")
        parser.add_argument(
            "--event", required=True, metavar="SLUG", help="slug of the event to create or update"
        )
        add_reading_options(parser)
        parser.add_argument(
            "--publish",
            action="store_true",
            help="publish the event after the import (a new event is a draft, seen by organisers only)",
        )

    def handle(self, *args, file, event, time_zone, strict, publish, **options):
        started = time.monotonic()
        try:
            data = read_file(file)
            found = reading.read_programme(
                data,
                tz=zoneinfo.ZoneInfo("UTC"),
                time_zone=time_zone,
                strict=strict,
                source_key=f"event:{event}",
                formats=("xml", "json"),
            )
            read_at = time.monotonic()
            result = programme.import_schedule(found, event_slug=event)
        except programme.ProgrammeError as exc:
            raise CommandError(f"{file}: {str(exc).rstrip('.')}. Nothing was imported.") from exc
        refresh_statistics()
        self.stdout.write(self.style.SUCCESS(str(result)))
        write_notes(self, found.notes)
        if publish and (entry := publishing.publish_event(result.event)) is not None:
            self.stdout.write(f"Published {result.event.slug}: {entry.talk_count} talks.")
        elif result.event.status == Event.Status.DRAFT:
            self.stdout.write(
                f"{result.event.slug} is a draft, seen by organisers only: publish it in the admin, "
                "or import with --publish."
            )
        write_time(self, started, read_at)


def add_reading_options(parser):
    parser.add_argument(
        "--time-zone",
        metavar="ZONE",
        help="the venue's IANA time zone (e.g. Europe/Berlin), for a file that names none (no <time_zone_name>)",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="refuse the file at its first departure from its format (a schedule.xml's from the c3voc schema; "
        "default: import it, listing the departures)",
    )


def read_file(file):
    try:
        return Path(file).read_bytes()
    except OSError as exc:
        raise programme.ProgrammeError(f"the file cannot be read: {exc.strerror}") from None


def write_notes(command, notes):
    """The departures from the format and the skipped entries, after an import's summary."""
    deviations = notes.lines()
    if deviations:
        command.stdout.write(
            command.style.WARNING(
                "Imported anyway, though the file departs from its format here (counted by kind, first lines):"
            )
        )
        for line in deviations:
            command.stdout.write(f"  {line}")
    if notes.skipped:
        command.stdout.write(command.style.WARNING(f"Skipped {len(notes.skipped)} entries:"))
        for line in notes.skipped_lines():
            command.stdout.write(f"  {line}")


def write_time(command, started, read_at):
    """The time an import took, its last line."""
    done = time.monotonic()
    command.stdout.write(
        f"Read in {read_at - started:.1f} s, written in {done - read_at:.1f} s ({done - started:.1f} s in all)."
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
