"""Template filters of the public site."""

import re

from django import template
from django.conf import settings
from django.utils import timezone, translation
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from portal import languages

from .. import times
from ..schedule import fold
from ..text import render_markdown, summary_of

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text):
    return mark_safe(render_markdown(text))  # sanitised by nh3 in render_markdown


@register.filter
def summary(text):
    """The first words of Markdown `text` as plain text, for meta descriptions (escaped by the template)."""
    return summary_of(render_markdown(text))


@register.filter(expects_localtime=True)
def localdate(value, english_format):
    """A date or time as the page's language writes it: `{{ talk.starts_at|localdate:"l j F" }}` gives "Monday
    16 May" in English, "lunes 16 de mayo" in Spanish (events/times.py, DAY_FORMATS). In the current time zone,
    the event's on its pages, as Django's date filter."""
    if value in (None, ""):
        return ""
    return times.local_date(value, english_format)


@register.simple_tag(takes_context=True)
def texts_lang(context):
    """` lang="…"` for an element holding what the event's organisers wrote (a title, an abstract, a bio) where
    the page is in another language; nothing where they are the same."""
    event = context.get("event")
    if event is None or event.language == translation.get_language():
        return ""
    return format_html(' lang="{}"', event.language)


@register.filter
def in_every_language(request):
    """[(language code, the address of this page in it)] for the page `request` asked for, to name its other
    languages in the page's head (hreflang). Empty for an address that is no page of the site."""
    if not hasattr(request, "get_full_path"):
        return []
    versions = [(code, languages.address_in(request, code)) for code, _name in settings.LANGUAGES]
    if None in (url for _code, url in versions) or len({url for _code, url in versions}) < len(versions):
        return []
    # Absolute, as search engines ask; pages are kept per host anyway (events/pagecache.py).
    return [(code, request.build_absolute_uri(url)) for code, url in versions]


@register.filter
def utc_offset(value):
    """The UTC offset of an aware datetime in the current time zone (the event's on its pages): +02:00."""
    return times.utc_offset(timezone.localtime(value))


def _marked(text, words):
    """`text` escaped, with each word that begins with one of `words` (folded) wrapped in <mark>."""
    if not words:
        return escape(text)
    parts = []
    for piece in re.split(r"(\w+)", text):
        folded = fold(piece)
        if piece and any(folded.startswith(word) for word in words):
            parts.append(format_html("<mark>{}</mark>", piece))
        else:
            parts.append(escape(piece))
    return mark_safe("".join(parts))  # every piece escaped above


@register.filter
def highlight(text, words):
    """Search results: the words of the search marked in `text` (escaped)."""
    return _marked(str(text), words)


@register.filter
def snippet(markdown_text, words, width=160):
    """About `width` characters of Markdown `markdown_text` as plain text around the first searched word,
    that word marked; the text's start when no word occurs in it."""
    plain = " ".join(summary_of(render_markdown(markdown_text), words=10_000).split())
    # Positions in the text itself: folding may change lengths ("…", "ß", ligatures), so each word is folded
    # on its own and compared.
    found = (
        m.start() for m in re.finditer(r"\w+", plain) if any(fold(m.group()).startswith(w) for w in words)
    )
    at = next(found, 0)
    start = max(0, at - width // 3)
    piece = plain[start : start + width]
    prefix = "…" if start else ""
    suffix = "…" if start + width < len(plain) else ""
    return mark_safe(f"{prefix}{_marked(piece, words)}{suffix}")  # _marked escapes


@register.simple_tag(takes_context=True)
def webcal_url(context, path):
    """The subscription address of the calendar at `path` on this host: webcal:// makes the visitor's calendar
    app subscribe to it (and fetch it again as it changes) instead of importing it once."""
    return f"webcal://{context['request'].get_host()}{path}"


@register.simple_tag
def beside_zone(starts_at, ends_at, zone):
    """The times of a span in the visitor's chosen zone, to stand beside the venue's (`zone`, a
    schedule.ZoneChoice with `times=beside`): `<span class="local-time">04:30–04:55 EST</span>`; nothing where
    no zone was chosen, or the page shows the chosen zone's times instead of the venue's."""
    if not zone or not zone.is_set or zone.instead:
        return ""
    start = starts_at.astimezone(zone.tzinfo)
    text = f"{start:%H:%M}"
    if start.date() != timezone.localtime(starts_at).date():
        text = times.local_date(start, "D j M, H:i")
    if ends_at:
        text += f"–{ends_at.astimezone(zone.tzinfo):%H:%M}"
    return format_html('<span class="local-time">{} {}</span>', text, start.tzname())
