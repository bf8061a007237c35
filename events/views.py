"""Public pages: each view picks the event's rows and hands them to a template or an exporter.

The event of the address is `request.event`, found by events.middleware.EventMiddleware, which also shows
every time in the event's zone. Pages that are the same for every visitor are kept by events.pagecache.
"""

import re
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, ListView, TemplateView

from portal import ratelimit

from . import changelog, exports, notices, pagecache, privacy, schedule, signups
from .forms import SignupForm, undecodable_fields
from .models import BoothShift, Event, OfficeHours, Signup, Speaker, Talk


@method_decorator(pagecache.shared_at_the_edge, name="dispatch")
class EventListView(TemplateView):
    template_name = "events/event_list.html"

    def get_context_data(self, **kwargs):
        now = timezone.now()
        # The same page for everybody (nginx keeps it), so the public events only, organisers too.
        events = Event.objects.public()
        upcoming = list(events.upcoming(now))
        # With one current or next event, the home page leads with it rather than with a list of one.
        return super().get_context_data(
            featured=upcoming[0] if len(upcoming) == 1 else None,
            upcoming=upcoming,
            past=events.past(now),
            **kwargs,
        )


class EventMixin:
    """The event of the address (found by events.middleware.EventMiddleware) as the page's `event`."""

    def get_context_data(self, **kwargs):
        # The URL's "event" keyword (a slug) gives way to the Event itself.
        return super().get_context_data(**{**kwargs, "event": self.request.event})


def _happenings(event):
    """What else the event has besides talks, as the schedule lists it: (starts_at, ends_at, what, address)."""
    office_hours = reverse("events:office_hours", kwargs={"event": event.slug})
    booth = reverse("events:booth", kwargs={"event": event.slug})
    sessions = [
        (
            session.starts_at,
            session.ends_at,
            _("Office hours: %(title)s") % {"title": session.title},
            office_hours,
        )
        for session in event.office_hours.all()
    ]
    shifts = [
        (shift.starts_at, shift.ends_at, _("%(booth)s staffed") % {"booth": shift.booth.name}, booth)
        for shift in BoothShift.objects.filter(booth__event=event).select_related("booth")
    ]
    return sessions + shifts


def _running_today(event, now=None):
    """The venue's date while the event runs, else None."""
    today = event.today(now)
    return today if event.start_date <= today <= event.end_date else None


@method_decorator(pagecache.shared_at_the_edge, name="dispatch")
class EventDetailView(EventMixin, TemplateView):
    template_name = "events/event_detail.html"

    def get_context_data(self, **kwargs):
        event = self.request.event
        talks = list(event.talks.public().in_schedule_order())
        now = timezone.now()
        return super().get_context_data(
            days=schedule.lay_out_schedule(talks, event, extras=_happenings(event)),
            whats_on=schedule.whats_on_today(event, talks, now),
            is_over=_is_over(event, now),
            **kwargs,
        )


@method_decorator(
    pagecache.cache_per_schedule_version(
        (*schedule.FILTER_NAMES, *schedule.ZONE_PARAMS),
        lambda request: schedule.cache_variant(request.GET, _running_today(request.event)),
        # Several rooms followed at once (?room=a&room=b): as many pages as there are sets of rooms.
        several=("room",),
    ),
    name="dispatch",
)
class ScheduleView(EventMixin, TemplateView):
    template_name = "events/schedule.html"

    def get(self, request, *args, **kwargs):
        event = request.event
        talks = event.talks.public()
        page = schedule.lay_out_page(
            event,
            talks.for_schedule(searching=bool(request.GET.get("q", "").strip())).in_schedule_order(),
            tracks=event.tracks.all(),
            rooms=event.rooms.all(),
            extras=_happenings(event),
            today=_running_today(event),
            rank=talks.search_ranks,
            params=request.GET,
        )
        # What the blocks of talks are kept under ({% cache %}), beside their talks' change times.
        kept = {"seconds": pagecache.KEEP_SECONDS, "revision": settings.RENDER_REVISION}
        context = self.get_context_data(page=page, kept=kept, **kwargs)
        response = self.render_to_response(context, status=page.status)
        if page.zone.instead:
            # Every time of the page in the visitor's chosen zone: the zone is active while it renders.
            with timezone.override(page.zone.tzinfo):
                response.render()
        return response


def framed_by_the_event_s_sites(view):
    """View decorator for the embed pages: other sites may frame them, but only the origins the event allows
    (Event.frame_ancestors), named in the Content-Security-Policy's frame-ancestors, with no X-Frame-Options,
    which cannot name several. Set on every response, kept copies included (the page cache keeps no headers of
    this kind), from the event as it is now; with no origin allowed, the page stays unframeable like any other."""

    @wraps(view)
    def framed_view(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        origins = request.event.frame_ancestors
        if origins:
            response._csp_replace = {"frame-ancestors": origins}  # read by django-csp's middleware
            response.xframe_options_exempt = True  # read by Django's XFrameOptionsMiddleware
        return response

    return framed_view


# The schedule page's own view, kept in the cache per schedule version like it (under its own address).
@method_decorator(framed_by_the_event_s_sites, name="dispatch")
class ScheduleEmbedView(ScheduleView):
    """The schedule, or the talks its filters choose (a track, a room, a day, a search), compact enough for a
    frame on the community's own site: no site navigation, no stars, links that open the portal in the top
    window. static/js/embed-frame.js tells the host page its height, for static/js/embed.js to size the frame."""

    template_name = "events/schedule_embed.html"


class MyScheduleView(EventMixin, TemplateView):
    """The talks an attendee starred, by day, with the ones that overlap flagged. The starred set is in the
    address (`?talks=a,b`), so the page can be shared or opened on another device; the stars themselves live
    in the browser (static/js/portal.js), which brings a visitor without that list here with theirs."""

    template_name = "events/my_schedule.html"

    def get(self, request, *args, **kwargs):
        event = request.event
        try:
            slugs = exports.parse_talk_slugs(request.GET.get("talks", ""))
        except exports.ChosenTalksError as exc:
            context = self.get_context_data(error=str(exc), days=[], chosen=True, **kwargs)
            return self.render_to_response(context, status=400)
        talks = (
            list(event.talks.public().filter(slug__in=slugs).with_details().in_schedule_order())
            if slugs
            else []
        )
        clashes = schedule.find_clashes(talks)
        days = [
            (day, [(talk, clashes.get(talk.pk, [])) for talk in day_talks])
            for day, day_talks in schedule.group_by_day(talks, event)
        ]
        query = ",".join(talk.slug for talk in talks)
        return self.render_to_response(
            self.get_context_data(
                days=days,
                chosen="talks" in request.GET,
                missing=len(slugs) - len(talks),
                clash_count=sum(1 for talk in talks if clashes.get(talk.pk)),
                share_url=request.build_absolute_uri(request.path) + (f"?talks={query}" if query else ""),
                talks_query=query,
                **kwargs,
            )
        )


def schedule_now(request, event):
    """“Jump to now”, without JavaScript: today's page of the schedule at the first talk running now or next
    among those its filters (rooms, track, kind) choose, with those filters; the schedule's first page outside
    the event. Depends on the time, so nothing keeps it."""
    event = request.event
    url = reverse("events:schedule", kwargs={"event": event.slug})
    query = request.GET.copy()
    for name in ("day", "q"):
        query.pop(name, None)
    now = timezone.now()
    today = _running_today(event, now)
    if today is None:
        return redirect(url + (f"?{query.urlencode()}" if query else ""))
    query["day"] = today.isoformat()
    try:
        filters = schedule.read_filters(
            query,
            days=[today],
            track_slugs={track.slug for track in event.tracks.all()},
            kinds=Talk.Kind.values,
            room_slugs={room.slug for room in event.rooms.all()},
        )
    except schedule.FilterError:
        filters = schedule.Filters(day=today)  # the schedule page itself says what is wrong
    on_today = (
        event.talks.published().on_day(today, event.tzinfo, event.day_change).select_related("room", "track")
    )
    current = [
        t for t in schedule.filter_talks(on_today.in_schedule_order(), filters, event) if t.ends_at > now
    ]
    anchor = f"#talk-{current[0].slug}" if current else ""
    response = redirect(f"{url}?{query.urlencode()}{anchor}")
    response["Cache-Control"] = "no-store"
    return response


class TimeZoneView(EventMixin, TemplateView):
    """The choice of a time zone for the event's pages: a plain form that goes back to the page it came from
    (`?next=`, a path of this site) with `tz=<zone>` and `times=beside|instead` in its address, so the page
    stays one that every visitor with that choice shares. static/js/portal.js offers the browser's zone first
    and remembers the choice for the pages opened later."""

    template_name = "events/time_zone.html"

    def get_context_data(self, **kwargs):
        event = self.request.event
        target = self.request.GET.get("next", "")
        if not target.startswith("/") or not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
            target = reverse("events:schedule", kwargs={"event": event.slug})
        path, _sep, query = target.partition("?")
        params = QueryDict(query, mutable=True)
        zone, _problems = schedule.read_zone(params, event.time_zone)
        kept = [
            (name, value)
            for name, values in params.lists()
            if name not in schedule.ZONE_PARAMS
            for value in values
        ]
        return super().get_context_data(
            action=path, kept=kept, zone=zone, zones=schedule.known_zones(), **kwargs
        )


def _is_over(event, now=None):
    """Whether the event's last day has ended at the venue."""
    return event.today(now) > event.end_date


# Talk pages speak of the past once the event is over: a version kept from before must not answer after.
@method_decorator(
    pagecache.cache_per_schedule_version(variant=lambda request: "over" if _is_over(request.event) else ""),
    name="dispatch",
)
class TalkDetailView(EventMixin, DetailView):
    template_name = "events/talk_detail.html"
    slug_url_kwarg = "talk"
    context_object_name = "talk"

    def get_queryset(self):
        return self.request.event.talks.public().with_details()

    def get_context_data(self, **kwargs):
        talk = self.object
        overlapping = (
            self.request.event.talks.public()
            .overlapping(talk.starts_at, talk.ends_at)
            .exclude(pk=talk.pk)
            .in_schedule_order()
        )
        moves = changelog.latest_moves(talk, self.request.event.tzinfo)
        url = self.request.build_absolute_uri(talk.get_absolute_url())
        return super().get_context_data(
            overlapping=overlapping,
            moves=moves,
            is_over=_is_over(self.request.event),
            google_calendar_url=exports.google_calendar_url(self.request.event, talk, url),
            **kwargs,
        )


@method_decorator(pagecache.cache_per_schedule_version(("page",)), name="dispatch")
class ScheduleChangesView(EventMixin, ListView):
    """The event's changelog, newest update first."""

    template_name = "events/schedule_changes.html"
    context_object_name = "updates"
    paginate_by = 20

    def get_queryset(self):
        return changelog.updates_shown(self.request.event.schedule_updates.order_by("-number"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tz = self.request.event.tzinfo
        context["entries"] = [
            (
                update,
                changelog.headline_of(update),
                changelog.described(update.listed_changes, tz),
                sum(changelog.counts_of(update).values()) - len(update.listed_changes),
            )
            for update in context["updates"]
        ]
        return context


# The whole list is kept; a search is rendered for its visitor, not kept.
@method_decorator(
    pagecache.cache_per_schedule_version(("q",), lambda request: None if request.GET.get("q") else ""),
    name="dispatch",
)
class SpeakerListView(EventMixin, TemplateView):
    """The event's speakers by name (case and accents aside), under the letters of an A–Z index, or the ones a
    search (`?q=`) finds by name or affiliation."""

    template_name = "events/speaker_list.html"

    def get(self, request, *args, **kwargs):
        try:
            found = schedule.index_speakers(
                Speaker.objects.speaking_at(request.event), request.GET.get("q", "")
            )
        except schedule.FilterError as exc:
            found = schedule.index_speakers(Speaker.objects.speaking_at(request.event), "")
            context = self.get_context_data(index=found, error=str(exc), **kwargs)
            return self.render_to_response(context, status=400)
        return self.render_to_response(self.get_context_data(index=found, **kwargs))


@method_decorator(pagecache.cache_per_schedule_version(), name="dispatch")
class SpeakerDetailView(EventMixin, DetailView):
    template_name = "events/speaker_detail.html"
    slug_url_kwarg = "speaker"
    context_object_name = "speaker"

    def get_queryset(self):
        talks = self.request.event.talks.public().select_related("room", "track").in_schedule_order()
        return Speaker.objects.speaking_at(self.request.event).prefetch_related(
            Prefetch("talks", queryset=talks, to_attr="event_talks")
        )


@method_decorator(pagecache.shared_at_the_edge, name="dispatch")
class BoothView(EventMixin, TemplateView):
    template_name = "events/booth.html"

    def get_context_data(self, **kwargs):
        booths = self.request.event.booths.prefetch_related("shifts")
        return super().get_context_data(booths=booths, is_over=_is_over(self.request.event), **kwargs)


@dataclass
class SessionCard:
    """One office-hours session as the page shows it: open or closed, its slots, and its form when open."""

    session: OfficeHours
    is_open: bool
    slots: list
    form: SignupForm | None = None
    error: str = ""


# Forms and personal details: no cache in front may keep them (private, no-store), whatever it is told.
@method_decorator(never_cache, name="dispatch")
class OfficeHoursView(EventMixin, TemplateView):
    template_name = "events/office_hours.html"

    def get_context_data(self, bound_form=None, error="", error_pk=None, **kwargs):
        kwargs.pop("pk", None)  # the address's session, when a signup was refused
        event, now = self.request.event, timezone.now()
        sessions = list(event.office_hours.prefetch_related("hosts"))
        seats = signups.slot_seats(sessions)
        cards = []
        for session in sessions:
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


# Office-hours signup: a POST-only action, then pages reached only through the signup's unguessable token. Email
# goes through the outbox (portal.outbox): no page waits for a mail server.

SIGNUP_RATE_WINDOW = 600  # seconds in which one address or one email may send so many signups


def _rate_limited(key, limit):
    """Counts one attempt under `key`; once there were more than `limit` in the window, the seconds until the
    window ends, else 0."""
    if ratelimit.count(key, SIGNUP_RATE_WINDOW) <= limit:
        return 0
    return max(ratelimit.seconds_left(key), 1)


def _problem(request, title, message, status):
    context = {"event": request.event, "title": title, "message": message}
    return render(request, "events/signup_problem.html", context, status=status)


class OfficeHoursSignupView(OfficeHoursView):
    """POST only: validates the form, signs up through signups.sign_up() and redirects to the signup's page.

    Every refusal shows the form again with what was typed: a full hall on one venue Wi-Fi is braked only at
    SIGNUP_RATE_LIMIT signups per address, one email address at SIGNUP_EMAIL_RATE_LIMIT.
    """

    def get(self, request, *args, **kwargs):
        # The address of a refused form stays in the address bar; opening it again shows the form.
        return redirect(
            reverse("events:office_hours", kwargs={"event": request.event.slug})
            + f"#office-hours-{kwargs['pk']}"
        )

    def post(self, request, *args, **kwargs):
        office_hours = get_object_or_404(request.event.office_hours.all(), pk=kwargs["pk"])
        if not office_hours.is_open_for_signup(timezone.now()):
            context = self.get_context_data(
                error=_("Signup for this session has closed."), error_pk=office_hours.pk
            )
            return self.render_to_response(context, status=409)
        seats = signups.slot_seats([office_hours])[office_hours.pk]
        undecodable = undecodable_fields(request.body)
        form = SignupForm(request.POST, office_hours=office_hours, slot_seats=seats, undecodable=undecodable)
        address = ratelimit.client_address(request)
        wait = _rate_limited(f"office-hours-signup-rate:{address}", settings.SIGNUP_RATE_LIMIT)
        if not wait and form.is_valid():
            key = privacy.email_counter_key(form.cleaned_data["email"])
            wait = _rate_limited(key, settings.SIGNUP_EMAIL_RATE_LIMIT)
        if wait:
            return self._too_many(form, wait)
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
        return redirect(signup.get_absolute_url())

    def _too_many(self, form, wait):
        minutes = -(-wait // 60)
        message = ngettext(
            "There were too many signup attempts from here. Please try again in %(minutes)d minute: "
            "what you typed is kept below.",
            "There were too many signup attempts from here. Please try again in %(minutes)d minutes: "
            "what you typed is kept below.",
            minutes,
        ) % {"minutes": minutes}
        context = self.get_context_data(bound_form=form, error=message, error_pk=form.office_hours.pk)
        response = self.render_to_response(context, status=429)
        response["Retry-After"] = str(wait)
        return response


SIGNUP_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")  # secrets.token_urlsafe's alphabet


@method_decorator(never_cache, name="dispatch")
class SignupTokenMixin(EventMixin):
    """Finds the signup named by the token in the address; an unknown or altered token gets a 404 that says so."""

    def dispatch(self, request, *args, **kwargs):
        token = kwargs["token"]
        # Only a token's own alphabet reaches the database (PostgreSQL refuses NUL characters outright).
        self.signup = (
            Signup.objects.filter(token=token, office_hours__event=request.event)
            .select_related("office_hours__event")
            .first()
            if SIGNUP_TOKEN.fullmatch(token)
            else None
        )
        if self.signup is None:
            return _problem(
                request,
                _("Signup not found"),
                _(
                    "This signup link is not valid. Check that you opened the whole address from your confirmation email."
                ),
                status=404,
            )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        kwargs.pop("token", None)  # kept out of the context on purpose
        signup = self.signup
        return super().get_context_data(
            signup=signup,
            office_hours=signup.office_hours,
            slot_end=signup.slot_end,
            is_confirmed=signup.status == Signup.Status.CONFIRMED,
            is_waitlisted=signup.status == Signup.Status.WAITLISTED,
            is_cancelled=signup.status == Signup.Status.CANCELLED,
            is_erased=signup.erased_at is not None,
            # Erasing the details of a signup whose slot is ahead gives up its seat or place too.
            erasing_gives_up_place=signup.status != Signup.Status.CANCELLED
            and timezone.now() < signup.slot_start,
            kept_until=privacy.kept_until(signup),
            waitlist_position=signup.waitlist_position(),
            free_slots=signups.free_slots_besides(signup)
            if signup.status == Signup.Status.WAITLISTED
            else [],
            **kwargs,
        )


class SignupDetailView(SignupTokenMixin, TemplateView):
    """The signup's page, where the form leads straight away: where the attendee stands, the calendar file and
    the cancel button. Never the join link, which only email carries."""

    template_name = "events/signup_detail.html"


class SignupCalendarView(SignupTokenMixin, View):
    """The seat as a calendar file to download (the same entry the confirmation email carries)."""

    def get(self, request, *args, **kwargs):
        if self.signup.status != Signup.Status.CONFIRMED:
            return _problem(
                request,
                _("No calendar entry"),
                _(
                    "Only a signup with a seat has a calendar entry. This one is on the waiting list or cancelled."
                ),
                status=404,
            )
        response = HttpResponse(notices.calendar(self.signup), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="office-hours.ics"'
        return response


class SignupCancelView(SignupTokenMixin, TemplateView):
    """GET asks for confirmation; POST cancels (signups.cancel_signup() emails the attendee and hands a freed seat
    to the first person waiting)."""

    template_name = "events/signup_cancel.html"

    def post(self, request, *args, **kwargs):
        try:
            signups.cancel_signup(self.signup)
        except signups.SignupError as exc:
            return self.render_to_response(self.get_context_data(error=str(exc)), status=409)
        return redirect(self.signup.get_absolute_url())


class SignupEraseView(SignupTokenMixin, TemplateView):
    """GET asks for confirmation; POST erases the attendee's name, email address and question
    (signups.erase_signup(), which gives up a seat or place still ahead) and leads to the signup's page, which
    says so. The brake on signups per address stays until its window ends."""

    template_name = "events/signup_erase.html"

    def post(self, request, *args, **kwargs):
        signups.erase_signup(self.signup, keep_counter=True)
        return redirect(self.signup.get_absolute_url())


def _chosen_talks_not_kept(request):
    """The variant of an export: everything, kept; the chosen talks of `?talks=a,b` are rendered for each request
    from the pieces kept per talk, so that lists made up by the thousand cannot push the kept exports out of the
    cache. A calendar's `?track=` and `?room=` are kept: there are only as many as the event has tracks and rooms
    (a value it does not have gets a 400, which is never kept)."""
    return None if "talks" in request.GET else ""


class BaseExportView(View):
    """The event's talks in the format of `exporter` (an exports.Exporter); with `talk` in the address, that
    one talk; with `?talks=a,b`, the chosen talks (an attendee's starred ones)."""

    exporter = None

    def get(self, request, event, talk=None, **kwargs):
        event = request.event
        talks = self.exporter.talks_of(event).with_details().in_schedule_order()
        name, filename = None, event.slug
        if talk is not None:
            talks = talks.filter(slug=talk)
            if not talks:
                raise Http404(_("No public talk has this address."))
            name, filename = f"{talks[0].title} ({event.name})", talk
        else:
            try:
                talks, name, filename = self.narrow(request, talks)
            except exports.CalendarQueryError as exc:
                return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
        base_url = request.build_absolute_uri("/").rstrip("/")
        exporter = self.exporter(event, talks, base_url=base_url, title=name)
        response = HttpResponse(exporter.render(), content_type=exporter.content_type)
        response["Content-Disposition"] = f'inline; filename="{filename}.{exporter.extension}"'
        return response

    def narrow(self, request, talks):
        """(talks, title, file name) of what the address chose from `talks`."""
        event = request.event
        if "talks" not in request.GET:
            return talks, None, event.slug
        slugs = exports.parse_talk_slugs(request.GET["talks"])
        # Unknown slugs are left out: a starred talk may have been withdrawn since.
        # Translators: the name of a calendar of the talks an attendee starred.
        title = _("%(event)s: chosen talks") % {"event": event.name}
        return talks.filter(slug__in=slugs), title, event.slug


@method_decorator(pagecache.cache_per_schedule_version(("talks",), _chosen_talks_not_kept), name="dispatch")
class ExportView(BaseExportView):
    """frab XML and c3voc JSON: the published talks."""


@method_decorator(
    pagecache.cache_per_schedule_version(("track", "room", "talks"), _chosen_talks_not_kept), name="dispatch"
)
class CalendarView(BaseExportView):
    """iCalendar of the whole schedule, the chosen talks, a track (`?track=<slug>`) or a room (`?room=<slug>`);
    cancelled talks included (exports.ICalExporter)."""

    exporter = exports.ICalExporter

    def narrow(self, request, talks):
        talks, name, filename = super().narrow(request, talks)
        chosen = exports.read_calendar_filters(request.GET, request.event)
        if chosen.track is not None:
            talks = talks.filter(track=chosen.track)
            filename += f"-{chosen.track.slug}"
        if chosen.rooms:
            talks = talks.filter(room__in=chosen.rooms)
            filename += f"-{chosen.rooms[0].slug}"
        if chosen.names:
            name = f"{request.event.name}: {', '.join(chosen.names)}"
        return talks, name, filename


@method_decorator(pagecache.cache_per_schedule_version(), name="dispatch")
class TalkCalendarView(BaseExportView):
    """iCalendar of one talk, also once it is cancelled; it takes no filters, so no query string is kept."""

    exporter = exports.ICalExporter


@method_decorator(pagecache.cache_per_schedule_version(), name="dispatch")
class SpeakerCalendarView(BaseExportView):
    """iCalendar of a speaker's public talks at the event."""

    exporter = exports.ICalExporter

    def narrow(self, request, talks):
        speaker = Speaker.objects.speaking_at(request.event).filter(slug=self.kwargs["speaker"]).first()
        if speaker is None:
            raise Http404(_("No speaker with talks at this event has this address."))
        # Translators: the name of the calendar of a speaker's talks, e.g. Ada Lane at KubeCon Europe 2022.
        title = _("%(speaker)s at %(event)s") % {"speaker": speaker.name, "event": request.event.name}
        return talks.filter(speakers=speaker), title, speaker.slug
