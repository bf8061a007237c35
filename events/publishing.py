"""Publishing a draft event: every page of it opens to everybody at once, and its changelog says so in one entry."""

from django.db import transaction

from . import changelog
from .models import Event


def publish_event(event, *, now=None):
    """Make the draft `event` public, with one entry in its changelog that counts the talks it shows
    (“Programme published: 943 talks”); what was edited while it was a draft is no change, and what changes
    after this is recorded as for any public event. Returns that entry, or None when the event was published
    already (publishing again changes nothing)."""
    with transaction.atomic():
        # Locked as the changelog locks it: no recording of its talks runs in between.
        locked = Event.objects.select_for_update().get(pk=event.pk)
        if locked.status == Event.Status.PUBLISHED:
            return None
        entry = changelog.record_publication(locked, now)
        locked.status = Event.Status.PUBLISHED
        # A plain save: the schedule's version moves, so no page kept for the draft answers, and every process
        # forgets the events it remembers (events/signals.py).
        locked.save()
    event.status = locked.status
    return entry
