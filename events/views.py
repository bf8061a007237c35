"""Public pages: thin views over QuerySet chains and the schedule module."""

import hashlib

from django.core.cache import cache
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView

from . import exports, schedule
from .models import Event, OfficeHours, Speaker, Talk


class EventListView(TemplateView):
    template_name = "events/event_list.html"

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        return super().get_context_data(
            upcoming=Event.objects.upcoming(today), past=Event.objects.past(today), **kwargs
        )


class EventMixin:
    """Looks up the event named in the address; unknown events are a 404."""

    def dispatch(self, request, *args, **kwargs):
        self.event = get_object_or_404(Event, slug=kwargs["event"])
        # Render inside the event's zone so every time on the page is the venue's wall-clock time.
        with timezone.override(self.event.tzinfo):
            response = super().dispatch(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
        return response

    def get_context_data(self, **kwargs):
        return super().get_context_data(event=self.event, **kwargs)


class EventDetailView(EventMixin, TemplateView):
    template_name = "events/event_detail.html"


class ScheduleView(EventMixin, TemplateView):
    template_name = "events/schedule.html"

    def get_context_data(self, **kwargs):
        talks = (
            self.event.talks.public()
            .select_related("room", "track")
            .prefetch_related("speakers")
            .in_schedule_order()
        )
        return super().get_context_data(days=schedule.group_by_day(talks, self.event.tzinfo), **kwargs)


class TalkDetailView(EventMixin, DetailView):
    template_name = "events/talk_detail.html"
    slug_url_kwarg = "talk"
    context_object_name = "talk"

    def get_queryset(self):
        return self.event.talks.public().select_related("room", "track").prefetch_related("speakers")


class SpeakerListView(EventMixin, ListView):
    template_name = "events/speaker_list.html"
    context_object_name = "speakers"

    def get_queryset(self):
        in_event = Q(talks__event=self.event, talks__status__in=[Talk.Status.PUBLISHED, Talk.Status.CANCELLED])
        return Speaker.objects.annotate(talk_count=Count("talks", filter=in_event)).filter(talk_count__gt=0)


class SpeakerDetailView(EventMixin, DetailView):
    template_name = "events/speaker_detail.html"
    slug_url_kwarg = "speaker"
    context_object_name = "speaker"

    def get_queryset(self):
        talks = self.event.talks.public().select_related("room").in_schedule_order()
        return Speaker.objects.filter(talks__in=self.event.talks.public()).distinct().prefetch_related(
            Prefetch("talks", queryset=talks, to_attr="event_talks")
        )


class BoothView(EventMixin, TemplateView):
    template_name = "events/booth.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(booths=self.event.booths.prefetch_related("shifts"), **kwargs)


class OfficeHoursView(EventMixin, TemplateView):
    template_name = "events/office_hours.html"

    def get_context_data(self, **kwargs):
        sessions = OfficeHours.objects.filter(event=self.event).prefetch_related("hosts")
        return super().get_context_data(sessions=sessions, **kwargs)


class ExportMixin:
    """Serves one export of the event's schedule with ETag/Last-Modified (304 on a match), rendered once per
    schedule version and host (the exports carry absolute links) and kept in the cache."""

    kind = "ics"

    def get(self, request, event, talk=None):
        self.event = get_object_or_404(Event, slug=event)
        try:
            slugs = exports.parse_talk_slugs(request.GET["talks"]) if "talks" in request.GET else None
        except exports.ChosenTalksError as exc:
            return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
        variant = f"talk={talk}" if talk else f"talks={','.join(slugs)}" if slugs is not None else "all"
        base_url = request.build_absolute_uri("/").rstrip("/")
        variant_hash = hashlib.sha256(f"{base_url}|{variant}".encode()).hexdigest()
        key = self.event.schedule_cache_key("export", exports.FORMAT_REVISION, self.kind, variant_hash)
        etag = f'"{hashlib.sha256(key.encode()).hexdigest()[:32]}"'
        last_modified = int(self.event.schedule_changed_at.timestamp())
        not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
        if not_modified is None:
            body = cache.get(key)
            if body is None:
                try:
                    body = exports.render_export(
                        self.kind, self.event, base_url=base_url, slugs=slugs, talk=talk
                    )
                except exports.TalkNotFound:
                    raise Http404("No published talk has this address.") from None
                cache.set(key, body, timeout=None)
            response = HttpResponse(body, content_type=exports.CONTENT_TYPES[self.kind])
            if self.kind == "ics":
                response["Content-Disposition"] = f'inline; filename="{talk or self.event.slug}.ics"'
        else:
            response = not_modified
        response["ETag"] = etag
        response["Last-Modified"] = http_date(last_modified)
        # Clients may keep a copy but must ask again each time; the ETag makes asking cheap.
        patch_cache_control(response, no_cache=True)
        return response


class ScheduleIcsView(ExportMixin, View):
    kind = "ics"


class ScheduleXmlView(ExportMixin, View):
    kind = "xml"


class ScheduleJsonView(ExportMixin, View):
    kind = "json"


schedule_ics = ScheduleIcsView.as_view()
schedule_xml = ScheduleXmlView.as_view()
schedule_json = ScheduleJsonView.as_view()
talk_ics = ScheduleIcsView.as_view()
