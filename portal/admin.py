"""The outbox of email in the organisers' admin (the site itself is portal.sites.PortalAdminSite)."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from events import times

from . import outbox
from .adminlists import cut
from .models import Email


@admin.register(Email)
class EmailAdmin(admin.ModelAdmin):
    """The outbox: what was sent, what waits for its next attempt and what could not be delivered, with the mail
    server's answer. Read-only; an email that was not delivered can be sent again."""

    # Few, short columns, so that the list fits beside the admin's sidebar; the times are on each email's page.
    list_display = ["short_subject", "to", "state", "error", "queued"]
    list_filter = ["status"]
    search_fields = ["to", "subject"]
    date_hierarchy = "created_at"
    actions = ["send_again"]
    fields = [
        "to",
        "subject",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "sent_at",
        "message_id",
        "body",
        "attachment_names",
    ]
    readonly_fields = fields

    class Media:
        css = {"all": ["css/admin-outbox.css"]}

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    # Translators: the heading of a column of the outbox: an email's subject.
    @admin.display(description=_("subject"), ordering="subject")
    def short_subject(self, obj):
        return cut(obj.subject, 45)

    # Translators: the heading of a column of the outbox: whether an email was sent.
    @admin.display(description=_("status"), ordering="status")
    def state(self, obj):
        if not obj.attempts:
            return obj.get_status_display()
        attempts = ngettext("%(count)d attempt", "%(count)d attempts", obj.attempts) % {"count": obj.attempts}
        # Translators: an email's status (Sent, Not delivered...), then how many attempts were made
        # (3 attempts).
        return _("%(status)s (%(attempts)s)") % {"status": obj.get_status_display(), "attempts": attempts}

    @admin.display(
        # Translators: the heading of a column of the outbox: the day and time an email was put in it.
        description=pgettext_lazy("when an email was put in the outbox", "queued"),
        ordering="created_at",
    )
    def queued(self, obj):
        local = timezone.localtime(obj.created_at)
        return f"{times.local_date(local, 'd M H:i')} {local.tzname()}"

    # Translators: the heading of a column of the outbox: the mail server's last error.
    @admin.display(description=_("error"))
    def error(self, obj):
        return cut(obj.last_error, 60)

    # Translators: the label of the names of the files attached to an email.
    @admin.display(description=_("attachments"))
    def attachment_names(self, obj):
        return ", ".join(name for name, _content, _mimetype in obj.attachments) or "—"

    @admin.action(description=_("Send the selected emails again"), permissions=["view"])
    def send_again(self, request, queryset):
        count = outbox.send_again(queryset)
        if count:
            self.message_user(
                request,
                ngettext(
                    "%(count)d email queued again; the worker sends it within seconds.",
                    "%(count)d emails queued again; the worker sends them within seconds.",
                    count,
                )
                % {"count": count},
            )
        else:
            self.message_user(
                request,
                _(
                    "Only emails that were not delivered can be sent again; the others are sent or on their way."
                ),
                messages.WARNING,
            )
