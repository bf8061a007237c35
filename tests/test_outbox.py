"""The outbox: email is stored with the change that causes it and delivered by the worker, so a mail server that
hangs or is down delays email, never a page, and loses nothing."""

import datetime as dt
import email
import time

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from events.models import Signup
from portal import outbox
from portal.models import Email
from tests.conftest import deliver_outbox
from tests.factories import MADRID, make_office_hours
from tests.mailservers import HangingMailServer, MailServer, free_port

pytestmark = pytest.mark.django_db

START = dt.datetime(2030, 5, 15, 12, 30, tzinfo=MADRID)


@pytest.fixture
def smtp(settings):
    """The portal's mail server is a real SMTP server on a free local port (started by each test)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 1
    settings.EMAIL_RETRY_SECONDS = 1  # the next attempt is due a second after a failure
    return settings


def deliver_after_the_retry_delay():
    time.sleep(1.1)
    return deliver_outbox()


def sign_up(client, office_hours, email_address="ada@example.org"):
    url = reverse(
        "events:office_hours_signup", kwargs={"event": office_hours.event.slug, "pk": office_hours.pk}
    )
    data = {
        "slot": "20300515T1030Z",
        "name": "Ada Lovelace",
        "email": email_address,
        "question": "How does Cluster Mesh route?",
        "consent": "on",
        "website": "",
    }
    return client.post(url, data, follow=True)


def test_a_hanging_mail_server_delays_the_email_but_not_the_signup_or_its_page(client, smtp):
    office_hours = make_office_hours(starts_at=START, ends_at=START + dt.timedelta(minutes=45))

    with HangingMailServer(smtp.EMAIL_PORT) as hanging:
        began = time.monotonic()
        response = sign_up(client, office_hours)
        answered_in = time.monotonic() - began
        deliver_outbox()  # the worker meets the stuck server
        assert hanging.connections  # it really was asked

    signup = Signup.objects.get()
    assert answered_in < 2
    assert response.status_code == 200
    assert response.redirect_chain == [(signup.get_absolute_url(), 302)]
    assert "<h1>You are signed up</h1>" in response.content.decode()
    assert signup.status == Signup.Status.CONFIRMED
    (queued,) = Email.objects.all()
    assert (queued.status, queued.attempts) == (Email.Status.QUEUED, 1)
    assert "timed out" in queued.last_error

    with MailServer(smtp.EMAIL_PORT) as server:  # the mail server answers again
        deliver_after_the_retry_delay()

    (envelope,) = server.messages
    assert envelope.rcpt_tos == ["ada@example.org"]
    delivered = email.message_from_bytes(envelope.content)
    assert delivered["Subject"].startswith("You are signed up: Office hours")
    assert delivered["Message-ID"] == queued.message_id
    calendar = next(part for part in delivered.walk() if part.get_content_type() == "text/calendar")
    assert calendar.get_param("method") == "REQUEST"
    queued.refresh_from_db()
    assert (queued.status, queued.attempts, queued.sent_at is not None) == (Email.Status.SENT, 2, True)


def test_email_that_keeps_failing_shows_in_the_admin_with_its_error_and_can_be_sent_again(
    smtp, organiser_client
):
    smtp.EMAIL_MAX_ATTEMPTS = 2
    with transaction.atomic():
        outbox.post(EmailMessage("Doors open", "At nine.", to=["ada@example.org"]))
    deliver_outbox()  # nobody listens on the port: refused, twice
    deliver_after_the_retry_delay()
    (failed,) = Email.objects.all()
    assert (failed.status, failed.attempts) == (Email.Status.FAILED, 2)

    listing = organiser_client.get(reverse("admin:portal_email_changelist") + "?status__exact=failed")
    content = listing.content.decode()
    assert "Doors open" in content
    assert "Not delivered" in content
    assert "ConnectionRefusedError" in content

    response = organiser_client.post(
        reverse("admin:portal_email_changelist"),
        {"action": "send_again", "_selected_action": [failed.pk]},
        follow=True,
    )
    assert "1 email queued again" in response.content.decode()
    with MailServer(smtp.EMAIL_PORT) as server:
        deliver_outbox()

    assert [envelope.rcpt_tos for envelope in server.messages] == [["ada@example.org"]]
    failed.refresh_from_db()
    assert failed.status == Email.Status.SENT


def test_an_email_is_sent_once_however_often_the_worker_runs():
    outbox.post(EmailMessage("Doors open", "At nine.", to=["ada@example.org", "grace@example.org"]))

    deliver_outbox()
    deliver_outbox()

    assert sorted(message.to[0] for message in mail.outbox) == ["ada@example.org", "grace@example.org"]


def test_an_email_leaves_with_the_change_that_caused_it_or_not_at_all():
    class Refused(Exception):
        pass

    with pytest.raises(Refused), transaction.atomic():
        outbox.post(EmailMessage("Doors open", "At nine.", to=["ada@example.org"]))
        raise Refused

    assert Email.objects.count() == 0
    assert deliver_outbox() == []


# A worker that dies in the middle: killed, cut off from the database, stopped by force


def delivery_task(email):
    (task,) = [task for task in DBTaskResult.objects.all() if task.args_kwargs["args"] == [email.pk]]
    return task


def killed_while_sending(email, *, at):
    """What a worker killed at `at` in the middle of sending `email` leaves: its task running, the email claimed
    until the end of the lease."""
    DBTaskResult.objects.filter(pk=delivery_task(email).pk).update(
        status=TaskResultStatus.RUNNING, started_at=at, worker_ids=["killed"]
    )
    Email.objects.filter(pk=email.pk).update(claimed_until=at + outbox.lease())


def post_one(subject="Doors open", to="ada@example.org"):
    (posted,) = outbox.post(EmailMessage(subject, "At nine.", to=[to]))
    return posted


def test_an_email_whose_worker_died_while_sending_it_is_sent_again_after_the_lease_with_its_message_id(
    settings,
):
    settings.WORKER_LEASE_SECONDS = 60
    posted = post_one()

    killed_while_sending(posted, at=timezone.now() - dt.timedelta(seconds=50))
    assert deliver_outbox() == []  # the lease runs yet: the worker may still be sending it
    killed_while_sending(posted, at=timezone.now() - dt.timedelta(seconds=61))
    (message,) = deliver_outbox()

    assert message.extra_headers["Message-ID"] == posted.message_id
    posted.refresh_from_db()
    assert (posted.status, posted.attempts, posted.claimed_until) == (Email.Status.SENT, 1, None)
    assert delivery_task(posted).worker_ids[0] == "killed"  # the same task, run again
    assert DBTaskResult.objects.running().count() == 0


def test_an_email_whose_delivery_task_failed_is_given_a_new_one_by_the_worker():
    posted = post_one()
    # As when the database went away in the middle of the delivery.
    DBTaskResult.objects.update(status=TaskResultStatus.FAILED)

    (message,) = deliver_outbox()

    assert message.to == ["ada@example.org"]
    posted.refresh_from_db()
    assert posted.status == Email.Status.SENT


def test_a_second_task_for_an_email_that_another_worker_is_sending_leaves_it():
    posted = post_one()
    Email.objects.filter(pk=posted.pk).update(claimed_until=timezone.now() + dt.timedelta(minutes=5))
    outbox.deliver.enqueue(posted.pk)

    assert deliver_outbox() == []
    posted.refresh_from_db()
    assert (posted.status, posted.attempts) == (Email.Status.QUEUED, 0)


def test_a_posted_key_is_stored_once_with_its_message_id():
    (first,) = outbox.post(EmailMessage("Soon", "At nine.", to=["ada@example.org"]), key="soon-1")

    again = outbox.post(EmailMessage("Soon", "At nine.", to=["ada@example.org"]), key="soon-1")

    assert again == []
    assert first.message_id == "<soon-1@community-event-portal>"
    assert [message.subject for message in deliver_outbox()] == ["Soon"]


def test_the_outbox_says_which_emails_are_stuck_and_since_when_and_sends_them_again(
    organiser_client, settings
):
    settings.WORKER_LEASE_SECONDS = 60
    stuck = post_one("Doors open", "ada@example.org")
    waiting = post_one("Room change", "grace@example.org")
    killed_while_sending(stuck, at=dt.datetime(2026, 3, 2, 9, 15, tzinfo=dt.UTC))
    changelist = reverse("admin:portal_email_changelist")

    listing = organiser_client.get(changelist).content.decode()
    only_stuck = organiser_client.get(changelist + "?status__exact=stuck").content.decode()
    page = organiser_client.get(reverse("admin:portal_email_change", args=[stuck.pk])).content.decode()

    assert "1 email is stuck: its send did not finish" in listing
    assert listing.count("Stuck since 02 Mar 09:16 UTC") == 1
    assert listing.count("Waiting to be sent") == 2  # the other email's status, and the filter's choice
    assert "Doors open" in only_stuck
    assert "Room change" not in only_stuck
    assert (
        page.count('<div class="readonly">March 2, 2026, 9:16 a.m.</div>') == 2
    )  # claimed until, stuck since

    response = organiser_client.post(
        changelist, {"action": "send_again", "_selected_action": [stuck.pk, waiting.pk]}, follow=True
    )
    assert "1 email queued again" in response.content.decode()  # the other was on its way
    delivered = deliver_outbox()
    assert sorted((m.to[0], m.extra_headers["Message-ID"]) for m in delivered) == [
        ("ada@example.org", stuck.message_id),
        ("grace@example.org", waiting.message_id),
    ]
    assert "is stuck" not in organiser_client.get(changelist).content.decode()


def test_an_email_being_sent_is_not_sent_again_from_the_outbox(organiser_client):
    sending = post_one()
    killed_while_sending(sending, at=timezone.now() - dt.timedelta(seconds=5))  # or still sending: who knows

    response = organiser_client.post(
        reverse("admin:portal_email_changelist"),
        {"action": "send_again", "_selected_action": [sending.pk]},
        follow=True,
    )

    assert "Only emails that were not delivered or are stuck can be sent again" in response.content.decode()
    assert DBTaskResult.objects.count() == 1
