"""Per-segment statistics for BM25F: field lengths, dates and postings, as numpy arrays.

`segment_stats` reads one segment's field lengths and dates through Whoosh's internals
(the segment cache keeps them on disk); `IndexStats` joins the segments of one reader
into length norms, dates, a recency factor and cached postings per term (the norm and
recency formulas are the engine-neutral ones of :mod:`eventsearch.rank.index`);
ranking.py serves them to the ranking as a ``RankingIndex``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh.matching.wrappers import FilterMatcher

from ...rank.index import SCORED_FIELDS, length_norms, recency

POSTINGS_CACHE = 256


@dataclass
class StatsPart:
    """One segment's field lengths (before normalisation) and dates."""

    lengths: dict[str, np.ndarray]
    dates: np.ndarray


def stat_fields(schema) -> list[str]:
    """The fields BM25F scores, as far as the index has them."""
    return [f for f in SCORED_FIELDS if f in schema]


def segment_stats(leaf) -> StatsPart:
    """Read one segment's field lengths and dates from Whoosh."""
    count = leaf.doc_count_all()
    return StatsPart({f: _field_lengths(leaf, f, count) for f in stat_fields(leaf.schema)},
                     _dates(leaf, count))


class IndexStats:
    """Field length norms, dates and cached postings of one index reader, as arrays.

    Built from the reader's segments (``segment_stats``, in order); which documents
    are alive always comes from the reader itself.
    """

    def __init__(self, reader, parts: list[StatsPart] | None = None) -> None:
        self.reader = reader
        self.memo: dict[Any, Any] = {}  # what the ranking keeps for this index state
        self.n = reader.doc_count_all()
        self.alive = np.ones(self.n, dtype=bool)
        self.fields = stat_fields(reader.schema)
        leaves = list(reader.leaf_readers())
        if parts is None:
            parts = [segment_stats(leaf) for leaf, _ in leaves]
        self._dead: dict[int, np.ndarray] = {}  # first document -> the segment's deleted
        for leaf, base in leaves:
            if leaf.has_deletions():
                dead = np.fromiter(leaf.deleted_docs_set, dtype=np.int64)
                self.alive[dead + base] = False
                self._dead[base] = dead
        self.norm = length_norms({f: _joined([p.lengths[f] for p in parts], self.n, np.float32)
                                  for f in self.fields})
        self.dates = _joined([p.dates for p in parts], self.n, np.float64)
        self.recency = recency(self.dates)
        self._cache: OrderedDict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()
        self.drafts: np.ndarray | None = None  # set by ranking.WhooshRanking, once

    def postings(self, fieldname: str, text: str,
                 reader: Any) -> tuple[np.ndarray, np.ndarray]:
        """A term's (documents, frequencies), cached.  ``reader`` is the calling
        thread's reader of this same index state: Whoosh reads postings through file
        objects with one read position, so threads must not share a reader's."""
        key = (fieldname, text)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        id_parts: list[np.ndarray] = []
        weight_parts: list[np.ndarray] = []
        btext = text.encode("utf-8")
        for leaf, base in reader.leaf_readers():
            if (fieldname, btext) not in leaf:
                continue
            ids, weights = _leaf_postings(leaf.postings(fieldname, btext),
                                          self._dead.get(base))
            id_parts.append(ids + base)
            weight_parts.append(weights)
        result = ((np.concatenate(id_parts), np.concatenate(weight_parts)) if id_parts
                  else (np.zeros(0, np.int64), np.zeros(0, np.float32)))
        with self._lock:  # searches run in several threads of a web server
            self._cache[key] = result
            if len(self._cache) > POSTINGS_CACHE:
                self._cache.popitem(last=False)
        return result

    def df(self, fieldname: str, text: str) -> int:
        try:
            return self.reader.doc_frequency(fieldname, text)
        except Exception:
            return 0


def _leaf_postings(m, deleted: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """All (document, term frequency) pairs of one segment's postings, block by block,
    without the segment's ``deleted`` documents."""
    if deleted is not None and isinstance(m, FilterMatcher):
        # A segment with deletions wraps its postings in a matcher that skips them one
        # posting at a time in Python; reading whole blocks and dropping them is ~10x faster.
        docs, freqs = _leaf_postings(m.child)
        keep = ~np.isin(docs, deleted)
        return docs[keep], freqs[keep]
    ids: list[Any] = []
    weights: list[Any] = []
    if type(m).__name__ == "W3LeafMatcher":  # fast path: whole blocks as arrays
        while m.is_active():
            block_ids, block_weights = _block_arrays(m)
            ids.append(block_ids[m._i:])
            weights.append(block_weights[m._i:])
            m._next_block()
        if ids:
            return np.concatenate(ids), np.concatenate(weights)
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    while m.is_active():  # any other matcher (e.g. one that skips deleted documents)
        ids.append(m.id())
        weights.append(m.weight())
        m.next()
    return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float32)


def _block_arrays(m) -> tuple[np.ndarray, np.ndarray]:
    """One block's ids and weights as arrays, decoded as ``W3LeafMatcher._read_ids`` and
    ``_read_weights`` do but with numpy: their per-posting Python loops (delta decoding,
    constant weights) were a good part of a query's time for words in many notes."""
    if m._data is None:
        m._read_data()
    raw_ids, raw_weights = m._data[0], m._data[1]
    ids = np.asarray(raw_ids, dtype=np.int64)
    if not m._byteids:
        ids = np.cumsum(ids)  # the ids are stored as deltas
    if raw_weights is None:
        weights = np.ones(m._blocklength, dtype=np.float32)
    elif isinstance(raw_weights, float):
        weights = np.full(m._blocklength, raw_weights, dtype=np.float32)
    else:
        weights = np.asarray(raw_weights, dtype=np.float32)
    return ids, weights


def _field_lengths(leaf, fieldname: str, count: int) -> np.ndarray:
    try:  # fast path: Whoosh 3 keeps one length byte per document in a column
        from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
        from whoosh.util.numeric import byte_to_length

        col = leaf._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if col is None:
            return np.zeros(count, dtype=np.float32)
        raw = np.frombuffer(col._dbfile.get(col._basepos, col._count), dtype=np.uint8)
        table = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)
        out = np.zeros(count, dtype=np.float32)
        out[:raw.size] = table[raw]
        return out
    except Exception:  # another codec: ask document by document
        return np.array([leaf.doc_field_length(d, fieldname) or 0 for d in range(count)],
                        dtype=np.float32)


def _joined(arrays: list[np.ndarray], n: int, dtype: Any) -> np.ndarray:
    return np.concatenate(arrays).astype(dtype, copy=False) if arrays else np.zeros(n, dtype)


def _dates(leaf, n: int) -> np.ndarray:
    """Each document's date as a sortable number (0 when it has none)."""
    out = np.zeros(n, dtype=np.float64)
    if "date" not in leaf.schema or not leaf.has_column("date"):
        return out
    col = leaf.column_reader("date", translate=False)
    values = np.array([float(v) for v in col], dtype=np.float64)
    values[(values <= 0) | (values >= 2**63 - 2**20)] = 0
    out[:values.size] = values[:n]
    return out

