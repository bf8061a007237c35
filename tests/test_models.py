"""Rules of the data model, most of them enforced by the database itself."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from events.models import BoothShift, Event, OfficeHours, Room, Signup, Speaker, Talk
from tests.factories import (
    at,
    make_event,
    make_office_hours,
    make_room,
    make_shift,
    make_signup,
    make_speaker,
    make_talk,
)

pytestmark = pytest.mark.django_db


def test_database_rejects_a_talk_that_ends_before_it_starts():
    event = make_event()

    with pytest.raises(IntegrityError), transaction.atomic():
        make_talk(event, starts_at=at(16, 11), ends_at=at(16, 10))


def test_database_rejects_a_talk_that_ends_when_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_talk(starts_at=at(16, 11), ends_at=at(16, 11))


def test_a_one_minute_talk_is_allowed():
    talk = make_talk(starts_at=at(16, 11), ends_at=at(16, 11, 1))

    assert talk.duration == dt.timedelta(minutes=1)


def test_database_rejects_a_booth_shift_that_ends_before_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_shift(starts_at=at(17, 12), ends_at=at(17, 10))


def test_database_rejects_office_hours_without_seats():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_office_hours(seats_per_slot=0)


def test_talk_slugs_are_unique_per_event_but_not_across_events():
    first, second = make_event(), make_event()
    make_talk(first, slug="keynote")
    make_talk(second, slug="keynote")

    with pytest.raises(IntegrityError), transaction.atomic():
        make_talk(first, slug="keynote")


def test_database_rejects_a_second_active_signup_with_the_same_email():
    office_hours = make_office_hours()
    make_signup(office_hours, email="ada@example.org")

    with pytest.raises(IntegrityError), transaction.atomic():
        make_signup(office_hours, email="ADA@example.org")


def test_the_same_email_may_sign_up_again_after_cancelling():
    office_hours = make_office_hours()
    make_signup(office_hours, email="ada@example.org", status=Signup.Status.CANCELLED)

    again = make_signup(office_hours, email="ada@example.org")

    assert office_hours.signups.active().get() == again


def test_the_same_email_may_sign_up_for_two_sessions():
    make_signup(make_office_hours(), email="ada@example.org")
    make_signup(make_office_hours(), email="ada@example.org")

    assert Signup.objects.filter(email="ada@example.org").count() == 2


def test_signup_tokens_are_long_and_distinct():
    office_hours = make_office_hours()
    tokens = {make_signup(office_hours).token for _ in range(20)}

    assert len(tokens) == 20
    assert min(len(token) for token in tokens) >= 40


def test_event_time_zone_must_be_an_iana_name():
    event = make_event(time_zone="Europe/Valencia")

    with pytest.raises(ValidationError) as error:
        event.full_clean()

    assert list(error.value.message_dict) == ["time_zone"]


def test_talk_room_must_belong_to_the_talks_event():
    talk = make_talk()
    talk.room = make_room(make_event())

    with pytest.raises(ValidationError) as error:
        talk.full_clean()

    assert list(error.value.message_dict) == ["room"]


def test_only_published_and_cancelled_talks_are_public():
    event = make_event()
    published = make_talk(event, status=Talk.Status.PUBLISHED)
    cancelled = make_talk(event, status=Talk.Status.CANCELLED)
    make_talk(event, status=Talk.Status.DRAFT)

    assert set(Talk.objects.public()) == {published, cancelled}
    assert list(Talk.objects.published()) == [published]


def test_on_day_uses_the_events_time_zone():
    madrid = make_event(time_zone="Europe/Madrid")
    # 00:30 CEST on 17 May is still 16 May in UTC: it belongs to the 17th at the venue.
    just_after_midnight = make_talk(madrid, starts_at=at(17, 0, 30))
    late_evening = make_talk(madrid, starts_at=at(16, 23, 0))

    assert list(Talk.objects.on_day(dt.date(2022, 5, 17))) == [just_after_midnight]
    assert list(Talk.objects.on_day(dt.date(2022, 5, 16))) == [late_evening]
    assert list(Talk.objects.on_day(dt.date(2022, 5, 17), madrid.tzinfo)) == [just_after_midnight]


def test_on_day_handles_events_in_different_zones():
    madrid = make_event(time_zone="Europe/Madrid")
    detroit = make_event(time_zone="America/Detroit")
    in_madrid = make_talk(madrid, starts_at=at(16, 23, 30))
    # 23:30 in Detroit on 16 May is 05:30 on 17 May in Madrid.
    in_detroit = make_talk(detroit, starts_at=at(16, 23, 30, tz=detroit.tzinfo))

    assert set(Talk.objects.on_day(dt.date(2022, 5, 16))) == {in_madrid, in_detroit}


def test_overlapping_talks_share_a_minute_and_a_talk_that_starts_as_another_ends_does_not():
    event = make_event()
    make_talk(event, slug="talk", starts_at=at(16, 10, 45), ends_at=at(16, 11, 15))
    make_talk(event, slug="parallel", starts_at=at(16, 10, 50), ends_at=at(16, 11, 20))
    make_talk(event, slug="after", starts_at=at(16, 11, 15), ends_at=at(16, 11, 45))

    found = event.talks.overlapping(at(16, 10, 45), at(16, 11, 15)).order_by("slug")

    assert [talk.slug for talk in found] == ["parallel", "talk"]


def test_speakers_at_an_event_are_those_of_its_public_talks_by_name_with_their_count_there():
    event = make_event()
    zoe, ada, drafted = make_speaker(name="Zoe"), make_speaker(name="Ada"), make_speaker(name="Drafted")
    make_talk(event, speakers=[zoe, ada])
    make_talk(event, speakers=[zoe], status=Talk.Status.CANCELLED)
    make_talk(event, speakers=[ada, drafted], status=Talk.Status.DRAFT)
    make_talk(make_event(), speakers=[ada])

    speakers = Speaker.objects.speaking_at(event)

    assert [(speaker.name, speaker.talk_count) for speaker in speakers] == [("Ada", 1), ("Zoe", 2)]


def test_office_hours_are_cut_into_slots():
    office_hours = make_office_hours(starts_at=at(18, 12, 30), ends_at=at(18, 13, 15), slot_minutes=15)

    starts = [slot.starts_at for slot in office_hours.slots()]

    assert starts == [at(18, 12, 30), at(18, 12, 45), at(18, 13, 0)]
    assert office_hours.slots()[-1].ends_at == at(18, 13, 15)


def test_the_last_slot_is_shortened_to_end_with_the_session():
    office_hours = make_office_hours(starts_at=at(18, 12, 30), ends_at=at(18, 13, 0), slot_minutes=20)

    assert [(s.starts_at, s.ends_at) for s in office_hours.slots()] == [
        (at(18, 12, 30), at(18, 12, 50)),
        (at(18, 12, 50), at(18, 13, 0)),
    ]


def test_office_hours_without_slot_length_have_one_slot():
    office_hours = make_office_hours(slot_minutes=None)

    assert [(s.starts_at, s.ends_at) for s in office_hours.slots()] == [
        (office_hours.starts_at, office_hours.ends_at)
    ]


def test_signup_closes_at_the_deadline_or_else_at_the_start():
    with_deadline = make_office_hours(signup_deadline=at(18, 9))
    without = make_office_hours()

    assert without.is_open_for_signup(at(18, 12, 29)) is True
    assert with_deadline.is_open_for_signup(at(18, 8, 59)) is True
    assert with_deadline.is_open_for_signup(at(18, 9)) is False
    assert without.is_open_for_signup(at(18, 12, 30)) is False


def test_events_split_into_upcoming_and_past():
    past = make_event(start_date=dt.date(2022, 5, 16), end_date=dt.date(2022, 5, 20))
    running = make_event(start_date=dt.date(2026, 11, 25), end_date=dt.date(2026, 11, 27))

    now = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)
    assert list(Event.objects.upcoming(now)) == [running]
    assert list(Event.objects.past(now)) == [past]


def test_an_event_is_upcoming_until_its_last_day_ends_in_its_own_zone():
    honolulu = make_event(
        time_zone="Pacific/Honolulu", start_date=dt.date(2026, 11, 24), end_date=dt.date(2026, 11, 26)
    )
    madrid = make_event(
        time_zone="Europe/Madrid", start_date=dt.date(2026, 11, 24), end_date=dt.date(2026, 11, 26)
    )
    # 06:00 UTC on 27 November: 20:00 on the 26th in Honolulu (still on), 07:00 on the 27th in Madrid (over).
    now = dt.datetime(2026, 11, 27, 6, 0, tzinfo=dt.UTC)

    assert list(Event.objects.upcoming(now)) == [honolulu]
    assert list(Event.objects.past(now)) == [madrid]


def test_no_room_may_take_the_name_the_exports_give_talks_without_a_room():
    event = make_event()

    with pytest.raises(ValidationError) as error:
        Room(event=event, name=" room to be announced ").full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        make_room(event, name="ROOM TO BE ANNOUNCED")

    assert error.value.messages == [
        "“Room to be announced” stands for talks without a room in the exports: choose another name."
    ]
    make_room(event, name="Room to be announced later")  # another name is fine


@pytest.mark.parametrize(
    "make_row, message",
    [
        (
            lambda: Talk(event=make_event(), title="T", slug="t", starts_at=at(16, 11), ends_at=at(16, 10)),
            "A talk must end after it starts.",
        ),
        (
            lambda: Event(
                name="E",
                slug="e",
                time_zone="UTC",
                start_date=dt.date(2022, 5, 20),
                end_date=dt.date(2022, 5, 16),
            ),
            "The last day cannot be before the first day.",
        ),
        (
            lambda: BoothShift(booth=make_shift().booth, starts_at=at(17, 12), ends_at=at(17, 10)),
            "A shift must end after it starts.",
        ),
        (
            lambda: OfficeHours(
                event=make_event(), title="O", starts_at=at(18, 13), ends_at=at(18, 12), seats_per_slot=5
            ),
            "Office hours must end after they start.",
        ),
        (
            lambda: OfficeHours(
                event=make_event(),
                title="O",
                starts_at=at(18, 12),
                ends_at=at(18, 13),
                seats_per_slot=5,
                signup_deadline=at(18, 13, 1),
            ),
            "The signup deadline cannot be after the session ends.",
        ),
    ],
)
def test_a_form_hears_each_database_rule_in_the_rules_own_words(make_row, message):
    row = make_row()

    with pytest.raises(ValidationError) as error:
        row.full_clean()

    assert error.value.messages == [message]


def test_database_rejects_a_signup_deadline_after_the_session_and_allows_one_at_its_end():
    make_office_hours(starts_at=at(18, 12), ends_at=at(18, 13), signup_deadline=at(18, 13))

    with pytest.raises(IntegrityError), transaction.atomic():
        make_office_hours(starts_at=at(18, 12), ends_at=at(18, 13), signup_deadline=at(18, 13, 1))


def test_a_talk_gets_a_new_calendar_revision_when_its_time_room_title_or_status_changes():
    talk = make_talk(status=Talk.Status.PUBLISHED)
    assert talk.sequence == 0
    talk.abstract = "Now with a demo."
    talk.save()
    assert talk.sequence == 0, "the abstract is not part of what a calendar entry is revised for"
    talk.starts_at -= dt.timedelta(hours=1)
    talk.save()
    talk.title = "A new title"
    talk.room = make_room(talk.event)
    talk.save()
    talk.refresh_from_db()
    assert talk.sequence == 2


def test_changing_the_status_of_talks_in_bulk_revises_only_those_it_changes():
    published = make_talk(status=Talk.Status.PUBLISHED)
    draft = make_talk(event=published.event, status=Talk.Status.DRAFT)
    assert Talk.objects.filter(pk__in=[published.pk, draft.pk]).set_status(Talk.Status.CANCELLED) == 2
    Talk.objects.filter(pk=published.pk).set_status(Talk.Status.CANCELLED)
    published.refresh_from_db()
    draft.refresh_from_db()
    assert (published.sequence, draft.sequence) == (1, 1)
    assert Talk.objects.filter(pk=published.pk).set_status(Talk.Status.PUBLISHED) == 1
    published.refresh_from_db()
    assert published.sequence == 2


def test_deleting_a_room_revises_the_calendar_entries_of_its_talks():
    talk = make_talk(status=Talk.Status.PUBLISHED)
    room = make_room(talk.event)
    Talk.objects.filter(pk=talk.pk).update(room=room)

    room.delete()

    talk.refresh_from_db()
    assert (talk.room, talk.sequence) == (None, 1)
