"""Search-as-you-type suggestions from tags, speakers and note titles.

Built once per index generation: every label gets a global rank (most notes
first), and each distinct word of every label a rank-sorted posting list.  A
call bisects the sorted word list for the typed prefix and merges those lists
lazily, so it reads a few dozen entries however large the index is.
"""

from __future__ import annotations

import heapq
import logging
import re
import threading
import unicodedata
from array import array
from bisect import bisect_left
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from ..errors import IndexDamaged
from ..text.analyze import fold

_WORD = re.compile(r"\w+")
KIND_ORDER = {"tag": 0, "speaker": 1, "title": 2}
MIN_PREFIX = 2  # one letter matches half the index and helps nobody
SCAN_LIMIT = 20_000  # entries looked at per call, at most
SHORT = 3  # single prefixes this short have their candidates cached
log = logging.getLogger(__name__)


def words_of(text: str) -> list[str]:
    """Lower-cased, German-folded words without accents: "Petrović" -> "petrovic"."""
    out = []
    for word in _WORD.findall(text.lower()):
        word = fold(word)
        if not word.isascii():
            word = "".join(c for c in unicodedata.normalize("NFKD", word)
                           if not unicodedata.combining(c))
        out.append(word)
    return out


@dataclass(frozen=True, slots=True)
class Suggestion:
    label: str  # what people see: "AWS Summit", "Priya Raman", a note title
    kind: str  # "tag" | "speaker" | "title"
    key: str  # facet key for tags and speakers, the note id for titles
    count: int  # notes with this tag or speaker; 1 for a title


class Suggester:
    """Prefix lookups over the labels of one index generation."""

    def __init__(self, entries: list[Suggestion]) -> None:
        entries = sorted(entries, key=lambda e: (-e.count, KIND_ORDER[e.kind], len(e.label)))
        self.entries = entries
        self.entry_words: list[tuple[str, ...]] = []
        self.entry_text: list[str] = []
        postings: dict[str, array] = {}
        for rank, entry in enumerate(entries):
            words = tuple(dict.fromkeys(words_of(entry.label)))
            self.entry_words.append(words)
            self.entry_text.append(" ".join(words))
            for word in words:
                postings.setdefault(word, array("i")).append(rank)  # ranks ascend
        self.vocab = sorted(postings)
        self.postings = [postings[w] for w in self.vocab]
        self._exact = dict(zip(self.vocab, self.postings, strict=True))
        self._short: dict[tuple[str, int], list[int]] = {}

    @classmethod
    def from_index(cls, index: Any) -> Suggester:
        """Tags, speakers and titles of the index (its backend's ``suggest_entries``)."""
        return cls([Suggestion(*entry) for entry in index.suggest_entries()])

    def suggest(self, text: str, limit: int = 8) -> list[Suggestion]:
        terms = words_of(text)
        if not terms or len("".join(terms)) < MIN_PREFIX:
            return []
        *complete, last = terms
        if not complete and len(last) <= SHORT:  # the slowest merges: computed once each
            cached = self._short.get((last, limit))
            if cached is None:
                cached = list(islice(self._candidates([], last), limit * 4))
                if len(self._short) < 10_000:  # bounded: anyone can send prefixes
                    self._short[(last, limit)] = cached
            picked = list(cached)
        else:
            picked = list(islice(self._candidates(complete, last), limit * 4))
        typed = " ".join(terms)
        # labels that start with what was typed first, then by rank (most notes)
        picked.sort(key=lambda r: (not self.entry_text[r].startswith(typed), r))
        seen: set[str] = set()
        out = []
        for rank in picked:
            entry = self.entries[rank]
            if entry.label.casefold() not in seen:
                seen.add(entry.label.casefold())
                out.append(entry)
        return out[:limit]

    def _candidates(self, complete: list[str], last: str) -> Iterator[int]:
        if complete:  # walk the rarest whole word's list, check the rest
            lists = [p for w in complete if (p := self._exact.get(w)) is not None]
            if len(lists) < len(complete):
                return
            driver = min(lists, key=len)
            for rank in islice(driver, SCAN_LIMIT):
                words = self.entry_words[rank]
                if all(w in words for w in complete) and any(w.startswith(last)
                                                             for w in words):
                    yield rank
            return
        lo = bisect_left(self.vocab, last)
        hi = bisect_left(self.vocab, last + "\U0010ffff", lo)
        previous = -1
        for rank in islice(heapq.merge(*self.postings[lo:hi]), SCAN_LIMIT):
            if rank != previous:
                previous = rank
                yield rank


class SuggestCache:
    """One Suggester per index generation, rebuilt in the background after a reindex.

    While a new table is being built (about a second at 22k notes) callers get the
    previous generation's suggestions, or none at first: suggestions are a nicety and
    must never hold up a request.  ``background=False`` builds in the caller (tests).
    """

    def __init__(self, background: bool = True) -> None:
        self.background = background
        self._lock = threading.Lock()
        self._current: tuple[Hashable, Suggester] | None = None
        self._building = False
        self._failed: tuple[Hashable, str] | None = None  # (key, IndexDamaged message)

    def get(self, index: Any) -> Suggester | None:
        key = index.version()
        failed = self._failed
        if failed is not None and failed[0] == key:
            raise IndexDamaged(failed[1])  # found damaged while building this table
        current = self._current
        if current is not None and current[0] == key:
            return current[1]
        if not self.background:
            return self._build(index)
        self.refresh(index)
        return current[1] if current else None

    def refresh(self, index: Any) -> None:
        """Start building the current generation's table in a thread (once at a time)."""
        with self._lock:
            if self._building:
                return
            self._building = True
        threading.Thread(target=self._build, args=(index, True), daemon=True,
                         name="eventsearch-suggest").start()

    def _build(self, index: Any, in_thread: bool = False) -> Suggester | None:
        key = None
        try:
            key = index.version()
            suggester = Suggester.from_index(index)
            self._current = (key, suggester)
            return suggester
        except IndexDamaged as exc:
            if key is not None:
                self._failed = (key, str(exc))
            if not in_thread:
                raise
            log.error("could not build the suggestion table: %s", exc)
            return None
        except Exception:
            log.exception("could not build the suggestion table")
            return None
        finally:
            if in_thread:
                index.close()  # this thread's searcher
                with self._lock:
                    self._building = False
