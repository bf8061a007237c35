"""Forms of the portal: what an attendee, or an organiser outside a model's own form, may type, checked on the server."""

import datetime as dt
import re
from urllib.parse import unquote_to_bytes

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import addresses
from .models import Event, validate_event_address

# Plain text only: a question that carries HTML (tags of real elements, comments, character references)
# is refused rather than silently altered. Other angle brackets, as in "kubectl logs <pod-name>" or "a<b", are fine:
# every page escapes them anyway.
HTML_ELEMENTS = (
    "a|abbr|b|base|blockquote|body|br|button|code|details|div|em|embed|form|frame|frameset|h[1-6]|head|hr|html|i|"
    "iframe|img|input|link|li|marquee|math|meta|object|ol|p|pre|script|select|small|span|strong|style|svg|table|"
    "td|textarea|th|title|tr|u|ul|video|audio|source|template"
)
MARKUP = re.compile(
    rf"<\s*/?\s*(?:{HTML_ELEMENTS})(?:\s[^<>]*)?/?>|<!--|&#x?[0-9a-fA-F]+;|&(?:lt|gt|amp|quot|apos|nbsp);",
    re.IGNORECASE,
)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Characters that turn the direction of the text around them (embeddings, overrides, isolates, marks): in a
# name or question they make what organisers read differ from what was typed, e.g. "invoice\u202efdp.exe".
BIDI_CONTROL = re.compile(r"[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def slot_value(starts_at):
    """The value a slot has in the form: its start in UTC, e.g. 20220518T1030Z."""
    return starts_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%MZ")


def _seats_text(seats):
    """What a slot offers: seats left, or its waiting list."""
    if seats.is_full and not seats.waitlisted:
        return _("full: join the waiting list")
    if seats.is_full:
        ahead = ngettext("%d person waiting", "%d people waiting", seats.waitlisted) % seats.waitlisted
        return _("full: join the waiting list (%(ahead)s)") % {"ahead": ahead}
    left = ngettext("%(left)d seat left of %(seats)d", "%(left)d seats left of %(seats)d", seats.seats_left)
    return left % {"left": seats.seats_left, "seats": seats.seats}


def slot_label(event, seats):
    """A slot's radio label, e.g. "12:30–12:45 CEST · 5 seats left of 5", in the event's zone. The time carries
    its instants (`.when[data-starts][data-ends]`) and the label marks where static/js/portal.js puts the
    visitor's own time, inside the label so that it is read with it."""
    start, end = event.localtime(seats.starts_at), event.localtime(seats.ends_at)
    return format_html(
        '<span class="slot-label" data-local-time-host><span class="when" data-starts="{}" data-ends="{}">'
        '<time datetime="{}">{}</time>–<time datetime="{}">{}</time> {}</span> · {}</span>',
        start.isoformat(),
        end.isoformat(),
        start.isoformat(),
        f"{start:%H:%M}",
        end.isoformat(),
        f"{end:%H:%M}",
        start.tzname(),
        _seats_text(seats),
    )


def undecodable_fields(body):
    """The names of the fields of the urlencoded `body` whose value (or name) is not UTF-8, the only charset
    Django takes for such bodies. Django reads those bytes as U+FFFD (or a whole body that is not UTF-8 as
    Latin-1), silently changing what was typed; forms that are told these names refuse them instead."""
    names = []
    for pair in body.split(b"&"):
        name, _eq, value = pair.partition(b"=")
        name, value = (unquote_to_bytes(part.replace(b"+", b" ")) for part in (name, value))
        try:
            name.decode(), value.decode()
        except UnicodeDecodeError:
            names.append(name.decode(errors="replace"))
    return names


def _joined(names):
    """Names joined by “and”, as in “Cyrillic and Latin”."""
    text = names[0]
    for name in names[1:]:
        # Translators: two names joined, e.g. the scripts a domain mixes: “Cyrillic and Latin”.
        text = _("%(first)s and %(second)s") % {"first": text, "second": name}
    return text


class MailboxField(forms.EmailField):
    """An email address in its one spelling (addresses.normalise_email), refused when a label of its domain mixes
    scripts. It is normalised before its length and form are checked, so that they check what is stored: a
    domain in punycode is longer than in Unicode."""

    default_error_messages = {
        "mixed_scripts": _(
            "The domain of this address mixes %(scripts)s letters, as look-alike addresses do. Please check "
            "it, or use another address."
        ),
    }

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return value
        try:
            return addresses.normalise_email(value)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None

    def validate(self, value):
        super().validate(value)
        if scripts := addresses.mixed_scripts(value.rpartition("@")[2]):
            raise ValidationError(
                self.error_messages["mixed_scripts"],
                code="mixed_scripts",
                params={"scripts": _joined(scripts)},
            )


class SignupForm(forms.Form):
    name = forms.CharField(
        label=_("Your name"),
        max_length=200,
        error_messages={"required": _("Please tell us your name.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = MailboxField(
        label=_("Email"),
        max_length=254,
        help_text=_("The confirmation, the calendar entry and your cancel link are sent here."),
        error_messages={
            "required": _("Please give an email address."),
            "invalid": _("Enter an email address such as ada@example.org."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    question = forms.CharField(
        label=_("Your question or topic"),
        max_length=2000,
        help_text=_("What would you like to talk about? Plain text, up to 2,000 characters."),
        error_messages={"required": _("Please tell us what you would like to talk about.")},
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    slot = forms.ChoiceField(
        label=_("Slot"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please choose a slot."),
            "invalid_choice": _("Choose one of the slots of this session."),
        },
    )
    consent = forms.BooleanField(
        label=_("Keep my name, email and question for this event, so the hosts can prepare and contact me."),
        error_messages={"required": _("Please agree, so that we can keep your signup.")},
    )
    # A field people never see: bots that fill in every field give themselves away.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, office_hours, slot_seats, undecodable=(), **kwargs):
        kwargs.setdefault("auto_id", f"signup-{office_hours.pk}-%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.office_hours = office_hours
        self.undecodable = undecodable  # undecodable_fields() of the posted body
        days = settings.PERSONAL_DATA_RETENTION_DAYS
        self.fields["consent"].help_text = (
            ngettext(
                "They are erased %(days)d day after the event, or sooner if you ask on your signup’s page.",
                "They are erased %(days)d days after the event, or sooner if you ask on your signup’s page.",
                days,
            )
            % {"days": days}
            if days
            else _("They are erased when the event is over, or sooner if you ask on your signup’s page.")
        )
        event = office_hours.event
        self._slots = {slot_value(seats.starts_at): seats.starts_at for seats in slot_seats}
        self.fields["slot"].choices = [
            (slot_value(seats.starts_at), slot_label(event, seats)) for seats in slot_seats
        ]

    def clean_name(self):
        name = self.cleaned_data["name"]
        if MARKUP.search(name) or "<" in name or ">" in name:
            raise ValidationError(_("Please write your name as plain text, without < or >."))
        if CONTROL.search(name) or "\n" in name:
            raise ValidationError(_("Please write your name on one line."))
        if BIDI_CONTROL.search(name):
            raise ValidationError(_("Please remove the invisible characters that change the text direction."))
        return name

    def clean_question(self):
        # Browsers send a textarea's line breaks as CRLF; keep them as plain newlines.
        question = self.cleaned_data["question"].replace("\r\n", "\n").replace("\r", "\n")
        if MARKUP.search(question):
            raise ValidationError(_("Please write plain text, without HTML tags or entities."))
        if CONTROL.search(question):
            raise ValidationError(_("Please remove the control characters from your text."))
        if BIDI_CONTROL.search(question):
            raise ValidationError(_("Please remove the invisible characters that change the text direction."))
        return question

    def clean_slot(self):
        return self._slots[self.cleaned_data["slot"]]

    def clean_website(self):
        if self.cleaned_data["website"]:
            raise ValidationError(_("This field must stay empty."))
        return ""

    def clean(self):
        # Refused rather than kept with U+FFFD in place of the bytes that Django could not read.
        for name in dict.fromkeys(self.undecodable):
            if name in self.fields:
                self.add_error(
                    name, _("This was not sent as UTF-8 text, so it could not be read. Please type it again.")
                )
            else:
                self.add_error(
                    None, _("Part of the form was not sent as UTF-8 text, so it could not be read.")
                )
        return super().clean()

    def signup_data(self):
        """The keyword arguments of signups.sign_up()."""
        return {key: self.cleaned_data[key] for key in ("slot", "name", "email", "question")}


class OrganiserMessageForm(forms.Form):
    """What an organiser writes to the people of a slot, e.g. that it starts five minutes late."""

    subject = forms.CharField(label=_("Subject"), max_length=200)
    message = forms.CharField(
        label=_("Message"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Plain text. Each email adds the person's slot and the link to their signup below it."),
    )

    def clean_subject(self):
        # A line break would end the Subject header: mail servers refuse such a message.
        subject = self.cleaned_data["subject"]
        if "\n" in subject or "\r" in subject:
            raise ValidationError(_("Write the subject on one line."))
        return subject


class CopyEventForm(forms.Form):
    """Name, address and first day of the event a copy makes."""

    name = forms.CharField(label=_("Name"), max_length=200, widget=forms.TextInput(attrs={"size": 50}))
    slug = forms.SlugField(
        label=_("Address"),
        max_length=100,
        validators=[validate_event_address],
        help_text=_("Used in addresses: /&lt;slug&gt;/schedule/"),
    )
    start_date = forms.DateField(
        label=_("First day"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Every time moves by as many days as this does."),
    )

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if Event.objects.filter(slug=slug).exists():
            raise ValidationError(_("Another event has this address already."))
        return slug
