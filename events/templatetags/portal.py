"""Template filters of the public site."""

from django import template
from django.template import engines
from django.utils.safestring import mark_safe

from ..schedule import moment_formatter
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


@register.simple_tag(takes_context=True)
def schedule_days(context, days):
    """The days of the schedule with their blocks and talk cards, rendered by Jinja2 (portal/jinja2.py):
    the part of the schedule page that grows with the number of talks."""
    event = context["event"]
    template = engines["jinja2"].get_template("events/schedule_days.html")
    # Autoescaped by Jinja2; every value comes from a ScheduleDay built by the schedule module.
    return mark_safe(
        template.render({"days": days, "event": event, "moment": moment_formatter(event.tzinfo)})
    )
