"""What a backend gives the ranking: one index state (generation, commit) as arrays.

Every backend (Whoosh, PostgreSQL) implements :class:`RankingIndex` over its own storage;
the planner, scorer and search flow of this package read nothing else, so both rank
alike.  `length_norms` and `recency` make the arrays from raw field lengths and dates,
the same way for every backend (`quantised_lengths`: lengths as the Whoosh backend
stores them, for a backend storing exact ones).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, Protocol

import numpy as np

from ..text.analyze import SUPPORTED

# Length normalisation (BM25F's b) per field role; the boosts are in scorer.py.
B = {"title": 0.5, "meta": 0.5, "body": 0.6}
# The fields BM25F scores (an index may lack some: RankingIndex.fields lists those it has):
# the unstemmed title, body and meta, then the stemmed title_<lang> and body_<lang>.
SCORED_FIELDS = ("title", "body", "meta",
                 *(f"{r}_{lang}" for r in ("title", "body") for lang in SUPPORTED))


class RankingIndex(Protocol):
    """One index state, its documents numbered 0..n-1 (dead ones included).

    The attributes are read-only here: a backend may set them as plain attributes.
    Terms are the analysed forms of the index (lower-case, folded; stems in the
    ``*_<lang>`` fields).
    """

    @property
    def n(self) -> int: ...
    @property
    def doc_count(self) -> int: ...  # documents idf counts: written ones, deleted included
    @property
    def alive(self) -> np.ndarray: ...  # bool[n]: not deleted
    @property
    def drafts(self) -> np.ndarray: ...  # bool[n]: draft notes
    @property
    def fields(self) -> list[str]: ...  # the SCORED_FIELDS the index has, in that order
    @property
    def norm(self) -> dict[str, np.ndarray]: ...  # per field: float32[n], length_norms()
    @property
    def dates(self) -> np.ndarray: ...  # float64[n]: date_number(day), 0 = no date
    @property
    def recency(self) -> np.ndarray: ...  # float32[n] in [0, 1]: recency(dates)
    @property
    def memo(self) -> dict[Any, Any]: ...  # kept for this index state across its searches

    def postings(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """The live documents holding the term (int64, ascending) and its frequency in
        each (float32)."""
        ...

    def doc_frequency(self, field: str, term: str) -> int:
        """How many documents hold the term (deleted ones may count); 0 when none."""
        ...

    def iter_prefix(self, field: str, prefix: str) -> Iterable[tuple[str, int]]:
        """Every term of the field starting with ``prefix`` with its doc_frequency,
        in sorted order (lazily: a wildcard's expansion stops when its time is up)."""
        ...

    def docs_with_any(self, fields: Sequence[str], terms: Sequence[str]) -> np.ndarray:
        """bool[n]: the live documents holding any of the terms in any of the fields."""
        ...

    def phrase_mask(self, fields: Sequence[str], words: Sequence[str],
                    slop: int) -> np.ndarray:
        """bool[n]: the live documents with the words in order in one of the fields,
        each within ``slop`` positions of the one before (Whoosh's Phrase: slop=1 is
        side by side)."""
        ...

    def date_mask(self, since: date | None, until: date | None) -> np.ndarray:
        """bool[n]: the live documents dated within since..until (whole days, both
        included; None: open)."""
        ...


# Field lengths in one byte, logarithmically: this reproduces Whoosh's encoding
# (whoosh.util.numeric: byte_to_length is this table, which Whoosh generates with this
# formula, and length_to_byte a bisect_left in it, 255 from 106374 up), so a backend
# storing exact lengths ranks with the Whoosh backend's norms without importing Whoosh.
BYTE_LENGTHS = np.array([round((pow(1.033, n) - 1) * 27) for n in range(256)],
                        dtype=np.int64)


def length_bytes(lengths: np.ndarray) -> np.ndarray:
    """Each length's byte (uint8) as Whoosh encodes it (``length_to_byte``)."""
    codes = np.searchsorted(BYTE_LENGTHS, np.asarray(lengths), side="left")
    return np.minimum(codes, 255).astype(np.uint8)


def quantised_lengths(lengths: np.ndarray) -> np.ndarray:
    """Field lengths as the Whoosh backend stores them (float32, one byte's worth of
    precision; 0 stays 0), so the BM25 length norms, and with them the rankings, of
    every backend agree."""
    lengths = np.asarray(lengths)
    out = BYTE_LENGTHS.astype(np.float32)[length_bytes(lengths)]
    out[lengths == 0] = 0
    return out


def length_norms(lengths: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """BM25's length norm ``1 - b + b * length / average`` per field (float32[n]),
    from each document's length in the field (its token count, 0: not in the field);
    the average is over the documents with the field."""
    norm: dict[str, np.ndarray] = {}
    for f, raw in lengths.items():
        lengths_f = np.asarray(raw, dtype=np.float32)
        with_field = lengths_f[lengths_f > 0]
        avg = float(with_field.mean()) if with_field.size else 1.0
        b = B[f.split("_")[0]]
        norm[f] = (1 - b + b * lengths_f / avg).astype(np.float32)
    return norm


def date_number(day: date) -> float:
    """A note's date as RankingIndex.dates holds it: microseconds from ``datetime.min``
    to the day's midnight (Whoosh's DATETIME column value), so every backend's recency
    factor comes out the same to the last bit."""
    return float((day - date.min).days * 86_400_000_000)


def recency(dates: np.ndarray) -> np.ndarray:
    """Each document's date scaled to 0 (the oldest) .. 1 (the newest); 0 without one."""
    dated = dates[dates > 0]
    if not dated.size:
        return np.zeros(dates.size, dtype=np.float32)
    lo, hi = float(dated.min()), float(dated.max())
    out = np.where(dates > 0, (dates - lo) / max(hi - lo, 1.0), 0.0)
    return out.astype(np.float32)
