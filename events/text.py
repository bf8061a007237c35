"""Organiser-written Markdown turned into safe HTML."""

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


def render_markdown(text):
    """Markdown to HTML, then sanitised: no script, no event handlers, no javascript: links survive."""
    html = markdown.markdown(text or "", extensions=["sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "abbr": {"title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def summary_of(html_text, words=40):
    """The first `words` words of rendered HTML as plain text, for meta descriptions and previews.

    A plain str, not marked safe: templates escape it, so quotes in an abstract cannot leave an attribute.
    """
    plain = unescape(strip_tags(html_text))
    return Truncator(" ".join(plain.split())).words(words)
