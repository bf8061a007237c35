"""Writes the room grid's placement classes into static/css/portal.css, for events/schedule/grid.py's limits."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from events.schedule.grid import with_placement_css

STYLESHEET = Path(settings.BASE_DIR) / "static" / "css" / "portal.css"


class Command(BaseCommand):
    help = "Write the room grid's c-N, cs-N, rs-N and re-N classes into static/css/portal.css for the grid's limits."

    def handle(self, *args, **options):
        STYLESHEET.write_text(with_placement_css(STYLESHEET.read_text()))
        self.stdout.write(f"Wrote the grid's placement classes into {STYLESHEET}")
