"""The outbox of email in the organisers' admin (the site itself is portal.sites.PortalAdminSite)."""

from django.contrib import admin, messages
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from events import times

from . import outbox
from .adminlists import cut
from .models import Email


def _local_time(value):
    local = timezone.localtime(value)
    return f"{times.local_date(local, 'd M H:i')} {local.tzname()}"


class StatusFilter(admin.SimpleListFilter):
    """The emails' status, and the stuck ones among those waiting (Email.objects.stuck)."""

    # Translators: the heading of the outbox's filter by whether an email was sent.
    title = _("status")
    parameter_name = "status__exact"  # the address of Django's own filter by status, which this one replaces

    def lookups(self, request, model_admin):
        # Translators: in the outbox's filter: the emails whose send did not finish.
        stuck = ("stuck", pgettext_lazy("emails whose send did not finish", "Stuck"))
        return [Email.Status.choices[0], stuck, *Email.Status.choices[1:]]

    def queryset(self, request, queryset):
        if self.value() == "stuck":
            return queryset.stuck(timezone.now())
        if self.value() in Email.Status.values:
            return queryset.filter(status=self.value())
        return queryset


@admin.register(Email)
class EmailAdmin(admin.ModelAdmin):
    """The outbox: what was sent, what waits for its next attempt, what is stuck (its send did not finish) and what
    could not be delivered, with the mail server's answer. Read-only; an email that was not delivered or is stuck
    can be sent again."""

    # Few, short columns, so that the list fits beside the admin's sidebar; the times are on each email's page.
    list_display = ["short_subject", "to", "state", "error", "queued"]
    list_filter = [StatusFilter]
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
        "claimed_until",
        "stuck_since",
        "sent_at",
        "message_id",
        "body",
        "attachment_names",
    ]
    readonly_fields = fields

    class Media:
        css = {"all": ["css/admin-outbox.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).with_stuck_since(timezone.now())

    def changelist_view(self, request, extra_context=None):
        stuck = Email.objects.stuck(timezone.now()).count()
        if stuck and request.method == "GET":
            self.message_user(
                request,
                ngettext(
                    "%(count)d email is stuck: its send did not finish (the worker stopped or lost its "
                    "connection). The worker sends it again by itself; “Send the selected emails again” queues "
                    "it now.",
                    "%(count)d emails are stuck: their send did not finish (the worker stopped or lost its "
                    "connection). The worker sends them again by itself; “Send the selected emails again” "
                    "queues them now.",
                    stuck,
                )
                % {"count": stuck},
                messages.WARNING,
            )
        return super().changelist_view(request, extra_context)

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
        status = obj.get_status_display()
        if obj.stuck_since is not None:
            # Translators: an email's status when its send did not finish; when is a day and time (08 Dec 14:05 UTC).
            status = _("Stuck since %(when)s") % {"when": _local_time(obj.stuck_since)}
        if not obj.attempts:
            return status
        attempts = ngettext("%(count)d attempt", "%(count)d attempts", obj.attempts) % {"count": obj.attempts}
        # Translators: an email's status (Sent, Not delivered...), then how many attempts were made
        # (3 attempts).
        return _("%(status)s (%(attempts)s)") % {"status": status, "attempts": attempts}

    # Translators: the label of the moment an email's send died (the worker stopped or lost its connection).
    @admin.display(description=_("stuck since"))
    def stuck_since(self, obj):
        # As the page shows the email's other times (a method's value would show as Python writes it).
        return formats.localize(timezone.localtime(obj.stuck_since)) if obj.stuck_since else None

    @admin.display(
        # Translators: the heading of a column of the outbox: the day and time an email was put in it.
        description=pgettext_lazy("when an email was put in the outbox", "queued"),
        ordering="created_at",
    )
    def queued(self, obj):
        return _local_time(obj.created_at)

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
                    "Only emails that were not delivered or are stuck can be sent again; the others are sent or "
                    "on their way."
                ),
                messages.WARNING,
            )
