"""The organisers' interface: every model of the portal in the Django admin, times in each event's zone."""

import csv
import datetime as dt
from operator import attrgetter
from urllib.parse import urljoin
from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core import signing
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count
from django.forms.models import apply_limit_choices_to_to_formfield
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse, translate_url
from django.utils import timezone
from django.utils.html import escape, format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext, pgettext_lazy

from portal.adminlists import cut

from . import copying, matching, notices, photos, privacy, publishing, schedule, signups, times
from .concurrency import ConcurrentEditsMixin, ShownAtActionForm, unchanged_since_shown
from .exchange import fetching, programme, reading
from .forms import CopyEventForm, MailboxField, OrganiserMessageForm
from .models import (
    Booth,
    BoothShift,
    Event,
    OfficeHours,
    Room,
    Signup,
    Speaker,
    Talk,
    TalkSpeaker,
    Track,
)


def format_local(value, event, fmt="D d M Y, H:i"):
    """`value` in the event's zone as the organiser's language writes `fmt` (events/times.py, DAY_FORMATS),
    labelled with the zone's abbreviation (e.g. CEST)."""
    if value is None:
        return "–"
    local = event.localtime(value)
    return f"{times.local_date(local, fmt)} {local.tzname()}"


def zone_label(event, at=None):
    """Which zone the form's times are in, with the abbreviation and offset in force at `at` (or the event)."""
    if at is None:
        at = dt.datetime.combine(event.start_date, dt.time(12), tzinfo=event.tzinfo)
        # Translators: above an admin form; zone is an IANA name (Europe/Madrid), abbr its abbreviation
        # (CEST), offset its difference from UTC (+02:00).
        label = _("Times are in the event’s time zone, %(zone)s (%(abbr)s, UTC%(offset)s during the event).")
    else:
        at = event.localtime(at)
        # Translators: above an admin form; zone is an IANA name (Europe/Madrid), abbr its abbreviation
        # (CEST), offset its difference from UTC (+02:00) at the time the form shows.
        label = _("Times are in the event’s time zone, %(zone)s (%(abbr)s, UTC%(offset)s at the time shown).")
    return label % {"zone": event.time_zone, "abbr": at.tzname(), "offset": times.utc_offset(at)}


class LocalTimesForm(forms.ModelForm):
    """Reads the datetimes typed into the form as wall-clock times of the form's event."""

    event_path = "event"

    def _event(self):
        if isinstance(self.cleaned_data.get("event"), Event):
            return self.cleaned_data["event"]
        try:
            return attrgetter(self.event_path)(self.instance)
        except (ObjectDoesNotExist, AttributeError):
            return None

    def clean(self):
        cleaned = super().clean()
        event = self._event()
        if event is None:
            return cleaned
        # The form parsed the input in the zone active while rendering; re-read it in the event's zone,
        # so choosing another event on the same form still means "local time at that event".
        current = timezone.get_current_timezone()
        for name, field in self.fields.items():
            if isinstance(field, forms.DateTimeField | forms.SplitDateTimeField) and cleaned.get(name):
                cleaned[name] = timezone.make_aware(timezone.make_naive(cleaned[name], current), event.tzinfo)
        return cleaned


# Translators: the heading of a column of admin lists.
@admin.display(description=_("event"), ordering="event")
def event_column(obj):
    return cut(obj.event.name, 32)


class TitleColumnMixin:
    """The first column of a list of talks or sessions: the title cut to fit, with the event under it unless the
    list is filtered to one event."""

    # Translators: the heading of a column of admin lists (a talk's or session's title).
    @admin.display(description=_("title"), ordering="title")
    def title_and_event(self, obj):
        return cut(obj.title, 70, secondary=Truncator(obj.event.name).chars(36))

    # Translators: the heading of a column of admin lists (a talk's or session's title).
    @admin.display(description=_("title"), ordering="title")
    def short_title(self, obj):
        return cut(obj.title, 70)

    def get_list_display(self, request):
        first = "short_title" if chosen_id(request, "event__id__exact") is not None else "title_and_event"
        return [first, *self.list_display[1:]]


# Translators: the heading of a column of admin lists: a talk's or session's start and end, in its
# event's time zone.
@admin.display(description=_("time (event’s zone)"), ordering="starts_at")
def local_time(obj):
    """Start and end of a talk or session in its event's zone: Mon 16 May, 10:45–11:15 CEST."""
    start, end = obj.event.localtime(obj.starts_at), obj.event.localtime(obj.ends_at)
    return f"{times.local_date(start, 'D d M, H:i')}–{end:%H:%M} {start.tzname()}"


def zone_help(event, at=None):
    """What a time field says beside it: the zone its times are read and shown in, with the abbreviation and offset
    on the date of `at` (or of the event's first day)."""
    at = (
        event.localtime(at) if at else dt.datetime.combine(event.start_date, dt.time(12), tzinfo=event.tzinfo)
    )
    # Translators: beside a time field; zone is an IANA name (Europe/Madrid), abbr its abbreviation (CEST),
    # offset its difference from UTC (+02:00), date the day the offset holds on (Mon 16 May 2022).
    return _("Read and shown in %(zone)s time: %(abbr)s, UTC%(offset)s on %(date)s.") % {
        "zone": event.time_zone,
        "abbr": at.tzname(),
        "offset": times.utc_offset(at),
        "date": times.local_date(at, "D d M Y"),
    }


def chosen_id(request, parameter):
    """The id a list's filter or an add form's address names (or `parameter` of a QueryDict given instead of the
    request), as an int; None when there is none or it is not one."""
    query = getattr(request, "GET", request)
    value = query.get(parameter, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


def say_zone_beside_times(form_class, event, at=None):
    """Let every time field of the form say in which zone it reads and shows times."""
    for field in form_class.base_fields.values():
        if isinstance(field, forms.SplitDateTimeField | forms.DateTimeField):
            field.help_text = (
                zone_help(event, at) if event else _("Read in the time zone of the chosen event.")
            )


class EventLocalTimesMixin:
    """Renders a change form, and its inlines, in the zone of the object's event and says so, above the form and
    beside each time field. With several events, the add form first asks which event it is for (`?event=<pk>`,
    plain links), so that the zone is known before anything is typed; the form then offers that event's own
    choices (its rooms, tracks or sessions)."""

    event_path = "event"
    # The field whose instant decides the abbreviation shown (CEST in summer, CET in winter).
    label_time_field = "starts_at"
    # Fields whose choices belong to one event, and the path from their model to the event.
    event_scoped_fields = {"event": "pk", "room": "event_id", "track": "event_id", "office_hours": "event_id"}

    def _object_and_event(self, request, object_id):
        if object_id:
            obj = self.get_object(request, unquote(object_id))
            try:
                return obj, (attrgetter(self.event_path)(obj) if obj else None)
            except (ObjectDoesNotExist, AttributeError):
                return obj, None
        # The add form's address names the event (step one); a form sent back with mistakes names it in its body.
        event_id = chosen_id(request, "event")
        if event_id is None and request.method == "POST":
            event_id = chosen_id(request.POST, "event")
        if event_id is not None:
            return None, self.events_to_add_to(request).filter(pk=event_id).first()
        events = list(self.events_to_add_to(request)[:2])
        return None, (events[0] if len(events) == 1 else None)

    def events_to_add_to(self, request):
        """The events the add form takes: those its event field offers, or the events of the sessions its
        session field offers (a signup needs a session). The form decides, so that a rule added there, such as
        organisers of one event only, holds here too."""
        formfield = self.formfield_for_foreignkey(
            self.model._meta.get_field(self.event_path.split(".")[0]), request
        )
        apply_limit_choices_to_to_formfield(formfield)
        offered = formfield.queryset
        return offered if offered.model is Event else Event.objects.filter(pk__in=offered.values("event"))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if object_id is None and not self.has_add_permission(request):
            raise PermissionDenied  # before the first step, which lists the events
        obj, event = self._object_and_event(request, object_id)
        if (
            object_id is None
            and event is None
            and request.method == "GET"
            and self.events_to_add_to(request).exists()
        ):
            return self.choose_event_view(request)
        # Read by get_form() and the inlines, which Django calls with the object but not its event.
        request.form_event = event
        label = ""
        if event is not None:
            # For the rest of the request, rendering included; events.middleware drops it when the request ends.
            timezone.activate(event.tzinfo)
            label = zone_label(event, getattr(obj, self.label_time_field, None))
        extra_context = {**(extra_context or {}), "event_zone_label": label}
        return super().changeform_view(request, object_id, form_url, extra_context)

    def choose_event_view(self, request):
        """The first step of adding with several events: which event, each with its dates and zone."""
        query = request.GET.copy()
        choices = []
        for event in self.events_to_add_to(request).order_by("-start_date", "name"):
            query["event"] = event.pk
            noon = dt.datetime.combine(event.start_date, dt.time(12), tzinfo=event.tzinfo)
            choices.append((event, f"?{query.urlencode()}", noon.tzname(), times.utc_offset(noon)))
        context = {
            **self.admin_site.each_context(request),
            # Translators: the title of the first step of adding; name is what is added (talk, booth...).
            "title": _("Add %(name)s: which event?") % {"name": self.opts.verbose_name},
            "opts": self.opts,
            "choices": choices,
        }
        return TemplateResponse(request, "admin/events/choose_event.html", context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        say_zone_beside_times(
            form, getattr(request, "form_event", None), getattr(obj, self.label_time_field, None)
        )
        return form

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        event = getattr(request, "form_event", None)
        path = self.event_scoped_fields.get(db_field.name)
        if event is not None and path is not None and "queryset" not in kwargs:
            # On a change form the event itself stays open: a talk may move to another event.
            if path != "pk" or request.resolver_match.url_name.endswith("_add"):
                kwargs["queryset"] = db_field.related_model._default_manager.filter(**{path: event.pk})
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class EventTimesInlineMixin:
    """An inline whose time fields say the zone of the parent form's event."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        say_zone_beside_times(formset.form, getattr(request, "form_event", None))
        return formset


class RoomInline(admin.TabularInline):
    model = Room
    extra = 0


class TrackInline(admin.TabularInline):
    model = Track
    extra = 0
    prepopulated_fields = {"slug": ["name"]}


class TimeZoneInput(forms.TextInput):
    """A text box that offers the IANA zone names as one types (an HTML datalist: the browser searches it, no
    JavaScript needed); the model's validator still decides what is a zone."""

    def __init__(self, attrs=None):
        super().__init__({"list": "iana-time-zones", "autocomplete": "off", **(attrs or {})})

    def render(self, name, value, attrs=None, renderer=None):
        zones = format_html_join(
            "", '<option value="{}">', ((zone,) for zone in sorted(available_timezones()))
        )
        datalist = format_html('<datalist id="iana-time-zones">{}</datalist>', zones)
        return super().render(name, value, attrs, renderer) + datalist


# What the filter of the import page takes (events/matching.py), said where the programme is chosen and beside the
# talks found.
MATCH_HELP = _(
    "Whole words in the title, the abstract, or a speaker’s name or affiliation, e.g. Cilium, in any letter case, "
    'accents aside. Several words find the talks with any of them; words in double quotes, such as "service '
    'mesh", find that phrase. Empty: all talks.'
)


class ProgrammeForm(forms.Form):
    """Where the talks to import come from: a file or an address, one of the two."""

    file = forms.FileField(
        label=_("Programme file"),
        required=False,
        help_text=_(
            "A frab schedule.xml (pretalx, frab and FOSDEM export it), a c3voc schedule.json or an iCalendar file "
            "(.ics; Sched and most schedule tools)."
        ),
    )
    address = forms.CharField(
        label=_("or its address"),
        required=False,
        max_length=2000,
        help_text=_(
            "An http:// or https:// address of such a file, e.g. https://pretalx.com/<event>/schedule/export/schedule.xml"
        ),
    )
    time_zone = forms.CharField(
        label=_("Venue’s time zone"),
        required=False,
        max_length=64,
        widget=TimeZoneInput(),
        help_text=_(
            "For a programme that names no time zone of its own, e.g. Europe/Berlin. Empty: the programme’s own."
        ),
    )
    match = forms.CharField(
        label=_("Only talks with"),
        required=False,
        max_length=100,
        help_text=MATCH_HELP,
    )

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("file")) == bool(cleaned.get("address", "").strip()):
            raise forms.ValidationError(_("Choose a file or give an address: one of the two."))
        upload = cleaned.get("file")
        if upload and upload.size > settings.IMPORT_MAX_MB * 1024 * 1024:
            self.add_error(
                "file", _("The file is larger than %(limit)d MB.") % {"limit": settings.IMPORT_MAX_MB}
            )
        return cleaned

    def read(self, event):
        """The programme of the file or address; raises programme.ProgrammeError."""
        upload = self.cleaned_data["file"]
        data = upload.read() if upload else fetching.fetch_programme(self.cleaned_data["address"].strip())
        zone = self.cleaned_data["time_zone"].strip() or None
        try:
            return reading.read_programme(data, tz=event.tzinfo, time_zone=zone)
        except programme.ZoneNeeded as exc:
            raise programme.ProgrammeError(exc.explain(_("the Venue’s time zone field"))) from None


class ChooseTalksForm(forms.Form):
    """The talks found, carried signed from one step to the next, so nothing is fetched or parsed twice and a
    changed list cannot be posted back."""

    payload = forms.CharField(widget=forms.HiddenInput)
    # New talks are drafts unless ticked, as from the command line (manage.py import_talks --publish).
    publish = forms.BooleanField(
        label=_(
            "Publish the new talks at once (otherwise they are drafts, not shown to attendees until published)"
        ),
        required=False,
    )

    # A programme is chosen from within a working session, not kept for later.
    MAX_AGE = 6 * 3600

    @staticmethod
    def sign(event, found):
        return signing.dumps(
            [talk.to_json() for talk in found], salt=f"events.imports:{event.pk}", compress=True
        )

    def found(self, event):
        """The talks of the signed payload; raises signing.BadSignature when it was changed or is too old."""
        data = signing.loads(
            self.data.get("payload", ""), salt=f"events.imports:{event.pk}", max_age=self.MAX_AGE
        )
        return [programme.FoundTalk.from_json(item) for item in data]


@admin.register(Event)
class EventAdmin(ConcurrentEditsMixin, admin.ModelAdmin):
    list_display = ["short_name", "status", "start_date", "end_date", "city", "time_zone", "talk_count"]
    list_filter = ["status"]
    search_fields = ["name", "slug", "city", "venue"]
    prepopulated_fields = {"slug": ["name"]}
    date_hierarchy = "start_date"
    inlines = [RoomInline, TrackInline]
    actions = ["copy_event", "publish_events"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "slug",
                    "status",
                    "time_zone",
                    ("start_date", "end_date"),
                    "day_change",
                    "language",
                ]
            },
        ),
        (pgettext_lazy("fieldset of an event", "Place"), {"fields": ["venue", "city", "website"]}),
        (_("Description"), {"fields": ["description"], "classes": ["collapse"]}),
        (_("Embedding on other sites"), {"fields": ["embed_origins", "embed_snippet"]}),
    ]
    # Published with the action or the button, never by editing the form (events/publishing.py).
    readonly_fields = ["status", "embed_snippet"]

    class Media:
        css = {"all": ["css/admin-embed.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_talk_count=Count("talks"))

    @admin.action(
        description=_("Copy to a new event (rooms, tracks, booth, office hours)…"), permissions=["add"]
    )
    def copy_event(self, request, queryset):
        if len(queryset) != 1:
            self.message_user(request, _("Choose one event to copy."), messages.WARNING)
            return None
        event = queryset[0]
        next_year = str(event.start_date.year + 1)
        initial = {
            "name": event.name.replace(str(event.start_date.year), next_year),
            "slug": event.slug.replace(str(event.start_date.year), next_year),
            "start_date": event.start_date + dt.timedelta(weeks=52),  # the same weekday
        }
        form = CopyEventForm(request.POST if "apply" in request.POST else None, initial=initial)
        if form.is_valid():
            copy = copying.copy_event(event, **form.cleaned_data)
            self.message_user(
                request,
                _(
                    # Translators: event and copy are the events' names; first and last the copy's first and last
                    # days (2023-05-15).
                    "%(event)s is copied to %(copy)s, %(first)s to %(last)s: rooms, tracks, the booth with its "
                    "shifts and the office hours without signups. Talks are not copied."
                )
                % {"event": event, "copy": copy, "first": copy.start_date, "last": copy.end_date},
            )
            self.message_user(
                request,
                _("%(copy)s is a draft, seen by organisers only: publish it once its texts are this year’s.")
                % {"copy": copy},
                messages.WARNING,
            )
            return redirect("admin:events_event_change", copy.pk)
        return TemplateResponse(
            request,
            "admin/events/action_form.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                # Translators: a page title; event is the name of the event copied.
                "title": _("Copy %(event)s") % {"event": event},
                "intro": _(
                    "A new event with the rooms, tracks, booth and office hours of %(event)s, every time moved by "
                    "the days between the first days. Talks and signups are not copied."
                )
                % {"event": event},
                "form": form,
                "queryset": queryset,
                "action": "copy_event",
                "submit": pgettext("button", "Copy"),
            },
        )

    @admin.action(description=_("Publish the selected events"), permissions=["change"])
    def publish_events(self, request, queryset):
        for event in queryset:
            self._publish(request, event)

    def _publish(self, request, event):
        entry = publishing.publish_event(event)
        if entry is None:
            self.message_user(
                request, _("%(event)s was published already.") % {"event": event}, messages.WARNING
            )
            return
        self.message_user(
            request,
            ngettext(
                "%(event)s is published, with %(count)d talk: everybody sees its pages now.",
                "%(event)s is published, with %(count)d talks: everybody sees its pages now.",
                entry.talk_count,
            )
            % {"event": event, "count": entry.talk_count},
        )

    def publish_view(self, request, object_id):
        """The button on a draft's page: POST only, then back to the page."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        event = self.get_object(request, unquote(object_id))
        if event is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, event):
            raise PermissionDenied
        self._publish(request, event)
        return redirect("admin:events_event_change", event.pk)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["is_draft"] = obj is not None and obj.status == Event.Status.DRAFT
        return super().render_change_form(request, context, add, change, form_url, obj)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "time_zone":
            kwargs["widget"] = TimeZoneInput
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and field.help_text:
            # The admin shows help text as HTML; the model's is plain text, e.g. "/<slug>/schedule/".
            field.help_text = escape(field.help_text)
        return field

    # Translators: the label of the HTML code an organiser pastes into another site to embed the schedule.
    @admin.display(description=_("code to paste"))
    def embed_snippet(self, obj):
        """What an organiser pastes into the community's own site: the frame of the embedded schedule and the
        script that sizes it, at the portal's public address (SITE_URL). The script's address has no content
        hash, so a page pasted today keeps working after the next release."""
        if obj.pk is None:
            return _("Save the event to get the code to paste.")
        # The sites as saved: a form sent back with a mistake has put its rejected value on `obj`.
        saved = Event.objects.only("embed_origins").get(pk=obj.pk)
        return render_to_string(
            "admin/events/event/embed_snippet.html",
            {
                "event": obj,
                "origins": saved.frame_ancestors,
                "frame_url": settings.SITE_URL + reverse("events:schedule_embed", kwargs={"event": obj.slug}),
                # The embed in each language the portal speaks, beside the one of the organiser's admin.
                "languages": [
                    (
                        code,
                        name,
                        settings.SITE_URL
                        + translate_url(reverse("events:schedule_embed", args=[obj.slug]), code),
                    )
                    for code, name in settings.LANGUAGES
                ],
                "script_url": settings.SITE_URL + urljoin(settings.STATIC_URL, "js/embed.js"),
                "tracks": obj.tracks.all(),
                "rooms": obj.rooms.all(),
            },
        )

    # Translators: the heading of a column of admin lists: how many talks.
    @admin.display(description=_("talks"), ordering="_talk_count")
    def talk_count(self, obj):
        return obj._talk_count

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_talks_view)
        publish = self.admin_site.admin_view(self.publish_view)
        return [
            path("<path:object_id>/import-talks/", view, name="events_event_import_talks"),
            path("<path:object_id>/publish/", publish, name="events_event_publish"),
            *super().get_urls(),
        ]

    def import_talks_view(self, request, object_id):
        """Import talks: a programme file or address, then the talks found with checkboxes and a filter, then
        the ticked ones written into the event (events/exchange/programme.py). Plain form posts, no JavaScript."""
        event = self.get_object(request, unquote(object_id))
        if event is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not (self.has_change_permission(request, event) and request.user.has_perm("events.add_talk")):
            raise PermissionDenied
        timezone.activate(event.tzinfo)  # the talks found are shown in the event's zone
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": event,
            # Translators: a page title; event is the name of the event.
            "title": _("Import talks into %(event)s") % {"event": event},
            "event_zone_label": zone_label(event),
        }
        if request.method == "POST" and "payload" in request.POST:
            return self._choose_talks(request, event, context)
        form, status = ProgrammeForm(), 200
        if request.method == "POST":
            form = ProgrammeForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    read = form.read(event)
                except programme.ProgrammeError as exc:
                    form.add_error(None, str(exc))
                else:
                    found = read.talks
                    if found:
                        context["notes"] = [*read.notes.lines(), *read.notes.skipped_lines()]
                        return self._render_found(request, event, context, found, form.cleaned_data["match"])
                    form.add_error(None, _("The programme holds no talks (all-day entries are left out)."))
            status = 400
        return TemplateResponse(
            request, "admin/events/event/import_talks.html", {**context, "form": form}, status=status
        )

    def _render_found(
        self, request, event, context, found, match, chosen=None, error="", status=200, *, tick_shown=False
    ):
        shown = {talk.uid for talk in found if talk.matches(match)}
        # With a filter, what it finds starts ticked; without one, nothing is (a whole conference is long).
        chosen = chosen if chosen is not None else shown if match else set()
        if tick_shown:
            chosen = chosen | shown
        form = ChooseTalksForm(initial={"payload": ChooseTalksForm.sign(event, found)})
        context = {
            **context,
            "choose_form": form,
            "found": found,
            # Every talk is on the page, those the filter leaves out hidden, so that static/js/admin-import.js
            # can filter again as the organiser types, over the words the server matched (events/matching.py).
            "rows": [
                (talk, talk.uid in shown, talk.uid in chosen, matching.haystack(matching.talk_texts(talk)))
                for talk in found
            ],
            "shown_count": len(shown),
            "ticked_count": len(chosen & {talk.uid for talk in found}),
            "match": match,
            "match_help": MATCH_HELP,
            "error": error,
        }
        return TemplateResponse(request, "admin/events/event/import_talks.html", context, status=status)

    def _choose_talks(self, request, event, context):
        form = ChooseTalksForm(request.POST)
        try:
            found = form.found(event)
        except signing.BadSignature:
            context = {**context, "form": ProgrammeForm()}
            context["signature_error"] = _(
                "The list of talks was changed or is too old: choose the programme again."
            )
            return TemplateResponse(request, "admin/events/event/import_talks.html", context, status=400)
        match = request.POST.get("match", "").strip()[:100]
        chosen = set(request.POST.getlist("talks"))
        # Without JavaScript, “Select all shown” and “Select none” send the form; with it, they tick at once.
        if "_select_all" in request.POST:
            return self._render_found(request, event, context, found, match, chosen, tick_shown=True)
        if "_select_none" in request.POST:
            return self._render_found(request, event, context, found, match, set())
        if "_import" not in request.POST:
            return self._render_found(request, event, context, found, match)
        talks = [talk for talk in found if talk.uid in chosen]
        if not talks:
            error = _("Tick at least one talk to import.")
            return self._render_found(request, event, context, found, match, chosen, error, status=400)
        status = Talk.Status.PUBLISHED if request.POST.get("publish") else Talk.Status.DRAFT
        try:
            result = programme.import_talks(event, talks, status=status)
        except programme.ProgrammeError as exc:
            return self._render_found(request, event, context, found, match, chosen, str(exc), status=400)
        self.message_user(
            request,
            # Translators: result is a summary such as "Created: 3 talks, 2 speakers, 1 rooms. Updated: ..."
            _("Imported %(count)d talks into %(event)s: %(result)s")
            % {"count": len(talks), "event": event, "result": result},
        )
        if result.outside:
            self.message_user(
                request,
                # Translators: first and last are the event's first and last days; titles the talks' titles.
                _("These start outside the event’s days (%(first)s to %(last)s): %(titles)s.")
                % {"first": event.start_date, "last": event.end_date, "titles": ", ".join(result.outside)},
                messages.WARNING,
            )
        return redirect(f"{reverse('admin:events_talk_changelist')}?event__id__exact={event.pk}")

    # Translators: the heading of a column of admin lists (an event's name).
    @admin.display(description=_("name"), ordering="name")
    def short_name(self, obj):
        return cut(obj.name, 50)


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", event_column, "order"]
    list_editable = ["order"]
    list_filter = ["event"]
    list_select_related = ["event"]
    search_fields = ["name", "event__name"]


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    list_display = ["name", event_column, "colour", "order"]
    list_editable = ["order"]
    list_filter = ["event"]
    list_select_related = ["event"]
    search_fields = ["name", "event__name"]
    prepopulated_fields = {"slug": ["name"]}


class SpeakerAdminForm(forms.ModelForm):
    """Takes a photo upload and stores the sizes the pages show (events/photos.py) in its place."""

    class Meta:
        model = Speaker
        fields = "__all__"
        field_classes = {"photo": photos.PhotoField}

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        self.photo_copies = None
        if isinstance(photo, UploadedFile):
            name = self.cleaned_data.get("name") or self.instance.name
            self.photo_copies = photos.resize_photo(photo.image, name=name)
            return self.photo_copies["photo"]
        return photo

    def save(self, commit=True):
        stored = Speaker.objects.filter(pk=self.instance.pk).values_list("photo", "photo_small").first() or ()
        if self.photo_copies:
            self.instance.photo_small = self.photo_copies["photo_small"]
        elif self.cleaned_data.get("photo") is False:  # "Clear" ticked
            self.instance.photo_small = ""
        speaker = super().save(commit)
        # A replaced or cleared photo leaves the public media folder, as a speaker who asks for it expects.
        kept = {self.instance.photo.name, self.instance.photo_small.name}
        photos.delete_after_commit([name for name in stored if name and name not in kept])
        return speaker


@admin.register(Speaker)
class SpeakerAdmin(ConcurrentEditsMixin, admin.ModelAdmin):
    form = SpeakerAdminForm
    list_display = ["name", "affiliation", "talk_count"]
    search_fields = ["name", "affiliation"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_talk_count=Count("talks"))

    # Translators: the heading of a column of admin lists: how many talks.
    @admin.display(description=_("talks"), ordering="_talk_count")
    def talk_count(self, obj):
        return obj._talk_count


def chosen_event(request, parameter="event__id__exact"):
    """The event a list is filtered to, or None."""
    event_id = chosen_id(request, parameter)
    return Event.objects.filter(pk=event_id).first() if event_id is not None else None


class EventDayFilter(admin.SimpleListFilter):
    """The days of the chosen event; with none chosen, every event's days, each named with its event, and
    choosing one chooses its event too (a date alone is ambiguous when two events meet)."""

    # Translators: the title of an admin list's filter by the days of an event ("By day").
    title = _("day")
    parameter_name = "day"
    event_parameter = "event__id__exact"

    def __init__(self, request, params, model, model_admin):
        self.event = chosen_event(request, self.event_parameter)
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        if self.event is not None:
            return [(day.isoformat(), times.local_date(day, "D d M")) for day in self.event.days()]
        return [
            (
                day.isoformat(),
                # Translators: a choice of the admin's filter by day: an event's name, then a date (Mon 16
                # May).
                pgettext("event and day", "%(event)s: %(day)s")
                % {"event": event.name, "day": times.local_date(day, "D d M")},
                event,
            )
            for event in Event.objects.all()
            for day in event.days()
        ]

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            # Translators: the choice of the admin's filter by day that shows all days.
            "display": pgettext("days", "All"),
        }
        for value, title, *event in self.lookup_choices:
            params = {self.parameter_name: value}
            if event:
                params[self.event_parameter] = event[0].pk
            yield {
                "selected": bool(self.event) and self.value() == value,
                "query_string": changelist.get_query_string(params),
                "display": title,
            }

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            day = dt.date.fromisoformat(self.value())
        except ValueError:
            raise IncorrectLookupParameters(self.value()) from None
        if self.event is None:
            return queryset.on_day(day)
        return queryset.on_day(day, tz=self.event.tzinfo, day_change=self.event.day_change)


class EventScopedFilter(admin.RelatedFieldListFilter):
    """Rooms, tracks or sessions of the chosen event; with none chosen, those of every event, named with it."""

    event_parameter = "event__id__exact"

    def field_choices(self, field, request, model_admin):
        event = chosen_event(request, self.event_parameter)
        related = field.related_model._default_manager.select_related("event")
        if event is not None:
            return [(each.pk, _name(each)) for each in related.filter(event=event)]
        return [
            (
                each.pk,
                # Translators: a choice of an admin list's filter: an event's name, then a room, track or
                # session in it.
                pgettext("event and a part of it", "%(event)s: %(name)s")
                % {"event": each.event.name, "name": _name(each)},
            )
            for each in related
        ]


def _name(obj):
    return getattr(obj, "title", None) or obj.name


class SessionOfEventFilter(EventScopedFilter):
    event_parameter = "office_hours__event__id__exact"


class TalkSpeakerInline(admin.TabularInline):
    model = TalkSpeaker
    extra = 0
    autocomplete_fields = ["speaker"]
    fields = ["speaker", "position"]


class TalkAdminForm(LocalTimesForm):
    """The talk, checked before it is saved for another talk in its room at that time: a double booking the
    organiser confirms (two short talks sharing a slot, a panel beside its room's talk) is kept, and the public
    grid shows both side by side in the room's column."""

    book_room_twice = forms.BooleanField(
        label=_("Keep both talks in this room at once"),
        required=False,
        help_text=_("Tick to save the talk although another one holds its room at that time."),
    )

    class Meta:
        model = Talk
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        room, starts_at, ends_at = cleaned.get("room"), cleaned.get("starts_at"), cleaned.get("ends_at")
        if (
            room is None
            or not starts_at
            or not ends_at
            or starts_at >= ends_at
            or cleaned.get("book_room_twice")
        ):
            return cleaned
        if cleaned.get("status") == Talk.Status.CANCELLED:
            return cleaned
        others = Talk.objects.holding_room(room, starts_at, ends_at).exclude(pk=self.instance.pk)
        if others:
            tz = room.event.tzinfo
            self.add_error(
                "room",
                ngettext(
                    "%(room)s is already taken at that time by %(others)s. Tick “Keep both talks in this room at "
                    "once” to save the talk anyway, or choose another room or time.",
                    "%(room)s is already taken at that time by %(others)s. Tick “Keep both talks in this room at "
                    "once” to save the talk anyway, or choose another room or time.",
                    len(others),
                )
                % {
                    "room": room.name,
                    "others": ", ".join(
                        f"“{other.title}” ({times.span_text(other.starts_at, other.ends_at, tz)})"
                        for other in others
                    ),
                },
            )
        return cleaned


@admin.register(Talk)
class TalkAdmin(ConcurrentEditsMixin, TitleColumnMixin, EventLocalTimesMixin, admin.ModelAdmin):
    form = TalkAdminForm
    # What fits beside the sidebar and the filters at 1280 px; the track and kind are filters and on each talk.
    list_display = ["title", local_time, "room_name", "status", "speaker_names"]
    list_filter = [
        "event",
        EventDayFilter,
        ("room", EventScopedFilter),
        ("track", EventScopedFilter),
        "kind",
        "status",
    ]
    list_select_related = ["event", "room", "track"]
    search_fields = ["title", "abstract", "speakers__name", "room__name", "track__name"]
    date_hierarchy = "starts_at"
    prepopulated_fields = {"slug": ["title"]}
    inlines = [TalkSpeakerInline]
    actions = ["publish", "unpublish"]
    action_form = ShownAtActionForm
    readonly_fields = ["uuid", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["event", "title", "slug", "status", ("kind", "programme_type")]}),
        (_("When and where"), {"fields": [("starts_at", "ends_at"), "room", "book_room_twice", "track"]}),
        (pgettext_lazy("a talk's summary", "Abstract"), {"fields": ["abstract"]}),
        (_("Links"), {"fields": ["conference_url", "slides_url", "video_url"], "classes": ["collapse"]}),
        (
            # Translators: the title of the fields that keep a talk's identity and history (its UUID, when
            # it was created and last changed).
            pgettext_lazy("the data kept about a talk", "Record"),
            {"fields": ["uuid", "created_at", "updated_at"], "classes": ["collapse"]},
        ),
    ]

    def get_fieldsets(self, request, obj=None):
        # A field added to Talk shows under "More" until it is placed above: never left out of the form.
        placed = flatten_fieldsets(self.fieldsets)
        more = [name for name in self.get_form(request, obj, fields=None).base_fields if name not in placed]
        # Translators: the title of the fields of a talk that have no place of their own on its form.
        return [*self.fieldsets, (_("More"), {"fields": more})] if more else self.fieldsets

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("speakers")

    # Translators: the heading of a column of admin lists (the room a talk is in).
    @admin.display(description=pgettext_lazy("a place", "room"), ordering="room__name")
    def room_name(self, obj):
        return cut(obj.room, 30) if obj.room else "–"

    # Translators: the heading of a column of admin lists (the names of a talk's speakers).
    @admin.display(description=_("speakers"))
    def speaker_names(self, obj):
        return cut(", ".join(speaker.name for speaker in obj.speakers.all()), 40)

    @admin.action(description=_("Publish selected talks"), permissions=["change"])
    def publish(self, request, queryset):
        count = unchanged_since_shown(self, request, queryset).set_status(Talk.Status.PUBLISHED)
        self.message_user(request, ngettext("%d talk published.", "%d talks published.", count) % count)

    @admin.action(description=_("Unpublish selected talks (back to draft)"), permissions=["change"])
    def unpublish(self, request, queryset):
        count = unchanged_since_shown(self, request, queryset).set_status(Talk.Status.DRAFT)
        self.message_user(request, ngettext("%d talk unpublished.", "%d talks unpublished.", count) % count)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self.warn_about_clashes(request, form.instance)

    def warn_about_clashes(self, request, talk):
        """Tell the organiser when the saved talk shares its room or a speaker with another talk at that time."""
        others = list(
            Talk.objects.filter(event_id=talk.event_id)
            .overlapping(talk.starts_at, talk.ends_at)
            .exclude(pk=talk.pk)
            .for_clash_check()
        )
        if not others:
            return
        talk = Talk.objects.prefetch_related("speakers").select_related("room").get(pk=talk.pk)
        for a, b in schedule.find_room_clashes([talk, *others]):
            other = b if a.pk == talk.pk else a
            messages.warning(
                request,
                _("Room %(room)s is already taken at that time by “%(other)s”.")
                % {"room": talk.room, "other": other.title},
            )
        for speaker, a, b in schedule.find_speaker_clashes([talk, *others]):
            other = b if a.pk == talk.pk else a
            messages.warning(
                request,
                _("%(speaker)s is also speaking in “%(other)s” at that time.")
                % {"speaker": speaker.name, "other": other.title},
            )

    def changelist_view(self, request, extra_context=None):
        event_id = chosen_id(request, "event__id__exact")
        if request.method == "GET" and event_id is not None:
            talks = list(Talk.objects.filter(event_id=event_id).for_clash_check())
            for a, b in schedule.find_room_clashes(talks):
                messages.warning(
                    request,
                    _("Room clash in %(room)s: “%(a)s” and “%(b)s”.")
                    % {"room": a.room, "a": a.title, "b": b.title},
                )
            for speaker, a, b in schedule.find_speaker_clashes(talks):
                messages.warning(
                    request,
                    _("%(speaker)s is in two talks at once: “%(a)s” and “%(b)s”.")
                    % {"speaker": speaker.name, "a": a.title, "b": b.title},
                )
        return super().changelist_view(request, extra_context)


class BoothShiftForm(LocalTimesForm):
    event_path = "booth.event"

    class Meta:
        model = BoothShift
        fields = "__all__"


class BoothShiftInline(EventTimesInlineMixin, admin.TabularInline):
    model = BoothShift
    form = BoothShiftForm
    extra = 0


@admin.register(Booth)
class BoothAdmin(ConcurrentEditsMixin, EventLocalTimesMixin, admin.ModelAdmin):
    list_display = ["name", event_column, "location", "shift_count"]
    list_filter = ["event"]
    list_select_related = ["event"]
    search_fields = ["name", "location", "description"]
    inlines = [BoothShiftInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_shift_count=Count("shifts"))

    # Translators: the heading of a column of admin lists: how many shifts a booth has.
    @admin.display(description=_("shifts"), ordering="_shift_count")
    def shift_count(self, obj):
        return obj._shift_count


class SignupInline(admin.TabularInline):
    model = Signup
    extra = 0
    can_delete = False
    show_change_link = True
    # The signup's own page is the attendee's, behind their token; the change link ("View") is the organiser's.
    view_on_site = False
    fields = ["slot", "name", "email", "question", "status", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    # Translators: a column of a session's signups: the time slot signed up for.
    @admin.display(description=_("slot"))
    def slot(self, obj):
        return format_local(obj.slot_start, obj.office_hours.event, "D d M, H:i")


class OfficeHoursForm(LocalTimesForm):
    class Meta:
        model = OfficeHours
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        fields = ["starts_at", "ends_at", "slot_minutes", "seats_per_slot"]
        if self.instance.pk and not any(name in self.errors for name in fields):
            proposed = OfficeHours(pk=self.instance.pk, **{name: cleaned.get(name) for name in fields})
            try:
                signups.check_session_change(proposed)
            except signups.SignupError as exc:
                self.add_error(exc.field, str(exc))
        return cleaned


class SignupActionsMixin:
    """The actions on signups, for the signups list and for the office-hours list (where they act on the signups of
    the selected sessions): export as CSV, promote from the waiting list, email the people."""

    actions = ["export_signups_csv", "promote_from_waitlist", "email_signups"]

    def selected_signups(self, queryset):
        raise NotImplementedError

    @admin.action(description=_("Export the signups as CSV"), permissions=["view"])
    def export_signups_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="office-hours-signups-{stamp}.csv"'
        writer = csv.writer(response)
        for row in signups.signup_rows(self.selected_signups(queryset)):
            writer.writerow(row)
        return response

    @admin.action(description=_("Promote from the waiting list into free seats"), permissions=["change"])
    def promote_from_waitlist(self, request, queryset):
        waiting = self.selected_signups(queryset).filter(status=Signup.Status.WAITLISTED)
        slots = (
            waiting.order_by("office_hours", "slot_start")
            .values_list("office_hours", "slot_start")
            .distinct()
        )
        sessions = OfficeHours.objects.select_related("event").in_bulk({pk for pk, _start in slots})
        promoted = [
            signup
            for pk, start in slots
            for signup in signups.promote_from_waitlist(sessions[pk], slot=start)
        ]
        report_promoted(self, request, promoted)
        if not promoted:
            self.message_user(
                request,
                _("No free seat in a slot that has not started, or nobody waiting for one."),
                messages.WARNING,
            )

    @admin.action(description=_("Email the people of these signups…"), permissions=["change"])
    def email_signups(self, request, queryset):
        people = self.selected_signups(queryset).active().unerased()
        form = OrganiserMessageForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            emails = notices.send_organiser_message(people, **form.cleaned_data)
            self.message_user(
                request,
                ngettext(
                    # Translators: “Portal › Outbox” is where the admin lists the outbox: use the translations
                    # of “Portal” and “outbox”.
                    "%(count)d email is in the outbox (Portal › Outbox); the worker sends it within seconds.",
                    "%(count)d emails are in the outbox (Portal › Outbox); the worker sends them within seconds.",
                    len(emails),
                )
                % {"count": len(emails)},
            )
            return None
        addresses = sorted({signup.email.lower() for signup in people})
        return TemplateResponse(
            request,
            "admin/events/action_form.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": _("Email the people of these signups"),
                "intro": ngettext(
                    "One email goes to %(count)d address (cancelled signups are left out), through the outbox:",
                    "One email goes to each of %(count)d addresses (cancelled signups are left out), through "
                    "the outbox:",
                    len(addresses),
                )
                % {"count": len(addresses)},
                "items": [
                    # Translators: one person emailed: their name and address, the session and the slot
                    # (Mon 16 May, 10:45 CEST).
                    _("%(name)s <%(email)s>, %(session)s, %(slot)s")
                    % {
                        "name": signup.name,
                        "email": signup.email,
                        "session": signup.office_hours.title,
                        "slot": slot_text(signup),
                    }
                    for signup in people.select_related("office_hours__event")
                ],
                "form": form,
                "queryset": queryset,
                "action": "email_signups",
                "submit": pgettext("button", "Send"),
            },
        )


def slot_text(signup):
    return format_local(signup.slot_start, signup.office_hours.event, "D d M, H:i")


@admin.register(OfficeHours)
class OfficeHoursAdmin(
    ConcurrentEditsMixin, TitleColumnMixin, SignupActionsMixin, EventLocalTimesMixin, admin.ModelAdmin
):
    form = OfficeHoursForm
    list_display = ["title", local_time, "format", "seats", "confirmed_count", "waitlist_count"]
    list_filter = ["event", "format"]
    list_select_related = ["event"]
    search_fields = ["title", "description", "location", "hosts__name"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["hosts"]
    inlines = [SignupInline]
    fieldsets = [
        (None, {"fields": ["event", "title", "description", "hosts"]}),
        (_("When and where"), {"fields": [("starts_at", "ends_at"), "format", "location", "join_url"]}),
        # Translators: the title of the fields of a session that set how people sign up for it.
        (_("Signup"), {"fields": ["slot_minutes", "seats_per_slot", "signup_deadline"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _confirmed=Count("signups", filter=signups.CONFIRMED_FILTER),
                _waitlisted=Count("signups", filter=signups.WAITLISTED_FILTER),
            )
        )

    # Translators: the heading of a column of admin lists.
    @admin.display(description=_("seats per slot"), ordering="seats_per_slot")
    def seats(self, obj):
        return obj.seats_per_slot

    # Translators: the heading of a column of admin lists: how many signups of a session are confirmed.
    @admin.display(description=pgettext_lazy("signups", "confirmed"), ordering="_confirmed")
    def confirmed_count(self, obj):
        return obj._confirmed

    # Translators: the heading of a column of admin lists: how many people wait for a seat in a session.
    @admin.display(description=_("waiting list"), ordering="_waitlisted")
    def waitlist_count(self, obj):
        return obj._waitlisted

    def selected_signups(self, queryset):
        return Signup.objects.filter(office_hours__in=queryset)

    def save_model(self, request, obj, form, change):
        """Signups follow the session's new times, and seats that opened go to the people waiting; the organiser
        is told who was emailed."""
        moved, promoted = signups.save_session(obj)
        if moved:
            self.message_user(
                request,
                ngettext(
                    "%(count)d signup moved with its slot; the attendee is emailed the new time.",
                    "%(count)d signups moved with their slots; the attendees are emailed the new times.",
                    len(moved),
                )
                % {"count": len(moved)},
            )
        report_promoted(self, request, promoted)


def report_promoted(modeladmin, request, promoted):
    if promoted:
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)d person moved from the waiting list to a seat and is emailed: %(names)s.",
                "%(count)d people moved from the waiting list to a seat and are emailed: %(names)s.",
                len(promoted),
            )
            % {"count": len(promoted), "names": ", ".join(signup.name for signup in promoted)},
        )


class SignupSlotFilter(admin.SimpleListFilter):
    # Translators: the title of an admin list's filter by the time slots of sessions ("By slot").
    title = _("slot")
    parameter_name = "slot"

    def lookups(self, request, model_admin):
        sessions = OfficeHours.objects.select_related("event").order_by("starts_at")
        session_id = chosen_id(request, "office_hours__id__exact")
        event_id = chosen_id(request, "office_hours__event__id__exact")
        if session_id is not None:
            sessions = sessions.filter(pk=session_id)
        elif event_id is not None:
            sessions = sessions.filter(event_id=event_id)
        return [
            (
                f"{session.pk}@{slot.starts_at.isoformat()}",
                # Translators: a choice of the admin's filter by slot: a session's title and a slot's time.
                pgettext("session and slot", "%(session)s, %(slot)s")
                % {"session": session.title, "slot": format_local(slot.starts_at, session.event)},
            )
            for session in sessions
            for slot in session.slots()
        ]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        pk, _at, starts_at = self.value().partition("@")
        try:
            return queryset.filter(office_hours_id=int(pk), slot_start=dt.datetime.fromisoformat(starts_at))
        except ValueError:
            raise IncorrectLookupParameters(self.value()) from None


class SignupAdminForm(LocalTimesForm):
    event_path = "office_hours.event"

    class Meta:
        model = Signup
        fields = ["office_hours", "slot_start", "name", "email", "question", "status"]
        field_classes = {"email": MailboxField}  # the attendees' form's spelling of an address

    def _event(self):
        office_hours = self.cleaned_data.get("office_hours")
        return office_hours.event if office_hours else super()._event()

    def clean(self):
        """An organiser's signup follows the attendees' rules, under the same lock: one of the session's slots, no
        overbooking."""
        cleaned = super().clean()
        fields = ["office_hours", "slot_start", "status"]
        if all(cleaned.get(name) for name in fields):
            proposed = Signup(pk=self.instance.pk, **{name: cleaned[name] for name in fields})
            try:
                signups.check_organiser_signup(proposed)
            except signups.SignupError as exc:
                self.add_error(exc.field, str(exc))
        return cleaned


@admin.register(Signup)
class SignupAdmin(ConcurrentEditsMixin, SignupActionsMixin, EventLocalTimesMixin, admin.ModelAdmin):
    form = SignupAdminForm
    event_path = "office_hours.event"
    label_time_field = "slot_start"
    list_display = ["person", "session_slot", "status", "signed_up"]
    # The language the attendee signed up in, which their emails are written in: an organiser writing to them
    # may want to write in it too.
    list_filter = [
        "status",
        "office_hours__event",
        ("office_hours", SessionOfEventFilter),
        SignupSlotFilter,
        "language",
    ]
    list_select_related = ["office_hours__event"]
    search_fields = ["name", "email", "question", "office_hours__title"]
    date_hierarchy = "created_at"
    readonly_fields = ["token", "created_at", "cancelled_at", "consented_at", "language", "erased_at"]
    actions = [*SignupActionsMixin.actions, "erase_details"]

    def get_readonly_fields(self, request, obj=None):
        # Nothing to correct in details that are gone, and nobody to write them back for.
        erased = ["name", "email", "question"] if obj is not None and obj.erased_at else []
        return [*erased, *super().get_readonly_fields(request, obj)]

    def selected_signups(self, queryset):
        return queryset

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            signups.schedule_erasure(obj)
        # A seat that an organiser freed (cancelled, moved to another slot) goes to the people waiting.
        report_promoted(self, request, signups.promote_from_waitlist(obj.office_hours))

    @admin.action(
        description=_("Erase the names, emails and questions of these signups (the counts stay)"),
        permissions=["change"],
    )
    def erase_details(self, request, queryset):
        """For an attendee who asks: the signup stays, anonymous, for the counts; its emails, the log's mentions
        of it and its brake go (signups.erase_signup()). Deleting a signup erases the same, row and all."""
        erased = sum(signups.erase_signups(queryset).values(), privacy.Erasure())
        self.message_user(request, _("Erased: %(erased)s.") % {"erased": erased})

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        report_promoted(self, request, signups.promote_from_waitlist(obj.office_hours))

    def delete_queryset(self, request, queryset):
        sessions = list(OfficeHours.objects.filter(signups__in=queryset).distinct())
        super().delete_queryset(request, queryset)
        report_promoted(
            self, request, [s for session in sessions for s in signups.promote_from_waitlist(session)]
        )

    # Translators: the heading of a column of admin lists: when a person signed up, in the event's time zone.
    @admin.display(description=_("signed up (event’s zone)"), ordering="created_at")
    def signed_up(self, obj):
        return format_local(obj.created_at, obj.office_hours.event, "D d M Y, H:i")

    # Translators: the heading of a column of admin lists: the time slot signed up for, in the event's
    # time zone.
    @admin.display(description=_("slot (event’s zone)"), ordering="slot_start")
    def slot(self, obj):
        return format_local(obj.slot_start, obj.office_hours.event, "D d M, H:i")

    # Translators: the heading of a column of admin lists (a person's name, with their email under it).
    @admin.display(description=_("name"), ordering="name")
    def person(self, obj):
        return cut(obj.name, 40, secondary=obj.email) if obj.erased_at is None else str(obj)

    @admin.display(description=_("session and slot (event’s zone)"), ordering="slot_start")
    def session_slot(self, obj):
        return cut(obj.office_hours.title, 45, secondary=self.slot(obj))
