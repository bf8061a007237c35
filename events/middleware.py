"""The event named in the address: found once per request, with its time zone active while the page renders."""

from django.http import Http404
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from portal import accounts

from . import versionwatch
from .models import Event


class EventMiddleware:
    """Gives every address with an `event` part its `request.event` (an event the visitor may not see is a 404)
    and activates the event's time zone, so pages, forms and templates show the venue's wall-clock time, as
    pretalx's EventMiddleware does. Whatever zone a request activated (the admin activates an object's event's
    zone) is dropped when the request ends.

    A public event is the one the process remembers, shared by the requests that follow: read it, never save,
    refresh or prefetch onto it. A draft is read for each request of an organiser (Event.objects.visible_to()),
    and `request.previewing_draft` says so: no cache keeps what it shows (events/pagecache.py), and its
    responses tell nginx, a CDN and the browser to keep nothing either."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            response = self.get_response(request)
        finally:
            timezone.deactivate()
        if getattr(request, "previewing_draft", False):
            # Whatever the view said (a kept page is public), a draft shown to an organiser is theirs alone: a
            # shared cache that kept it would show it to everybody under the same address.
            del response["Cache-Control"]
            add_never_cache_headers(response)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        slug = view_kwargs.get("event")
        if slug is None:
            return None
        # Each process remembers the event until the database says something changed (events/versionwatch.py).
        request.event = versionwatch.watch().state(
            slug, lambda slug: Event.objects.public().filter(slug=slug).first()
        )
        request.previewing_draft = False
        if request.event is None and accounts.is_signed_in_staff(request):
            request.event = Event.objects.visible_to(request.user).filter(slug=slug).first()
            request.previewing_draft = request.event is not None
        if request.event is None:
            raise Http404(_("No event has this address."))
        timezone.activate(request.event.tzinfo)
        return None
