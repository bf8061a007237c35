"""Attendees' details are not kept for ever: erased after the retention period by the worker and by
`manage.py erase_personal_data`, on request from the signup's own page, and with a signup deleted in the admin;
the counts stay right and nothing more is sent."""

import datetime as dt
import io
import json
import sqlite3

import lxml.html
import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from events import notices, privacy, signups
from events.models import Signup
from portal import ratelimit
from portal.models import Counter, Email
from tests.adminforms import edit_token
from tests.conftest import deliver_outbox, sign_in_with_second_factor
from tests.factories import MADRID, at, make_event, make_office_hours, make_signup

pytestmark = pytest.mark.django_db

BEFORE = at(2, 9)  # signup is open: the 2022 sessions of the factories start on 18 May
# Three people with details found nowhere else, one of them written beyond ASCII.
ATTENDEES = [
    ("Zephyrine Quillfeather", "zephyrine.quill@example.org", "Quasar lattice routing, question 7731"),
    ("Bartholomew Nightingale", "b.nightingale@example.net", "Xylophone map sizes, question 4412"),
    ("Zoë Ürquhart-Ñandú", "zoe.urquhart@example.com", "Überspezifische Hubble-Frage 9020"),
]
SECRETS = [text for attendee in ATTENDEES for text in attendee]


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://events.example.org"


def attend(session, attendee, *, slot=None, now=BEFORE):
    name, email, question = attendee
    return signups.sign_up(
        session, slot=slot or session.starts_at, name=name, email=email, question=question, now=now
    )


def found_in(text):
    """The attendees' details that `text` holds, as written or escaped as JSON writes them."""
    return [secret for secret in SECRETS if secret in text or json.dumps(secret)[1:-1] in text]


def admin_change(client, signup, **changes):
    """Save the signup's change form in the admin, as an organiser does, with `changes` typed over it."""
    local = signup.office_hours.event.localtime(signup.slot_start)
    data = {
        "office_hours": signup.office_hours.pk,
        "slot_start_0": f"{local:%Y-%m-%d}",
        "slot_start_1": f"{local:%H:%M}",
        "name": signup.name,
        "email": signup.email,
        "question": signup.question,
        "status": signup.status,
        **changes,
    }
    url = reverse("admin:events_signup_change", args=[signup.pk])
    response = client.post(url, {**data, "_edit_token": edit_token(client, url)})
    assert response.status_code == 302, response.content.decode()


def past_event_with_a_history(admin):
    """An event of May 2022 whose three attendees were emailed (signed up, waitlisted, promoted, an organiser's
    message), changed in the admin, braked by the per-address counter, one of whose emails was deleted from the
    outbox in the admin: everything that names them."""
    event = make_event(slug="valencia-2022")
    session = make_office_hours(event, seats_per_slot=1, join_url="https://meet.example.org/room")
    first, _second = attend(session, ATTENDEES[0]), attend(session, ATTENDEES[1])
    third = attend(session, ATTENDEES[2], slot=session.slots()[1].starts_at)
    notices.send_organiser_message(Signup.objects.all(), subject="We start late", message="Ten minutes late.")
    signups.cancel_signup(first, now=BEFORE)  # the second gets the seat
    admin_change(admin, third, question=ATTENDEES[2][2] + " (and Tetragon)")
    for _name, email, _question in ATTENDEES:
        ratelimit.count(privacy.email_counter_key(email), 600)
    deliver_outbox()
    one = Email.objects.filter(to=ATTENDEES[1][1]).first()
    admin.post(reverse("admin:portal_email_delete", args=[one.pk]), {"post": "yes"})
    assert set(Email.objects.values_list("status", flat=True)) == {Email.Status.SENT}
    assert len(mail.outbox) == 8  # 3 signed up or waiting, 3 organiser messages, a cancellation, a seat
    assert LogEntry.objects.count() == 2
    return session


def superuser_client():
    client = Client()
    user = User.objects.create_superuser("root", "root@example.org", "a-long-password-for-root")
    sign_in_with_second_factor(client, user)
    return client


# After the retention period: nothing left anywhere


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("erase_with", ["worker", "command"])
def test_after_the_retention_period_no_attendees_details_are_left_in_the_database(
    settings, tmp_path, erase_with
):
    session = past_event_with_a_history(superuser_client())
    assert found_in(dump_everything(tmp_path)) == SECRETS  # what the test looks for is there to find
    seats_before = signups.slot_seats([session])

    settings.PERSONAL_DATA_RETENTION_DAYS = 90
    if erase_with == "worker":
        signups.schedule_erasure(Signup.objects.first())  # due since 18 August 2022
        deliver_outbox()
    else:
        call_command("erase_personal_data", stdout=io.StringIO())

    assert found_in(dump_everything(tmp_path)) == []
    assert not Counter.objects.filter(key__startswith="office-hours-signup-email:").exists()
    assert Email.objects.count() == 0
    assert signups.slot_seats([session]) == seats_before
    assert list(Signup.objects.order_by("pk").values_list("status", "name", "email", "question")) == [
        (Signup.Status.CANCELLED, "", "", ""),
        (Signup.Status.CONFIRMED, "", "", ""),
        (Signup.Status.CONFIRMED, "", "", ""),
    ]


def dump_everything(tmp_path):
    """Every table as `manage.py dumpdata` writes it and, on SQLite, as `sqlite3` dumps the database and as its
    file holds it, free pages included."""
    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    text = out.getvalue()
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        text += "\n".join(connection.connection.iterdump())
        copy = sqlite3.connect(tmp_path / "copy.sqlite3")
        connection.connection.backup(copy)
        copy.close()
        text += (tmp_path / "copy.sqlite3").read_bytes().decode("utf-8", errors="replace")
    return text


@pytest.mark.skipif(connection.vendor != "sqlite", reason="a setting of SQLite's connections")
def test_sqlite_overwrites_what_is_erased_or_deleted_in_its_file():
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA secure_delete")
        assert cursor.fetchone() == (1,)


def test_the_erasure_is_queued_with_the_signup_for_when_its_details_are_due(settings):
    settings.PERSONAL_DATA_RETENTION_DAYS = 30
    session = make_office_hours(make_event(end_date=dt.date(2022, 5, 20)))

    signup = attend(session, ATTENDEES[0])

    queued = DBTaskResult.objects.get(task_path="events.signups.erase_when_due")
    assert (queued.run_after, queued.args_kwargs["args"]) == (
        dt.datetime(2022, 6, 20, tzinfo=MADRID),
        [signup.pk],
    )


def test_the_worker_erases_what_is_due_and_leaves_the_rest(settings):
    settings.PERSONAL_DATA_RETENTION_DAYS = 90
    past = attend(make_office_hours(make_event()), ATTENDEES[0])
    coming = dt.datetime(2031, 3, 3, 12, tzinfo=MADRID)
    later = make_office_hours(
        make_event(start_date=coming.date(), end_date=coming.date()),
        starts_at=coming,
        ends_at=coming + dt.timedelta(hours=1),
    )
    kept = attend(later, ATTENDEES[1], now=timezone.now())

    deliver_outbox()

    past.refresh_from_db()
    kept.refresh_from_db()
    assert (past.name, past.erased_at is not None) == ("", True)
    assert (kept.name, kept.erased_at) == (ATTENDEES[1][0], None)
    assert list(Email.objects.values_list("to", flat=True)) == [ATTENDEES[1][1]]


def test_a_signup_not_due_yet_is_queued_again_for_its_new_time(settings):
    settings.PERSONAL_DATA_RETENTION_DAYS = 10
    signup = attend(make_office_hours(make_event()), ATTENDEES[0])
    settings.PERSONAL_DATA_RETENTION_DAYS = 100 * 365  # grown since the erasure was queued

    signups.erase_when_due.call(signup.pk)

    signup.refresh_from_db()
    assert signup.erased_at is None
    event_ends = dt.datetime(2022, 5, 21, tzinfo=MADRID)
    assert sorted(
        DBTaskResult.objects.filter(task_path="events.signups.erase_when_due").values_list(
            "run_after", flat=True
        )
    ) == [event_ends + dt.timedelta(days=10), event_ends + dt.timedelta(days=100 * 365)]


# The command


def run_command(*args):
    out = io.StringIO()
    call_command("erase_personal_data", *args, stdout=out)
    return out.getvalue()


def two_past_events(settings):
    settings.PERSONAL_DATA_RETENTION_DAYS = 90
    first = make_office_hours(make_event(slug="first-2022"))
    second = make_office_hours(make_event(slug="second-2022"))
    for session, attendee in [(first, ATTENDEES[0]), (first, ATTENDEES[1]), (second, ATTENDEES[2])]:
        attend(session, attendee)  # a confirmation or a waiting-list email each
    return first, second


def test_the_dry_run_counts_what_the_command_erases_and_erases_nothing(settings):
    two_past_events(settings)
    ratelimit.count("office-hours-signup-rate:203.0.113.7", 600)
    Counter.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    dry = run_command("--dry-run")

    assert dry == (
        "first-2022: 2 signups, 2 emails, 0 admin log entries, 0 counters would be erased.\n"
        "second-2022: 1 signup, 1 email, 0 admin log entries, 0 counters would be erased.\n"
        "Ended brakes on signups and sign-ins (client addresses): 1 counter would be erased.\n"
        "In all: 3 signups, 3 emails, 0 admin log entries, 1 counter would be erased.\n"
    )
    assert Signup.objects.unerased().count() == 3
    assert (Email.objects.count(), Counter.objects.count()) == (3, 1)

    assert run_command() == dry.replace("would be erased", "erased")
    assert Signup.objects.unerased().count() == 0
    assert (Email.objects.count(), Counter.objects.count()) == (0, 0)
    assert run_command() == "Nothing to erase.\n"


def test_the_command_erases_only_what_is_due(settings):
    two_past_events(settings)
    settings.PERSONAL_DATA_RETENTION_DAYS = 100 * 365

    assert run_command() == "Nothing to erase.\n"
    assert Signup.objects.unerased().count() == 3


def test_the_command_erases_one_event_at_once_whatever_the_retention(settings):
    first, second = two_past_events(settings)
    settings.PERSONAL_DATA_RETENTION_DAYS = 100 * 365

    assert run_command("--event", "second-2022", "--dry-run") == (
        "second-2022: 1 signup, 1 email, 0 admin log entries, 0 counters would be erased.\n"
        "In all: 1 signup, 1 email, 0 admin log entries, 0 counters would be erased.\n"
    )
    assert run_command("--event", "second-2022") == (
        "second-2022: 1 signup, 1 email, 0 admin log entries, 0 counters erased.\n"
        "In all: 1 signup, 1 email, 0 admin log entries, 0 counters erased.\n"
    )
    assert list(Signup.objects.unerased().values_list("office_hours", flat=True)) == [first.pk, first.pk]
    assert run_command("--event", "second-2022") == "second-2022: nothing to erase.\n"


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("nowhere", "There is no event “nowhere”."),
        (
            "coming",
            "coming has not ended yet (it ends 2031-03-04 00:00 CET): its attendees' signups are still in use.",
        ),
    ],
)
def test_the_command_refuses_an_unknown_event_and_one_that_has_not_ended(slug, message):
    coming = make_event(slug="coming", start_date=dt.date(2031, 3, 3), end_date=dt.date(2031, 3, 3))
    starts = dt.datetime(2031, 3, 3, 12, tzinfo=MADRID)
    signup = make_signup(make_office_hours(coming, starts_at=starts, ends_at=starts + dt.timedelta(hours=1)))

    with pytest.raises(CommandError) as refused:
        run_command("--event", slug)

    assert str(refused.value).startswith(message)
    signup.refresh_from_db()
    assert signup.erased_at is None


# Erasing keeps the counts and the seats working, and sends nothing more


def test_an_erased_signup_whose_slot_is_ahead_gives_its_seat_to_the_first_person_waiting():
    session, now = open_session(seats_per_slot=1), timezone.now()
    seated, waiting = attend(session, ATTENDEES[0], now=now), attend(session, ATTENDEES[1], now=now)
    reminders = [
        result.args_kwargs["args"]
        for result in DBTaskResult.objects.filter(task_path="events.notices.remind")
    ]
    deliver_outbox()
    mail.outbox.clear()

    erased = signups.erase_signup(seated)

    assert str(erased) == "1 signup, 1 email, 0 admin log entries, 0 counters"
    waiting.refresh_from_db()
    assert (seated.status, waiting.status) == (Signup.Status.CANCELLED, Signup.Status.CONFIRMED)
    for args in reminders:  # the erased seat's reminders, as the worker runs them before the slot
        notices.remind.call(*args)
    assert [message.to for message in deliver_outbox()] == [[ATTENDEES[1][1]]]  # the seat, to the one waiting
    assert notices.send(seated, notices.REMINDER, before=60) == []


def test_erased_signups_still_count_and_several_may_share_a_session(organiser_client):
    session = make_office_hours(seats_per_slot=2)
    for n in range(3):
        status = Signup.Status.WAITLISTED if n == 2 else Signup.Status.CONFIRMED
        make_signup(session, email=f"person{n}@example.org", status=status)
    seats = signups.slot_seats([session])

    signups.erase_signups(Signup.objects.all(), now=at(18, 13))  # after the session

    assert signups.slot_seats([session]) == seats
    assert Signup.objects.unerased().count() == 0
    response = organiser_client.get(reverse("admin:events_officehours_changelist"))
    (row,) = response.context["cl"].result_list
    assert (row._confirmed, row._waitlisted) == (2, 1)
    with pytest.raises(IntegrityError):  # the rule still holds for the details that are kept
        make_signup(session, email="person9@example.org")
        make_signup(session, email="PERSON9@example.org")


def test_erasing_twice_changes_nothing():
    signup = make_signup()
    signups.erase_signup(signup, now=at(18, 14))

    assert not signups.erase_signup(signup, now=at(18, 15))
    assert Signup.objects.get().erased_at == at(18, 14)


# The attendee erases their own signup


def open_session(**overrides):
    starts = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(days=3)
    return make_office_hours(
        make_event(start_date=starts.date(), end_date=starts.date() + dt.timedelta(days=1)),
        starts_at=starts,
        ends_at=starts + dt.timedelta(minutes=45),
        slot_minutes=None,
        **overrides,
    )


@pytest.mark.parametrize(
    ("days", "said"),
    [
        (90, "They are erased 90 days after the event, or sooner if you ask on your signup’s page."),
        (1, "They are erased 1 day after the event, or sooner if you ask on your signup’s page."),
        (0, "They are erased when the event is over, or sooner if you ask on your signup’s page."),
    ],
)
def test_the_signup_form_says_beside_the_consent_when_the_details_are_erased(client, settings, days, said):
    settings.PERSONAL_DATA_RETENTION_DAYS = days
    session = open_session()

    response = client.get(reverse("events:office_hours", kwargs={"event": session.event.slug}))

    page = lxml.html.fromstring(response.content.decode())
    (checkbox,) = page.xpath("//input[@name='consent']")
    (help_text,) = page.xpath(f"//*[@id='{checkbox.get('aria-describedby')}']")
    assert help_text.text_content() == said


def sign_up_over_http(client, session, attendee):
    name, email, question = attendee
    start = session.starts_at.astimezone(dt.UTC)
    data = {"slot": f"{start:%Y%m%dT%H%MZ}", "name": name, "email": email, "question": question}
    url = reverse("events:office_hours_signup", kwargs={"event": session.event.slug, "pk": session.pk})
    response = client.post(url, {**data, "consent": "on", "website": ""})
    assert response.status_code == 302
    return Signup.objects.get(email=email), response["Location"]


def test_an_attendee_erases_their_details_from_their_signups_page_after_confirming(client):
    session = open_session(seats_per_slot=1)
    signup, page = sign_up_over_http(client, session, ATTENDEES[0])
    _waiting, _page = sign_up_over_http(client, session, ATTENDEES[1])
    deliver_outbox()
    erase_url = reverse("events:signup_erase", kwargs={"event": session.event.slug, "token": signup.token})

    assert erase_url in client.get(page).content.decode()
    asked = client.get(erase_url)
    assert asked.status_code == 200
    assert "Yes, erase my details" in asked.content.decode()
    assert Signup.objects.get(pk=signup.pk).name == ATTENDEES[0][0]  # asking changes nothing

    done = client.post(erase_url)

    assert done["Location"] == page
    signup.refresh_from_db()
    assert (signup.name, signup.email, signup.question, signup.status) == (
        "",
        "",
        "",
        Signup.Status.CANCELLED,
    )
    assert list(Email.objects.values_list("to", flat=True)) == [ATTENDEES[1][1]] * 2  # waiting, then the seat
    (seats,) = signups.slot_seats([session])[session.pk]
    assert (seats.confirmed, seats.waitlisted) == (1, 0)
    shown = client.get(page).content.decode()
    assert "The details of this signup are erased" in shown
    assert found_in(shown) == []
    # The brake on the address stays until its window ends, so that signing up and erasing cannot flood an
    # inbox; it holds no address.
    assert ratelimit.current(privacy.email_counter_key(ATTENDEES[0][1])) == 1
    assert found_in(" ".join(Counter.objects.values_list("key", flat=True))) == []


def test_the_erase_page_of_an_erased_signup_says_so_and_asks_nothing(client):
    signup = make_signup(open_session())
    signups.erase_signup(signup)
    erase_url = reverse(
        "events:signup_erase", kwargs={"event": signup.office_hours.event.slug, "token": signup.token}
    )

    response = client.get(erase_url)

    assert response.status_code == 200
    assert "already erased" in response.content.decode()
    assert "Yes, erase my details" not in response.content.decode()
    assert client.post(erase_url).status_code == 302


# Deleting a signup in the admin


@pytest.mark.parametrize("how", ["delete page", "delete action"])
def test_deleting_a_signup_in_the_admin_erases_its_emails_log_entries_and_brake(
    client, organiser_client, how
):
    session = open_session()
    signup, _page = sign_up_over_http(client, session, ATTENDEES[0])
    other, _page = sign_up_over_http(client, session, ATTENDEES[1])
    deliver_outbox()
    admin_change(organiser_client, signup, question="A better question")

    if how == "delete page":
        response = organiser_client.post(
            reverse("admin:events_signup_delete", args=[signup.pk]), {"post": "yes"}
        )
    else:
        response = organiser_client.post(
            reverse("admin:events_signup_changelist"),
            {"action": "delete_selected", "_selected_action": [signup.pk], "post": "yes"},
        )

    assert response.status_code == 302
    assert list(Signup.objects.all()) == [other]
    assert list(Email.objects.values_list("to", flat=True)) == [ATTENDEES[1][1]]
    log = [(entry.action_flag, entry.object_repr) for entry in LogEntry.objects.order_by("pk")]
    label = f"Signup {signup.pk} (details erased)"
    assert log == [(2, label), (3, label)]  # changed, deleted
    assert ratelimit.current(privacy.email_counter_key(ATTENDEES[0][1])) == 0
    assert ratelimit.current(privacy.email_counter_key(ATTENDEES[1][1])) == 1


def test_deleting_a_session_takes_its_signups_emails_with_them(organiser_client):
    session = make_office_hours()
    attend(session, ATTENDEES[0])

    organiser_client.post(reverse("admin:events_officehours_delete", args=[session.pk]), {"post": "yes"})

    assert (Signup.objects.count(), Email.objects.count()) == (0, 0)


def test_organisers_erase_an_attendees_details_on_request_and_keep_the_signup(organiser_client):
    signup = make_signup(name=ATTENDEES[0][0], email=ATTENDEES[0][1])

    response = organiser_client.post(
        reverse("admin:events_signup_changelist"),
        {"action": "erase_details", "_selected_action": [signup.pk]},
        follow=True,
    )

    assert "Erased: 1 signup, 0 emails, 0 admin log entries, 0 counters." in response.content.decode()
    signup.refresh_from_db()
    assert (signup.name, signup.email) == ("", "")
    page = organiser_client.get(reverse("admin:events_signup_change", args=[signup.pk])).content.decode()
    assert 'name="name"' not in page  # nothing left to edit


def test_emails_sent_before_signups_linked_theirs_go_with_the_signups_they_name():
    from importlib import import_module

    from django.apps import apps

    link_sent_emails = import_module("events.migrations.0018_signup_erasure").link_sent_emails
    first, second = make_signup(email="ada@example.org"), make_signup(email="ada@example.org")
    about_first = Email.objects.create(
        to="ada@example.org", subject="s", body=f"/signups/{first.token}/", message_id="1"
    )
    about_none = Email.objects.create(to="Ada@example.org", subject="s", body="Cancelled.", message_id="2")
    Email.objects.create(to="bob@example.org", subject="s", body="Someone else.", message_id="3")

    link_sent_emails(apps, None)

    assert list(first.emails.order_by("pk")) == [about_first, about_none]
    assert list(second.emails.all()) == [about_none]
