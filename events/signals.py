"""Keeps Event.schedule_version and Talk.updated_at current: any saved or deleted schedule row bumps its
event's version, and a speaker, room or track that changes moves the change time of its talks. Each bump has
the changelog look at the event's talks (events/changelog.py).

Both key what the page cache keeps (events/pagecache.py), so this is bookkeeping, not a rule: bulk writes
(QuerySet.update, bulk_create) send no signals and call bump_schedule_version() or mark_changed() themselves.

One more follows a deletion wherever it comes from, a cascade included: a signup deleted takes what hangs on it
(its emails, the admin log's mentions, its brake: events/privacy.py) with it.
"""

from django.db.models import F
from django.db.models.expressions import Combinable
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from django.utils import timezone

from . import changelog, privacy, versionwatch
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
    schedule_changed,
)


@receiver(schedule_changed)
@receiver([post_save, post_delete], sender=Event)
def forget_remembered_events(sender, using, **kwargs):
    # As the change commits; the other processes hear of it from PostgreSQL (migration 0006's trigger).
    versionwatch.watch(using).forget_after_commit()


@receiver(schedule_changed)
def record_schedule_changes(sender, using, event_ids=(), **kwargs):
    changelog.record_after_commit(event_ids, using=using)


@receiver(pre_delete, sender=Talk)
def record_talk_removal(sender, instance, origin=None, **kwargs):
    # Not when whole events go, changelog and all: one event, or several from the admin's list (a QuerySet).
    if not (isinstance(origin, Event) or getattr(origin, "model", None) is Event):
        changelog.record_removal(instance)


@receiver([post_save, post_delete], sender=OfficeHours)
def bump_for_office_hours(sender, instance, **kwargs):
    # The schedule lists office hours on their days.
    Event.objects.filter(pk=instance.event_id).bump_schedule_version(event_ids=[instance.event_id])


@receiver(pre_delete, sender=Signup)
def forget_what_hangs_on_a_deleted_signup(sender, instance, **kwargs):
    # However a signup goes (the admin, with its session or its event), its emails, the admin log's mentions of it
    # and the brake on its address go too: deleting it erases its attendee's details.
    privacy.forget(instance)


@receiver([post_save, post_delete], sender=BoothShift)
def bump_for_booth_shift(sender, instance, **kwargs):
    # The schedule lists booth shifts, under their booth's name, on their days.
    event_id = Booth.objects.filter(pk=instance.booth_id).values_list("event_id", flat=True).first()
    if event_id is not None:
        Event.objects.filter(pk=event_id).bump_schedule_version(event_ids=[event_id])


@receiver([post_save, post_delete], sender=Booth)
def bump_for_booth(sender, instance, **kwargs):
    Event.objects.filter(pk=instance.event_id).bump_schedule_version(event_ids=[instance.event_id])


@receiver(pre_save, sender=Event)
def count_event_change(sender, instance, raw, update_fields, **kwargs):
    # Write the increment with the row itself, so a stale in-memory version is never saved back;
    # loaddata (raw) builds instances without the version, and the row may or may not exist yet.
    exists = instance.pk is not None and (
        not instance._state.adding or (raw and Event.objects.filter(pk=instance.pk).exists())
    )
    if exists and update_fields is None:
        instance.schedule_version = F("schedule_version") + 1
        instance.schedule_changed_at = timezone.now()


@receiver(post_save, sender=Event)
def reload_event_version(sender, instance, update_fields, **kwargs):
    if isinstance(instance.schedule_version, Combinable):
        instance.refresh_from_db(fields=["schedule_version"])
    elif update_fields is not None and "schedule_version" not in update_fields:
        Event.objects.filter(pk=instance.pk).bump_schedule_version(event_ids=[instance.pk])
        instance.refresh_from_db(fields=["schedule_version", "schedule_changed_at"])


@receiver(pre_save, sender=Room)
@receiver(pre_save, sender=Track)
def remember_previous_event(sender, instance, raw, **kwargs):
    # A row moved to another event leaves the first one's schedule too: note where it was.
    if instance.pk is None or instance._state.adding and not raw:
        instance._previous_event_id = None
        return
    instance._previous_event_id = (
        sender.objects.filter(pk=instance.pk).values_list("event_id", flat=True).first()
    )


@receiver(pre_save, sender=Talk)
def compare_with_saved_talk(sender, instance, raw, **kwargs):
    # As remember_previous_event, and a talk whose time, room, title or status changes gets its next revision.
    instance._previous_event_id = None
    if instance.pk is None or instance._state.adding and not raw:
        return
    saved = Talk.objects.filter(pk=instance.pk).values("event_id", "sequence", *Talk.REVISED_FIELDS).first()
    if saved is None:
        return
    instance._previous_event_id = saved["event_id"]
    if not raw and any(saved[name] != getattr(instance, name) for name in Talk.REVISED_FIELDS):
        instance.sequence = saved["sequence"] + 1


@receiver([post_save, post_delete], sender=Talk)
@receiver([post_save, post_delete], sender=Room)
@receiver([post_save, post_delete], sender=Track)
def bump_for_event_row(sender, instance, **kwargs):
    event_ids = {instance.event_id, getattr(instance, "_previous_event_id", None)} - {None}
    Event.objects.filter(pk__in=event_ids).bump_schedule_version(event_ids=event_ids)


@receiver(post_save, sender=Room)
def mark_talks_in_room_changed(sender, instance, created=False, **kwargs):
    if not created:  # a new room has no talks
        Talk.objects.filter(room=instance).mark_changed()


@receiver(pre_delete, sender=Room)
def mark_talks_of_deleted_room_changed(sender, instance, **kwargs):
    # Before the delete, while the talks still name the room: deleting it empties their room, a change of
    # where they happen that their calendar entries are revised for.
    Talk.objects.filter(room=instance).mark_changed(sequence=F("sequence") + 1)


@receiver(post_save, sender=Track)
@receiver(pre_delete, sender=Track)
def mark_talks_in_track_changed(sender, instance, created=False, **kwargs):
    if not created:
        Talk.objects.filter(track=instance).mark_changed()


@receiver([post_save, post_delete], sender=TalkSpeaker)
def mark_talk_of_speaker_row_changed(sender, instance, **kwargs):
    Talk.objects.filter(pk=instance.talk_id).mark_changed()


@receiver(post_save, sender=Speaker)
def mark_talks_of_speaker_changed(sender, instance, **kwargs):
    Talk.objects.filter(speakers=instance).mark_changed()


@receiver(m2m_changed, sender=Talk.speakers.through)
def mark_talks_of_speaker_set_changed(sender, instance, action, pk_set, **kwargs):
    if isinstance(instance, Talk):
        if action in ("post_add", "post_remove", "post_clear"):
            Talk.objects.filter(pk=instance.pk).mark_changed()
    elif action in ("post_add", "post_remove"):
        Talk.objects.filter(pk__in=pk_set).mark_changed()
    elif action == "pre_clear":
        Talk.objects.filter(speakers=instance).mark_changed()
