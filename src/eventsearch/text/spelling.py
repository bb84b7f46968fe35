"""The index vocabulary, per index generation: typo corrections and "did you mean".

A word of the query that matches nothing (or very little) is compared with the
words of the index: edit distance 1 from 5 letters, 2 from 9 (a transposition
counts as one edit), never on shorter words.  The vocabulary is read once per
index generation and kept in length buckets, so a lookup scans only words of a
similar length with rapidfuzz's C++ distance — a few milliseconds, and only for
the rare query word that needs it.  Results are cached.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import chain

PLAIN_FIELDS = ("title", "body", "meta")
MIN_TYPO_LENGTH = 5  # shorter words are never corrected
TWO_TYPOS_FROM = 9
RARE_DF = 3  # a word in fewer notes than this may be a typo
BETTER_BY = 10  # ... when a correction is in this many times more notes


def max_typos(word: str) -> int:
    if len(word) < MIN_TYPO_LENGTH or not word.isalpha():
        return 0
    return 1 if len(word) < TWO_TYPOS_FROM else 2


@dataclass
class WordsPart:
    """One segment's words (sorted, and each reversed and sorted) and German stems."""

    words: list[str]
    reversed: list[str]
    german_stems: list[str]

    # Pickled as three joined strings (words hold no newline): a CLI search loads
    # these from the segment cache, and splitting a string is ~2x faster than
    # unpickling a list of 100k strings.
    def __getstate__(self) -> tuple[str, str, str]:
        return "\n".join(self.words), "\n".join(self.reversed), "\n".join(self.german_stems)

    def __setstate__(self, state: tuple[str, str, str]) -> None:
        self.words, self.reversed, self.german_stems = (
            text.split("\n") if text else [] for text in state)


def segment_words(leaf) -> WordsPart:
    """Read one segment's lexicons from Whoosh."""
    words: set[bytes] = set()
    for name in PLAIN_FIELDS:
        if name in leaf.schema:
            words.update(leaf.lexicon(name))
    de: set[bytes] = set()
    for name in ("title_de", "body_de"):
        if name in leaf.schema:
            de.update(leaf.lexicon(name))
    decoded = sorted(w.decode("utf-8") for w in words)
    return WordsPart(decoded, sorted(w[::-1] for w in decoded),
                     sorted(w.decode("utf-8") for w in de))


def _merged(lists: list[list[str]]) -> list[str]:
    """Sorted lists as one sorted list without duplicates (sorting sorted runs is a merge)."""
    if len(lists) == 1:
        return lists[0]
    return list(dict.fromkeys(sorted(chain.from_iterable(lists))))


def _starting(words: list[str], prefix: str) -> Iterator[str]:
    """The words of a sorted list that start with prefix, in order."""
    i = bisect_left(words, prefix)
    while i < len(words) and words[i].startswith(prefix):
        yield words[i]
        i += 1


class Vocabulary:
    """The words of the unstemmed fields of one index reader (a word of deleted notes
    stays, as in Whoosh's lexicon).

    Kept as each segment's sorted lists (``segment_words``) and looked up in each:
    a fresh process loads them from the cache and starts answering without merging
    a few hundred thousand words first.  Only typo corrections need them merged.

    ``reader`` is only asked ``doc_frequency(field, word)`` (any object with it will do,
    e.g. a :class:`~eventsearch.rank.index.RankingIndex`) and, when ``parts`` is None,
    read for them (a Whoosh reader's ``leaf_readers()``).
    """

    def __init__(self, reader, parts: list[WordsPart] | None = None) -> None:
        self.reader = reader
        if parts is None:
            parts = [segment_words(leaf) for leaf, _ in reader.leaf_readers()]
        self.parts = [p for p in parts if p.words] or [WordsPart([], [], [])]
        self.german_stems = frozenset(chain.from_iterable(p.german_stems for p in parts))
        self.df = lru_cache(maxsize=100_000)(self._df)
        self.corrections = lru_cache(maxsize=10_000)(self._corrections)

    @cached_property
    def sorted(self) -> list[str]:
        return _merged([p.words for p in self.parts])

    @cached_property
    def reversed(self) -> list[str]:
        """Every word spelt backwards, sorted: for suffix lookups."""
        return _merged([p.reversed for p in self.parts])

    @cached_property
    def words(self) -> frozenset[str]:
        return frozenset(self.sorted)

    @cached_property
    def by_length(self) -> dict[int, list[str]]:
        """Words of letters only, by length: only typo corrections need them."""
        out: dict[int, list[str]] = {}
        for w in self.sorted:
            if w.isalpha():
                out.setdefault(len(w), []).append(w)
        return out

    def __contains__(self, word: str) -> bool:
        for part in self.parts:
            words = part.words
            i = bisect_left(words, word)
            if i < len(words) and words[i] == word:
                return True
        return False

    def _df(self, word: str) -> int:
        """In how many notes the word occurs (in its most common unstemmed field)."""
        if word not in self:
            return 0
        return max(self.reader.doc_frequency(name, word) for name in PLAIN_FIELDS)

    def with_prefix(self, prefix: str) -> Iterator[str]:
        if len(self.parts) == 1:
            return _starting(self.parts[0].words, prefix)
        return iter(sorted({w for p in self.parts for w in _starting(p.words, prefix)}))

    def with_suffix(self, suffix: str) -> Iterator[str]:
        rev = suffix[::-1]
        found = (_starting(self.parts[0].reversed, rev) if len(self.parts) == 1 else
                 sorted({w for p in self.parts for w in _starting(p.reversed, rev)}))
        return (w[::-1] for w in found)

    def _corrections(self, word: str, typos: int = 0) -> tuple[tuple[str, int, int], ...]:
        """Words within the allowed edit distance: (word, distance, notes), best first."""
        typos = typos or max_typos(word)
        if not typos:
            return ()
        from rapidfuzz import process  # only here: a one-shot search rarely needs it
        from rapidfuzz.distance import OSA

        found: list[tuple[str, int, int]] = []
        for length in range(len(word) - typos, len(word) + typos + 1):
            bucket = self.by_length.get(length)
            if not bucket:
                continue
            for cand, dist, _ in process.extract(word, bucket, scorer=OSA.distance,
                                                 score_cutoff=typos, limit=None):
                if cand != word:
                    found.append((cand, int(dist), self.df(cand)))
        found.sort(key=lambda c: (c[1], -c[2], c[0]))
        return tuple(found)

    def typo_fixes(self, word: str, limit: int = 3) -> list[tuple[str, int, int]]:
        """Corrections worth searching for a query word, or none when it is found enough."""
        df = self.df(word)
        if df >= RARE_DF or not max_typos(word):
            return []
        fixes = [c for c in self.corrections(word) if c[2] >= max(1, BETTER_BY * df)]
        fixes.sort(key=lambda c: (c[1], -c[2]))
        return fixes[:limit]

    def is_german(self, word: str) -> bool:
        """Whether the word occurs in German notes (its German stem is in their fields)."""
        from .analyze import fold, stem_de

        return fold(stem_de(word)) in self.german_stems
