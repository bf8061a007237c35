"""The public record of what changed in an event's schedule: added, removed, cancelled, moved, renamed talks.

Each talk remembers what was last recorded of it (AnnouncedTalk: its public state as of its change time).
After a transaction that changed an event's schedule commits, `record_changes()` compares every talk whose
change time moved with that state and writes the differences as TalkChanges of a ScheduleUpdate. Comparing
states rather than hooking each kind of edit catches every way a talk changes (the admin, its actions, the
importers' bulk writes, a room deleted under it), and a recording that never ran (a worker killed after the
commit) is caught up by the next one. Edits made together, within CHANGELOG_GROUP_MINUTES of each other, are
one update; a change undone within it disappears from it. A deleted talk cannot be compared after the commit,
so its removal is written as it is deleted (`record_removal()`).
"""

import datetime as dt
import logging

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Count, F, Prefetch, Q
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from . import times
from .models import AnnouncedTalk, Event, ScheduleUpdate, Speaker, Talk, TalkChange

Kind = TalkChange.Kind
# An update takes in further edits for at most this long after it was opened.
LONGEST_UPDATE = dt.timedelta(hours=2)
# A recording the database refused is tried again by the worker, this much later each time, this many times.
RETRY_DELAY = dt.timedelta(seconds=30)
RETRIES = 5

logger = logging.getLogger(__name__)


def record_after_commit(event_ids, using=None):
    """Record the changes of these events' talks once the current transaction commits (at once outside one)."""
    for event_id in event_ids:

        def record(event_id=event_id):
            _record_or_leave_to_the_worker(event_id)

        transaction.on_commit(record, using=using, robust=True)


def _record_or_leave_to_the_worker(event_id):
    """Record at once; when the database refuses (busy, gone for a moment), the change is saved already and the
    worker records it a little later. The organiser's save or import succeeded either way and is told so."""
    try:
        record_changes(event_id)
    except DatabaseError as exc:
        logger.warning(
            "Recording the changes of event %s failed (%s); the worker tries again.", event_id, exc
        )
        try:
            record_changes_later.using(run_after=timezone.now() + RETRY_DELAY).enqueue(event_id)
        except DatabaseError as again:
            # Nothing is lost: the next recording of this event compares every talk that changed since.
            logger.error("Could not leave the changes of event %s to the worker (%s).", event_id, again)


@task()
def record_changes_later(event_id, attempt=1):
    """The worker's recording of a change whose recording after the commit failed."""
    try:
        record_changes(event_id)
    except DatabaseError:
        if attempt >= RETRIES:
            raise
        run_after = timezone.now() + RETRY_DELAY * (attempt + 1)
        record_changes_later.using(run_after=run_after).enqueue(event_id, attempt + 1)


def record_changes(event_id, now=None):
    """Compare the event's talks that changed since the last recording with what was recorded of them, and add
    the differences to the event's changelog. Returns the TalkChanges written or updated. Nothing is recorded of
    a draft: what it shows becomes news when it is published (record_publication())."""
    with transaction.atomic():
        # One recording at a time per event: each reads what the last one wrote.
        if not Event.objects.public().select_for_update().filter(pk=event_id).exists():
            return []
        talks = Talk.objects.filter(event_id=event_id).exclude(announced__seen_at=F("updated_at"))
        changes = []
        for talk, before, after in _announce(talks):
            changes += [(talk, *change) for change in compare(before, after)]
        if not changes:
            return []
        written = _add(event_id, changes, now or timezone.now())
        # Pages and exports kept for the schedule's version show the changelog: the new entry needs a new one.
        Event.objects.filter(pk=event_id).bump_schedule_version(event_ids=[event_id])
        return written


def record_publication(event, now=None):
    """Write, as `event` is published (events/publishing.py, in its transaction), the one entry that says so,
    counting the talks the public now sees, and record every talk as it is: edits made while it was a draft are
    no news, and the next change is compared with the programme as published. Returns the ScheduleUpdate."""
    now = now or timezone.now()
    announced = _announce(Talk.objects.filter(event=event))
    latest = event.schedule_updates.order_by("-number").values_list("number", flat=True).first()
    return ScheduleUpdate.objects.create(
        event=event,
        number=(latest or 0) + 1,
        kind=ScheduleUpdate.Kind.PUBLISHED,
        talk_count=sum(1 for _talk, _before, state in announced if state is not None),
        created_at=now,
        updated_at=now,
    )


def _announce(talks):
    """Record `talks` as they are now (AnnouncedTalk); returns [(talk, its public state as recorded before, as
    it is now)]."""
    in_speaking_order = Speaker.objects.order_by("talk_speakers__position", "talk_speakers__pk")
    talks = talks.select_related("room", "announced").prefetch_related(
        Prefetch("speakers", queryset=in_speaking_order)
    )
    states = []
    for talk in talks:
        announced = getattr(talk, "announced", None)
        states.append((talk, announced and announced.state, public_state(talk)))
    AnnouncedTalk.objects.bulk_create(
        [AnnouncedTalk(talk=talk, state=state, seen_at=talk.updated_at) for talk, _before, state in states],
        update_conflicts=True,
        unique_fields=["talk"],
        update_fields=["state", "seen_at"],
    )
    return states


def record_removal(talk, now=None):
    """Write, as `talk` is deleted, that it left the schedule if the changelog had recorded it as public."""
    announced = AnnouncedTalk.objects.filter(talk=talk).values_list("state", flat=True).first()
    if announced:
        with transaction.atomic():
            Event.objects.select_for_update().filter(pk=talk.event_id).exists()
            _add(talk.event_id, [(talk, Kind.REMOVED, announced, None)], now or timezone.now(), deleted=True)


def public_state(talk):
    """What attendees are shown of when, where and whether a talk happens, and who gives it; None for a talk
    they are not shown."""
    if talk.status not in (Talk.Status.PUBLISHED, Talk.Status.CANCELLED):
        return None
    return {
        "title": talk.title,
        "status": talk.status,
        "starts_at": talk.starts_at.isoformat(),
        "ends_at": talk.ends_at.isoformat(),
        "room_id": talk.room_id,
        "room": talk.room.name if talk.room else None,
        "speakers": [[speaker.pk, speaker.name] for speaker in talk.speakers.all()],
    }


def compare(before, after):
    """The changes (kind, before, after) that turn public state `before` into `after`; renaming a room or a
    speaker is not a change of the talk."""
    if before == after:
        return []
    if before is None:
        return [(Kind.ADDED, None, after)]
    if after is None:
        return [(Kind.REMOVED, before, None)]
    changes = []
    if before["status"] != after["status"]:
        kind = Kind.CANCELLED if after["status"] == Talk.Status.CANCELLED else Kind.RESTORED
        changes.append((kind, {"status": before["status"]}, {"status": after["status"]}))
    when = ("starts_at", "ends_at")
    if [before[name] for name in when] != [after[name] for name in when]:
        changes.append((Kind.MOVED, _part(before, when), _part(after, when)))
    if before["room_id"] != after["room_id"]:
        changes.append((Kind.ROOM, _part(before, ["room"]), _part(after, ["room"])))
    if before["title"] != after["title"]:
        changes.append((Kind.RENAMED, _part(before, ["title"]), _part(after, ["title"])))
    if [pk for pk, _name in before["speakers"]] != [pk for pk, _name in after["speakers"]]:
        changes.append((Kind.SPEAKERS, _part(before, ["speakers"]), _part(after, ["speakers"])))
    return changes


def _part(state, names):
    return {name: state[name] for name in names}


# Kinds that say the same thing about a talk: within one update, a later one replaces an earlier one.
_ASPECT = {
    Kind.CANCELLED: "status",
    Kind.RESTORED: "status",
    Kind.ADDED: "presence",
    Kind.REMOVED: "presence",
}


def _add(event_id, changes, now, deleted=False):
    """Add `changes` [(talk, kind, before, after)] to the event's open update, or to a new one."""
    update = ScheduleUpdate.objects.filter(event_id=event_id).order_by("-number").first()
    group = dt.timedelta(minutes=settings.CHANGELOG_GROUP_MINUTES)
    # The entry of a publication stays what it says: the changes after it are the next update's.
    is_open = update is not None and update.kind == ScheduleUpdate.Kind.CHANGES
    if not is_open or update.updated_at < now - group or update.created_at < now - LONGEST_UPDATE:
        number = update.number + 1 if update else 1
        update = ScheduleUpdate.objects.create(
            event_id=event_id, number=number, created_at=now, updated_at=now
        )
    else:
        ScheduleUpdate.objects.filter(pk=update.pk).update(updated_at=now)
    talk_ids = {talk.pk for talk, *_change in changes}
    earlier = {}
    for change in update.changes.filter(talk_id__in=talk_ids):
        earlier.setdefault(change.talk_id, []).append(change)
    written = []
    for talk, kind, before, after in changes:
        written += _merge(update, talk, kind, before, after, earlier.setdefault(talk.pk, []), deleted)
    if not update.changes.exists():
        update.delete()  # everything in it was undone: no news, and its number goes to the next update
    return written


def _merge(update, talk, kind, before, after, earlier, deleted):
    """Write one change of `talk` into `update`, where `earlier` (kept current) are the talk's changes in it."""
    by_aspect = {_ASPECT.get(change.kind, change.kind): change for change in earlier}
    presence = by_aspect.get("presence")
    if presence is not None and presence.kind == Kind.ADDED:
        # Added in this update: what it became is part of its addition; removed again, it was never news.
        if kind == Kind.REMOVED:
            _delete(earlier, earlier)
            return []
        presence.after = {**presence.after, **after}
        presence.title = talk.title
        presence.save(update_fields=["after", "title"])
        return [presence]
    if presence is not None and kind == Kind.ADDED:
        # Removed and back within one update: the news is how it differs from what it was before.
        _delete(earlier, [presence])
        written = []
        for again in compare(presence.before, after):
            written += _merge(update, talk, *again, earlier, deleted)
        return written
    if kind == Kind.REMOVED:
        # What else changed before it left is no news; what it was before this update is.
        for change in earlier:
            before = {**before, **(change.before or {})}
        _delete(earlier, earlier)
    previous = by_aspect.get(_ASPECT.get(kind, kind))
    if previous is not None and kind != Kind.REMOVED:
        before = previous.before
        _delete(earlier, [previous])
        if before == after:
            return []
    change = TalkChange.objects.create(
        update=update, talk=None if deleted else talk, title=talk.title, kind=kind, before=before, after=after
    )
    earlier.append(change)
    return [change]


def _delete(earlier, changes):
    """Delete `changes` from the database and from `earlier`."""
    TalkChange.objects.filter(pk__in=[change.pk for change in changes]).delete()
    gone = {change.pk for change in changes}
    earlier[:] = [change for change in earlier if change.pk not in gone]


def version_name(event):
    """The schedule's version as the exports name it: the number of its newest changelog entry, then the
    schedule's revision, which also moves for changes the changelog does not list (an abstract edited)."""
    latest = event.schedule_updates.order_by("-number").values_list("number", flat=True).first()
    return f"{latest or 0}.{event.schedule_version}"


_COUNTED = {
    Kind.ADDED: lambda n: ngettext("%(count)d talk added", "%(count)d talks added", n),
    Kind.REMOVED: lambda n: ngettext("%(count)d talk removed", "%(count)d talks removed", n),
    Kind.CANCELLED: lambda n: ngettext("%(count)d talk cancelled", "%(count)d talks cancelled", n),
    Kind.RESTORED: lambda n: ngettext(
        "%(count)d talk back in the programme", "%(count)d talks back in the programme", n
    ),
    Kind.MOVED: lambda n: ngettext("%(count)d talk moved in time", "%(count)d talks moved in time", n),
    Kind.ROOM: lambda n: ngettext(
        "%(count)d talk moved to another room", "%(count)d talks moved to another room", n
    ),
    Kind.RENAMED: lambda n: ngettext("%(count)d talk renamed", "%(count)d talks renamed", n),
    Kind.SPEAKERS: lambda n: ngettext(
        "%(count)d talk with new speakers", "%(count)d talks with new speakers", n
    ),
}


# An update lists this many of its changes; a programme published at once is counted, not listed.
LISTED_CHANGES = 50


def updates_shown(updates):
    """`updates` with what the changelog shows of each: the counts of each kind (counts_of(), for the
    headline) and its first LISTED_CHANGES changes (`update.listed_changes`), in a fixed number of queries."""
    counted = {f"count_{kind}": Count("changes", filter=Q(changes__kind=kind)) for kind in Kind}
    listed = Prefetch(
        "changes", queryset=changes_shown().order_by("pk")[:LISTED_CHANGES], to_attr="listed_changes"
    )
    return updates.annotate(**counted).prefetch_related(listed)


def counts_of(update):
    """{kind: number} of an update from updates_shown()."""
    return {kind: getattr(update, f"count_{kind}") for kind in Kind}


def headline_of(update):
    """What an update from updates_shown() did: “Programme published: 943 talks”, or its changes counted."""
    if update.kind == ScheduleUpdate.Kind.PUBLISHED:
        return ngettext(
            "Programme published: %(count)d talk", "Programme published: %(count)d talks", update.talk_count
        ) % {"count": update.talk_count}
    return headline(counts_of(update))


def headline(counts):
    """What an update did, counted: “2 talks moved in time, 1 talk added”."""
    parts = [_COUNTED[kind](counts[kind]) % {"count": counts[kind]} for kind in Kind if counts[kind]]
    return ", ".join(parts) or _("No changes")


def changes_shown():
    """TalkChanges with what the changelog shows of their talks (whether they are public, and their address)."""
    return TalkChange.objects.select_related("talk").only(
        *[field.name for field in TalkChange._meta.concrete_fields], "talk__slug", "talk__status"
    )


def described(changes, tz):
    """[(change, sentence, talk still public)] for `changes`."""
    public = (Talk.Status.PUBLISHED, Talk.Status.CANCELLED)
    return [
        (change, describe(change, tz), change.talk is not None and change.talk.status in public)
        for change in changes
    ]


def latest_moves(talk, tz):
    """[(change, sentence)] of the talk's latest move in time and latest move to another room."""
    moves = talk.changes.filter(kind__in=[Kind.MOVED, Kind.ROOM]).select_related("update")
    latest = {}
    for change in moves.order_by("-update__number", "-pk")[:20]:
        latest.setdefault(change.kind, change)
    return [
        (change, describe(change, tz)) for change in sorted(latest.values(), key=lambda change: change.pk)
    ]


def describe(change, tz):
    """One sentence that says what `change` did, its times in `tz`."""
    before, after = change.before or {}, change.after or {}
    match change.kind:
        case Kind.MOVED:
            return _("Moved from %(before)s to %(after)s.") % {
                "before": _when(before, tz),
                "after": _when(after, tz),
            }
        case Kind.ROOM:
            return _("Moved from %(before)s to %(after)s.") % {
                "before": before["room"] or _("no room"),
                "after": after["room"] or _("no room"),
            }
        case Kind.RENAMED:
            return _("Renamed from “%(before)s”.") % {"before": before["title"]}
        case Kind.SPEAKERS:
            return _("Speakers: %(after)s (were %(before)s).") % {
                "after": _names(after) or _("none"),
                "before": _names(before) or _("none"),
            }
        case Kind.ADDED:
            return _("Added: %(when)s.") % {"when": _when(after, tz)}
        case Kind.REMOVED:
            return _("Removed from the schedule (was %(when)s).") % {"when": _when(before, tz)}
        case Kind.CANCELLED:
            return _("Cancelled.")
        case Kind.RESTORED:
            return _("Back in the programme after being cancelled.")
    return change.get_kind_display()


def _names(state):
    return ", ".join(name for _pk, name in state.get("speakers", []))


def _when(state, tz):
    starts = dt.datetime.fromisoformat(state["starts_at"]).astimezone(tz)
    ends = dt.datetime.fromisoformat(state["ends_at"]).astimezone(tz)
    if starts.date() == ends.date():
        return f"{times.local_date(starts, 'D j M, H:i')}–{format_date(ends, 'H:i T')}"
    return f"{times.local_date(starts, 'D j M, H:i')} {format_date(starts, 'T')} – {times.local_date(ends, 'D j M, H:i')} {format_date(ends, 'T')}"
