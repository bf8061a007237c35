"""Template filters of the public site."""

from django import template
from django.utils.safestring import mark_safe

from ..text import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text):
    return mark_safe(render_markdown(text))  # sanitised by nh3 in render_markdown


@register.filter
def utc_offset(value):
    """+02:00 for an aware datetime in a zone two hours ahead of UTC."""
    offset = value.strftime("%z")
    return f"{offset[:3]}:{offset[3:]}" if offset else ""
