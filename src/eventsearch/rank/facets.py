"""Facet counting from a per-index-state table of each document's facet keys.

Reading each document's facet keys once per segment (or generation) and counting with
numpy costs a few milliseconds a query (Whoosh's stock ``groupedby`` rebuilds its
doc-to-values lists on every search, ~200 ms at 21.7k notes).  Engine-neutral: a backend
builds a `FacetTable` from plain arrays (``FacetTable(n, alive, facets)``) or from
per-segment parts (``FacetTable.joined``); the Whoosh backend's parts come from
``backends/whoosh/facets.segment_facets``.

Counts are disjunctive, like a good shop's: each facet is counted as if its own
selection were removed (OR within a facet, AND across facets), so a user can
widen a selection as well as narrow it.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from functools import cached_property
from itertools import chain
from typing import Any

import numpy as np

from ..model import FACET_NAMES, FACETS
from ..text.facetkeys import facet_key

# Where a note's stored data keeps a facet's display forms: a list ("tags") or one value.
_STORED = {f.name: f.plural for f in FACETS if f.cased} | {"event": "event"}
DISPLAY_SAMPLE = 25  # notes read to find a key's most common spelling

# One facet's keys in sorted (lexicon) order and each document's keys as indexes into
# them: row d is idx[ptr[d]:ptr[d + 1]] (ptr: int64[n + 1], idx: int32).
FacetColumn = tuple[list[str], np.ndarray, np.ndarray]
# One segment's facets, per facet name.  Deleted documents may be left in: the alive
# array is applied when counting.
FacetPart = dict[str, FacetColumn]


class FacetTable:
    """Every document's facet keys for one index state, as arrays.

    ``facets``: per facet name (``model.FACET_NAMES``) its `FacetColumn` over all n
    documents; a missing facet has no keys.  ``alive``: bool[n], the live documents.
    """

    def __init__(self, n: int, alive: np.ndarray, facets: Mapping[str, FacetColumn]) -> None:
        self.alive = alive
        self.keys: dict[str, list[str]] = {}
        self._key_arrays: dict[str, np.ndarray] = {}
        self._ptr: dict[str, np.ndarray] = {}
        self._idx: dict[str, np.ndarray] = {}
        for name in FACET_NAMES:
            keys, ptr, idx = facets.get(name, ([], np.zeros(0, np.int64), np.zeros(0, np.int32)))
            if ptr.size != n + 1:  # e.g. an empty index
                ptr = np.zeros(n + 1, np.int64)
            self.keys[name], self._ptr[name], self._idx[name] = keys, ptr, idx
        self._by_key: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._display: dict[tuple[str, str], str] = {}

    @classmethod
    def joined(cls, n: int, alive: np.ndarray, parts: list[FacetPart]) -> FacetTable:
        """The table of segments' parts, in document order (each part's rows follow the
        previous part's)."""
        facets: dict[str, FacetColumn] = {}
        for name in FACET_NAMES:
            fields = [part[name] for part in parts]
            if len(fields) == 1:
                keys, ptr, idx = fields[0]
            else:
                keys = sorted(set().union(*(f[0] for f in fields)))  # lexicon order
                at = {k: i for i, k in enumerate(keys)}
                ptrs, idxs, used = [np.zeros(1, np.int64)], [], 0
                for seg_keys, seg_ptr, seg_idx in fields:
                    ptrs.append(seg_ptr[1:] + used)
                    used += int(seg_ptr[-1])
                    idxs.append(np.array([at[k] for k in seg_keys], np.int32)[seg_idx])
                ptr = np.concatenate(ptrs)
                idx = np.concatenate(idxs) if idxs else np.zeros(0, np.int32)
            facets[name] = (keys, ptr, idx)
        return cls(n, alive, facets)

    def _postings(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Live documents sorted by key, and where each key's run starts."""
        cached = self._by_key.get(name)
        if cached is None:
            ptr, idx = self._ptr[name], self._idx[name]
            rows = np.repeat(np.arange(ptr.size - 1), np.diff(ptr))
            live = self.alive[rows]
            rows, idx = rows[live], idx[live]
            order = np.argsort(idx, kind="stable")  # documents stay ascending within a key
            starts = np.searchsorted(idx[order], np.arange(len(self.keys[name]) + 1))
            cached = self._by_key[name] = (rows[order], starts)
        return cached

    def docs_of(self, name: str, key: str) -> list[int]:
        """The live documents with this key, ascending."""
        keys = self.keys[name]
        i = bisect_left(keys, key)
        if i == len(keys) or keys[i] != key:
            return []
        docs, starts = self._postings(name)
        return docs[starts[i]:starts[i + 1]].tolist()

    @cached_property
    def postings(self) -> dict[str, dict[str, list[int]]]:
        """Every key's live documents, per facet, keys in lexicon order (suggestions)."""
        out = {}
        for name in FACET_NAMES:
            docs, starts = self._postings(name)
            out[name] = {k: docs[starts[i]:starts[i + 1]].tolist()
                         for i, k in enumerate(self.keys[name])}
        return out

    def docs_with(self, name: str, keys: Iterable[str]) -> set[int]:
        return set(chain.from_iterable(self.docs_of(name, k) for k in keys))

    def count(self, name: str, docs: Iterable[int]) -> Counter[str]:
        """How many of the (live) documents have each key."""
        ids = np.fromiter(docs, dtype=np.int64)
        ids = ids[self.alive[ids]]
        ptr, idx = self._ptr[name], self._idx[name]
        starts, lengths = ptr[ids], ptr[ids + 1] - ptr[ids]
        # the entries of all those rows: each row's start, then counting up
        first = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
        entries = idx[first + np.arange(first.size)]
        counts = np.bincount(entries, minlength=len(self.keys[name]))
        found = np.flatnonzero(counts)
        return Counter(dict(zip(self._key_array(name)[found].tolist(),
                                counts[found].tolist(), strict=True)))

    def _key_array(self, name: str) -> np.ndarray:
        """The facet's keys as a numpy array, to pick the counted ones without a loop."""
        array = self._key_arrays.get(name)
        if array is None:
            array = self._key_arrays[name] = np.array(self.keys[name], dtype=object)
        return array

    def display(self, name: str, key: str,
                stored_data: Callable[[int], Mapping[str, Any]]) -> str:
        """The form people wrote ("AWS Summit") for a case-folded key ("aws summit"): the
        most common spelling among the first ``DISPLAY_SAMPLE`` notes with the key (ties:
        the one met first), so "Docker" shows over "docker" when more notes write it so.

        ``stored_data``: a document number -> its note's stored data (the dict of
        ``schema``'s ``data`` field: "speakers", "tags", "event", ...), read through
        the calling thread's connection to this index state."""
        stored = _STORED.get(name)
        if stored is None:
            return key
        cached = self._display.get((name, key))
        if cached is None:
            spellings: Counter[str] = Counter()
            for docnum in self.docs_of(name, key)[:DISPLAY_SAMPLE]:
                values = stored_data(docnum).get(stored) or ()
                if isinstance(values, str):
                    values = (values,)
                spellings.update(v.strip() for v in values if facet_key(name, v) == key)
            cached = spellings.most_common(1)[0][0] if spellings else key
            self._display[(name, key)] = cached
        return cached


def disjunctive_counts(table: FacetTable, matched: set[int], passing: dict[str, set[int]],
                       names: Iterable[str]) -> dict[str, Counter[str]]:
    """Count each facet over the matches that pass every *other* facet's selection."""
    counts: dict[str, Counter[str]] = {}
    for name in names:
        docs = matched
        for other, allowed in passing.items():
            if other != name:
                docs = docs & allowed
        counts[name] = table.count(name, docs)
    return counts

