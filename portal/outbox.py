"""Email leaves the portal through the outbox.

`post(message)` stores an EmailMessage as one portal.models.Email row per recipient and queues its delivery as a
task (Django's task framework, database backend), both in the caller's transaction: if the change that causes the
email is rolled back, so is the email; once the change is committed, the email is on its way. The worker
(`manage.py db_worker`, which `make run` and `make serve` start) delivers it after the response, waiting at most
EMAIL_TIMEOUT seconds for the mail server, and tries a failed delivery again after EMAIL_RETRY_SECONDS, then twice
that, and so on up to an hour apart, EMAIL_MAX_ATTEMPTS times in all. An email that still fails shows as not
delivered in the admin, with the mail server's error, and organisers can send it again from there.

Workers on several machines share the queue: each task is claimed by one worker only (SELECT ... SKIP LOCKED).
"""

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from .models import Email

logger = logging.getLogger(__name__)

LONGEST_RETRY_DELAY = dt.timedelta(hours=1)


def post(message):
    """Store `message` (an EmailMessage, with its HTML alternative and text attachments) for delivery; returns the
    Email rows. Call it inside the transaction that makes the change the message tells about."""
    html = next(
        (content for content, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"), ""
    )
    attachments = [
        [name, content.decode() if isinstance(content, bytes) else content, mimetype]
        for name, content, mimetype in message.attachments
    ]
    emails = []
    with transaction.atomic():
        for recipient in message.to:
            email = Email.objects.create(
                to=recipient,
                subject=message.subject,
                body=message.body,
                html=html,
                attachments=attachments,
                message_id=Email.new_message_id(),
            )
            deliver.enqueue(email.pk)
            emails.append(email)
    return emails


def as_message(email):
    """The EmailMessage that delivering `email` sends; the same Message-ID on every attempt."""
    message = EmailMultiAlternatives(
        email.subject, email.body, to=[email.to], headers={"Message-ID": email.message_id}
    )
    if email.html:
        message.attach_alternative(email.html, "text/html")
    for name, content, mimetype in email.attachments:
        message.attach(name, content, mimetype)
    return message


@task()
def deliver(email_id):
    """Hand one queued email to the mail server (EMAIL_URL); on failure, schedule the next attempt."""
    email = Email.objects.filter(pk=email_id, status=Email.Status.QUEUED).first()
    if email is None:
        return  # sent already, or deleted by an organiser
    try:
        as_message(email).send()
    except Exception as exc:
        _schedule_retry(email, exc)
    else:
        Email.objects.filter(pk=email.pk).update(
            status=Email.Status.SENT,
            sent_at=timezone.now(),
            attempts=email.attempts + 1,
            next_attempt_at=None,
        )


def _schedule_retry(email, exc):
    attempts = email.attempts + 1
    error = f"{type(exc).__name__}: {exc}"
    with transaction.atomic():
        if attempts >= settings.EMAIL_MAX_ATTEMPTS:
            logger.error(
                "Gave up on email %s to %s after %d attempts: %s", email.pk, email.to, attempts, error
            )
            Email.objects.filter(pk=email.pk).update(
                status=Email.Status.FAILED, attempts=attempts, last_error=error, next_attempt_at=None
            )
            return
        delay = min(
            dt.timedelta(seconds=settings.EMAIL_RETRY_SECONDS * 2 ** (attempts - 1)), LONGEST_RETRY_DELAY
        )
        at = timezone.now() + delay
        logger.warning("Email %s to %s failed (%s); next attempt at %s", email.pk, email.to, error, at)
        Email.objects.filter(pk=email.pk).update(attempts=attempts, last_error=error, next_attempt_at=at)
        deliver.using(run_after=at).enqueue(email.pk)


def send_again(emails):
    """Queue emails that were not delivered for a new round of attempts; returns how many. Emails still waiting
    for their next attempt are left as they are, so that none is sent twice."""
    count = 0
    with transaction.atomic():
        for email in emails.filter(status=Email.Status.FAILED).select_for_update():
            Email.objects.filter(pk=email.pk).update(
                status=Email.Status.QUEUED, attempts=0, next_attempt_at=None
            )
            deliver.enqueue(email.pk)
            count += 1
    return count
