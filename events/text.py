"""Organiser-written Markdown turned into safe HTML."""

import functools
import threading
from html import unescape

import markdown
import nh3
from django.utils.html import strip_tags
from django.utils.text import Truncator

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "em",
    "h2",
    "h3",
    "h4",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "ul",
}


# Texts up to this length have their HTML kept (the last 512 of them: at most a few MB per process).
KEPT_TEXT_LENGTH = 4000


def render_markdown(text):
    """Markdown to HTML, then sanitised: no script, no event handlers, no javascript: links survive.

    The same text always gives the same HTML, so the results for texts of abstract size are kept: a talk
    page would otherwise spend a tenth of its time converting an abstract it converted on the last visit.
    """
    text = text or ""
    return _render_kept(text) if len(text) <= KEPT_TEXT_LENGTH else _render(text)


def _render(text):
    html = _converter().reset().convert(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "abbr": {"title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


_render_kept = functools.lru_cache(maxsize=512)(_render)


_local = threading.local()


def _converter():
    # Building a Markdown converter costs more than converting an abstract; keep one per thread (not shared:
    # a converter holds state while it converts).
    if not hasattr(_local, "converter"):
        _local.converter = markdown.Markdown(extensions=["sane_lists"], output_format="html")
    return _local.converter


def summary_of(html_text, words=40):
    """The first `words` words of rendered HTML as plain text, for meta descriptions and previews.

    A plain str, not marked safe: templates escape it, so quotes in an abstract cannot leave an attribute.
    """
    plain = unescape(strip_tags(html_text))
    return Truncator(" ".join(plain.split())).words(words)
