"""Finds the words in the portal's templates that people read but that no translation tag covers.

A template is read with Django's own lexer. Everything a translation tag writes ({% translate %},
{% blocktranslate %} … {% endblocktranslate %}), every variable and every other tag is set aside; what is
left is the template's own text, read as HTML: the text between tags and the attributes people read
(`alt`, `title`, `aria-label`, `placeholder`, a button's `value`, a meta description, `data-label`…).
Any word found there is a string the portal writes in one language only.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

from django.template.base import Lexer, TokenType

# Attributes whose values people read or hear.
READ_ATTRIBUTES = {"alt", "title", "aria-label", "aria-description", "placeholder", "label", "summary"}
# Names that are the same in every language: formats and standards, not words.
NOT_WORDS = {
    "iCal",
    "iCalendar",
    "JSON",
    "XML",
    "frab",
    "Frab",
    "c3voc",
    "Atom",
    "RSS",
    "webcal",
    "CSV",
    "ICS",
    "UTC",
}
_WORD = re.compile(r"[^\W\d_]{2,}")
# Names for machines rather than words: a class such as `model-event`, an attribute, a query such as `?track=`.
_IDENTIFIER = re.compile(r"[-_=<>/]|^[?&]")
# Elements whose text is code to copy or a script, not prose.
_RAW = {"script", "style", "code", "pre", "textarea", "kbd", "samp"}
_TRANSLATION_BLOCKS = {"blocktranslate": "endblocktranslate", "blocktrans": "endblocktrans"}
_SKIPPED_BLOCKS = {"comment": "endcomment", "verbatim": "endverbatim", **_TRANSLATION_BLOCKS}
# Stands for what a tag or variable writes: no letters, so it is never taken for a word.
_HOLE = "\x07"


def words(text):
    """The words of `text` that are written for people."""
    found = []
    for chunk in text.replace(_HOLE, " ").split():
        if not _IDENTIFIER.search(chunk):
            found += [word for word in _WORD.findall(chunk) if word not in NOT_WORDS]
    return found


def own_text(source):
    """The template with everything a tag or a variable writes replaced by a placeholder."""
    parts, closing = [], None
    for token in Lexer(source).tokenize():
        name = token.contents.split()[0] if token.token_type == TokenType.BLOCK and token.contents else ""
        if closing:
            if name == closing:
                closing = None
            parts.append(_HOLE)
        elif name in _SKIPPED_BLOCKS:
            closing = _SKIPPED_BLOCKS[name]
            parts.append(_HOLE)
        elif token.token_type == TokenType.TEXT:
            parts.append(token.contents)
        elif token.token_type != TokenType.COMMENT:
            parts.append(_HOLE)
    return "".join(parts)


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found, self._raw = [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in _RAW:
            self._raw += 1
        for name, value in attrs.items():
            read = name in READ_ATTRIBUTES or (name == "data-label" or name.startswith("data-text"))
            read = read or (name == "value" and attrs.get("type") in ("submit", "button", "reset"))
            read = read or (
                name == "content" and attrs.get("name") in ("description", "apple-mobile-web-app-title")
            )
            if read and value and words(value):
                self.found.append(f"{tag} {name}={value!r}")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in _RAW:
            self._raw -= 1

    def handle_endtag(self, tag):
        if tag in _RAW:
            self._raw = max(0, self._raw - 1)

    def handle_data(self, data):
        if not self._raw and words(data):
            self.found.append(" ".join(data.replace(_HOLE, " ").split()))


def untranslated(path):
    """The strings of the template at `path` that people read and no translation tag covers."""
    text = own_text(Path(path).read_text())
    if Path(path).suffix == ".txt":
        return [" ".join(line.replace(_HOLE, " ").split()) for line in text.splitlines() if words(line)]
    reader = _Reader()
    reader.feed(text)
    reader.close()
    return reader.found
