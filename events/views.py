"""Public pages: thin views over QuerySet chains and the schedule module."""

from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.generic import DetailView, ListView, TemplateView

from . import schedule
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
        # The URL's "event" keyword (a slug) gives way to the Event itself.
        return super().get_context_data(**{**kwargs, "event": self.event})


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


def _export_pending(request, event, talk=None):
    # The exports are being built (iCal, frab XML, c3voc JSON); until then these addresses say so.
    raise Http404("This export is not available yet.")


schedule_ics = schedule_xml = schedule_json = talk_ics = _export_pending
