"""Searching talks by words: folding case and accents, what is no search, matching words where the database
has no full-text search of its own."""

import re
import unicodedata

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

MAX_SEARCH = 200  # characters: more is not a search but a paste accident


def fold(text):
    """`text` in lower case without accents: how search compares words."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


def words_of(text):
    """The words of `text`, folded, in order (repeats included)."""
    return re.findall(r"\w+", fold(text))


def search_words(q):
    """The distinct words of a search, folded, in the order typed."""
    return tuple(dict.fromkeys(words_of(q)))


def has_word(found, word):
    """Whether a word in `found` begins with `word`: "net" finds "networking", "c" finds "Hall C" but not
    "abstract"."""
    return any(candidate.startswith(word) for candidate in found)


def search_problems(q):
    """Why `q` cannot be searched for, if it cannot."""
    if len(q) > MAX_SEARCH:
        return [
            ngettext(
                "A search takes at most %(count)d character.",
                "A search takes at most %(count)d characters.",
                MAX_SEARCH,
            )
            % {"count": MAX_SEARCH}
        ]
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co") for c in q):
        return [_("A search takes words, not control characters.")]
    return []


def match_words(talks, words):
    """{talk id: rank} of the talks whose title, speakers, room or abstract hold a word beginning with each of
    `words` (folded), a title match counting most: the search where the database has no full-text search of
    its own."""
    ranks = {}
    for talk in talks:
        fields = [
            (4, words_of(talk.title)),
            (2, words_of(" ".join(speaker.name for speaker in talk.speakers.all()))),
            (2, words_of(talk.room.name if talk.room else "")),
            (1, words_of(talk.abstract)),
        ]
        scores = [sum(weight for weight, found in fields if has_word(found, word)) for word in words]
        if scores and all(scores):
            ranks[talk.pk] = sum(scores)
    return ranks


def rank_results(talks, q, rank=None):
    """The talks of `talks` that a search for `q` finds, best first: by `rank(q)`, the database's search ({talk
    id: rank}, or None where it has none), else by matching words here."""
    ranks = rank(q) if rank else None
    if ranks is None:
        ranks = match_words(talks, search_words(q))
    found = [talk for talk in talks if talk.pk in ranks]
    found.sort(key=lambda talk: (-ranks[talk.pk], talk.starts_at, talk.title))
    return tuple(found)
