"""The changelog of an event's schedule as an Atom feed (Django's syndication framework), one entry per update."""

from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import changelog
from .models import Event

ENTRIES = 30


@dataclass
class Source:
    event: Event
    base_url: str  # scheme and host: the talks' links in an entry are absolute


class ScheduleChangesFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, event):
        return Source(request.event, request.build_absolute_uri("/").rstrip("/"))

    def title(self, source):
        return _("Changes to the schedule of %(event)s") % {"event": source.event.name}

    def subtitle(self, source):
        return _("Talks added, removed, cancelled, moved or renamed, newest first. Times in %(zone)s.") % {
            "zone": source.event.time_zone
        }

    def link(self, source):
        return reverse("events:schedule_changes", kwargs={"event": source.event.slug})

    def feed_url(self, source):
        return reverse("events:schedule_feed", kwargs={"event": source.event.slug})

    def items(self, source):
        updates = changelog.updates_shown(source.event.schedule_updates.order_by("-number"))[:ENTRIES]
        for update in updates:
            update.event, update.source = source.event, source  # what the item methods read, without a query
        return updates

    def item_title(self, update):
        return _("Update %(number)d: %(headline)s") % {
            "number": update.number,
            "headline": changelog.headline_of(update),
        }

    def item_description(self, update):
        source = update.source
        lines = []
        for change, sentence, is_public in changelog.described(update.listed_changes, source.event.tzinfo):
            if is_public:
                url = source.base_url + reverse(
                    "events:talk_detail", kwargs={"event": source.event.slug, "talk": change.talk.slug}
                )
                title = format_html('<a href="{}">{}</a>', url, change.title)
            else:
                title = format_html("{}", change.title)
            lines.append((title, sentence))
        more = sum(changelog.counts_of(update).values()) - len(lines)
        schedule = source.base_url + reverse("events:schedule", kwargs={"event": source.event.slug})
        if not lines:  # a programme published is counted in the title, not listed
            return format_html('<p><a href="{}">{}</a></p>', schedule, _("See the schedule."))
        listed = format_html("<ul>{}</ul>", format_html_join("", "<li>{}: {}</li>", lines))
        if more > 0:
            return format_html(
                '{}<p>{} <a href="{}">{}</a></p>',
                listed,
                ngettext("And %(count)d more change.", "And %(count)d more changes.", more) % {"count": more},
                schedule,
                _("See the schedule."),
            )
        return listed

    def item_link(self, update):
        return update.get_absolute_url()

    def item_pubdate(self, update):
        return update.created_at

    def item_updateddate(self, update):
        return update.updated_at
