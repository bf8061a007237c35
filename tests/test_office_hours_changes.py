"""When seats open or a session moves: the waiting list first, in order, everyone told, calendars updated, and
reminders before the slot. Calendars are read back with vobject as well as icalendar."""

import datetime as dt
import functools
from collections import Counter

import icalendar
import pytest
import vobject
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from events import notices
from events.models import OfficeHours, Signup
from events.signups import SignupError, cancel_signup, save_session, sign_up
from portal import outbox
from tests.adminforms import edit_token
from tests.conftest import deliver_outbox
from tests.factories import MADRID, make_office_hours, make_signup
from tests.races import race, run_together

pytestmark = pytest.mark.django_db

START = dt.datetime(2030, 5, 15, 12, 30, tzinfo=MADRID)  # Wednesday 15 May 2030, 12:30 CEST
JOIN_URL = "https://meet.example.org/office-hours-secret"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://events.example.org"


def open_session(**overrides):
    fields = {"starts_at": START, "ends_at": START + dt.timedelta(minutes=45), "join_url": JOIN_URL}
    return make_office_hours(**{**fields, **overrides})


def full_slot_with_one_waiting(seats=3):
    session = open_session(seats_per_slot=seats)
    for n in range(seats):
        make_signup(session, slot_start=START, email=f"seated{n}@example.org")
    waiting = make_signup(
        session, slot_start=START, email="waiting@example.org", status=Signup.Status.WAITLISTED
    )
    return session, waiting


def attend(session, email, *, name="Ada", now):
    """Sign up `email` for the session's first slot through signups.sign_up(), as the form does at `now`."""
    return sign_up(
        session, slot=START, name=name, email=email, question="How does Cluster Mesh route?", now=now
    )


def change_form(client, session, **changes):
    """What the admin's change form of a session posts, opened by `client`, with `changes` typed over the current
    values."""
    local = {name: session.event.localtime(getattr(session, name)) for name in ("starts_at", "ends_at")}
    data = {
        "event": session.event.pk,
        "title": session.title,
        "description": session.description,
        "starts_at_0": f"{local['starts_at']:%Y-%m-%d}",
        "starts_at_1": f"{local['starts_at']:%H:%M}",
        "ends_at_0": f"{local['ends_at']:%Y-%m-%d}",
        "ends_at_1": f"{local['ends_at']:%H:%M}",
        "format": session.format,
        "location": session.location,
        "join_url": session.join_url,
        "slot_minutes": session.slot_minutes or "",
        "seats_per_slot": session.seats_per_slot,
        "signups-TOTAL_FORMS": "0",
        "signups-INITIAL_FORMS": "0",
        "signups-MIN_NUM_FORMS": "0",
        "signups-MAX_NUM_FORMS": "0",
        "_edit_token": edit_token(client, reverse("admin:events_officehours_change", args=[session.pk])),
    }
    return {**data, **changes}


def calendar_of(message):
    """The message's calendar part, read by icalendar and by vobject."""
    name, content, mimetype = message.attachments[0]
    assert name == "office-hours.ics"
    return mimetype, icalendar.Calendar.from_ical(content), vobject.readOne(content)


# Seats that open go to the people waiting


def test_raising_the_seats_in_the_admin_promotes_the_first_person_waiting_before_a_newcomer(organiser_client):
    session, waiting = full_slot_with_one_waiting(seats=3)

    response = organiser_client.post(
        reverse("admin:events_officehours_change", args=[session.pk]),
        change_form(organiser_client, session, seats_per_slot=4),
        follow=True,
    )
    newcomer = attend(session, "new@example.org", name="Newcomer", now=START - dt.timedelta(days=1))

    assert "1 person moved from the waiting list to a seat and is emailed: " in response.content.decode()
    assert Signup.objects.get(pk=waiting.pk).status == Signup.Status.CONFIRMED
    assert newcomer.status == Signup.Status.WAITLISTED
    promoted, waitlisted = deliver_outbox()
    assert (promoted.to, promoted.subject.split(":")[0]) == (
        ["waiting@example.org"],
        "A seat is free for you",
    )
    assert JOIN_URL in promoted.body
    assert (waitlisted.to, waitlisted.subject.split(":")[0]) == (
        ["new@example.org"],
        "You are on the waiting list",
    )


def test_a_seat_added_behind_the_admin_s_back_still_goes_to_the_person_waiting():
    session, waiting = full_slot_with_one_waiting(seats=3)
    OfficeHours.objects.filter(pk=session.pk).update(seats_per_slot=4)

    newcomer = attend(session, "new@example.org", name="Newcomer", now=START - dt.timedelta(days=1))

    assert Signup.objects.get(pk=waiting.pk).status == Signup.Status.CONFIRMED
    assert newcomer.status == Signup.Status.WAITLISTED


def test_an_organiser_who_deletes_a_seated_signup_hands_the_seat_to_the_person_waiting(organiser_client):
    session, waiting = full_slot_with_one_waiting(seats=1)
    seated = session.signups.confirmed().get()

    organiser_client.post(reverse("admin:events_signup_delete", args=[seated.pk]), {"post": "yes"})

    assert Signup.objects.get(pk=waiting.pk).status == Signup.Status.CONFIRMED
    assert [message.to for message in deliver_outbox()] == [["waiting@example.org"]]


def test_lowering_the_seats_below_the_confirmed_count_is_still_refused(organiser_client):
    session, _waiting = full_slot_with_one_waiting(seats=3)

    response = organiser_client.post(
        reverse("admin:events_officehours_change", args=[session.pk]),
        change_form(organiser_client, session, seats_per_slot=2),
    )

    assert response.status_code == 200
    assert (
        "A slot already has 3 confirmed signups: keep at least 3 seats per slot." in response.content.decode()
    )
    assert OfficeHours.objects.get(pk=session.pk).seats_per_slot == 3


# A session that moves


def test_moving_a_session_moves_its_signups_and_sends_each_an_updated_calendar_entry(organiser_client):
    session = open_session(seats_per_slot=1)
    seated = make_signup(session, slot_start=START + dt.timedelta(minutes=15), email="ada@example.org")
    make_signup(
        session,
        slot_start=START + dt.timedelta(minutes=15),
        email="grace@example.org",
        status=Signup.Status.WAITLISTED,
    )
    notices.send(seated, notices.CONFIRMED)
    (first,) = deliver_outbox()
    _mimetype, original, _ = calendar_of(first)

    response = organiser_client.post(
        reverse("admin:events_officehours_change", args=[session.pk]),
        change_form(organiser_client, session, starts_at_1="14:00", ends_at_1="14:45"),
        follow=True,
    )

    assert (
        "2 signups moved with their slots; the attendees are emailed the new times."
        in response.content.decode()
    )
    seated.refresh_from_db()
    assert (seated.slot_start, seated.sequence) == (dt.datetime(2030, 5, 15, 14, 15, tzinfo=MADRID), 1)
    _first, moved, moved_waiting = deliver_outbox()
    assert moved.subject == "New time: Office hours, Wed 15 May, 14:15 CEST"
    assert "Wednesday 15 May 2030, 14:15–14:30 CEST" in moved.body
    mimetype, update, read_by_vobject = calendar_of(moved)
    assert mimetype == "text/calendar; method=REQUEST"
    (before,), (after,) = original.walk("VEVENT"), update.walk("VEVENT")
    assert after["uid"] == before["uid"]
    assert (before["sequence"], after["sequence"]) == (0, 1)
    assert after.decoded("dtstart") == dt.datetime(2030, 5, 15, 14, 15, tzinfo=MADRID)
    assert read_by_vobject.method.value == "REQUEST"
    assert read_by_vobject.vevent.sequence.value == "1"
    assert read_by_vobject.vevent.dtstart.value == dt.datetime(2030, 5, 15, 14, 15, tzinfo=MADRID)
    assert moved_waiting.to == ["grace@example.org"]
    assert moved_waiting.attachments == []  # no seat, no calendar entry
    assert "You are number 1 on the waiting list." in moved_waiting.body


def test_making_a_session_longer_keeps_everyone_where_they_are():
    session = open_session()
    signup = make_signup(session, slot_start=START + dt.timedelta(minutes=15))
    session.ends_at += dt.timedelta(minutes=30)

    moved, promoted = save_session(session, now=START - dt.timedelta(days=1))

    assert (moved, promoted) == ([], [])
    assert Signup.objects.get(pk=signup.pk).slot_start == START + dt.timedelta(minutes=15)
    assert deliver_outbox() == []


# Cancelling


def test_cancelling_a_seat_sends_the_calendar_s_cancellation_of_the_same_entry():
    session = open_session()
    signup = make_signup(session, email="ada@example.org")
    notices.send(signup, notices.CONFIRMED)

    cancel_signup(signup, now=START - dt.timedelta(days=1))

    confirmation, cancellation = deliver_outbox()
    _, invitation, _ = calendar_of(confirmation)
    mimetype, withdrawal, read_by_vobject = calendar_of(cancellation)
    assert cancellation.subject == "Cancelled: Office hours, Wed 15 May, 12:30 CEST"
    assert mimetype == "text/calendar; method=CANCEL"
    assert withdrawal["method"] == "CANCEL"
    (offered,), (withdrawn,) = invitation.walk("VEVENT"), withdrawal.walk("VEVENT")
    assert withdrawn["uid"] == offered["uid"]
    assert (offered["sequence"], withdrawn["sequence"]) == (0, 1)
    assert withdrawn["status"] == "CANCELLED"
    assert str(withdrawn["attendee"]) == "mailto:ada@example.org"
    assert read_by_vobject.method.value == "CANCEL"
    assert read_by_vobject.vevent.status.value == "CANCELLED"
    assert JOIN_URL not in cancellation.body


def test_leaving_the_waiting_list_is_confirmed_without_a_calendar_part():
    session, waiting = full_slot_with_one_waiting(seats=1)

    cancel_signup(waiting, now=START - dt.timedelta(days=1))

    (message,) = deliver_outbox()
    assert message.to == ["waiting@example.org"]
    assert message.attachments == []


# Reminders


def reminders():
    return sorted(
        (result.run_after, result.args_kwargs["args"])
        for result in DBTaskResult.objects.filter(task_path="events.notices.remind")
    )


def test_a_seat_gets_reminders_a_day_and_an_hour_before_and_only_the_last_has_the_join_link():
    session = open_session()
    signup = attend(session, "ada@example.org", now=START - dt.timedelta(days=3))

    assert reminders() == [
        (START - dt.timedelta(days=1), [signup.pk, 0, 1440]),
        (START - dt.timedelta(hours=1), [signup.pk, 0, 60]),
    ]
    for _at, args in reminders():
        notices.remind.call(*args)
    _confirmation, day_before, hour_before = deliver_outbox()
    assert day_before.subject == "Starting in 24 hours: Office hours, Wed 15 May, 12:30 CEST"
    assert JOIN_URL not in day_before.body
    assert hour_before.subject == "Starting in 1 hour: Office hours, Wed 15 May, 12:30 CEST"
    assert JOIN_URL in hour_before.body


def test_the_reminder_times_are_a_setting_and_a_late_signup_gets_only_those_still_ahead(settings):
    settings.OFFICE_HOURS_REMINDERS = [180, 30]
    session = open_session()

    attend(session, "ada@example.org", now=START - dt.timedelta(hours=2))

    assert [run_after for run_after, _args in reminders()] == [START - dt.timedelta(minutes=30)]


def test_a_reminder_for_a_slot_that_moved_or_was_cancelled_stays_silent():
    session = open_session()
    moved = attend(session, "ada@example.org", now=START - dt.timedelta(days=3))
    cancelled = attend(session, "grace@example.org", name="Grace", now=START - dt.timedelta(days=3))
    deliver_outbox()
    stale = reminders()
    session.starts_at += dt.timedelta(hours=2)
    session.ends_at += dt.timedelta(hours=2)
    save_session(session, now=START - dt.timedelta(days=3))
    cancel_signup(cancelled, now=START - dt.timedelta(days=3))
    sent_before = len(deliver_outbox())

    for _at, args in stale:
        notices.remind.call(*args)

    assert len(deliver_outbox()) == sent_before
    assert Signup.objects.get(pk=moved.pk).sequence == 1


def test_a_reminder_whose_worker_died_is_sent_when_it_runs_again_and_only_once():
    session = open_session()
    attend(session, "ada@example.org", now=START - dt.timedelta(days=3))
    deliver_outbox()  # the confirmation
    day_before, hour_before = DBTaskResult.objects.filter(task_path="events.notices.remind").order_by(
        "run_after"
    )
    # The day-before reminder was in the outbox when its worker died; the hour-before one was not yet.
    notices.remind.call(*day_before.args_kwargs["args"])
    now = timezone.now()
    DBTaskResult.objects.filter(pk__in=[day_before.pk, hour_before.pk]).update(
        status=TaskResultStatus.RUNNING,
        run_after=now - dt.timedelta(hours=1),
        started_at=now - outbox.lease() - dt.timedelta(seconds=1),
    )

    _confirmation, *reminders = deliver_outbox()

    assert sorted(message.subject for message in reminders) == [
        "Starting in 1 hour: Office hours, Wed 15 May, 12:30 CEST",
        "Starting in 24 hours: Office hours, Wed 15 May, 12:30 CEST",
    ]
    assert DBTaskResult.objects.running().count() == 0


# The signup's own page


def test_the_signup_page_offers_its_calendar_file_and_a_waiting_signup_has_none(client):
    session, waiting = full_slot_with_one_waiting(seats=1)
    seated = session.signups.confirmed().get()

    response = client.get(reverse("events:signup_calendar", args=[session.event.slug, seated.token]))
    refused = client.get(reverse("events:signup_calendar", args=[session.event.slug, waiting.token]))

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = vobject.readOne(response.content.decode())
    assert calendar.method.value == "PUBLISH"
    assert calendar.vevent.dtstart.value == START
    assert JOIN_URL not in response.content.decode()  # the join link stays in email
    assert refused.status_code == 404
    assert "Only a signup with a seat has a calendar entry." in refused.content.decode()


# Races


@race
def test_concurrent_cancellations_and_seat_changes_never_overbook_and_promote_each_person_once():
    session = open_session(seats_per_slot=4)
    seated = [make_signup(session, slot_start=START, email=f"seated{n}@example.org") for n in range(4)]
    for n in range(8):
        make_signup(
            session, slot_start=START, email=f"waiting{n}@example.org", status=Signup.Status.WAITLISTED
        )
    now = START - dt.timedelta(days=1)

    def raise_seats(seats):
        changed = OfficeHours.objects.get(pk=session.pk)
        changed.seats_per_slot = seats
        try:
            save_session(changed, now=now)
        except SignupError:
            pass  # fewer seats than are taken by then: the organiser is stopped, as they should be

    errors = run_together(
        [functools.partial(cancel_signup, signup, now=now) for signup in seated]
        + [functools.partial(raise_seats, seats) for seats in (5, 6, 6)]
    )

    assert errors == []
    final_seats = OfficeHours.objects.get(pk=session.pk).seats_per_slot
    confirmed = session.signups.confirmed().filter(slot_start=START)
    assert confirmed.count() == min(final_seats, 8)
    promotions = Counter(
        message.to[0] for message in deliver_outbox() if message.subject.startswith("A seat is free for you")
    )
    assert set(promotions.values()) == {1}
    assert sorted(promotions) == sorted(confirmed.values_list("email", flat=True))
    assert list(confirmed.values_list("email", flat=True).order_by("email")) == sorted(
        f"waiting{n}@example.org" for n in range(min(final_seats, 8))
    )


def test_someone_put_on_a_waiting_list_is_shown_the_slots_that_still_have_seats(client):
    session = open_session(seats_per_slot=1)  # 12:30, 12:45 and 13:00 CEST, one seat each
    make_signup(session, slot_start=START)
    make_signup(session, slot_start=START + dt.timedelta(minutes=30))

    waiting = attend(session, "ada@example.org", now=START - dt.timedelta(days=1))
    page = client.get(waiting.get_absolute_url()).content.decode()

    assert waiting.status == Signup.Status.WAITLISTED
    assert "Other slots of this session still have seats:" in page
    assert "12:45</time>–<time" in page
    assert "13:00 CEST</time></span> · 1 seat left" in page
    assert "13:15 CEST" not in page  # the full 13:00 slot is not offered
    (message,) = deliver_outbox()
    assert "Other slots of this session still have seats:\n- 12:45–13:00 CEST, 1 seat left\n" in message.body
