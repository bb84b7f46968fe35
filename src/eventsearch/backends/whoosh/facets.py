"""Each Whoosh segment's facet keys, for the engine-neutral facet table
(:mod:`eventsearch.rank.facets`, which counts them).

Whoosh's stock ``groupedby`` rebuilds its doc-to-values lists on every search
(~200 ms at 21.7k notes); they are read once per segment from the postings here (and
cached on disk, see segment_cache.py).
"""

from __future__ import annotations

import numpy as np

from ...rank.facets import FacetPart, FacetTable
from .schema import FACET_FIELDS

__all__ = ["FacetPart", "FacetTable", "facet_table", "segment_facets"]


def segment_facets(leaf) -> FacetPart:
    """Read one segment's facet keys from its postings (the slow part: cached on disk)."""
    size = leaf.doc_count_all()
    part: FacetPart = {}
    for name in FACET_FIELDS:
        keys: list[str] = []
        docs: list[np.ndarray] = []
        for term in leaf.lexicon(name):
            keys.append(term.decode("utf-8"))
            docs.append(np.array(list(leaf.postings(name, term).all_ids()), dtype=np.int64))
        rows = np.concatenate(docs) if docs else np.zeros(0, np.int64)
        idx = np.repeat(np.arange(len(keys), dtype=np.int32), [d.size for d in docs])
        order = np.lexsort((idx, rows))  # by document, then key
        ptr = np.zeros(size + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=size), out=ptr[1:])
        part[name] = (keys, ptr, idx[order])
    return part


def facet_table(reader, parts: list[tuple[FacetPart, int]] | None = None) -> FacetTable:
    """The facet table of one index reader (one generation), joined from its segments'
    parts (``segment_facets``, in order, with each one's first document number);
    deletions come from the reader, never from a cache."""
    n = reader.doc_count_all()
    if parts is None:
        parts = [(segment_facets(leaf), base) for leaf, base in reader.leaf_readers()]
    alive = np.ones(n, dtype=bool)
    for leaf, base in reader.leaf_readers():
        if leaf.has_deletions():
            alive[np.fromiter(leaf.deleted_docs_set, dtype=np.int64) + base] = False
    return FacetTable.joined(n, alive, [part for part, _ in parts])
