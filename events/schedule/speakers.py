"""The speakers page: speakers under the letters of an A–Z index, narrowed by a search."""

from collections import defaultdict
from dataclasses import dataclass

from .filters import FilterError
from .search import fold, has_word, search_problems, search_words, words_of


@dataclass(frozen=True)
class SpeakerIndex:
    """Speakers under the letters of an A–Z index ("#" for names that start otherwise), and the search."""

    letters: tuple  # (letter, [speakers])
    q: str
    count: int

    @property
    def words(self):
        return search_words(self.q)


def index_speakers(speakers, q):
    """`speakers` sorted by name as people read it (case and accents aside) and grouped by first letter,
    narrowed to those whose name or affiliation holds every word of `q`; a `q` that is no search raises
    FilterError."""
    q = " ".join(q.split())
    if problems := search_problems(q):
        raise FilterError(" ".join(problems))
    words = words_of(q)
    chosen = [
        speaker
        for speaker in speakers
        if all(has_word(words_of(f"{speaker.name} {speaker.affiliation}"), word) for word in words)
    ]
    chosen.sort(key=lambda speaker: (fold(speaker.name), speaker.pk))
    letters = defaultdict(list)
    for speaker in chosen:
        first = fold(speaker.name)[:1].upper()
        letters[first if "A" <= first <= "Z" else "#"].append(speaker)
    order = sorted(letters, key=lambda letter: (letter == "#", letter))
    return SpeakerIndex(letters=tuple((letter, letters[letter]) for letter in order), q=q, count=len(chosen))
