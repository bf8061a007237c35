"""Organiser-written Markdown turned into safe HTML."""

from html import unescape

import markdown
import nh3
from django.utils.html import strip_tags
from django.utils.text import Truncator
from lxml import html as lxml_html

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


_BLOCKS = {"p", "div", "ul", "ol", "li", "h2", "h3", "h4", "blockquote", "pre", "hr", "br", "table", "tr"}


def plain_text(text):
    """Markdown (or the HTML programmes write, which Markdown passes through) as plain text for calendars and
    other outputs that show no markup: paragraphs apart, list items on lines of their own, entities decoded."""
    rendered = render_markdown(text)
    if not rendered.strip():
        return ""
    root = lxml_html.fragment_fromstring(rendered, create_parent="div")
    for element in root.iter():
        if element.tag == "li":
            element.text = "• " + (element.text or "")
        if (
            element.tag == "a"
            and element.get("href")
            and element.get("href") != (element.text_content() or "").strip()
        ):
            element.tail = f" ({element.get('href')})" + (element.tail or "")
        if element.tag in _BLOCKS:
            element.tail = (
                "\n\n" + (element.tail or "")
                if element.tag not in ("li", "br", "tr")
                else "\n" + (element.tail or "")
            )
    lines = [" ".join(line.split()) for line in root.text_content().split("\n")]
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip()
