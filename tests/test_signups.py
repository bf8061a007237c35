"""Signup rules without HTTP: seats, waiting list, duplicates, deadlines, cancellation, promotion, emails."""

import functools
import time

import icalendar
import pytest
from django.db import transaction
from django.utils import timezone

from events import notices
from events.models import OfficeHours, Signup
from events.signups import (
    SignupError,
    cancel_signup,
    check_organiser_signup,
    check_session_change,
    promote_from_waitlist,
    sign_up,
    slot_seats,
)
from tests.conftest import deliver_outbox
from tests.factories import MADRID, at, make_office_hours, make_signup
from tests.races import race, run_together

pytestmark = pytest.mark.django_db

BEFORE = at(1, 9)  # 1 May 2022, well before the sessions the factories build on 18 May


def signup_data(slot, **overrides):
    data = {
        "slot": slot,
        "name": "Ada Lovelace",
        "email": "ada@example.org",
        "question": "How does Cluster Mesh route?",
    }
    return {**data, **overrides}


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://events.example.org"


def test_sign_up_gives_a_seat_while_the_slot_has_one():
    office_hours = make_office_hours(seats_per_slot=2)

    signup = sign_up(office_hours, **signup_data(at(18, 12, 45)), now=BEFORE)

    assert signup.status == Signup.Status.CONFIRMED
    assert signup.slot_start == at(18, 12, 45)
    assert signup.consented_at == BEFORE


def test_sign_up_waitlists_when_the_slot_is_full():
    office_hours = make_office_hours(seats_per_slot=1)
    slot = office_hours.slots()[0].starts_at
    sign_up(office_hours, **signup_data(slot, email="first@example.org"), now=BEFORE)

    second = sign_up(office_hours, **signup_data(slot, email="second@example.org"), now=BEFORE)

    assert second.status == Signup.Status.WAITLISTED
    assert office_hours.signups.confirmed().count() == 1


def test_a_full_slot_does_not_fill_the_next_one():
    office_hours = make_office_hours(seats_per_slot=1)
    first, second = office_hours.slots()[0].starts_at, office_hours.slots()[1].starts_at
    sign_up(office_hours, **signup_data(first, email="first@example.org"), now=BEFORE)

    other = sign_up(office_hours, **signup_data(second, email="second@example.org"), now=BEFORE)

    assert other.status == Signup.Status.CONFIRMED


def test_the_same_email_cannot_sign_up_twice_for_one_session():
    office_hours = make_office_hours()
    sign_up(office_hours, **signup_data(at(18, 12, 30), email="ada@example.org"), now=BEFORE)

    with pytest.raises(SignupError, match="already signed up for this session"):
        sign_up(office_hours, **signup_data(at(18, 13), email="ADA@Example.org"), now=BEFORE)

    assert office_hours.signups.count() == 1


def test_a_cancelled_signup_does_not_block_signing_up_again():
    office_hours = make_office_hours()
    make_signup(office_hours, email="ada@example.org", status=Signup.Status.CANCELLED)

    again = sign_up(office_hours, **signup_data(at(18, 12, 30), email="ada@example.org"), now=BEFORE)

    assert again.status == Signup.Status.CONFIRMED


@pytest.mark.parametrize(
    ("deadline", "now", "is_open"),
    [
        (None, at(18, 12, 29), True),
        (None, at(18, 12, 30), False),
        (at(17, 18), at(17, 17, 59), True),
        (at(17, 18), at(17, 18), False),
    ],
)
def test_signup_closes_at_the_deadline_or_else_at_the_start(deadline, now, is_open):
    office_hours = make_office_hours(signup_deadline=deadline)

    if is_open:
        assert sign_up(office_hours, **signup_data(at(18, 12, 30)), now=now).status == Signup.Status.CONFIRMED
    else:
        with pytest.raises(SignupError, match="Signup for this session has closed."):
            sign_up(office_hours, **signup_data(at(18, 12, 30)), now=now)
        assert office_hours.signups.count() == 0


@pytest.mark.parametrize("slot", [at(18, 12, 31), at(18, 13, 15), at(19, 12, 30)])
def test_a_time_that_is_not_a_slot_start_is_refused(slot):
    office_hours = make_office_hours()

    with pytest.raises(SignupError, match="Choose one of the slots of this session."):
        sign_up(office_hours, **signup_data(slot), now=BEFORE)

    assert office_hours.signups.count() == 0


def test_a_slot_of_another_session_is_refused():
    office_hours = make_office_hours()
    other = make_office_hours(office_hours.event, starts_at=at(19, 12), ends_at=at(19, 13))

    with pytest.raises(SignupError):
        sign_up(office_hours, **signup_data(other.slots()[0].starts_at), now=BEFORE)

    assert Signup.objects.count() == 0


def test_cancelling_a_seat_gives_it_to_the_first_person_waiting_in_that_slot():
    office_hours = make_office_hours(seats_per_slot=1)
    seated = make_signup(office_hours, slot_start=at(18, 12, 30))
    make_signup(office_hours, slot_start=at(18, 12, 45), status=Signup.Status.WAITLISTED)  # another slot
    first = make_signup(
        office_hours, slot_start=at(18, 12, 30), status=Signup.Status.WAITLISTED, created_at=at(2, 10)
    )
    second = make_signup(
        office_hours, slot_start=at(18, 12, 30), status=Signup.Status.WAITLISTED, created_at=at(2, 11)
    )

    promoted = cancel_signup(seated, now=BEFORE)

    assert promoted == first
    assert [
        s.status for s in Signup.objects.filter(pk__in=[seated.pk, first.pk, second.pk]).order_by("pk")
    ] == [
        Signup.Status.CANCELLED,
        Signup.Status.CONFIRMED,
        Signup.Status.WAITLISTED,
    ]
    assert Signup.objects.get(pk=seated.pk).cancelled_at == BEFORE


def test_leaving_the_waiting_list_promotes_nobody():
    office_hours = make_office_hours(seats_per_slot=1)
    make_signup(office_hours)
    waiting = make_signup(office_hours, status=Signup.Status.WAITLISTED, created_at=at(2, 10))
    behind = make_signup(office_hours, status=Signup.Status.WAITLISTED, created_at=at(2, 11))

    assert cancel_signup(waiting, now=BEFORE) is None
    assert Signup.objects.get(pk=behind.pk).status == Signup.Status.WAITLISTED


def test_cancelling_twice_changes_nothing_the_second_time():
    signup = make_signup(make_office_hours())
    cancel_signup(signup, now=BEFORE)

    assert cancel_signup(signup, now=at(2, 9)) is None
    assert Signup.objects.get(pk=signup.pk).cancelled_at == BEFORE


def test_a_session_that_is_over_cannot_be_cancelled():
    signup = make_signup(make_office_hours())

    with pytest.raises(SignupError, match="This session is over"):
        cancel_signup(signup, now=at(18, 13, 15))

    assert Signup.objects.get(pk=signup.pk).status == Signup.Status.CONFIRMED


def test_a_seat_in_a_slot_that_has_begun_is_not_handed_on():
    office_hours = make_office_hours(seats_per_slot=1)
    seated = make_signup(office_hours, slot_start=at(18, 12, 30))
    waiting = make_signup(office_hours, slot_start=at(18, 12, 30), status=Signup.Status.WAITLISTED)

    assert cancel_signup(seated, now=at(18, 12, 35)) is None
    assert Signup.objects.get(pk=waiting.pk).status == Signup.Status.WAITLISTED


def test_promote_from_waitlist_fills_added_seats_first_come_first_served():
    office_hours = make_office_hours(seats_per_slot=1)
    make_signup(office_hours)
    first = make_signup(office_hours, status=Signup.Status.WAITLISTED, created_at=at(2, 10))
    second = make_signup(office_hours, status=Signup.Status.WAITLISTED, created_at=at(2, 11))
    third = make_signup(office_hours, status=Signup.Status.WAITLISTED, created_at=at(2, 12))
    office_hours.seats_per_slot = 3
    office_hours.save()

    promoted = promote_from_waitlist(office_hours, now=BEFORE)

    assert promoted == [first, second]
    assert list(office_hours.signups.waitlisted()) == [third]
    assert office_hours.signups.confirmed().count() == 3


def test_promote_from_waitlist_does_nothing_without_a_free_seat():
    office_hours = make_office_hours(seats_per_slot=1)
    make_signup(office_hours)
    make_signup(office_hours, status=Signup.Status.WAITLISTED)

    assert promote_from_waitlist(office_hours, now=BEFORE) == []


def test_slot_seats_counts_seats_and_waiting_per_slot():
    office_hours = make_office_hours(seats_per_slot=2)
    make_signup(office_hours, slot_start=at(18, 12, 30))
    make_signup(office_hours, slot_start=at(18, 12, 30))
    make_signup(office_hours, slot_start=at(18, 12, 30), status=Signup.Status.WAITLISTED)
    make_signup(office_hours, slot_start=at(18, 12, 45), status=Signup.Status.CANCELLED)

    seats = slot_seats([office_hours])[office_hours.pk]

    assert [(s.starts_at, s.seats_left, s.waitlisted, s.is_full) for s in seats] == [
        (at(18, 12, 30), 0, 1, True),
        (at(18, 12, 45), 2, 0, False),
        (at(18, 13), 2, 0, False),
    ]


def test_waitlist_position_counts_from_one_in_order_of_signup():
    office_hours = make_office_hours(seats_per_slot=1)
    seated = make_signup(office_hours)
    first = make_signup(office_hours, status=Signup.Status.WAITLISTED, created_at=at(2, 10))
    second = make_signup(office_hours, status=Signup.Status.WAITLISTED, created_at=at(2, 11))

    assert [s.waitlist_position() for s in (seated, first, second)] == [None, 1, 2]


def test_the_confirmation_email_has_the_slot_in_cest_the_join_link_an_ics_and_the_cancel_link():
    office_hours = make_office_hours(join_url="https://meet.example.org/cilium-office-hours")
    signup = make_signup(office_hours, slot_start=at(18, 12, 45), email="ada@example.org")

    with timezone.override("UTC"):  # the email follows the event's zone, not the one active
        notices.send(signup, notices.CONFIRMED)

    (message,) = deliver_outbox()
    cancel_url = (
        f"https://events.example.org/{office_hours.event.slug}/office-hours/signups/{signup.token}/cancel/"
    )
    assert message.to == ["ada@example.org"]
    assert message.subject == "You are signed up: Office hours, Wed 18 May, 12:45 CEST"
    assert "Wednesday 18 May 2022, 12:45–13:00 CEST" in message.body
    assert "https://meet.example.org/cilium-office-hours" in message.body
    assert cancel_url in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "Wednesday 18 May 2022, 12:45–13:00 CEST" in html
    assert f'href="{cancel_url}"' in html
    assert 'href="https://meet.example.org/cilium-office-hours"' in html


def test_the_ics_attachment_holds_the_slot_as_utc_instants_and_names_the_event_zone():
    office_hours = make_office_hours(join_url="https://meet.example.org/cilium-office-hours")
    signup = make_signup(office_hours, slot_start=at(18, 13))

    notices.send(signup, notices.CONFIRMED)

    name, content, mimetype = deliver_outbox()[0].attachments[0]
    assert (name, mimetype) == ("office-hours.ics", "text/calendar; method=REQUEST")
    calendar = icalendar.Calendar.from_ical(content)
    (entry,) = calendar.walk("VEVENT")
    assert entry.decoded("dtstart") == at(18, 13)
    assert entry.decoded("dtend") == at(18, 13, 15)
    assert b"DTSTART:20220518T110000Z" in content.encode()
    assert (calendar.walk("VTIMEZONE"), str(calendar["X-WR-TIMEZONE"])) == ([], "Europe/Madrid")
    assert (
        str(entry["description"]).split("\n")[0] == "Wednesday 18 May 2022, 13:00–13:15 CEST (Europe/Madrid)"
    )
    assert str(entry["summary"]) == f"Office hours ({office_hours.event.name})"
    assert str(entry["location"]) == "https://meet.example.org/cilium-office-hours"


def test_the_waiting_list_email_has_no_join_link_and_no_calendar_entry():
    office_hours = make_office_hours(
        seats_per_slot=1, join_url="https://meet.example.org/cilium-office-hours"
    )
    make_signup(office_hours)
    waiting = make_signup(office_hours, status=Signup.Status.WAITLISTED)

    notices.send(waiting, notices.WAITLISTED)

    (message,) = deliver_outbox()
    assert message.subject == "You are on the waiting list: Office hours, Wed 18 May, 12:30 CEST"
    assert "you are number 1 on its waiting list" in message.body
    assert "meet.example.org" not in message.body
    assert "meet.example.org" not in message.alternatives[0][0]
    assert message.attachments == []


def test_the_promotion_email_says_a_seat_freed_up_and_carries_the_join_link():
    office_hours = make_office_hours(
        seats_per_slot=1, join_url="https://meet.example.org/cilium-office-hours"
    )
    seated = make_signup(office_hours)
    make_signup(office_hours, status=Signup.Status.WAITLISTED)
    cancel_signup(seated, now=BEFORE)

    cancellation, message = deliver_outbox()
    assert cancellation.to == [seated.email]
    assert message.subject == "A seat is free for you: Office hours, Wed 18 May, 12:30 CEST"
    assert "A seat has freed up and it is yours" in message.body
    assert "https://meet.example.org/cilium-office-hours" in message.body
    assert len(message.attachments) == 1


def test_the_calendar_of_an_in_person_session_names_the_place():
    office_hours = make_office_hours(format="in_person", location="Booth S55, Hall 2")
    signup = make_signup(office_hours)

    entry = icalendar.Calendar.from_ical(notices.calendar(signup)).walk("VEVENT")[0]

    assert str(entry["location"]) == "Booth S55, Hall 2"
    assert entry.decoded("dtstart").astimezone(MADRID) == at(18, 12, 30)


def test_a_session_keeps_a_slot_for_each_signup_and_a_seat_for_each_confirmed_one():
    office_hours = make_office_hours(slot_minutes=15, seats_per_slot=2)
    make_signup(office_hours, slot_start=at(18, 12, 45))
    make_signup(office_hours, slot_start=at(18, 12, 45))
    make_signup(office_hours, slot_start=at(18, 13, 0), status=Signup.Status.CANCELLED)

    def change(**values):
        proposed = OfficeHours.objects.get(pk=office_hours.pk)
        for name, value in values.items():
            setattr(proposed, name, value)
        with transaction.atomic():
            check_session_change(proposed)

    with pytest.raises(SignupError) as stranded:
        change(slot_minutes=45)  # one slot left: the second slot's signups would have none
    with pytest.raises(SignupError) as too_few:
        change(seats_per_slot=1)
    change(seats_per_slot=3)  # more seats, same slots: fine; the cancelled 13:00 signup holds nothing

    assert str(stranded.value) == (
        "2 signup(s) are for slots that these times or this slot length would remove. "
        "Cancel them first, or keep as many slots."
    )
    assert (str(too_few.value), too_few.value.field) == (
        "A slot already has 2 confirmed signups: keep at least 2 seats per slot.",
        "seats_per_slot",
    )


def test_an_organiser_signup_must_be_in_a_slot_and_confirmed_only_into_a_free_seat():
    office_hours = make_office_hours(seats_per_slot=1)
    taken = make_signup(office_hours, slot_start=at(18, 12, 45))

    def check(**values):
        proposed = Signup(office_hours=office_hours, **{"status": Signup.Status.CONFIRMED, **values})
        with transaction.atomic():
            check_organiser_signup(proposed)

    with pytest.raises(SignupError) as off_slot:
        check(slot_start=at(18, 12, 52))
    with pytest.raises(SignupError) as full:
        check(slot_start=at(18, 12, 45))
    check(slot_start=at(18, 12, 45), status=Signup.Status.WAITLISTED)
    check(slot_start=at(18, 12, 45), pk=taken.pk)  # the signup that holds the seat keeps it

    assert (str(off_slot.value), off_slot.value.field) == (
        "Choose one of the slots of this session: 12:30, 12:45, 13:00.",
        "slot_start",
    )
    assert str(full.value).startswith("This slot is full (1 of 1 seats taken).")
    assert full.value.field == "status"


@race
def test_thirty_concurrent_signups_for_five_seats_give_five_seats_and_twenty_five_waiting():
    office_hours = make_office_hours(seats_per_slot=5)
    slot = office_hours.slots()[0].starts_at
    statuses = []

    def attempt(n):
        signup = sign_up(office_hours, **signup_data(slot, email=f"racer{n}@example.org"), now=BEFORE)
        statuses.append(signup.status)

    errors = run_together([functools.partial(attempt, n) for n in range(30)])

    assert errors == []
    assert sorted(statuses).count(Signup.Status.CONFIRMED) == 5
    assert sorted(statuses).count(Signup.Status.WAITLISTED) == 25
    assert office_hours.signups.confirmed().filter(slot_start=slot).count() == 5
    assert office_hours.signups.waitlisted().filter(slot_start=slot).count() == 25


@race
def test_organisers_adding_confirmed_signups_while_attendees_sign_up_never_overbook_a_slot(monkeypatch):
    from events import signups

    office_hours = make_office_hours(seats_per_slot=5)
    slot = office_hours.slots()[0].starts_at
    for n in range(3):
        make_signup(office_hours, slot_start=slot, email=f"early{n}@example.org")
    count_seats = signups._seats_taken

    def slowly_counted(*args, **kwargs):
        taken = count_seats(*args, **kwargs)
        time.sleep(0.05)  # a busy server: others act between counting the seats and saving
        return taken

    monkeypatch.setattr(signups, "_seats_taken", slowly_counted)
    refused = []

    def attendee(n):
        sign_up(office_hours, **signup_data(slot, email=f"attendee{n}@example.org"), now=BEFORE)

    def organiser_adds(n):
        # What the admin's signup form does: check in its clean(), save, in the admin's transaction.
        walk_in = Signup(
            office_hours=office_hours, slot_start=slot, name="Walk-in", email=f"walkin{n}@example.org"
        )
        try:
            with transaction.atomic():
                check_organiser_signup(walk_in)
                walk_in.save()
        except SignupError:
            refused.append(n)

    errors = run_together(
        [functools.partial(attendee, n) for n in range(10)]
        + [functools.partial(organiser_adds, n) for n in range(10)]
    )

    assert errors == []
    assert office_hours.signups.confirmed().filter(slot_start=slot).count() == 5
    assert office_hours.signups.filter(email__startswith="attendee").count() == 10  # nobody lost
    assert office_hours.signups.filter(email__startswith="walkin").count() == 10 - len(refused)
