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
        upcoming = list(Event.objects.upcoming(today))
        # With one current or next event, the home page leads with it rather than with a list of one.
        return super().get_context_data(
            featured=upcoming[0] if len(upcoming) == 1 else None,
            upcoming=upcoming,
            past=Event.objects.past(today),
            **kwargs,
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

    def get_context_data(self, **kwargs):
        talks = list(self.event.talks.public().in_schedule_order())
        now = timezone.now()
        return super().get_context_data(
            days=schedule.lay_out_schedule(talks, self.event.tzinfo),
            whats_on=schedule.whats_on(talks, now),
            is_over=self.event.today(now) > self.event.end_date,
            **kwargs,
        )


class ScheduleView(EventMixin, TemplateView):
    template_name = "events/schedule.html"

    def get(self, request, *args, **kwargs):
        tracks = list(self.event.tracks.all())
        talks = list(
            self.event.talks.public()
            .select_related("room", "track")
            .prefetch_related("talk_speakers__speaker")
            .in_schedule_order()
        )
        try:
            filters = schedule.read_filters(
                request.GET,
                days=self.event.days(),
                track_slugs={track.slug for track in tracks},
                kinds=Talk.Kind.values,
            )
            error, status = "", 200
        except schedule.FilterError as exc:
            # Show the whole schedule under the message, so the visitor can pick a filter that exists.
            filters, error, status = schedule.Filters(), str(exc), 400
        shown = schedule.filter_talks(talks, filters, self.event.tzinfo)
        # The filter links start from the filters that worked, never from a rejected value.
        filter_query = request.GET.copy()
        for name, value in [
            ("day", filters.day and filters.day.isoformat()),
            ("track", filters.track),
            ("kind", filters.kind),
        ]:
            if value:
                filter_query[name] = value
            else:
                filter_query.pop(name, None)
        context = self.get_context_data(
            filter_query=filter_query,
            days=schedule.lay_out_schedule(shown, self.event.tzinfo),
            filters=filters,
            filter_error=error,
            day_choices=[day for day, _ in schedule.group_by_day(talks, self.event.tzinfo)],
            track_choices=tracks,
            kind_choices=[
                (kind, label) for kind, label in Talk.Kind.choices if any(t.kind == kind for t in talks)
            ],
            talk_count=len(talks),
            **kwargs,
        )
        return self.render_to_response(context, status=status)


class TalkDetailView(EventMixin, DetailView):
    template_name = "events/talk_detail.html"
    slug_url_kwarg = "talk"
    context_object_name = "talk"

    def get_queryset(self):
        return (
            self.event.talks.public()
            .select_related("room", "track")
            .prefetch_related("talk_speakers__speaker")
        )

    def get_context_data(self, **kwargs):
        overlapping = self.object.overlapping().select_related("event").in_schedule_order()
        return super().get_context_data(overlapping=overlapping, **kwargs)


class SpeakerListView(EventMixin, ListView):
    template_name = "events/speaker_list.html"
    context_object_name = "speakers"

    def get_queryset(self):
        in_event = Q(
            talks__event=self.event, talks__status__in=[Talk.Status.PUBLISHED, Talk.Status.CANCELLED]
        )
        return Speaker.objects.annotate(talk_count=Count("talks", filter=in_event)).filter(talk_count__gt=0)


class SpeakerDetailView(EventMixin, DetailView):
    template_name = "events/speaker_detail.html"
    slug_url_kwarg = "speaker"
    context_object_name = "speaker"

    def get_queryset(self):
        talks = self.event.talks.public().select_related("room", "track").in_schedule_order()
        return (
            Speaker.objects.filter(talks__in=self.event.talks.public())
            .distinct()
            .prefetch_related(Prefetch("talks", queryset=talks, to_attr="event_talks"))
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
