"""The portal's shared state: per-client counters and the outbox of email, in the database so that every worker
and every app server sees the same."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class Counter(models.Model):
    """How many attempts one client made in a window (see portal.ratelimit): the admin's failed sign-ins,
    office-hours signups. A row whose window has ended counts from one again on the next attempt."""

    key = models.CharField(max_length=200, primary_key=True)
    count = models.PositiveIntegerField()
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.key}: {self.count} until {self.expires_at:%Y-%m-%d %H:%M:%S}"


class Email(models.Model):
    """One email the portal sends, stored with the change that causes it and delivered by the worker
    (portal.outbox): a mail server that is slow or down delays it, never a page."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Not delivered")

    to = models.EmailField(max_length=254)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    html = models.TextField(blank=True)
    # [[file name, text, MIME type]]: calendar parts are text, so the whole message lives in the database.
    attachments = models.JSONField(default=list, blank=True)
    message_id = models.CharField(max_length=200, unique=True, editable=False)
    status = models.CharField(max_length=20, choices=Status, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

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
