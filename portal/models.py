"""The portal's shared state: per-client counters and the outbox of email, in the database so that every worker
and every app server sees the same."""

import uuid

from django.db import models
from django.db.models import Case, Exists, OuterRef, Q, When
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult


class Counter(models.Model):
    """How many attempts one client made in a window (see portal.ratelimit): the admin's failed sign-ins,
    office-hours signups. A row whose window has ended counts from one again on the next attempt."""

    # Translators: what a counter counts, e.g. the failed sign-ins of one address.
    key = models.CharField(_("key"), max_length=200, primary_key=True)
    # Translators: how many attempts a counter holds.
    count = models.PositiveIntegerField(_("count"))
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("counter")
        verbose_name_plural = _("counters")

    def __str__(self):
        return f"{self.key}: {self.count} until {self.expires_at:%Y-%m-%d %H:%M:%S}"


# The outbox's delivery task (portal.outbox.deliver), as django-tasks-db stores it; its one argument is the email.
DELIVERY_TASK = "portal.outbox.deliver"


def _claimable(now):
    return (
        Q(status=Email.Status.QUEUED)
        & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        & (Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
    )


def _has_delivery_task():
    return Exists(
        DBTaskResult.objects.filter(
            task_path=DELIVERY_TASK, status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
        )
        .annotate(email_id=Cast(KT("args_kwargs__args__0"), models.BigIntegerField()))
        .filter(email_id=OuterRef("pk"))
    )


def _stuck(now):
    return _claimable(now) & (Q(claimed_until__isnull=False) | ~_has_delivery_task())


class EmailQuerySet(models.QuerySet):
    def claimable(self, now):
        """Emails a worker may take to send now: waiting, due (no later attempt is scheduled) and held by no
        worker: never claimed, or the lease of the worker that claimed it ran out (it was killed or cut off)."""
        return self.filter(_claimable(now))

    def without_delivery_task(self):
        """Emails that no delivery task waits to send or is sending: the one they had failed (say, the
        database went away in the middle) or was deleted."""
        return self.filter(~_has_delivery_task())

    def with_stuck_since(self, now):
        """Each email with `stuck_since`, the moment its send died, or None. A claimable email is stuck when
        the lease of the worker that was sending it ran out (since then), or when no delivery task is left to
        send it (since it was due)."""
        return self.annotate(
            stuck_since=Case(
                When(_stuck(now), then=Coalesce("claimed_until", "next_attempt_at", "created_at"))
            )
        )

    def stuck(self, now):
        """Emails whose send died (see with_stuck_since); the worker sends them again by itself."""
        return self.filter(_stuck(now))


class Email(models.Model):
    """One email the portal sends, stored with the change that causes it and delivered by the worker
    (portal.outbox): a mail server that is slow or down delays it, never a page."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Not delivered")

    to = models.EmailField(pgettext_lazy("the address an email is sent to", "to"), max_length=254)
    subject = models.CharField(_("subject"), max_length=300)
    # Translators: the text of an email.
    body = models.TextField(_("body"))
    # Translators: the HTML version of an email's text.
    html = models.TextField(_("html"), blank=True)
    # [[file name, text, MIME type]]: calendar parts are text, so the whole message lives in the database.
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    # Translators: the label of an email's Message-ID header.
    message_id = models.CharField(_("message id"), max_length=200, unique=True, editable=False)
    # Translators: whether an email was sent.
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.QUEUED)
    # Translators: how many times the portal tried to hand an email to the mail server.
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # Translators: the mail server's answer to the last attempt to send an email.
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # The lease of the worker sending it: past this, the send is taken for dead and the email sent again.
    # Translators: until when the worker sending an email holds it; past that, another worker sends it.
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)

    objects = EmailQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("email")
        verbose_name_plural = _("outbox")
        indexes = [models.Index(fields=["status", "created_at"], name="email_status_idx")]

    def __str__(self):
        return f"{self.subject} → {self.to}"

    @staticmethod
    def new_message_id():
        return f"<{uuid.uuid4()}@community-event-portal>"
