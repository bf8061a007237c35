"""Office-hours signup over HTTP: the page, the form and its refusals, confirmation, cancellation, admin action."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils.html import strip_tags

from events.models import OfficeHours, Signup
from tests.conftest import deliver_outbox
from tests.factories import MADRID, make_event, make_office_hours, make_signup

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "http://testserver"


JOIN_URL = "https://meet.example.org/cilium-office-hours-secret"
# A session in the future, so signup is open: Wednesday 15 May 2030, 12:30–13:15 CEST.
OPEN_START = dt.datetime(2030, 5, 15, 12, 30, tzinfo=MADRID)


def open_office_hours(event=None, **overrides):
    fields = {
        "starts_at": OPEN_START,
        "ends_at": OPEN_START + dt.timedelta(minutes=45),
        "join_url": JOIN_URL,
        "title": "Cilium virtual office hours",
    }
    return make_office_hours(event, **{**fields, **overrides})


def page_url(office_hours):
    return reverse("events:office_hours", kwargs={"event": office_hours.event.slug})


def signup_url(office_hours):
    return reverse(
        "events:office_hours_signup", kwargs={"event": office_hours.event.slug, "pk": office_hours.pk}
    )


def form_data(**overrides):
    data = {
        "slot": "20300515T1030Z",  # 12:30 CEST
        "name": "Ada Lovelace",
        "email": "ada@example.org",
        "question": "How does Cluster Mesh route between clusters?",
        "consent": "on",
        "website": "",
    }
    return {key: value for key, value in {**data, **overrides}.items() if value is not None}


def slot_labels(content):
    """The markup of each slot's radio label on the office-hours page, after its radio button."""
    labels = re.findall(r'<label for="signup-\d+-slot_\d+"><input [^>]*>(.*?)</label>', content, re.DOTALL)
    return [label.strip() for label in labels]


def label_text(markup):
    """A label as a screen reader reads it: its text without the tags, spaces collapsed."""
    return " ".join(strip_tags(markup).split())


def facts(content):
    """The <dt>/<dd> pairs of a page as text: {"Slot": "Wednesday 15 May 2030, 12:45–13:00 CEST", ...}."""
    pairs = re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", content, re.DOTALL)
    return {label_text(term): label_text(value) for term, value in pairs}


def instants(content):
    """(data-starts, data-ends) of every time that static/js/portal.js adds the visitor's own time to."""
    return re.findall(r'class="when"[^>]* data-starts="([^"]+)"(?: data-ends="([^"]+)")?', content)


# The page


def test_a_past_session_says_signup_is_closed_and_shows_its_slots_without_a_form(client):
    # Wednesday 18 May 2022, 12:30–13:15 CEST: over.
    office_hours = make_office_hours(title="Cilium virtual office hours", join_url=JOIN_URL)

    response = client.get(page_url(office_hours))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Cilium virtual office hours" in content
    assert "Wednesday 18 May 2022, 12:30</time>–<time" in content
    assert "13:15 CEST</time>" in content
    assert "Signup for this session is closed." in content
    assert [slot in content for slot in (">12:30</time>–", ">12:45</time>–", ">13:00</time>–")] == [True] * 3
    # No form but the language switcher's.
    assert [form for form in re.findall(r"<form [^>]*>", content) if "language-switch" not in form] == []
    assert JOIN_URL not in content


def test_an_open_session_lists_its_slots_in_cest_with_seats_left(client):
    office_hours = open_office_hours(seats_per_slot=2)
    make_signup(office_hours, slot_start=OPEN_START, name="Grace Hopper")
    make_signup(office_hours, slot_start=OPEN_START, name="Alan Turing")
    make_signup(office_hours, slot_start=OPEN_START, name="Edsger Dijkstra", status=Signup.Status.WAITLISTED)
    make_signup(office_hours, slot_start=OPEN_START + dt.timedelta(minutes=15), name="Barbara Liskov")

    response = client.get(page_url(office_hours))

    content = response.content.decode()
    assert response.status_code == 200
    assert [label_text(label) for label in slot_labels(content)] == [
        "12:30–12:45 CEST · full: join the waiting list (1 person waiting)",
        "12:45–13:00 CEST · 1 seat left of 2",
        "13:00–13:15 CEST · 2 seats left of 2",
    ]
    assert "If someone cancels, the first person waiting gets the seat" in content
    assert "Signup closes <time" in content
    assert content.count('<form class="signup-form"') == 1


def test_signups_and_the_join_link_never_appear_on_the_page(client):
    office_hours = open_office_hours()
    make_signup(office_hours, name="Grace Hopper", email="grace@example.org", question="Secret question")

    content = client.get(page_url(office_hours)).content.decode()

    assert [
        text in content for text in ("Grace Hopper", "grace@example.org", "Secret question", JOIN_URL)
    ] == [False] * 4


def test_the_session_its_deadline_and_each_slot_label_carry_their_instants_for_the_visitors_time(client):
    office_hours = open_office_hours(signup_deadline=OPEN_START - dt.timedelta(hours=2))

    content = client.get(page_url(office_hours)).content.decode()

    assert instants(content) == [
        ("2030-05-15T12:30:00+02:00", "2030-05-15T13:15:00+02:00"),  # the session
        ("2030-05-15T10:30:00+02:00", ""),  # signup closes
        ("2030-05-15T12:30:00+02:00", "2030-05-15T12:45:00+02:00"),
        ("2030-05-15T12:45:00+02:00", "2030-05-15T13:00:00+02:00"),
        ("2030-05-15T13:00:00+02:00", "2030-05-15T13:15:00+02:00"),
    ]
    # The visitor's time goes inside the label, so that it is read with the slot it belongs to.
    assert slot_labels(content)[0] == (
        '<span class="slot-label" data-local-time-host>'
        '<span class="when" data-starts="2030-05-15T12:30:00+02:00" data-ends="2030-05-15T12:45:00+02:00">'
        '<time datetime="2030-05-15T12:30:00+02:00">12:30</time>–<time datetime="2030-05-15T12:45:00+02:00">12:45</time>'
        " CEST</span> · 5 seats left of 5</span>"
    )
    assert content.count("data-local-time-toggle") == 1


def test_a_closed_sessions_slots_carry_their_instants_for_the_visitors_time(client):
    office_hours = make_office_hours()  # Wednesday 18 May 2022, 12:30–13:15 CEST: over.

    content = client.get(page_url(office_hours)).content.decode()

    assert instants(content) == [
        ("2022-05-18T12:30:00+02:00", "2022-05-18T13:15:00+02:00"),  # the session
        ("2022-05-18T12:30:00+02:00", "2022-05-18T12:45:00+02:00"),
        ("2022-05-18T12:45:00+02:00", "2022-05-18T13:00:00+02:00"),
        ("2022-05-18T13:00:00+02:00", "2022-05-18T13:15:00+02:00"),
    ]
    assert "Times are in the event's time zone, Europe/Madrid." in content
    assert content.count("data-local-time-toggle") == 1


def test_without_sessions_there_is_no_time_zone_switch(client):
    event = make_event()

    content = client.get(reverse("events:office_hours", kwargs={"event": event.slug})).content.decode()

    assert "No office hours planned." in content
    assert "data-local-time-toggle" not in content


# Signing up


def test_signing_up_redirects_to_the_confirmation_and_sends_the_email(client):
    office_hours = open_office_hours()

    response = client.post(signup_url(office_hours), form_data())

    signup = Signup.objects.get()
    assert response.status_code == 302
    assert response["Location"] == signup.get_absolute_url()
    assert (signup.name, signup.email, signup.slot_start, signup.status) == (
        "Ada Lovelace",
        "ada@example.org",
        OPEN_START,
        Signup.Status.CONFIRMED,
    )
    assert signup.consented_at is not None
    assert mail.outbox == []  # the worker sends it, after the response
    (message,) = deliver_outbox()
    assert message.to == ["ada@example.org"]
    assert JOIN_URL in message.body
    assert (
        f"http://testserver/{office_hours.event.slug}/office-hours/signups/{signup.token}/cancel/"
        in message.body
    )
    assert [name for name, _content, _type in message.attachments] == ["office-hours.ics"]


def test_the_confirmation_page_shows_the_slot_in_cest_and_never_the_join_link(client):
    office_hours = open_office_hours()
    response = client.post(signup_url(office_hours), form_data(slot="20300515T1045Z"), follow=True)

    content = response.content.decode()
    assert response.status_code == 200
    assert "<h1>You are signed up</h1>" in content
    assert "Wednesday 15 May 2030, 12:45</time>–<time" in content
    assert "13:00 CEST</time>" in content
    assert "Cancel this signup</a>" in content
    assert 'office-hours.ics" download>Add to my calendar (.ics)</a>' in content
    assert JOIN_URL not in content


def test_the_confirmation_page_carries_the_slots_instants_for_the_visitors_time(client):
    signup = make_signup(open_office_hours(), slot_start=OPEN_START + dt.timedelta(minutes=15))

    content = client.get(signup.get_absolute_url()).content.decode()

    assert facts(content)["Slot"] == "Wednesday 15 May 2030, 12:45–13:00 CEST"
    assert instants(content) == [("2030-05-15T12:45:00+02:00", "2030-05-15T13:00:00+02:00")]
    assert content.count("data-local-time-toggle") == 1


@pytest.mark.parametrize(
    ("status", "join_url", "how_to_join"),
    [
        (
            Signup.Status.CONFIRMED,
            JOIN_URL,
            "Online: the join link is in your confirmation email. Please do not share it.",
        ),
        (
            Signup.Status.CONFIRMED,
            "",
            "Online: the join link comes by email, at the latest with the reminder shortly before the session.",
        ),
        (
            Signup.Status.WAITLISTED,
            JOIN_URL,
            "Online: if a seat frees up for you, the email that says so has the join link.",
        ),
        (Signup.Status.CANCELLED, JOIN_URL, "Online."),
    ],
)
def test_the_confirmation_of_a_virtual_session_says_how_to_join_but_never_shows_the_link(
    client, status, join_url, how_to_join
):
    signup = make_signup(open_office_hours(join_url=join_url), status=status)

    content = client.get(signup.get_absolute_url()).content.decode()

    assert facts(content)["How to join"] == how_to_join
    assert "Where" not in facts(content)
    assert "meet.example.org" not in content


@pytest.mark.parametrize(
    ("location", "venue", "where"),
    [
        ("Room 3A", "Feria Valencia", "Room 3A, Feria Valencia, Valencia, Spain"),
        ("", "", "Room to be announced, Valencia, Spain"),
    ],
)
def test_the_confirmation_of_an_in_person_session_says_where_and_never_shows_a_join_link(
    client, location, venue, where
):
    office_hours = open_office_hours(
        make_event(venue=venue), format=OfficeHours.Format.IN_PERSON, location=location, join_url=JOIN_URL
    )
    signup = make_signup(office_hours)

    content = client.get(signup.get_absolute_url()).content.decode()

    assert facts(content)["Where"] == where
    assert "How to join" not in facts(content)
    assert "meet.example.org" not in content


def test_a_full_slot_puts_the_attendee_on_its_waiting_list(client):
    office_hours = open_office_hours(seats_per_slot=1)
    make_signup(office_hours, slot_start=OPEN_START)

    response = client.post(signup_url(office_hours), form_data(), follow=True)

    content = response.content.decode()
    assert Signup.objects.get(email="ada@example.org").status == Signup.Status.WAITLISTED
    assert "<h1>You are on the waiting list</h1>" in content
    assert "You are number 1 on its waiting list." in content
    assert JOIN_URL not in deliver_outbox()[0].body


def test_the_same_email_twice_gets_a_clear_message_and_no_second_signup(client):
    office_hours = open_office_hours()
    client.post(signup_url(office_hours), form_data())

    response = client.post(
        signup_url(office_hours), form_data(email="ADA@example.org", slot="20300515T1100Z")
    )

    content = response.content.decode()
    assert response.status_code == 409
    assert "This email address is already signed up for this session." in content
    assert "We have emailed the link to that signup to the address again" in content
    signup = Signup.objects.get()
    assert signup.token not in content  # whoever typed the address learns nothing of the signup
    confirmation, link = deliver_outbox()
    assert link.to == ["ada@example.org"]
    assert link.subject.startswith("Your signup: Cilium virtual office hours")
    assert f"http://testserver{signup.get_absolute_url()}" in link.body


LONG = "x" * 5000


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"email": "not-an-email"}, "Enter an email address such as ada@example.org."),
        ({"email": ""}, "Please give an email address."),
        ({"name": ""}, "Please tell us your name."),
        ({"name": "   "}, "Please tell us your name."),
        ({"question": ""}, "Please tell us what you would like to talk about."),
        ({"slot": None}, "Please choose a slot."),
        ({"consent": None}, "Please agree, so that we can keep your signup."),
        ({"name": LONG}, "Ensure this value has at most 200 characters (it has 5000)."),
        ({"question": LONG}, "Ensure this value has at most 2000 characters (it has 5000)."),
        ({"email": LONG + "@example.org"}, "Ensure this value has at most 254 characters (it has 5012)."),
        (
            {"name": "<script>alert(1)</script>"},
            "Please write your name as plain text, without &lt; or &gt;.",
        ),
        (
            {"question": "<a href='https://spam.example'>cheap</a>"},
            "Please write plain text, without HTML tags",
        ),
        ({"slot": "20300515T1031Z"}, "Choose one of the slots of this session."),
        ({"slot": "12:30"}, "Choose one of the slots of this session."),
        ({"slot": "20300515T1115Z"}, "Choose one of the slots of this session."),  # the session's end
        ({"website": "https://spam.example"}, "This field must stay empty."),
    ],
)
def test_bad_input_gets_a_message_and_a_400_and_stores_nothing(client, overrides, message):
    office_hours = open_office_hours()

    response = client.post(signup_url(office_hours), form_data(**overrides))

    content = response.content.decode()
    assert response.status_code == 400
    assert message in content
    assert "Please correct the fields marked below." in content
    assert Signup.objects.count() == 0
    assert deliver_outbox() == []


def test_the_form_keeps_what_was_typed(client):
    office_hours = open_office_hours()

    response = client.post(signup_url(office_hours), form_data(email="ada@", question="Kept question"))

    content = response.content.decode()
    assert 'value="Ada Lovelace"' in content
    assert 'value="ada@"' in content
    assert ">\nKept question</textarea>" in content
    assert 'value="20300515T1030Z" required id="signup-1-slot_0" checked>' in content.replace(
        f"signup-{office_hours.pk}-", "signup-1-"
    )
    assert 'id="signup-1-consent" checked' in content.replace(f"signup-{office_hours.pk}-", "signup-1-")


def test_a_slot_of_another_session_is_refused(client):
    office_hours = open_office_hours()
    other = open_office_hours(
        office_hours.event,
        starts_at=OPEN_START + dt.timedelta(days=1),
        ends_at=OPEN_START + dt.timedelta(days=1, minutes=45),
    )

    response = client.post(signup_url(office_hours), form_data(slot="20300516T1030Z"))

    assert other.slots()[0].starts_at == dt.datetime(2030, 5, 16, 10, 30, tzinfo=dt.UTC)
    assert response.status_code == 400
    assert "Choose one of the slots of this session." in response.content.decode()
    assert Signup.objects.count() == 0


def test_a_closed_session_refuses_signups_with_a_message(client):
    office_hours = make_office_hours()  # Wednesday 18 May 2022, 12:30–13:15 CEST: over

    response = client.post(signup_url(office_hours), form_data(slot="20220518T1030Z"))

    assert response.status_code == 409
    assert "Signup for this session has closed." in response.content.decode()
    assert Signup.objects.count() == 0
    assert deliver_outbox() == []


def test_a_session_of_another_event_is_a_404(client):
    office_hours = open_office_hours()
    other_event = make_event()

    response = client.post(
        reverse("events:office_hours_signup", kwargs={"event": other_event.slug, "pk": office_hours.pk}),
        form_data(),
    )

    assert response.status_code == 404
    assert Signup.objects.count() == 0


def test_nothing_signs_up_on_get(client):
    office_hours = open_office_hours()

    response = client.get(signup_url(office_hours), form_data())

    assert response.status_code == 302
    assert Signup.objects.count() == 0


def test_a_flood_from_one_address_gets_a_429_that_keeps_what_was_typed_and_says_when(client, settings):
    settings.SIGNUP_RATE_LIMIT = 3
    office_hours = open_office_hours()
    for n in range(3):
        assert client.post(signup_url(office_hours), form_data(email=f"p{n}@example.org")).status_code == 302

    response = client.post(
        signup_url(office_hours), form_data(email="fourth@example.org", question="Kept question")
    )

    content = response.content.decode()
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 600
    assert "There were too many signup attempts from here. Please try again in 10 minutes" in content
    assert 'value="fourth@example.org"' in content
    assert ">\nKept question</textarea>" in content
    assert Signup.objects.count() == 3


def test_a_hall_on_one_venue_wifi_is_served(client):
    """250 people behind one public address, each with their own email, all get their signup (the default
    limit); the waiting list takes those the seats cannot."""
    office_hours = open_office_hours(seats_per_slot=100, slot_minutes=15)
    slots = ["20300515T1030Z", "20300515T1045Z", "20300515T1100Z"]

    statuses = [
        client.post(
            signup_url(office_hours), form_data(email=f"attendee{n}@example.org", slot=slots[n % 3])
        ).status_code
        for n in range(250)
    ]

    assert statuses == [302] * 250
    assert Signup.objects.confirmed().count() == 250


def test_one_email_address_hammering_the_form_is_braked(client, settings):
    settings.SIGNUP_EMAIL_RATE_LIMIT = 2
    office_hours = open_office_hours()
    other = open_office_hours(office_hours.event)
    client.post(signup_url(office_hours), form_data())
    client.post(signup_url(office_hours), form_data())  # the link to the signup, emailed again

    response = client.post(signup_url(other), form_data(email="ADA@example.org"))
    someone_else = client.post(signup_url(other), form_data(email="grace@example.org"))

    assert response.status_code == 429
    assert someone_else.status_code == 302
    assert len(deliver_outbox()) == 3  # the confirmation, one link, and Grace's confirmation


def test_the_rate_limit_counts_each_client_on_its_own(client, settings):
    settings.SIGNUP_RATE_LIMIT = 1
    office_hours = open_office_hours()
    client.post(signup_url(office_hours), form_data(email="one@example.org"), REMOTE_ADDR="203.0.113.1")

    response = client.post(
        signup_url(office_hours), form_data(email="two@example.org"), REMOTE_ADDR="203.0.113.2"
    )

    assert response.status_code == 302
    assert Signup.objects.count() == 2


# Confirmation and cancellation pages


def detail_url(signup, token=None):
    return reverse(
        "events:signup_detail",
        kwargs={"event": signup.office_hours.event.slug, "token": token or signup.token},
    )


def cancel_url(signup, token=None):
    return reverse(
        "events:signup_cancel",
        kwargs={"event": signup.office_hours.event.slug, "token": token or signup.token},
    )


@pytest.mark.parametrize("url", [detail_url, cancel_url])
@pytest.mark.parametrize(
    "tamper", [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), lambda t: t[:10], lambda t: "x" * 5000]
)
def test_a_tampered_token_is_a_404_with_a_message(client, url, tamper):
    signup = make_signup(open_office_hours())

    response = client.get(url(signup, token=tamper(signup.token)))

    assert response.status_code == 404
    assert "This signup link is not valid." in response.content.decode()


def test_posting_a_tampered_cancel_token_cancels_nothing(client):
    signup = make_signup(open_office_hours())

    response = client.post(cancel_url(signup, token=signup.token[:-2] + "zz"))

    assert response.status_code == 404
    assert Signup.objects.get(pk=signup.pk).status == Signup.Status.CONFIRMED


def test_a_token_under_another_event_is_a_404(client):
    signup = make_signup(open_office_hours())
    other_event = make_event()

    response = client.get(
        reverse("events:signup_detail", kwargs={"event": other_event.slug, "token": signup.token})
    )

    assert response.status_code == 404


def test_the_cancel_page_asks_first_and_changes_nothing_on_get(client):
    signup = make_signup(open_office_hours())

    response = client.get(cancel_url(signup))

    content = response.content.decode()
    assert "<h1>Cancel your signup?</h1>" in content
    assert "Yes, cancel my signup" in content
    assert JOIN_URL not in content
    assert Signup.objects.get(pk=signup.pk).status == Signup.Status.CONFIRMED


def test_cancelling_frees_the_seat_for_the_first_person_waiting_who_gets_an_email(client):
    office_hours = open_office_hours(seats_per_slot=1)
    seated = make_signup(office_hours, slot_start=OPEN_START, email="seated@example.org")
    waiting = make_signup(
        office_hours, slot_start=OPEN_START, email="waiting@example.org", status=Signup.Status.WAITLISTED
    )

    response = client.post(cancel_url(seated), follow=True)

    assert "<h1>Your signup is cancelled</h1>" in response.content.decode()
    assert Signup.objects.get(pk=seated.pk).status == Signup.Status.CANCELLED
    assert Signup.objects.get(pk=waiting.pk).status == Signup.Status.CONFIRMED
    cancellation, message = deliver_outbox()
    assert cancellation.to == ["seated@example.org"]
    assert cancellation.subject.startswith("Cancelled: Cilium virtual office hours")
    assert message.to == ["waiting@example.org"]
    assert message.subject == "A seat is free for you: Cilium virtual office hours, Wed 15 May, 12:30 CEST"
    assert JOIN_URL in message.body
    assert f"http://testserver{cancel_url(waiting)}" in message.body


def test_cancelling_twice_is_harmless(client):
    signup = make_signup(open_office_hours())
    client.post(cancel_url(signup))

    response = client.post(cancel_url(signup), follow=True)

    assert response.status_code == 200
    assert "<h1>Your signup is cancelled</h1>" in response.content.decode()
    assert [message.subject.split(":")[0] for message in deliver_outbox()] == ["Cancelled"]


def test_a_session_that_is_over_cannot_be_cancelled_and_says_why(client):
    signup = make_signup(make_office_hours())  # Wednesday 18 May 2022, 12:30–13:15 CEST: over

    response = client.post(cancel_url(signup))

    assert response.status_code == 409
    assert "This session is over, so there is nothing left to cancel." in response.content.decode()
    assert Signup.objects.get(pk=signup.pk).status == Signup.Status.CONFIRMED


# Organisers


def test_organisers_promote_from_the_waiting_list_into_added_seats(organiser_client):
    office_hours = open_office_hours(seats_per_slot=1)
    make_signup(office_hours, slot_start=OPEN_START)
    waiting = make_signup(
        office_hours,
        slot_start=OPEN_START,
        name="Grace Hopper",
        email="grace@example.org",
        status=Signup.Status.WAITLISTED,
    )
    OfficeHours.objects.filter(pk=office_hours.pk).update(seats_per_slot=2)

    response = organiser_client.post(
        reverse("admin:events_officehours_changelist"),
        {"action": "promote_from_waitlist", "_selected_action": [office_hours.pk]},
        follow=True,
    )

    assert "1 person moved from the waiting list to a seat and is emailed: Grace Hopper." in (
        response.content.decode()
    )
    assert Signup.objects.get(pk=waiting.pk).status == Signup.Status.CONFIRMED
    assert [message.to for message in deliver_outbox()] == [["grace@example.org"]]


def test_promoting_without_a_free_seat_says_so(organiser_client):
    office_hours = open_office_hours(seats_per_slot=1)
    make_signup(office_hours, slot_start=OPEN_START)
    waiting = make_signup(office_hours, slot_start=OPEN_START, status=Signup.Status.WAITLISTED)

    response = organiser_client.post(
        reverse("admin:events_officehours_changelist"),
        {"action": "promote_from_waitlist", "_selected_action": [office_hours.pk]},
        follow=True,
    )

    assert (
        "No free seat in a slot that has not started, or nobody waiting for one." in response.content.decode()
    )
    assert Signup.objects.get(pk=waiting.pk).status == Signup.Status.WAITLISTED
    assert deliver_outbox() == []


@pytest.mark.parametrize(
    "question",
    [
        "kubectl logs <pod-name> -n <namespace>",
        "Is a<b in eBPF maps?",
        "Q&A about map<int, string> & friends",
    ],
)
def test_questions_with_angle_brackets_that_are_not_html_are_accepted(client, question):
    office_hours = open_office_hours()

    response = client.post(signup_url(office_hours), form_data(question=question))

    assert response.status_code == 302
    assert Signup.objects.get().question == question


def test_the_waiting_list_email_offers_to_leave_the_list_not_to_free_a_seat(client):
    office_hours = open_office_hours(seats_per_slot=1)
    make_signup(office_hours, slot_start=OPEN_START)

    client.post(signup_url(office_hours), form_data())

    body = deliver_outbox()[-1].body
    assert "Changed your mind? Leave the waiting list here:" in body
    assert "so that someone else gets the seat" not in body


def test_opening_the_signup_address_itself_leads_back_to_the_form(client):
    office_hours = open_office_hours()

    response = client.get(signup_url(office_hours))

    assert response.status_code == 302
    assert response["Location"] == f"{page_url(office_hours)}#office-hours-{office_hours.pk}"


def test_a_refused_signup_lands_the_browser_at_the_form(client):
    office_hours = open_office_hours()

    response = client.get(page_url(office_hours))

    anchor = f"office-hours-{office_hours.pk}-signup"
    assert f'action="{signup_url(office_hours)}#{anchor}"' in response.content.decode()
    assert f'id="{anchor}"' in response.content.decode()


def test_a_question_over_several_lines_is_kept_with_its_line_breaks(client):
    office_hours = open_office_hours()

    response = client.post(signup_url(office_hours), form_data(question="Line one\r\nLine two\rLine three"))

    assert response.status_code == 302
    assert Signup.objects.get().question == "Line one\nLine two\nLine three"
