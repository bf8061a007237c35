"""Public pages: thin views over QuerySet chains and the schedule module."""

import hashlib
import logging
import re
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView

from portal import ratelimit

from . import exports, pagecache, schedule, signups
from .forms import SignupForm
from .models import Event, OfficeHours, Signup, Speaker, Talk, TalkSpeaker, schedule_cache_key
from .text import render_markdown, summary_of

logger = logging.getLogger(__name__)


class EventListView(TemplateView):
    template_name = "events/event_list.html"

    def get_context_data(self, **kwargs):
        now = timezone.now()
        upcoming = list(Event.objects.upcoming(now))
        # With one current or next event, the home page leads with it rather than with a list of one.
        return super().get_context_data(
            featured=upcoming[0] if len(upcoming) == 1 else None,
            upcoming=upcoming,
            past=Event.objects.past(now),
            **kwargs,
        )


PUBLIC_STATUSES = [Talk.Status.PUBLISHED, Talk.Status.CANCELLED]


_CACHED_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_CACHED_TRACK = re.compile(r"[-a-zA-Z0-9_]{1,100}")


def event_or_404(slug):
    event = Event.objects.by_slug(slug)
    if event is None:
        raise Http404("No event has this address.")
    return event


def cached_key_or_404(slug, *parts):
    """The cache key of `parts` of the current schedule of the event with address `slug`, found without
    loading the event: a warm hit needs nothing else."""
    state = Event.objects.schedule_state(slug)
    if state is None:
        raise Http404("No event has this address.")
    return schedule_cache_key(*state, *parts)


class CachedPageMixin:
    """Serves a page rendered once per schedule version (and per `cache_variant()`), from the cache after
    that. Only for pages whose HTML is the same for every visitor: no form, no CSRF token, no message,
    no "now" (the schedule's "happening now" is worked out in the browser). Comes before EventMixin,
    which loads the event only when the page is rendered."""

    page_name = ""

    def cache_variant(self, request):
        """A short string naming what the page shows for this request, or None to render it uncached."""
        raise NotImplementedError

    def dispatch(self, request, *args, **kwargs):
        variant = self.cache_variant(request) if request.method in ("GET", "HEAD") else None
        if variant is None:
            return super().dispatch(request, *args, **kwargs)

        def render():
            # EventMixin.dispatch finds self.event and renders in its zone.
            response = super(CachedPageMixin, self).dispatch(request, *args, **kwargs)
            if response.status_code != 200:
                return response
            return response.content, int(self.event.schedule_changed_at.timestamp())

        return pagecache.serve_cached(
            request,
            key=cached_key_or_404(kwargs["event"], "page", self.page_name, variant),
            content_type="text/html; charset=utf-8",
            render=render,
        )


class EventMixin:
    """Looks up the event named in the address; unknown events are a 404."""

    def dispatch(self, request, *args, **kwargs):
        self.event = self.get_event(**kwargs)
        # Render inside the event's zone so every time on the page is the venue's wall-clock time.
        with timezone.override(self.event.tzinfo):
            response = super().dispatch(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
        return response

    def get_event(self, **kwargs):
        return event_or_404(kwargs["event"])

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


class ScheduleView(CachedPageMixin, EventMixin, TemplateView):
    template_name = "events/schedule.html"
    page_name = "schedule"

    def cache_variant(self, request):
        # One rendering per valid filter combination. Any other parameter shows up in the filter links, so
        # such a page is rendered for its visitor and not kept: hostile query strings cannot fill the cache.
        params = request.GET
        if not set(params) <= {"day", "track", "kind"} or any(
            len(params.getlist(name)) > 1 for name in params
        ):
            return None
        day, track, kind = (params.get(name, "").strip() for name in ("day", "track", "kind"))
        if (day and not _CACHED_DAY.fullmatch(day)) or (track and not _CACHED_TRACK.fullmatch(track)):
            return None
        if kind and kind not in Talk.Kind.values:
            return None
        # Only pages rendered with status 200 are kept, so only the event's own days and tracks are.
        return f"day={day}&track={track}&kind={kind}"

    def get(self, request, *args, **kwargs):
        tracks = list(self.event.tracks.all())
        # Plain rows rather than model instances: 600 talks and their speakers load in a few milliseconds.
        rows = (
            self.event.talks.public()
            .in_schedule_order()
            .values("pk", "slug", "title", "starts_at", "ends_at", "kind", "status", "room__name", "track_id")
        )
        speaker_rows = (
            TalkSpeaker.objects.filter(talk__event=self.event, talk__status__in=PUBLIC_STATUSES)
            .order_by("talk_id", "position", "pk")
            .values_list("talk_id", "speaker__name", "speaker__slug", "speaker__affiliation")
        )
        talks = schedule.build_schedule_talks(
            rows,
            speaker_rows,
            tracks=tracks,
            kinds=dict(Talk.Kind.choices),
            tz=self.event.tzinfo,
            talk_path=schedule.path_builder("events:talk_detail", "talk", event=self.event.slug),
            speaker_path=schedule.path_builder("events:speaker_detail", "speaker", event=self.event.slug),
        )
        day_choices = [day for day, _ in schedule.group_by_day(talks, self.event.tzinfo)]
        try:
            filters = schedule.read_filters(
                request.GET,
                # A talk an organiser placed outside the event's dates still gets a working day link.
                days=sorted(set(self.event.days()) | set(day_choices)),
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
        kinds_shown = {talk.kind for talk in talks}
        context = self.get_context_data(
            filter_query=filter_query,
            days=schedule.lay_out_schedule(shown, self.event.tzinfo),
            filters=filters,
            filter_error=error,
            day_choices=day_choices,
            track_choices=tracks,
            kind_choices=[(kind, label) for kind, label in Talk.Kind.choices if kind in kinds_shown],
            talk_count=len(talks),
            **kwargs,
        )
        return self.render_to_response(context, status=status)


class TalkDetailView(EventMixin, DetailView):
    template_name = "events/talk_detail.html"
    context_object_name = "talk"

    def get_event(self, **kwargs):
        # The talk and its event in one query: this page is not cached, so each query is felt.
        try:
            self.talk = (
                Talk.objects.public().for_talk_page().get(event__slug=kwargs["event"], slug=kwargs["talk"])
            )
        except Talk.DoesNotExist:
            event_or_404(kwargs["event"])  # an unknown event says so
            raise Http404("No published talk has this address.") from None
        return self.talk.event

    def get_object(self, queryset=None):
        return self.talk

    def get_context_data(self, **kwargs):
        talk, event = self.object, self.event
        # Times formatted once, as the schedule formats them, rather than by a dozen date filters.
        moment = schedule.moment_formatter(event.tzinfo)
        # The talk's speakers and the talks at the same time in one query, as plain rows.
        speakers, overlapping = schedule.split_time_slot(
            Talk.objects.time_slot_rows(talk),
            talk.pk,
            moment=moment,
            talk_path=schedule.path_builder("events:talk_detail", "talk", event=event.slug),
            speaker_path=schedule.path_builder("events:speaker_detail", "speaker", event=event.slug),
        )
        # The abstract is shown once and summarised twice (description, og:description): render it once.
        abstract_html = mark_safe(render_markdown(talk.abstract)) if talk.abstract else ""
        return super().get_context_data(
            start=moment(talk.starts_at),
            end=moment(talk.ends_at),
            speakers=speakers,
            overlapping=overlapping,
            abstract_html=abstract_html,
            summary=summary_of(abstract_html),
            **kwargs,
        )


class SpeakerListView(CachedPageMixin, EventMixin, ListView):
    template_name = "events/speaker_list.html"
    context_object_name = "speakers"
    page_name = "speakers"

    def cache_variant(self, request):
        return "all"  # the list reads nothing from the query string

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


@dataclass
class SessionCard:
    """One office-hours session as the page shows it: open or closed, its slots, and its form when open."""

    session: OfficeHours
    is_open: bool
    slots: list
    form: SignupForm | None = None
    error: str = ""


class OfficeHoursView(EventMixin, TemplateView):
    template_name = "events/office_hours.html"

    def get_context_data(self, bound_form=None, error="", error_pk=None, **kwargs):
        # TemplateView hands the URL's arguments in too; `event` here is the slug, EventMixin adds the object.
        kwargs.pop("event", None)
        kwargs.pop("pk", None)
        now = timezone.now()
        sessions = list(OfficeHours.objects.filter(event=self.event).prefetch_related("hosts"))
        seats = signups.slot_seats(sessions)
        cards = []
        for session in sessions:
            session.event = self.event  # the forms label slots in the event's zone without a query each
            card = SessionCard(
                session=session, is_open=session.is_open_for_signup(now), slots=seats[session.pk]
            )
            if card.is_open:
                is_target = bound_form is not None and bound_form.office_hours.pk == session.pk
                card.form = (
                    bound_form if is_target else SignupForm(office_hours=session, slot_seats=card.slots)
                )
            if session.pk == error_pk:
                card.error = error
            cards.append(card)
        return super().get_context_data(sessions=cards, **kwargs)


# Office-hours signup: a POST-only action, then pages reached only through the signup's unguessable token.

SIGNUP_RATE_LIMIT = 10  # signup POSTs one client may send...
SIGNUP_RATE_WINDOW = 600  # ...within this many seconds


def _signup_rate_exceeded(request):
    """Counts this client's signup POSTs in the cache; True once it sent more than the limit in the window."""
    key = f"office-hours-signup-rate:{ratelimit.client_address(request)}"
    return ratelimit.count(key, SIGNUP_RATE_WINDOW) > SIGNUP_RATE_LIMIT


def _send_signup_email(request, signup, promoted=False):
    # The signup is stored whatever the mail server says; a failed email is logged, not shown as an error page.
    try:
        signups.send_signup_email(signup, absolute_url=request.build_absolute_uri, promoted=promoted)
    except Exception:
        logger.exception("Could not send the office-hours email for signup %s", signup.pk)


class OfficeHoursSignupView(OfficeHoursView):
    """POST only: validates the form, signs up through signups.sign_up() and redirects to the confirmation."""

    http_method_names = ["get", "post"]

    def get(self, request, *args, **kwargs):
        # The address of a refused form stays in the address bar; opening it again shows the form.
        return redirect(
            reverse("events:office_hours", kwargs={"event": self.event.slug})
            + f"#office-hours-{kwargs['pk']}"
        )

    def post(self, request, *args, **kwargs):
        if _signup_rate_exceeded(request):
            return _problem(
                request,
                self.event,
                _("Too many signups from here"),
                _(
                    "There were too many signup attempts from your network. Please wait ten minutes and try again."
                ),
                status=429,
            )
        office_hours = get_object_or_404(self.event.office_hours.all(), pk=kwargs["pk"])
        office_hours.event = self.event
        if not office_hours.is_open_for_signup(timezone.now()):
            context = self.get_context_data(
                error=_("Signup for this session has closed."), error_pk=office_hours.pk
            )
            return self.render_to_response(context, status=409)
        seats = signups.slot_seats([office_hours])[office_hours.pk]
        form = SignupForm(request.POST, office_hours=office_hours, slot_seats=seats)
        if not form.is_valid():
            context = self.get_context_data(
                bound_form=form,
                error=_("Please correct the fields marked below."),
                error_pk=office_hours.pk,
            )
            return self.render_to_response(context, status=400)
        try:
            signup = signups.sign_up(office_hours, **form.signup_data())
        except signups.SignupError as exc:
            context = self.get_context_data(bound_form=form, error=str(exc), error_pk=office_hours.pk)
            return self.render_to_response(context, status=409)
        _send_signup_email(request, signup)
        return redirect(signup.get_absolute_url())


def _problem(request, event, title, message, status):
    with timezone.override(event.tzinfo):
        return render(
            request,
            "events/signup_problem.html",
            {"event": event, "title": title, "message": message},
            status=status,
        )


SIGNUP_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")  # secrets.token_urlsafe's alphabet


class SignupTokenMixin(EventMixin):
    """Finds the signup named by the token in the address; an unknown or altered token gets a 404 that says so."""

    def dispatch(self, request, *args, **kwargs):
        self.signup = None
        return super().dispatch(request, *args, **kwargs)

    def find_signup(self):
        token = self.kwargs["token"]
        # Only a token's own alphabet reaches the database (PostgreSQL refuses NUL characters outright).
        if not SIGNUP_TOKEN.fullmatch(token):
            return None
        self.signup = (
            Signup.objects.filter(token=token, office_hours__event=self.event)
            .select_related("office_hours__event")
            .first()
        )
        return self.signup

    def get(self, request, *args, **kwargs):
        if self.find_signup() is None:
            return self.not_found()
        return super().get(request, *args, **kwargs)

    def not_found(self):
        return _problem(
            self.request,
            self.event,
            _("Signup not found"),
            _(
                "This signup link is not valid. Check that you opened the whole address from your confirmation email."
            ),
            status=404,
        )

    def get_context_data(self, **kwargs):
        # TemplateView hands the URL's arguments in too; the token stays out of the context on purpose.
        kwargs.pop("event", None)
        kwargs.pop("token", None)
        signup = self.signup
        return super().get_context_data(
            signup=signup,
            office_hours=signup.office_hours,
            slot_start=self.event.localtime(signup.slot_start),
            slot_end=self.event.localtime(signups.slot_end(signup)),
            is_confirmed=signup.status == Signup.Status.CONFIRMED,
            is_waitlisted=signup.status == Signup.Status.WAITLISTED,
            is_cancelled=signup.status == Signup.Status.CANCELLED,
            waitlist_position=signups.waitlist_position(signup),
            **kwargs,
        )


class SignupDetailView(SignupTokenMixin, TemplateView):
    """The confirmation page: where the attendee stands, with the cancel link. Never the join link."""

    template_name = "events/signup_detail.html"


class SignupCancelView(SignupTokenMixin, TemplateView):
    """GET asks for confirmation; POST cancels and hands a freed seat to the first person waiting."""

    template_name = "events/signup_cancel.html"

    def post(self, request, *args, **kwargs):
        if self.find_signup() is None:
            return self.not_found()
        try:
            promoted = signups.cancel_signup(self.signup)
        except signups.SignupError as exc:
            return self.render_to_response(self.get_context_data(error=str(exc)), status=409)
        if promoted is not None:
            _send_signup_email(request, promoted, promoted=True)
        return redirect(self.signup.get_absolute_url())


class ExportMixin:
    """Serves one export of the event's schedule with ETag/Last-Modified (304 on a match), rendered once per
    schedule version and host (the exports carry absolute links) and kept in the cache."""

    kind = "ics"

    def get(self, request, event, talk=None):
        try:
            slugs = exports.parse_talk_slugs(request.GET["talks"]) if "talks" in request.GET else None
        except exports.ChosenTalksError as exc:
            return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
        variant = f"talk={talk}" if talk else f"talks={','.join(slugs)}" if slugs is not None else "all"
        base_url = request.build_absolute_uri("/").rstrip("/")
        variant_hash = hashlib.sha256(f"{base_url}|{variant}".encode()).hexdigest()

        def render():
            found = event_or_404(event)
            try:
                body = exports.render_export(self.kind, found, base_url=base_url, slugs=slugs, talk=talk)
            except exports.TalkNotFound:
                raise Http404("No published talk has this address.") from None
            return body, int(found.schedule_changed_at.timestamp())

        response = pagecache.serve_cached(
            request,
            key=cached_key_or_404(event, "export", self.kind, variant_hash),
            content_type=exports.CONTENT_TYPES[self.kind],
            render=render,
        )
        if self.kind == "ics" and response.status_code == 200:
            response["Content-Disposition"] = f'inline; filename="{talk or event}.ics"'
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
