"""The portal's shared state: per-client counters and the outbox of email, in the database so that every worker
and every app server sees the same."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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
