"""Columns that fit an admin list beside the sidebar: long text cut short, the whole of it on hover."""

from django.utils.html import format_html
from django.utils.text import Truncator


def cut(text, chars, *, secondary=""):
    """`text` cut to `chars` characters with the whole of it as the hover title; `secondary`, when given, is a
    second, smaller line under it (e.g. the event of a talk in a list of several events)."""
    text = str(text or "")
    line = format_html('<span title="{}">{}</span>', text, Truncator(text).chars(chars))
    if secondary:
        return format_html('{}<span class="list-secondary">{}</span>', line, secondary)
    return line
