"""The event named in the address: found once per request, with its time zone active while the page renders."""

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from . import versionwatch
from .models import Event


class EventMiddleware:
    """Gives every address with an `event` part its `request.event` (an unknown event is a 404) and activates
    the event's time zone, so pages, forms and templates show the venue's wall-clock time, as pretalx's
    EventMiddleware does. Whatever zone a request activated (the admin activates an object's event's zone)
    is dropped when the request ends.

    The Event is the one the process remembers, shared by the requests that follow: read it, never save,
    refresh or prefetch onto it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    def process_view(self, request, view_func, view_args, view_kwargs):
        slug = view_kwargs.get("event")
        if slug is None:
            return None
        # Each process remembers the event until the database says something changed (events/versionwatch.py).
        request.event = versionwatch.watch().state(slug, lambda slug: Event.objects.filter(slug=slug).first())
        if request.event is None:
            raise Http404(_("No event has this address."))
        timezone.activate(request.event.tzinfo)
        return None
