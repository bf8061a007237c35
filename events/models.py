"""Events, their talks, speakers, booth and office hours, with the rules the database enforces."""

import datetime as dt
import re
import secrets
import uuid
import zoneinfo
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator, URLValidator
from django.db import connections, models
from django.db.models import Case, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Lower, Trim
from django.db.models.lookups import Exact
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from .times import day_bounds, minutes, programme_date


def validate_time_zone(value):
    """Accept only IANA zone names that this machine's zone database knows."""
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("“%(value)s” is not an IANA time zone name, such as Europe/Madrid."), params={"value": value}
        )


def validate_event_address(value):
    """An event's slug is the first part of its addresses: it cannot be one the site's own pages use, such as a
    language's prefix (/es/) or the admin."""
    # Django reads "/de-conf/" as German, as it reads "/de-at/": the slug is checked as Django checks an address.
    reserved = {"admin", "language", "jsi18n", "offline", "static", "media"}
    if translation.get_language_from_path(f"/{value.lower()}/") is not None or value.lower() in reserved:
        raise ValidationError(
            _("“%(value)s” is an address the site uses for itself: choose another one."),
            params={"value": value},
        )


def validate_language_tag(value):
    """A language as a BCP 47 tag: en, es, de-AT, pt-BR."""
    if not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*", value):
        raise ValidationError(
            _("“%(value)s” is not a language code, such as en, es or de."), params={"value": value}
        )


def validate_url_lines(value):
    """Each non-empty line must be an http(s) address."""
    check = URLValidator(schemes=["http", "https"])
    for line in value.splitlines():
        if line.strip():
            try:
                check(line.strip())
            except ValidationError:
                raise ValidationError(
                    _("“%(line)s” is not a web address. Put one http(s) address per line."),
                    params={"line": line.strip()},
                ) from None


# A page may be framed by these: https origins (scheme and host, a port if not 443), or plain http on this machine,
# where a site is tried out before it is published.
_EMBED_ORIGIN = re.compile(
    r"https://[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?"
    r"|http://(localhost|127\.0\.0\.1|\[::1\])(:[0-9]{1,5})?"
)


def embed_origin_problems(origins):
    """Why each of `origins` cannot be let frame the portal's embed pages: only origins as browsers send them
    (https://blog.example.org, no path, no wildcard), since each is written as it is into the
    Content-Security-Policy's frame-ancestors."""
    return [
        _(
            "“%(origin)s” is not an origin. Write it as https://blog.example.org: https, the host name, no path."
        )
        % {"origin": origin[:80]}
        for origin in origins
        if not _EMBED_ORIGIN.fullmatch(origin)
    ]


def validate_embed_origins(value):
    """One origin per line (see embed_origin_problems)."""
    problems = embed_origin_problems(value.split())
    if problems:
        raise ValidationError(problems)


# Sent with `event_ids` when the schedules of events change without a save of the events (bump_schedule_version):
# what remembers events forgets them, and the changelog looks at their talks.
schedule_changed = Signal()


class EventQuerySet(models.QuerySet):
    def public(self):
        """Events everybody may see: the published ones. A draft is seen only by organisers (visible_to())."""
        return self.filter(status=Event.Status.PUBLISHED)

    def visible_to(self, user):
        """Events `user` may open: the public ones, and drafts too for staff who may view events in the admin
        (organisers, superusers), who see a draft's pages before it is published."""
        may_view = user.has_perm("events.view_event") or user.has_perm("events.change_event")
        if user.is_active and user.is_staff and may_view:
            return self
        return self.public()

    def upcoming(self, now):
        """Events whose last day has not yet ended at `now` in their own zone, soonest first."""
        return self.exclude(self._ended(now)).order_by("start_date")

    def past(self, now):
        """Events whose last day has ended at `now` in their own zone, latest first."""
        return self.filter(self._ended(now)).order_by("-start_date")

    def _ended(self, now):
        # Today's date differs by at most a day between zones: events ending around it are decided in
        # their own zone, the rest by the date alone.
        utc_today = now.astimezone(dt.UTC).date()
        one_day = dt.timedelta(days=1)
        around = self.filter(end_date__range=(utc_today - one_day, utc_today + one_day))
        ended = [
            event.pk
            for event in around.only("pk", "end_date", "time_zone", "day_change")
            if event.end_date < event.today(now)
        ]
        return Q(end_date__lt=utc_today - one_day) | Q(pk__in=ended)

    def bump_schedule_version(self, event_ids=None):
        """Mark the schedules of these events as changed, atomically in the database (F() + 1). A caller that
        knows the events' ids passes them as `event_ids`, which saves reading them."""
        if event_ids is None:
            event_ids = list(self.values_list("pk", flat=True))
        changed = self.update(schedule_version=F("schedule_version") + 1, schedule_changed_at=timezone.now())
        schedule_changed.send(sender=Event, using=self.db, event_ids=event_ids)
        return changed


class Event(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        # Its own words: Spanish says a talk is “publicada”, an event “publicado”.
        PUBLISHED = "published", pgettext_lazy("the status of an event", "Published")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(
        _("slug"),
        max_length=100,
        unique=True,
        validators=[validate_event_address],
        help_text=_("Used in addresses: /<slug>/schedule/"),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        validators=[validate_time_zone],
        help_text=_(
            "IANA time zone of the venue, e.g. Europe/Madrid. Every time of the event is shown in it."
        ),
    )
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    # Conferences with a night programme list a session at 00:15 under the day before (frab's day_change, a
    # day's start and end): every page and export groups talks into days that begin at this time.
    day_change = models.TimeField(
        _("day changes at"),
        default=dt.time(0, 0),
        help_text=_(
            "When one day of the programme ends and the next begins, at the venue: a talk before this time "
            "belongs to the day before (e.g. 04:00 for a programme that runs past midnight)."
        ),
    )
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    # What organisers write is shown as written in every language of the site; pages in another language mark
    # it with this one, so that screen readers read it with the right voice (templatetags/portal.py).
    language = models.CharField(
        _("language of its texts"),
        max_length=20,
        default="en",
        validators=[validate_language_tag],
        help_text=_(
            "The language the event's titles, abstracts and bios are written in: a code such as en, es or de."
        ),
    )
    website = models.URLField(_("website"), blank=True)
    embed_origins = models.TextField(
        _("sites that may embed the schedule"),
        blank=True,
        validators=[validate_embed_origins],
        help_text=_(
            "One origin per line, such as https://blog.example.org: these sites may show this event's "
            "embedded schedule in a frame, besides those of the EMBED_ORIGINS setting."
        ),
    )
    # A new event (added in the admin, copied, or created by an import) is a draft, seen by organisers only, until
    # it is published (events/publishing.py): then its programme appears at once, as one entry of the changelog.
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status,
        default=Status.DRAFT,
        editable=False,
        help_text=_("A draft is seen only by organisers; publishing it opens every page of it to everybody."),
    )
    # Bumped whenever anything shown in the schedule changes (events/signals.py); keys caches and ETags.
    schedule_version = models.PositiveBigIntegerField(_("schedule version"), default=1, editable=False)
    schedule_changed_at = models.DateTimeField(_("schedule changed at"), default=timezone.now, editable=False)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["start_date", "name"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__lte=F("end_date")),
                name="event_starts_before_it_ends",
                violation_error_message=_("The last day cannot be before the first day."),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("events:event_detail", kwargs={"event": self.slug})

    @cached_property
    def tzinfo(self):
        return zoneinfo.ZoneInfo(self.time_zone)

    def days(self):
        """Every date from the first to the last day of the programme."""
        count = (self.end_date - self.start_date).days + 1
        return [self.start_date + dt.timedelta(days=n) for n in range(count)]

    def localtime(self, value):
        """An aware datetime shown in the event's zone."""
        return timezone.localtime(value, self.tzinfo)

    def today(self, now=None):
        """The programme day it is now at the venue (before the day change, still the day before)."""
        return self.programme_date(now or timezone.now())

    def programme_date(self, value):
        """The programme day an aware datetime belongs to (see `day_change`)."""
        return programme_date(value, self.tzinfo, self.day_change)

    def day_bounds(self, day):
        """The first instant of programme day `day` and of the day after it."""
        return day_bounds(day, self.tzinfo, self.day_change)

    @property
    def frame_ancestors(self):
        """The origins that may frame this event's embed pages: the EMBED_ORIGINS setting's, then the event's
        own, each once; no other page of the portal may be framed at all."""
        return list(dict.fromkeys([*settings.EMBED_ORIGINS, *self.embed_origins.split()]))


class Room(models.Model):
    # The exports list talks without a room under this name, so no real room may take it.
    PLACEHOLDER_NAME = "Room to be announced"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="rooms", verbose_name=_("event"))
    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveIntegerField(pgettext_lazy("position in a list", "order"), default=0)
    uuid = models.UUIDField(_("uuid"), default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        ordering = ["event", "order", "name"]
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        constraints = [
            models.UniqueConstraint(fields=["event", "name"], name="room_name_unique_per_event"),
            models.CheckConstraint(
                condition=~Q(Exact(Lower(Trim("name")), "room to be announced")),
                name="room_name_is_not_the_placeholder",
                violation_error_message=_(
                    # Translators: “Room to be announced” is the name the exports give, in English whatever the language.
                    "“Room to be announced” stands for talks without a room in the exports: choose another name."
                ),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("events:schedule", kwargs={"event": self.event.slug}) + f"?room={self.slug}"

    @property
    def slug(self):
        """The room in addresses (`?room=hall-a`): its name as a slug, unique per event like the name (names
        that differ only in case or punctuation share one; the first in the rooms' order answers to it)."""
        return slugify(self.name) or f"room-{self.pk}"


class Track(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="tracks", verbose_name=_("event"))
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100)
    order = models.PositiveIntegerField(pgettext_lazy("position in a list", "order"), default=0)
    colour = models.CharField(
        _("colour"),
        max_length=7,
        default="#3f51b5",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour like #1a2b3c."))],
    )

    class Meta:
        ordering = ["event", "order", "name"]
        verbose_name = _("track")
        verbose_name_plural = _("tracks")
        constraints = [
            models.UniqueConstraint(fields=["event", "name"], name="track_name_unique_per_event"),
            models.UniqueConstraint(fields=["event", "slug"], name="track_slug_unique_per_event"),
        ]

    def __str__(self):
        return self.name


class SpeakerQuerySet(models.QuerySet):
    def speaking_at(self, event):
        """Speakers of the public talks of `event`, by name, each with its `talk_count` there."""
        # Filtering before annotating counts only the talks the filter joined: the event's public ones. The
        # explicit order: Meta.ordering does not apply to a query with GROUP BY.
        return (
            self.filter(talks__in=Talk.objects.filter(event=event).public())
            .annotate(talk_count=models.Count("talks"))
            .order_by("name", "pk")
        )


class Speaker(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    affiliation = models.CharField(_("affiliation"), max_length=200, blank=True)
    bio = models.TextField(_("bio"), blank=True, help_text=_("Markdown."))
    # Uploaded in the admin and stored resized (events/photos.py); photo_url is shown when there is none.
    photo = models.ImageField(
        _("photo"),
        upload_to="speakers/",
        blank=True,
        help_text=_("JPEG, PNG, WebP or GIF. Stored as a square cut from the middle, without its metadata."),
    )
    photo_small = models.ImageField(_("photo small"), upload_to="speakers/", blank=True, editable=False)
    photo_url = models.URLField(
        _("photo address"),
        blank=True,
        help_text=_("A photo elsewhere on the web, shown when none is uploaded."),
    )
    links = models.TextField(
        _("links"), blank=True, validators=[validate_url_lines], help_text=_("One web address per line.")
    )
    uuid = models.UUIDField(_("uuid"), default=uuid.uuid4, unique=True, editable=False)

    objects = SpeakerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("speaker")
        verbose_name_plural = _("speakers")

    def __str__(self):
        return f"{self.name} ({self.affiliation})" if self.affiliation else self.name

    @property
    def photo_src(self):
        """The address of the speaker's photo at the speaker page's size, or "" for none."""
        return self.photo.url if self.photo else self.photo_url

    @property
    def photo_small_src(self):
        """The address of the speaker's photo at the size shown beside talks, or "" for none."""
        return self.photo_small.url if self.photo_small else self.photo_src

    @property
    def initials(self):
        """What stands in for a missing photo: the first letters of the first and last word of the name."""
        words = [word for word in self.name.split() if word[0].isalpha()]  # not "A2" for "Ada 2"
        return "".join(word[0] for word in (words[:1] + words[1:][-1:])).upper()

    @property
    def link_list(self):
        return [line.strip() for line in self.links.splitlines() if line.strip()]


class TalkQuerySet(models.QuerySet):
    def public(self):
        """Talks attendees may see: published ones and cancelled ones (shown as cancelled)."""
        return self.filter(status__in=[Talk.Status.PUBLISHED, Talk.Status.CANCELLED])

    def published(self):
        """Talks that take place as announced."""
        return self.filter(status=Talk.Status.PUBLISHED)

    def on_day(self, day, tz=None, day_change=dt.time.min):
        """Talks starting on programme day `day` in `tz` (a day that begins at `day_change`), or in each talk's
        own event zone and day change when `tz` is not given."""
        if tz is not None:
            start, end = day_bounds(day, tz, day_change)
            return self.filter(starts_at__gte=start, starts_at__lt=end)
        by_zone = Q(pk__in=[])
        for name, change in Event.objects.values_list("time_zone", "day_change").distinct():
            start, end = day_bounds(day, zoneinfo.ZoneInfo(name), change)
            by_zone |= Q(
                event__time_zone=name, event__day_change=change, starts_at__gte=start, starts_at__lt=end
            )
        return self.filter(by_zone)

    def overlapping(self, starts_at, ends_at):
        """Talks that share at least a minute with [starts_at, ends_at)."""
        return self.filter(starts_at__lt=ends_at, ends_at__gt=starts_at)

    def set_status(self, status):
        """Give these talks `status` in one UPDATE and mark their events' schedules changed; returns the count.
        Talks whose status this changes get a new calendar revision (Talk.sequence)."""
        revised = Case(
            When(~Q(status=status), then=F("sequence") + 1),
            default=F("sequence"),
            output_field=models.PositiveIntegerField(),
        )
        return self.mark_changed(status=status, sequence=revised)

    def mark_changed(self, **values):
        """Move the change time of these talks to now (with `values` updated too) and mark their events' schedules
        changed; returns the count. A talk's change time moves whenever anything it shows
        changes, also through a row of its own (a speaker, room or track): pieces of pages are kept under it."""
        # Read the events first: the queryset may be filtered on a value this changes.
        event_ids = list(self.order_by().values_list("event_id", flat=True).distinct())
        count = self.update(updated_at=timezone.now(), **values)
        # update() sends no signals
        Event.objects.filter(pk__in=event_ids).bump_schedule_version(event_ids=event_ids)
        return count

    def holding_room(self, room, starts_at, ends_at):
        """Talks that hold `room` for part of [starts_at, ends_at): the clashes a booking there would make
        (cancelled talks have freed their room)."""
        return self.filter(room=room).overlapping(starts_at, ends_at).exclude(status=Talk.Status.CANCELLED)

    def for_clash_check(self):
        """Talks that can clash (cancelled ones free their room and speakers), with what the check reads."""
        return self.exclude(status=Talk.Status.CANCELLED).select_related("room").prefetch_related("speakers")

    def search_ranks(self, text):
        """{talk id: rank} of these talks that match the words of `text` in their title, speakers' names, room
        or abstract, each word as the beginning of a word, with PostgreSQL's full-text search (English stemming,
        ranked by where the words occur); None on another database, whose callers match words themselves."""
        if connections[self.db].vendor != "postgresql":
            return None
        from django.contrib.postgres.aggregates import StringAgg
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        names = (
            TalkSpeaker.objects.filter(talk=OuterRef("pk"))
            .order_by()
            .values("talk")
            .annotate(names=StringAgg("speaker__name", " "))
            .values("names")
        )
        vector = (
            SearchVector("title", weight="A", config="english")
            + SearchVector(
                Coalesce(Subquery(names), Value(""), output_field=models.TextField()),
                weight="B",
                config="simple",
            )
            + SearchVector(
                Coalesce("room__name", Value(""), output_field=models.TextField()),
                weight="B",
                config="simple",
            )
            + SearchVector("abstract", weight="C", config="english")
        )
        # Each word as the beginning of a word (“net” finds “networking”), as the page's search as you type does:
        # words are \w+ only, so nothing of tsquery's syntax gets in.
        prefixes = " & ".join(f"{word}:*" for word in re.findall(r"\w+", text))
        if not prefixes:
            return {}
        query = SearchQuery(prefixes, search_type="raw", config="english") | SearchQuery(
            prefixes, search_type="raw", config="simple"
        )
        matches = self.annotate(found=vector, rank=SearchRank(vector, query)).filter(found=query)
        return dict(matches.values_list("pk", "rank"))

    def in_schedule_order(self):
        return self.order_by("starts_at", "room__order", "room__name", "title")

    def for_schedule(self, *, searching=False):
        """with_details(), reading only what the schedule's cards show: the talks without their links, record
        and (unless `searching`, which matches and quotes it) abstract, the speakers by name and affiliation. A
        FOSDEM day reads a thousand talks and their speakers, and the page is rendered again after every change."""
        unused = ["conference_url", "slides_url", "video_url", "source_uid", "created_at", "sequence"]
        in_order = Speaker.objects.order_by("talk_speakers__position", "talk_speakers__pk").only(
            "name", "slug", "affiliation"
        )
        talks = self.defer(*unused) if searching else self.defer("abstract", *unused)
        return talks.prefetch_related("room", "track", models.Prefetch("speakers", queryset=in_order))

    def with_details(self):
        """Talks with their room, track and speakers, the speakers in speaking order (`talk.speakers.all()`), in
        a fixed number of queries: what the schedule, the talk pages and the exports show of a talk."""
        # Rooms and tracks are prefetched rather than joined: a few instances shared by all talks.
        in_order = Speaker.objects.order_by("talk_speakers__position", "talk_speakers__pk")
        return self.prefetch_related("room", "track", models.Prefetch("speakers", queryset=in_order))


class Talk(models.Model):
    class Kind(models.TextChoices):
        TALK = "talk", _("Talk")
        KEYNOTE = "keynote", _("Keynote")
        PANEL = "panel", _("Panel")
        TUTORIAL = "tutorial", _("Tutorial")
        LIGHTNING = "lightning", _("Lightning talk")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="talks", verbose_name=_("event"))
    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=200)
    abstract = models.TextField(_("abstract"), blank=True, help_text=_("Markdown."))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    room = models.ForeignKey(
        Room, on_delete=models.SET_NULL, null=True, blank=True, related_name="talks", verbose_name=_("room")
    )
    track = models.ForeignKey(
        Track, on_delete=models.SET_NULL, null=True, blank=True, related_name="talks", verbose_name=_("track")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.TALK)
    # The type the conference's programme gives the talk ("lecture", "devroom", "BoF"), kept as written: the
    # exports give it back, and a talk of kind “other” is shown with it instead of “Other”.
    programme_type = models.CharField(_("type in the programme"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.DRAFT)
    speakers = models.ManyToManyField(
        Speaker, through="TalkSpeaker", related_name="talks", blank=True, verbose_name=_("speakers")
    )
    uuid = models.UUIDField(_("uuid"), default=uuid.uuid4, unique=True, editable=False)
    conference_url = models.URLField(_("official conference page"), max_length=500, blank=True)
    # The UID (iCalendar) or guid (frab) of the talk in the programme it was imported from (events/exchange/):
    # importing the programme again updates the talk instead of adding it twice.
    source_uid = models.CharField(
        _("UID in the imported programme"), max_length=255, blank=True, editable=False
    )
    slides_url = models.URLField(_("slides url"), max_length=500, blank=True)
    video_url = models.URLField(_("video url"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # The revision of the talk's calendar entry (iCalendar SEQUENCE): it grows when a field in REVISED_FIELDS
    # changes (events/signals.py), so subscribed calendars replace the entry instead of keeping the old one.
    sequence = models.PositiveIntegerField(_("sequence"), default=0, editable=False)

    # What an attendee's calendar entry shows of when, where and whether the talk happens.
    REVISED_FIELDS = ("title", "starts_at", "ends_at", "room_id", "status")

    objects = TalkQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "title"]
        verbose_name = _("talk")
        verbose_name_plural = _("talks")
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("ends_at")),
                name="talk_starts_before_it_ends",
                violation_error_message=_("A talk must end after it starts."),
            ),
            models.UniqueConstraint(fields=["event", "slug"], name="talk_slug_unique_per_event"),
            models.UniqueConstraint(
                fields=["event", "source_uid"],
                condition=~Q(source_uid=""),
                name="talk_source_uid_unique_per_event",
                violation_error_message=_("Another talk of this event was imported with this UID."),
            ),
        ]
        indexes = [models.Index(fields=["event", "starts_at"], name="talk_event_start_idx")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("events:talk_detail", kwargs={"event": self.event.slug, "talk": self.slug})

    def clean(self):
        # Rooms and tracks are the event's own: a rule across tables, so no database constraint holds it.
        errors = {}
        if self.room_id and self.event_id and self.room.event_id != self.event_id:
            errors["room"] = _("This room belongs to another event.")
        if self.track_id and self.event_id and self.track.event_id != self.event_id:
            errors["track"] = _("This track belongs to another event.")
        if errors:
            raise ValidationError(errors)

    @property
    def duration(self):
        return self.ends_at - self.starts_at

    @property
    def duration_minutes(self):
        return minutes(self.starts_at, self.ends_at)

    @property
    def is_cancelled(self):
        return self.status == self.Status.CANCELLED

    @property
    def kind_label(self):
        """What the talk is, as pages show it: its kind, or the programme's own type where the portal has no
        kind for it (a “Hackathon” rather than “Other”)."""
        if self.kind == self.Kind.OTHER and self.programme_type:
            return self.programme_type
        return self.get_kind_display()


class TalkSpeaker(models.Model):
    talk = models.ForeignKey(
        Talk, on_delete=models.CASCADE, related_name="talk_speakers", verbose_name=_("talk")
    )
    speaker = models.ForeignKey(
        Speaker, on_delete=models.CASCADE, related_name="talk_speakers", verbose_name=_("speaker")
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("speaker")
        verbose_name_plural = _("speakers")
        constraints = [
            models.UniqueConstraint(fields=["talk", "speaker"], name="talkspeaker_once_per_talk"),
        ]

    def __str__(self):
        # Translators: a speaker of a talk, as the admin names it, e.g. Ada Lane in “eBPF for everyone”.
        return _("%(speaker)s in “%(talk)s”") % {"speaker": self.speaker.name, "talk": self.talk.title}


class ScheduleUpdate(models.Model):
    """One entry of an event's public changelog: the changes to its public talks that organisers made together
    (within CHANGELOG_GROUP_MINUTES of each other), numbered 1, 2, 3 … per event. events/changelog.py writes
    them."""

    class Kind(models.TextChoices):
        CHANGES = "changes", _("Changes")
        PUBLISHED = "published", pgettext_lazy("a programme made public", "Programme published")

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="schedule_updates", verbose_name=_("event")
    )
    number = models.PositiveIntegerField(_("number"))
    # The entry of an event's publication counts the talks it showed and lists none: a programme published at
    # once is one piece of news, not a change per talk.
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.CHANGES)
    talk_count = models.PositiveIntegerField(
        _("talks published"),
        null=True,
        blank=True,
        help_text=_("The number of talks the programme showed when it was published."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["event", "-number"]
        verbose_name = _("schedule update")
        verbose_name_plural = _("schedule updates")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "number"], name="schedule_update_number_unique_per_event"
            ),
            models.UniqueConstraint(
                fields=["event"],
                condition=Q(kind="published"),
                name="schedule_update_published_once_per_event",
                violation_error_message=_("The changelog of this event already says that it was published."),
            ),
            models.CheckConstraint(
                condition=Q(kind="published", talk_count__isnull=False)
                | Q(~Q(kind="published"), talk_count__isnull=True),
                name="schedule_update_counts_talks_only_when_published",
                violation_error_message=_("Only the entry of a publication counts the talks published."),
            ),
        ]

    def __str__(self):
        # Translators: an entry of an event's public changelog, e.g. KubeCon Europe 2022: schedule update 3.
        return _("%(event)s: schedule update %(number)d") % {"event": self.event.name, "number": self.number}

    def get_absolute_url(self):
        return (
            reverse("events:schedule_changes", kwargs={"event": self.event.slug}) + f"#update-{self.number}"
        )


class TalkChange(models.Model):
    """One change to one public talk in a ScheduleUpdate, with what it was and what it became (`before`,
    `after`: the talk's public state as events/changelog.py records it, or the part of it that changed)."""

    class Kind(models.TextChoices):
        ADDED = "added", _("Added")
        REMOVED = "removed", _("Removed")
        CANCELLED = "cancelled", _("Cancelled")
        RESTORED = "restored", _("Back in the programme")
        MOVED = "moved", _("Moved in time")
        ROOM = "room", _("Moved to another room")
        RENAMED = "renamed", _("Renamed")
        SPEAKERS = "speakers", _("Speakers changed")

    update = models.ForeignKey(
        ScheduleUpdate,
        on_delete=models.CASCADE,
        related_name="changes",
        verbose_name=pgettext_lazy("an entry of the schedule's changelog", "update"),
    )
    # Empty once the talk is deleted: the change stays in the record.
    talk = models.ForeignKey(
        Talk, on_delete=models.SET_NULL, null=True, blank=True, related_name="changes", verbose_name=_("talk")
    )
    title = models.CharField(
        _("title"), max_length=300, help_text=_("The talk's title when the change was made.")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    before = models.JSONField(
        pgettext_lazy("the state of a talk before a change", "before"), null=True, blank=True
    )
    after = models.JSONField(
        pgettext_lazy("the state of a talk after a change", "after"), null=True, blank=True
    )

    class Meta:
        ordering = ["update", "pk"]
        verbose_name = _("talk change")
        verbose_name_plural = _("talk changes")

    def __str__(self):
        return f"{self.get_kind_display()}: {self.title}"

    def get_absolute_url(self):
        return self.update.get_absolute_url()


class AnnouncedTalk(models.Model):
    """What the changelog last recorded of a talk: its public state (None while it is not public), as of the
    talk's change time `seen_at`. A talk whose Talk.updated_at differs from `seen_at` may have changed."""

    talk = models.OneToOneField(
        Talk, on_delete=models.CASCADE, primary_key=True, related_name="announced", verbose_name=_("talk")
    )
    state = models.JSONField(_("state"), null=True, blank=True)
    seen_at = models.DateTimeField(_("seen at"))

    class Meta:
        verbose_name = _("announced talk")
        verbose_name_plural = _("announced talks")

    def __str__(self):
        return _("What was announced of “%(talk)s”") % {"talk": self.talk.title}


class Booth(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="booths", verbose_name=_("event"))
    name = models.CharField(_("name"), max_length=200)
    location = models.CharField(
        _("location"), max_length=200, blank=True, help_text=_("E.g. hall and booth number.")
    )
    description = models.TextField(
        _("description"), blank=True, help_text=_("Markdown. What attendees find there: demos, swag, people.")
    )

    class Meta:
        ordering = ["event", "name"]
        verbose_name = _("booth")
        verbose_name_plural = _("booths")

    def __str__(self):
        # Translators: a booth and its event, e.g. Cilium booth at KubeCon Europe 2022.
        return _("%(booth)s at %(event)s") % {"booth": self.name, "event": self.event}

    def get_absolute_url(self):
        return reverse("events:booth", kwargs={"event": self.event.slug})


class BoothShift(models.Model):
    booth = models.ForeignKey(Booth, on_delete=models.CASCADE, related_name="shifts", verbose_name=_("booth"))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    staff = models.CharField(
        pgettext_lazy("the people at a booth", "staff"),
        max_length=500,
        blank=True,
        help_text=_("Who is at the booth, e.g. “Cilium maintainers”."),
    )

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("booth shift")
        verbose_name_plural = _("booth shifts")
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("ends_at")),
                name="boothshift_starts_before_it_ends",
                violation_error_message=_("A shift must end after it starts."),
            ),
        ]

    def __str__(self):
        return f"{self.booth.name}, {self.starts_at:%Y-%m-%d %H:%M} UTC"


@dataclass(frozen=True)
class Slot:
    """A signup slot of an office-hours session."""

    starts_at: dt.datetime
    ends_at: dt.datetime


class OfficeHours(models.Model):
    class Format(models.TextChoices):
        VIRTUAL = "virtual", _("Virtual")
        IN_PERSON = "in_person", _("In person")

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="office_hours", verbose_name=_("event")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    format = models.CharField(_("format"), max_length=20, choices=Format, default=Format.VIRTUAL)
    location = models.CharField(
        _("location"), max_length=200, blank=True, help_text=_("Room or place, for in-person sessions.")
    )
    join_url = models.URLField(
        _("private join link"),
        max_length=500,
        blank=True,
        help_text=_("Sent only to confirmed attendees by email; never shown on a public page."),
    )
    slot_minutes = models.PositiveIntegerField(
        _("slot minutes"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Length of one signup slot. Empty: one slot for the whole session."),
    )
    seats_per_slot = models.PositiveIntegerField(
        _("seats per slot"), default=5, validators=[MinValueValidator(1)]
    )
    signup_deadline = models.DateTimeField(
        _("signup deadline"),
        null=True,
        blank=True,
        help_text=_("Empty: signup closes when the session starts."),
    )
    hosts = models.ManyToManyField(Speaker, related_name="office_hours", blank=True, verbose_name=_("hosts"))

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("office hours")
        # The same words in English, not in every language: "Sprechstunde", "Sprechstunden".
        verbose_name_plural = pgettext_lazy("several sessions", "office hours")
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("ends_at")),
                name="officehours_starts_before_it_ends",
                violation_error_message=_("Office hours must end after they start."),
            ),
            models.CheckConstraint(
                condition=Q(signup_deadline__isnull=True) | Q(signup_deadline__lte=F("ends_at")),
                name="officehours_signup_closes_by_the_end",
                violation_error_message=_("The signup deadline cannot be after the session ends."),
            ),
            models.CheckConstraint(
                condition=Q(seats_per_slot__gte=1),
                name="officehours_has_a_seat",
                violation_error_message=_("A slot needs at least one seat."),
            ),
            models.CheckConstraint(
                condition=Q(slot_minutes__isnull=True) | Q(slot_minutes__gte=1),
                name="officehours_slots_last_a_minute",
                violation_error_message=_("A slot lasts at least a minute."),
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.event})"

    def get_absolute_url(self):
        return reverse("events:office_hours", kwargs={"event": self.event.slug}) + f"#office-hours-{self.pk}"

    @property
    def signup_closes_at(self):
        return self.signup_deadline or self.starts_at

    @property
    def is_virtual(self):
        return self.format == self.Format.VIRTUAL

    def is_open_for_signup(self, now):
        """Whether the session takes signups at `now`: before its deadline, or before it starts without one."""
        return now < self.signup_closes_at

    def slots(self):
        """The session cut into slots of `slot_minutes`; the last one ends with the session."""
        if not self.slot_minutes:
            return [Slot(self.starts_at, self.ends_at)]
        step = dt.timedelta(minutes=self.slot_minutes)
        slots, start = [], self.starts_at
        while start < self.ends_at:
            slots.append(Slot(start, min(start + step, self.ends_at)))
            start += step
        return slots


def new_signup_token():
    return secrets.token_urlsafe(32)


class SignupQuerySet(models.QuerySet):
    def active(self):
        """Signups that hold a seat or a place on the waiting list."""
        return self.exclude(status=Signup.Status.CANCELLED)

    def confirmed(self):
        return self.filter(status=Signup.Status.CONFIRMED)

    def waitlisted(self):
        """The waiting list, first come first served."""
        return self.filter(status=Signup.Status.WAITLISTED).order_by("created_at", "pk")

    def unerased(self):
        """Signups that still hold their attendee's name, email address and question."""
        return self.filter(erased_at__isnull=True)


class Signup(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    office_hours = models.ForeignKey(
        OfficeHours, on_delete=models.CASCADE, related_name="signups", verbose_name=_("office hours")
    )
    slot_start = models.DateTimeField(_("slot start"))
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"), max_length=254)
    question = models.TextField(_("question"), max_length=2000, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.CONFIRMED)
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_signup_token, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True, editable=False)
    consented_at = models.DateTimeField(
        _("consented at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When the attendee agreed that these details are kept."),
    )
    # The revision of the attendee's calendar entry (iCalendar SEQUENCE): it grows when the slot moves or the
    # signup is cancelled, so calendars replace the entry instead of keeping the old one beside it.
    sequence = models.PositiveIntegerField(_("sequence"), default=0, editable=False)
    # The language the attendee signed up in: every email about the signup, sent now or later by the worker,
    # is written in it, with links to the pages in it.
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        editable=False,
    )
    # When the attendee's name, email address and question were erased (events/privacy.py); the row stays, with
    # its slot and status, for the counts.
    erased_at = models.DateTimeField(_("details erased at"), null=True, blank=True, editable=False)
    # The emails the outbox sent about the signup, erased with its details.
    emails = models.ManyToManyField(
        "portal.Email", related_name="signups", blank=True, editable=False, verbose_name=_("emails")
    )

    objects = SignupQuerySet.as_manager()

    class Meta:
        ordering = ["office_hours", "slot_start", "created_at"]
        verbose_name = _("signup")
        verbose_name_plural = _("signups")
        constraints = [
            # Erased signups have no address left (""), and may be many in one session.
            models.UniqueConstraint(
                Lower("email"),
                "office_hours",
                condition=~Q(status="cancelled") & ~Q(email=""),
                name="signup_once_per_email_per_session",
                violation_error_message=_("This email address is already signed up for this session."),
            ),
        ]
        indexes = [
            models.Index(fields=["office_hours", "slot_start", "status"], name="signup_slot_status_idx")
        ]

    def __str__(self):
        return self.erased_label(self.pk) if self.erased_at is not None else f"{self.name} <{self.email}>"

    def get_absolute_url(self):
        return reverse(
            "events:signup_detail", kwargs={"event": self.office_hours.event.slug, "token": self.token}
        )

    def get_cancel_url(self):
        return reverse(
            "events:signup_cancel", kwargs={"event": self.office_hours.event.slug, "token": self.token}
        )

    @property
    def slot_end(self):
        """When the signup's slot ends: the next slot's start, or the session's end for the last one."""
        for slot in self.office_hours.slots():
            if slot.starts_at == self.slot_start:
                return slot.ends_at
        return self.office_hours.ends_at

    @staticmethod
    def erased_label(pk):
        """What the admin calls a signup once its attendee's details are erased, its log entries included."""
        # Translators: a signup whose attendee's name and email address were erased; pk is its number.
        return gettext("Signup %(pk)s (details erased)") % {"pk": pk}

    def waitlist_position(self):
        """1 for the first person waiting in the signup's slot; None when the signup is not waiting."""
        if self.status != Signup.Status.WAITLISTED:
            return None
        ahead = (
            Signup.objects.waitlisted()
            .filter(office_hours_id=self.office_hours_id, slot_start=self.slot_start)
            .filter(Q(created_at__lt=self.created_at) | Q(created_at=self.created_at, pk__lt=self.pk))
            .count()
        )
        return ahead + 1
