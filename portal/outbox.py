"""Email leaves the portal through the outbox.

`post(message)` stores an EmailMessage as one portal.models.Email row per recipient and queues its delivery as a
task (Django's task framework, database backend), both in the caller's transaction: if the change that causes the
email is rolled back, so is the email; once the change is committed, the email is on its way. The worker
(`manage.py db_worker`, portal.worker, which `make run` and `make serve` start) delivers it after the response,
waiting at most EMAIL_TIMEOUT seconds for the mail server, and tries a failed delivery again after
EMAIL_RETRY_SECONDS, then twice that, and so on up to an hour apart, EMAIL_MAX_ATTEMPTS times in all. An email that
still fails shows as not delivered in the admin, with the mail server's error, and organisers can send it again
from there.

A delivery first claims its email, atomically, for the worker's lease (WORKER_LEASE_SECONDS): a second task for the
same email finds it claimed or sent and leaves it, so a task queued twice sends once. A send that dies (the worker
killed, or cut off from the database) leaves the claim to run out; then the email is stuck, and the worker's
recovery (`recover`, and portal.worker for the task itself) sends it again, with the same Message-ID, so that a
copy that did arrive is recognisable. Workers on several machines share the queue: each task is claimed by one
worker only (SELECT ... SKIP LOCKED).
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


def lease():
    """How long a worker holds what it took: an email it sends, a task it runs (WORKER_LEASE_SECONDS)."""
    return dt.timedelta(seconds=settings.WORKER_LEASE_SECONDS)


def post(message, *, key=None):
    """Store `message` (an EmailMessage, with its HTML alternative and text attachments) for delivery; returns the
    Email rows. Call it inside the transaction that makes the change the message tells about.

    `key` names a message to one recipient that goes out once however often the code that posts it runs (a
    reminder whose task runs again after its worker died): the Message-ID is made of it, and a message whose
    key was posted before is not stored again (returns no rows)."""
    if key is not None:
        if len(message.to) != 1:
            raise ValueError("A message with a key goes to one recipient.")
        message_id = f"<{key}@community-event-portal>"
        if Email.objects.filter(message_id=message_id).exists():
            return []
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
                message_id=Email.new_message_id() if key is None else message_id,
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


@task(takes_context=True)
def deliver(context, email_id):
    """Hand one queued email to the mail server (EMAIL_URL); on failure, schedule the next attempt.

    The email is claimed first, until the end of this run's lease, which starts when the worker took the task:
    when portal.worker takes a task whose lease ran out for lost and runs it again, the email's claim has run
    out with it."""
    now = timezone.now()
    claimed_until = (context.task_result.started_at or now) + lease()
    if not Email.objects.claimable(now).filter(pk=email_id).update(claimed_until=claimed_until):
        return  # sent already, held by another worker, not due yet, or deleted by an organiser
    email = Email.objects.filter(pk=email_id).first()
    if email is None:
        return  # erased or deleted since it was claimed
    try:
        as_message(email).send()
    except Exception as exc:
        _schedule_retry(email, exc)
    except BaseException:
        # Stopped by force in the middle (a second Ctrl-C or SIGTERM): the email goes back to the queue, for the
        # next worker to send at once rather than after the lease.
        release(email)
        raise
    else:
        Email.objects.filter(pk=email.pk).update(
            status=Email.Status.SENT,
            sent_at=timezone.now(),
            attempts=email.attempts + 1,
            next_attempt_at=None,
            claimed_until=None,
        )


def release(email):
    """Give back an email whose send was cut short, queued to be sent again now."""
    with transaction.atomic():
        Email.objects.filter(pk=email.pk, status=Email.Status.QUEUED).update(claimed_until=None)
        deliver.enqueue(email.pk)


def _schedule_retry(email, exc):
    attempts = email.attempts + 1
    error = f"{type(exc).__name__}: {exc}"
    with transaction.atomic():
        if attempts >= settings.EMAIL_MAX_ATTEMPTS:
            logger.error(
                "Gave up on email %s to %s after %d attempts: %s", email.pk, email.to, attempts, error
            )
            Email.objects.filter(pk=email.pk).update(
                status=Email.Status.FAILED,
                attempts=attempts,
                last_error=error,
                next_attempt_at=None,
                claimed_until=None,
            )
            return
        delay = min(
            dt.timedelta(seconds=settings.EMAIL_RETRY_SECONDS * 2 ** (attempts - 1)), LONGEST_RETRY_DELAY
        )
        at = timezone.now() + delay
        logger.warning("Email %s to %s failed (%s); next attempt at %s", email.pk, email.to, error, at)
        Email.objects.filter(pk=email.pk).update(
            attempts=attempts, last_error=error, next_attempt_at=at, claimed_until=None
        )
        deliver.using(run_after=at).enqueue(email.pk)


def send_again(emails):
    """Queue emails that were not delivered for a new round of attempts, and stuck ones (Email.objects.stuck) for
    the attempt that died; returns how many. Emails on their way (waiting for their next attempt, or being sent)
    are left as they are, so that none is sent twice."""
    count = 0
    with transaction.atomic():
        for email in emails.filter(status=Email.Status.FAILED).select_for_update():
            Email.objects.filter(pk=email.pk).update(
                status=Email.Status.QUEUED, attempts=0, next_attempt_at=None, claimed_until=None
            )
            deliver.enqueue(email.pk)
            count += 1
        # A stuck email may already have a task again (the worker's recovery): a second one finds it claimed or
        # sent, and leaves it.
        for email in emails.stuck(timezone.now()).only("pk"):
            deliver.enqueue(email.pk)
            count += 1
    return count


def recover(now):
    """Queue a delivery for each email that is due, held by no worker and without a delivery task (the task
    failed or was lost when its worker was cut off); returns how many. A task that died with its worker is run
    again by portal.worker, and with it the delivery."""
    emails = list(Email.objects.claimable(now).without_delivery_task().only("pk", "to"))
    for email in emails:
        logger.warning("Email %s to %s had no delivery task left; queued again.", email.pk, email.to)
        deliver.enqueue(email.pk)
    return len(emails)
