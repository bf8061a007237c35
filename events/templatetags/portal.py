"""Template filters of the public site."""

from django import template
from django.utils import timezone
from django.utils.safestring import mark_safe

from .. import times
from ..text import render_markdown, summary_of

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text):
    return mark_safe(render_markdown(text))  # sanitised by nh3 in render_markdown


@register.filter
def summary(text):
    """The first words of Markdown `text` as plain text, for meta descriptions (escaped by the template)."""
    return summary_of(render_markdown(text))


@register.filter
def utc_offset(value):
    """The UTC offset of an aware datetime in the current time zone (the event's on its pages): +02:00."""
    return times.utc_offset(timezone.localtime(value))


@register.simple_tag(takes_context=True)
def webcal_url(context, path):
    """The subscription address of the calendar at `path` on this host: webcal:// makes the visitor's calendar
    app subscribe to it (and fetch it again as it changes) instead of importing it once."""
    return f"webcal://{context['request'].get_host()}{path}"
