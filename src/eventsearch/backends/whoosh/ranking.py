"""The Whoosh index as the ranking sees it: a :class:`eventsearch.rank.index.RankingIndex`
over one reader's `IndexStats` (norms, dates, cached postings) and one thread's searcher.

Postings are read a block at a time (``stats._leaf_postings``): Whoosh's own matchers
walk them one posting at a time in Python, ~1 s for a union of thousands of terms.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from datetime import time as dtime
from itertools import groupby
from typing import Any

import numpy as np
from whoosh.query import DateRange, Or, Phrase, Query, Term

from .stats import IndexStats, _leaf_postings


class WhooshRanking:
    """One Whoosh index state for ranking.  ``searcher``: the calling thread's searcher
    of the reader ``stats`` was built from (Whoosh readers are not shared by threads)."""

    def __init__(self, stats: IndexStats, searcher: Any) -> None:
        self.stats = stats
        self.searcher = searcher
        self.n = self.doc_count = stats.n  # Whoosh counts deleted documents too
        self.alive = stats.alive
        self.fields = stats.fields
        self.norm = stats.norm
        self.dates = stats.dates
        self.recency = stats.recency
        self.memo = stats.memo

    @property
    def drafts(self) -> np.ndarray:
        """The draft notes (kept with the stats: one query per index state)."""
        drafts = self.stats.drafts
        if drafts is None:
            drafts = self.stats.drafts = self.docs_mask(Term("draft", True))
        return drafts

    def postings(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        return self.stats.postings(field, term, self.searcher.reader())

    def doc_frequency(self, field: str, term: str) -> int:
        try:
            return int(self.searcher.reader().doc_frequency(field, term))
        except Exception:
            return 0

    def iter_prefix(self, field: str, prefix: str) -> Iterator[tuple[str, int]]:
        """The segments' terms merged in order, their frequencies summed (as the
        reader's doc_frequency does), read lazily from each segment's term index."""
        streams = []
        for leaf, _ in self.searcher.reader().leaf_readers():
            if field in leaf.schema:
                streams.append((btext, info.doc_frequency())
                               for btext, info in leaf.iter_prefix(field, prefix))
        merged = heapq.merge(*streams, key=lambda t: t[0])
        for btext, group in groupby(merged, key=lambda t: t[0]):
            yield btext.decode("utf-8"), sum(df for _, df in group)

    def docs_with_any(self, fields: Sequence[str], terms: Sequence[str]) -> np.ndarray:
        """Each term's postings read a block at a time, per segment."""
        stats = self.stats
        mask = np.zeros(stats.n, dtype=bool)
        encoded = [w.encode("utf-8") for w in terms]
        for leaf, base in self.searcher.reader().leaf_readers():
            dead = stats._dead.get(base)
            for fieldname in fields:
                for btext in encoded:
                    if (fieldname, btext) in leaf:
                        ids, _ = _leaf_postings(leaf.postings(fieldname, btext), dead)
                        mask[ids + base] = True
        return mask

    def phrase_mask(self, fields: Sequence[str], words: Sequence[str],
                    slop: int) -> np.ndarray:
        return self.docs_mask(Or([Phrase(f, list(words), slop=slop) for f in fields]))

    def date_mask(self, since: date | None, until: date | None) -> np.ndarray:
        lo = datetime.combine(since, dtime.min) if since else None
        hi = datetime.combine(until, dtime.max) if until else None
        return self.docs_mask(DateRange("date", lo, hi))

    def docs_mask(self, q: Query) -> np.ndarray:
        """The live documents a Whoosh query matches."""
        mask = np.zeros(self.n, dtype=bool)
        ids = list(self.searcher.docs_for_query(q))
        if ids:
            mask[ids] = True
        return mask
