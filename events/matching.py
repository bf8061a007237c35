"""Which talks of a conference's programme are a community's: the ones that hold any of a few words or phrases.

Words are matched whole, in any letter case and with accents aside: “Rust” finds “rust” and “Rüst”, but not
“trust”, “frustration” or “Murray-Rust” (a hyphen joins the parts of one word). Several words find the talks
with any of them; words in double quotes ("service mesh", or “service mesh”) are a phrase, found as those words
one after the other. The admin's import page narrows its list as the organiser types with the same rule
(static/js/admin-import.js), over the words this module gives each talk (`haystack()`).
"""

import re

from .schedule import fold

# One word: letters and digits, and hyphens between them; what else stands between words only separates them.
WORD = re.compile(r"\w+(?:[-\u2010\u2011]\w+)*")
# A phrase in double quotes, straight or curly as keyboards type them (its closing quote may be missing while it
# is typed), or a run of other characters.
_PART = re.compile(r'["“”„]([^"“”„]*)["“”„]?|([^\s"“”„]+)')


def phrases_of(query):
    """The words and phrases of `query`, each as its folded words joined by single spaces."""
    phrases = (" ".join(WORD.findall(fold(quoted or bare))) for quoted, bare in _PART.findall(query))
    return list(dict.fromkeys(phrase for phrase in phrases if phrase))


def haystack(texts):
    """The folded words of `texts`, between spaces, texts apart (a phrase is not found across two of them)."""
    return " " + " | ".join(" ".join(WORD.findall(fold(text))) for text in texts if text) + " "


def matches(query, texts):
    """Whether any word or phrase of `query` is in `texts`; an empty query matches everything."""
    phrases = phrases_of(query)
    if not phrases:
        return True
    words = haystack(texts)
    return any(f" {phrase} " in words for phrase in phrases)


def talk_texts(talk):
    """What a talk found in a programme (events.exchange.programme.FoundTalk) is matched on: its title, its abstract, and
    its speakers' names and affiliations."""
    return [talk.title, talk.abstract, *(part for s in talk.speakers for part in (s.name, s.affiliation))]
