"""What a search reads from PostgreSQL: per-generation tables and per-term postings.

``Tables`` holds one generation's per-document arrays (live mask, drafts, length
norms, dates), its facet table and vocabulary: loaded once per generation per process
(stateless web servers each load them after a reindex) and shared by all threads.
``PgRanking`` is the `rank.index.RankingIndex` the shared ranking code scores with:
postings come from ``es_terms`` (one primary-key lookup per term, cached per
generation), phrases are checked by PostgreSQL on the candidates' tsvectors.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import numpy as np

from ...model import FACET_NAMES
from ...rank.facets import FacetColumn, FacetTable
from ...rank.index import date_number, length_norms, quantised_lengths, recency
from ...text.compounds import Compounds
from ...text.spelling import Vocabulary, WordsPart
from .schema import FIELD_ID, FIELDS, TEXT_FIELDS

MAX_CACHED_DFS = 100_000
POSTINGS_CACHE_BYTES = 256 << 20  # postings kept in memory per process (a common word
# at a million notes is ~6 MB of arrays per field)
MAX_PHRASE_FORMS = 32  # slop alternatives spelt out in a tsquery; past that: all words


class Tables:
    """One generation's arrays, facet table and vocabulary (see the module docstring)."""

    def __init__(self, conn: Any, generation: int, next_doc: int, written: int) -> None:
        self.generation = generation
        n = self.n = max(next_doc, 1)
        self.doc_count = written  # as Whoosh counts: every note written, replaced ones too
        # a note with a year but no date (Note.year) keeps the year in its data alone
        rows = conn.execute("SELECT doc, draft, day, lengths, tags, speakers, lang, event, "
                            "CASE WHEN day IS NULL THEN data::jsonb ->> 'year' END "
                            "FROM es_notes ORDER BY doc").fetchall()
        docs = np.array([r[0] for r in rows], dtype=np.int64)
        self.alive = np.zeros(n, dtype=bool)
        self.alive[docs] = True
        self.drafts = np.zeros(n, dtype=bool)
        self.drafts[docs] = [bool(r[1]) for r in rows]
        self.dates = np.zeros(n, dtype=np.float64)
        self.dates[docs] = [date_number(r[2]) if r[2] else 0 for r in rows]
        self.recency = recency(self.dates)
        lengths = np.zeros((len(FIELDS), n), dtype=np.float32)
        if rows:
            lengths[:, docs] = np.array([r[3] for r in rows], dtype=np.float32).T
        self.fields = list(FIELDS)
        self.norm = length_norms({name: quantised_lengths(lengths[FIELD_ID[name]])
                                  for name in FIELDS})
        keys: dict[str, list[list[str]]] = {name: [] for name in FACET_NAMES}
        for _doc, _draft, day, _lengths, tags, speakers, lang, event, year in rows:
            keys["tag"].append(tags)
            keys["speaker"].append(speakers)
            keys["event"].append([event] if event else [])
            keys["lang"].append([lang])
            keys["year"].append([str(day.year)] if day else [year] if year else [])
            keys["month"].append([f"{day.year}-{day.month:02d}"] if day else [])
        self.facets = FacetTable(n, self.alive, {name: _facet_column(n, docs, lists)
                                                 for name, lists in keys.items()})
        plain = [FIELD_ID[f] for f in TEXT_FIELDS]
        self.word_df = dict(conn.execute(
            "SELECT term, max(df) FROM es_terms WHERE field = ANY(%s) GROUP BY term "
            "ORDER BY term", (plain,)).fetchall())
        words = list(self.word_df)
        stems = [t for (t,) in conn.execute(
            "SELECT DISTINCT term FROM es_terms WHERE field = ANY(%s) ORDER BY term",
            ([FIELD_ID["title_de"], FIELD_ID["body_de"]],))]
        self.vocab = Vocabulary(self, [WordsPart(words, sorted(w[::-1] for w in words),
                                                 stems)])
        self.compounds = Compounds(self.vocab)
        self.postings: OrderedDict[tuple[str, str], tuple[np.ndarray, np.ndarray, int]] = \
            OrderedDict()
        self.cached_bytes = 0
        self.dfs: dict[tuple[str, str], int] = {}  # dfs asked without their postings
        self.memo: dict[Any, Any] = {}  # what the ranking keeps for this generation
        self.lock = threading.Lock()


    def doc_frequency(self, field: str, word: str) -> int:
        """What the vocabulary asks: notes with the word in its most common unstemmed
        field (the same for every such field asked)."""
        return self.word_df.get(word, 0)


class PgRanking:
    """The RankingIndex of one generation, reading through one connection (a search's)."""

    def __init__(self, tables: Tables, conn: Any) -> None:
        self.tables = tables
        self.conn = conn
        self.n = tables.n
        self.doc_count = tables.doc_count
        self.alive = tables.alive
        self.drafts = tables.drafts
        self.fields = tables.fields
        self.norm = tables.norm
        self.dates = tables.dates
        self.recency = tables.recency
        self.memo = tables.memo

    def _load(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray, int]:
        t = self.tables
        key = (field, term)
        with t.lock:
            hit = t.postings.get(key)
            if hit is not None:
                t.postings.move_to_end(key)
                return hit
        row = self.conn.execute("SELECT docs, tfs, df FROM es_terms WHERE field = %s "
                                "AND term = %s", (FIELD_ID[field], term)).fetchone()
        found = _unpacked(row, t.alive) if row else (np.zeros(0, np.int64),
                                                     np.zeros(0, np.float32), 0)
        with t.lock:
            if key not in t.postings:
                t.postings[key] = found
                t.cached_bytes += found[0].nbytes + found[1].nbytes
            while t.cached_bytes > POSTINGS_CACHE_BYTES and len(t.postings) > 1:
                _, (docs, tfs, _df) = t.postings.popitem(last=False)
                t.cached_bytes -= docs.nbytes + tfs.nbytes
        return found

    def postings(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        docs, tfs, _ = self._load(field, term)
        return docs, tfs

    def doc_frequency(self, field: str, term: str) -> int:
        """A term's df: from its cached postings, else its row's df column alone (the
        planner asks many words' frequencies whose postings it never reads)."""
        if field not in FIELD_ID:
            return 0
        t = self.tables
        key = (field, term)
        with t.lock:
            hit = t.postings.get(key)
            df = hit[2] if hit is not None else t.dfs.get(key)
        if df is None:
            row = self.conn.execute("SELECT df FROM es_terms WHERE field = %s AND term = %s",
                                    (FIELD_ID[field], term)).fetchone()
            df = int(row[0]) if row else 0
            with t.lock:
                if len(t.dfs) >= MAX_CACHED_DFS:
                    t.dfs.clear()
                t.dfs[key] = df
        return df

    def iter_prefix(self, field: str, prefix: str) -> Iterable[tuple[str, int]]:
        if field not in FIELD_ID:
            return []
        if not prefix:
            return self.conn.execute("SELECT term, df FROM es_terms WHERE field = %s "
                                     "ORDER BY term", (FIELD_ID[field],)).fetchall()
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        return self.conn.execute(
            "SELECT term, df FROM es_terms WHERE field = %s AND term >= %s AND term < %s "
            "ORDER BY term", (FIELD_ID[field], prefix, upper)).fetchall()

    def docs_with_any(self, fields: Sequence[str], terms: Sequence[str]) -> np.ndarray:
        mask = np.zeros(self.n, dtype=bool)
        ids = [FIELD_ID[f] for f in fields if f in FIELD_ID]
        if not ids or not terms:
            return mask
        for row in self.conn.execute("SELECT docs, tfs, df FROM es_terms WHERE field = "
                                     "ANY(%s) AND term = ANY(%s)", (ids, list(terms))):
            mask[_unpacked(row, self.alive)[0]] = True
        return mask

    def phrase_mask(self, fields: Sequence[str], words: Sequence[str], slop: int) -> np.ndarray:
        """Candidates hold every word in one field (postings); PostgreSQL checks their
        positions with a phrase tsquery on that field's tsvector of our tokens."""
        mask = np.zeros(self.n, dtype=bool)
        query = _phrase_tsquery(words, slop)
        for field in fields:
            if field not in TEXT_FIELDS or not words:
                continue
            candidates: np.ndarray | None = None
            for word in dict.fromkeys(words):
                docs = self.postings(field, word)[0]
                candidates = docs if candidates is None else np.intersect1d(
                    candidates, docs, assume_unique=True)
            if candidates is None or not candidates.size:
                continue
            found = self.conn.execute(
                f"SELECT doc FROM es_notes WHERE doc = ANY(%s) AND vec_{field} @@ "
                "%s::tsquery", (candidates.tolist(), query)).fetchall()
            mask[[d for (d,) in found]] = True
        return mask

    def date_mask(self, since: date | None, until: date | None) -> np.ndarray:
        d = self.dates
        mask = d > 0
        if since:
            mask &= d >= date_number(since)
        if until:
            mask &= d <= date_number(until)
        return mask


def _facet_column(n: int, docs: np.ndarray, lists: list[list[str]]) -> FacetColumn:
    """One facet's keys (sorted) and each document's keys as indexes into them."""
    keys = sorted({k for keys in lists for k in keys})
    at = {k: i for i, k in enumerate(keys)}
    counts = np.zeros(n, dtype=np.int64)
    counts[docs] = [len(keys) for keys in lists]
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    idx = np.array([at[k] for keys in lists for k in sorted(keys, key=at.__getitem__)],
                   dtype=np.int32)
    return keys, ptr, idx


def _unpacked(row: Any, alive: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """A term's live (documents, frequencies) and its df from an es_terms row."""
    docs = np.frombuffer(row[0], dtype=np.int32).astype(np.int64)
    tfs = np.frombuffer(row[1], dtype=np.uint16).astype(np.float32)
    keep = docs < alive.size  # a commit newer than these tables (cannot happen in one
    docs, tfs = docs[keep], tfs[keep]  # snapshot, but never index past the arrays)
    keep = alive[docs]
    return docs[keep], tfs[keep], int(row[2])


def _lexeme(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def _phrase_tsquery(words: Sequence[str], slop: int) -> str:
    """The words in order, each next one 1..slop positions after the one before (the
    Whoosh backend's phrase rule), as a tsquery."""
    lex = [_lexeme(w) for w in words]
    if slop <= 1 or len(lex) == 1:
        return " <-> ".join(lex)
    forms = slop ** (len(lex) - 1)
    if forms > MAX_PHRASE_FORMS:  # too many to spell out: every word, anywhere
        return " & ".join(lex)
    alternatives = []
    for gaps in itertools.product(range(1, slop + 1), repeat=len(lex) - 1):
        parts = [lex[0]]
        for gap, word in zip(gaps, lex[1:], strict=True):
            parts.append(f"<{gap}> {word}")
        alternatives.append("(" + " ".join(parts) + ")")
    return " | ".join(alternatives)
