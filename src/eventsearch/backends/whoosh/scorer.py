"""Relevance: every query word becomes a *concept* with variants, scored with BM25F.

How a note's score is made (the README's "How ranking works" describes the same):

1. Each word of the query is a concept.  Its variants are the word as typed
   (unstemmed fields), its stems (the English and German stemmed fields),
   synonyms from the table, the parts of a German compound, the compounds of
   the index that contain it, and — only when the word is found in (almost) no
   note — typo corrections.  A variant's weight says how much a match through it
   is worth: exact 1.0 > stemmed 0.85 > synonym 0.8 > compound 0.6-0.75 > typo 0.5.
2. A variant is scored with BM25F: its term frequencies in title (x3), speakers,
   tags, event, path and date words (``meta``, x2) and body (x1) are length-
   normalised per field and summed *before* saturation, so a word counts once
   per note however many fields repeat it.  A concept scores its best variant.
3. The note's score is the sum over concepts, times (matched concepts / all
   concepts) squared: notes that contain every remembered word come first, which
   is what keeps a long report with all four words above a short talk record
   that repeats one of them.
4. Adjacent query words found next to each other in the note (a sloppy phrase:
   "Julien Simon") add a bonus, and a mild recency factor breaks ties.

Everything runs on numpy vectors over the documents of one index generation;
postings come from Whoosh's readers and are cached.
"""

from __future__ import annotations

import heapq
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np
from whoosh.matching.wrappers import FilterMatcher
from whoosh.query import (
    And,
    AndMaybe,
    AndNot,
    Every,
    FuzzyTerm,
    Not,
    NullQuery,
    Or,
    Phrase,
    Prefix,
    Query,
    Term,
    Wildcard,
)

from ...query.budget import Budget
from ...text.analyze import STOP_DE, STOP_EN, SUPPORTED, TOKEN_PATTERN, fold, stem_de, stem_en
from ...text.compounds import Compounds
from ...text.spelling import Vocabulary, max_typos
from ...text.synonyms import Synonyms
from .qparser import DEFAULT_FIELD, Implicit

STOP = STOP_EN | STOP_DE
_TOKEN = re.compile(TOKEN_PATTERN)

# Field weights (BM25F boosts) and length normalisation per field role.
BOOST = {"title": 3.0, "meta": 2.0, "body": 1.0}
B = {"title": 0.5, "meta": 0.5, "body": 0.6}
K1 = 1.2
TITLE_BONUS = 0.5  # added (times idf) when the word is in the title
# Variant weights: how much a match through each kind of variant is worth.
W_STEM = 0.85
W_SYNONYM = 0.8
W_SPLIT = 0.75
W_COMPOUND = 0.6
W_FUZZY = 0.5
W_PATTERN = 0.9
COORD_POWER = 2.0
PROXIMITY_WEIGHT = 0.5
PROXIMITY_SLOP = 3
RECENCY_WEIGHT = 0.03
MAX_PATTERN_TERMS = 30
POSTINGS_CACHE = 256


def plain_form(word: str) -> str:
    return fold(word.lower())


# -- the query as concepts ---------------------------------------------------------------


@dataclass
class Alt:
    """One way a concept can match: all of ``words`` in the note."""

    words: tuple[str, ...]  # lower-case, unfolded
    weight: float
    kind: str  # exact | synonym | split | compound | fuzzy | pattern
    stem: bool = True  # also look in the stemmed fields


@dataclass
class Concept:
    text: str  # as typed
    alts: list[Alt] = field(default_factory=list)
    where: str | None = None  # "title" | "body" | "meta": a field restriction
    phrase: tuple[str, ...] | None = None  # a quoted phrase
    slop: int = 1
    pattern: Query | None = None  # a prefix or wildcard term
    expansions: list[str] | None = None  # its words in the most notes, within the budget
    correction: str | None = None  # best typo fix, for "did you mean"
    unknown: bool = False  # the word as typed is in no note

    @property
    def single_word(self) -> str | None:
        if self.phrase is None and self.pattern is None and self.alts \
                and len(self.alts[0].words) == 1:
            return self.alts[0].words[0]
        return None


Node = Any  # Concept | ("implicit"|"and"|"or", [Node]) | ("not", Node) | ("maybe", a, b) | ("all",)


class QueryPlanner:
    """Turns a parsed Whoosh query tree into concepts with their variants."""

    def __init__(self, vocab: Vocabulary | None, compounds: Compounds | None,
                 synonyms: Synonyms | None, typos: bool = True,
                 budget: Budget | None = None) -> None:
        self.vocab = vocab
        self.compounds = compounds
        self.synonyms = synonyms
        self.typos = typos and vocab is not None
        self.stem_df: Any = None  # set by the scorer: word -> notes with one of its stems
        self.budget = budget  # None: no limits (wildcards expand through Whoosh)
        self.reader: Any = None  # the searching thread's reader (for term statistics)

    def plan(self, q: Query | None) -> Node | None:
        if q is None or q is NullQuery:
            return None
        return self._node(q)

    def _node(self, q: Query) -> Node | None:
        if isinstance(q, Implicit | And | Or):
            kind = "implicit" if isinstance(q, Implicit) else "and" if isinstance(q, And) \
                else "or"
            children = self._children(list(q.subqueries))
            return (kind, children) if children else None
        if isinstance(q, Not):
            child = self._node(q.query)
            return ("not", child) if child else None
        if isinstance(q, AndNot):
            a, b = self._node(q.a), self._node(q.b)
            if a is None:
                return None
            return ("and", [a, ("not", b)]) if b else a
        if isinstance(q, AndMaybe):
            a, b = self._node(q.a), self._node(q.b)
            if a is None:
                return b
            return ("maybe", a, b) if b else a
        if isinstance(q, Every):
            return ("all",)
        if isinstance(q, FuzzyTerm):
            return self.word(q.text, self._where(q), typos=max(1, q.maxdist), force=True)
        if isinstance(q, Prefix | Wildcard):
            text = plain_form(q.text)
            if not text.strip("*?"):
                return ("all",)
            pattern = (Prefix if isinstance(q, Prefix) else Wildcard)(DEFAULT_FIELD, text)
            concept = Concept(text=q.text + ("*" if isinstance(q, Prefix) else ""),
                              where=self._where(q), pattern=pattern)
            if self.budget is None or self.vocab is None:
                return concept
            return self._expand(concept, text if isinstance(q, Wildcard) else text + "*")
        if isinstance(q, Phrase):
            words = tuple(w.lower() for w in q.words)
            if not words:
                return None
            if len(words) == 1:
                return self.word(words[0], self._where(q))
            kept = tuple(w for w in words if w not in STOP) or words
            return Concept(text=" ".join(words), alts=[Alt(kept, 1.0, "exact")],
                           where=self._where(q), phrase=kept,
                           slop=1 + len(words) - len(kept))
        if isinstance(q, Term):
            return self.word(str(q.text), self._where(q))
        # anything else (ranges, odd nodes): search its words
        words = [str(t) for _, t in q.iter_all_terms()] if hasattr(q, "iter_all_terms") else []
        children = [c for w in words if (c := self.word(w, None))]
        return ("implicit", children) if children else None

    def _expand(self, concept: Concept, pattern: str) -> Concept | None:
        """The wildcard term's words, within the budget: the ones in the most notes.
        None (the term is left out, with a message) when the limits forbid it."""
        budget, vocab = self.budget, self.vocab
        assert budget is not None and vocab is not None
        limits = budget.limits
        shown = concept.text
        first = min(i for i in (pattern.find("*"), pattern.find("?")) if i >= 0)
        if first == 0:
            if not limits.leading_wildcards:
                budget.say(f"{shown} was left out: wildcards at the start of a word are off "
                           "here (they would compare every word of the index). Put some "
                           "letters before the * or ?.")
                return None
        elif "*" in pattern and first < limits.min_prefix:
            budget.say(f"{shown} was left out: a wildcard needs at least {limits.min_prefix} "
                       "letters before its *.")
            return None
        if not budget.take_term():
            budget.say(f"{shown} was left out: at most {limits.max_expanded_terms} wildcard, "
                       "~ or unusual words are expanded per query.", key="terms")
            return None
        keep = budget.expansions()
        if keep == 0:
            budget.say(f"{shown} was left out: the query's wildcards already expanded to "
                       f"{limits.max_query_expansions} words, the most one query may.",
                       key="query-expansions")
            return None
        literal = pattern[:first]
        rx = re.compile("".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch)
                                for ch in pattern))
        match = None if first == len(pattern) - 1 and pattern.endswith("*") else rx.fullmatch
        fields = [concept.where] if concept.where else ["title", "meta", "body"]
        dfs = self._pattern_dfs(literal, match, fields) if literal else \
            self._leading_dfs(pattern, match or rx.fullmatch, fields)
        found = [(-d, w) for w, d in dfs.items() if d]
        kept = [w for _, w in heapq.nsmallest(keep, found)]
        budget.spend(len(kept))
        if len(found) > len(kept):
            budget.say(f"{shown} matches {len(found):,} words; only the {len(kept)} found in "
                       "the most notes were searched.")
        concept.expansions = kept
        return concept

    def _pattern_dfs(self, literal: str, match: Any, fields: list[str]) -> dict[str, int]:
        """Each word starting with ``literal`` (and matching ``match``) with the notes
        it is in (its most common field), read in one pass over the term index: ~30x
        faster than asking for each word's frequency."""
        budget = self.budget
        assert budget is not None
        reader = self.reader if self.reader is not None else self.vocab.reader  # type: ignore[union-attr]
        best: dict[str, int] = {}
        seen = 0
        for name in fields:
            per: dict[str, int] = {}
            for leaf, _ in reader.leaf_readers():
                if name not in leaf.schema:
                    continue
                for btext, info in leaf.iter_prefix(name, literal):
                    seen += 1
                    if not seen & 255 and budget.out_of_time():
                        budget.cut()  # the words in the most notes among those read
                        return _max_into(best, per)
                    word = btext.decode("utf-8")
                    if match is None or match(word):
                        per[word] = per.get(word, 0) + info.doc_frequency()
            _max_into(best, per)
        return best

    def _leading_dfs(self, pattern: str, match: Any, fields: list[str]) -> dict[str, int]:
        """The words of a pattern that starts with a wildcard (when those are on): the
        vocabulary held in memory is matched, then each match's frequency asked."""
        budget, vocab = self.budget, self.vocab
        assert budget is not None and vocab is not None
        rest = pattern[1:]
        if pattern[0] == "*" and "*" not in rest and "?" not in rest:
            candidates: Iterable[str] = vocab.with_suffix(rest)
        else:
            candidates = filter(match, vocab.sorted)
        reader = self.reader if self.reader is not None else vocab.reader
        out: dict[str, int] = {}
        for n, word in enumerate(candidates):
            if n & 63 == 63 and budget.out_of_time():
                budget.cut()
                break
            out[word] = max(reader.doc_frequency(name, word) for name in fields)
        return out

    @staticmethod
    def _where(q: Query) -> str | None:
        name = getattr(q, "fieldname", DEFAULT_FIELD)
        return None if name == DEFAULT_FIELD else name

    def _children(self, subs: list[Query]) -> list[Node]:
        """Child nodes; runs of plain words that form a synonym entry become one concept."""
        out: list[Node] = []
        i = 0
        while i < len(subs):
            if self.synonyms is not None and self._plain_term(subs[i]):
                run = []
                j = i
                while j < len(subs) and self._plain_term(subs[j]):
                    run.append(str(subs[j].text).lower())
                    j += 1
                k = 0
                while k < len(run):
                    n = self.synonyms.longest_match(run, k) if len(run) - k > 1 else 0
                    if n > 1:
                        words = tuple(run[k:k + n])
                        concept = Concept(text=" ".join(words),
                                          alts=[Alt(tuple(w for w in words if w not in STOP),
                                                    1.0, "exact")])
                        concept.alts += [Alt(e, W_SYNONYM, "synonym")
                                         for e in self.synonyms.alternatives(words)]
                        out.append(concept)
                        k += n
                    else:
                        node = self.word(run[k], None)
                        if node is not None:
                            out.append(node)
                        k += 1
                i = j
                continue
            node = self._node(subs[i])
            if node is not None:
                out.append(node)
            i += 1
        return out

    @staticmethod
    def _plain_term(q: Query) -> bool:
        return type(q) is Term and q.fieldname == DEFAULT_FIELD and q.boost == 1.0

    def word(self, text: str, where: str | None, typos: int = 0,
             force: bool = False) -> Concept | None:
        """A concept for one typed word, with all its variants."""
        word = text.lower()
        if word in STOP and not force:
            return None
        concept = Concept(text=text, alts=[Alt((word,), 1.0, "exact")], where=where)
        folded = plain_form(word)
        if self.synonyms is not None:
            concept.alts += [Alt(e, W_SYNONYM, "synonym")
                             for e in self.synonyms.alternatives((word,))]
        if self.compounds is not None and folded.isalpha():
            parts = self.compounds.split(folded)
            if parts:
                concept.alts.append(Alt(parts, W_SPLIT, "split"))
            concept.alts += [Alt((c,), W_COMPOUND, "compound", stem=False)
                             for c in self.compounds.expansions(folded)]
        if self.typos and self.vocab is not None:
            df = self.vocab.df(folded)
            concept.unknown = df == 0
            if force:
                keep = self._may_expand(text, force=True)
                fixes = list(self.vocab.corrections(folded, typos)[:min(5, keep)]) \
                    if keep else []
                if self.budget is not None:
                    self.budget.spend(len(fixes))
            elif df < 3 and max_typos(folded) and (self.stem_df is None
                                                   or self.stem_df(word) < 3) \
                    and self._may_expand(text):
                fixes = self.vocab.typo_fixes(folded)
            else:
                fixes = []
            # A word that is in no note is surely misspelt: its corrections are stemmed too.
            # A rare word that exists may be right: its corrections count less, unstemmed.
            known = df > 0
            weight = W_FUZZY * (0.6 if known else 1.0)
            concept.alts += [Alt((w,), weight * (1.0 if dist == 1 else 0.8), "fuzzy",
                                 stem=not known)
                             for w, dist, _ in fixes]
            if fixes and not force:
                concept.correction = fixes[0][0]
        return concept


    def _may_expand(self, text: str, force: bool = False) -> int:
        """How many spelling variants of a word may be looked up (0: none) within the
        budget; typo lookups compare the word with the vocabulary, a few ms each."""
        budget = self.budget
        if budget is None:
            return 5
        if budget.out_of_time():
            budget.cut()
            return 0
        if not budget.take_term():
            budget.say(f"Spelling variants were looked up for the first "
                       f"{budget.limits.max_expanded_terms} wildcard, ~ or unusual words only.",
                       key="terms")
            return 0
        if force and not budget.expansions():
            budget.say(f"{text}~ was searched as typed: the query's wildcard and ~ terms "
                       f"already expanded to {budget.limits.max_query_expansions} words.",
                       key="query-expansions")
        return budget.expansions() if force else 5


def _max_into(best: dict[str, int], per: dict[str, int]) -> dict[str, int]:
    for word, d in per.items():
        if d > best.get(word, 0):
            best[word] = d
    return best


def concepts_of(node: Node | None, positive: bool = True) -> Iterable[tuple[Concept, bool]]:
    """Every concept in the tree, with whether it counts for ranking (not under a NOT)."""
    if node is None:
        return
    if isinstance(node, Concept):
        yield node, positive
        return
    kind = node[0]
    if kind == "not":
        yield from concepts_of(node[1], False)
    elif kind == "maybe":
        yield from concepts_of(node[1], positive)
        yield from concepts_of(node[2], positive)
    elif kind != "all":
        for child in node[1]:
            yield from concepts_of(child, positive)


# -- per-generation statistics -------------------------------------------------------------


@dataclass
class StatsPart:
    """One segment's field lengths (before normalisation) and dates."""

    lengths: dict[str, np.ndarray]
    dates: np.ndarray


def stat_fields(schema) -> list[str]:  # type: ignore[no-untyped-def]
    """The fields BM25F scores, as far as the index has them."""
    return [f for f in ("title", "body", "meta",
                        *(f"{r}_{lang}" for r in ("title", "body") for lang in SUPPORTED))
            if f in schema]


def segment_stats(leaf) -> StatsPart:  # type: ignore[no-untyped-def]
    """Read one segment's field lengths and dates from Whoosh."""
    count = leaf.doc_count_all()
    return StatsPart({f: _field_lengths(leaf, f, count) for f in stat_fields(leaf.schema)},
                     _dates(leaf, count))


class IndexStats:
    """Field length norms, dates and cached postings of one index reader, as arrays.

    Built from the reader's segments (``segment_stats``, in order); which documents
    are alive always comes from the reader itself.
    """

    def __init__(self, reader, parts: list[StatsPart] | None = None) -> None:  # type: ignore[no-untyped-def]
        self.reader = reader
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
        self.norm: dict[str, np.ndarray] = {}
        for f in self.fields:
            lengths = _joined([p.lengths[f] for p in parts], self.n, np.float32)
            with_field = lengths[lengths > 0]
            avg = float(with_field.mean()) if with_field.size else 1.0
            b = B[f.split("_")[0]]
            self.norm[f] = (1 - b + b * lengths / avg).astype(np.float32)
        self.dates = _joined([p.dates for p in parts], self.n, np.float64)
        self.recency = _recency(self.dates)
        self._cache: OrderedDict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()

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


def _leaf_postings(m, deleted: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """All (document, term frequency) pairs of one segment's postings, block by block,
    without the segment's ``deleted`` documents."""
    if deleted is not None and isinstance(m, FilterMatcher):
        # A segment with deletions wraps its postings in a matcher that skips them one
        # posting at a time in Python; reading whole blocks and dropping them is ~10x faster.
        ids, weights = _leaf_postings(m.child)
        keep = ~np.isin(ids, deleted)
        return ids[keep], weights[keep]
    ids: list[Any] = []
    weights: list[Any] = []
    if type(m).__name__ == "W3LeafMatcher":  # fast path: whole blocks as arrays
        while m.is_active():
            m._read_ids()
            m._read_weights()
            ids.append(np.asarray(m._ids, dtype=np.int64)[m._i:])
            weights.append(np.asarray(m._weights, dtype=np.float32)[m._i:])
            m._next_block()
        if ids:
            return np.concatenate(ids), np.concatenate(weights)
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    while m.is_active():  # any other matcher (e.g. one that skips deleted documents)
        ids.append(m.id())
        weights.append(m.weight())
        m.next()
    return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float32)


def _field_lengths(leaf, fieldname: str, count: int) -> np.ndarray:  # type: ignore[no-untyped-def]
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


def _dates(leaf, n: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Each document's date as a sortable number (0 when it has none)."""
    out = np.zeros(n, dtype=np.float64)
    if "date" not in leaf.schema or not leaf.has_column("date"):
        return out
    col = leaf.column_reader("date", translate=False)
    values = np.array([float(v) for v in col], dtype=np.float64)
    values[(values <= 0) | (values >= 2**63 - 2**20)] = 0
    out[:values.size] = values[:n]
    return out


def _recency(dates: np.ndarray) -> np.ndarray:
    dated = dates[dates > 0]
    if not dated.size:
        return np.zeros(dates.size, dtype=np.float32)
    lo, hi = float(dated.min()), float(dated.max())
    out = np.where(dates > 0, (dates - lo) / max(hi - lo, 1.0), 0.0)
    return out.astype(np.float32)


# -- scoring --------------------------------------------------------------------------------


@dataclass
class Scored:
    score: np.ndarray
    mask: np.ndarray
    matched: np.ndarray  # concepts matched per document
    total: int  # concepts under this node


class Scorer:
    """Scores one planned query over one index generation."""

    def __init__(self, stats: IndexStats, searcher,  # type: ignore[no-untyped-def]
                 budget: Budget | None = None) -> None:
        self.stats = stats
        self.searcher = searcher
        self.budget = budget  # its time limit skips concepts after the first
        self._words: dict[tuple[str, str | None, bool], np.ndarray] = {}
        self.concept_scores: dict[int, np.ndarray] = {}
        self._concepts_done = 0

    def stem_df(self, word: str) -> int:
        folded = plain_form(word)
        total = 0
        for lang, stem in (("en", stem_en(folded)), ("de", fold(stem_de(word.lower())))):
            for role in ("title", "body"):
                if f"{role}_{lang}" in self.stats.fields:
                    total = max(total, self.stats.df(f"{role}_{lang}", stem))
        return total

    # BM25F over one set of (field, term) pairs
    def _bm25f(self, pairs: list[tuple[str, str, float]]) -> np.ndarray:
        st = self.stats
        tfn = np.zeros(st.n, dtype=np.float32)
        in_title = np.zeros(st.n, dtype=bool)
        for fieldname, term, boost in pairs:
            ids, tf = st.postings(fieldname, term, self.searcher.reader())
            if ids.size:
                np.add.at(tfn, ids, boost * tf / st.norm[fieldname][ids])
                if fieldname.startswith("title"):
                    in_title[ids] = True
        df = int(np.count_nonzero(tfn))
        if not df:
            return tfn
        idf = math.log(1 + (st.n - df + 0.5) / (df + 0.5))
        # Saturation caps what a title match can add inside BM25F; a word in the title says
        # what the note is about, so it also gets a bonus outside the saturation.
        return (idf * (tfn * (K1 + 1) / (tfn + K1) + TITLE_BONUS * in_title)).astype(np.float32)

    def word_score(self, word: str, where: str | None, stem: bool = True) -> np.ndarray:
        key = (word, where, stem)
        cached = self._words.get(key)
        if cached is not None:
            return cached
        roles = [where] if where else ["title", "meta", "body"]
        folded = plain_form(word)
        exact = self._bm25f([(r, folded, BOOST[r]) for r in roles if r in self.stats.fields])
        score = exact
        if stem:
            pairs = []
            for lang, form in (("en", stem_en(folded)), ("de", fold(stem_de(word)))):
                for r in roles:
                    name = f"{r}_{lang}"
                    if name in self.stats.fields:
                        pairs.append((name, form, BOOST[r]))
            if pairs:
                score = np.maximum(exact, W_STEM * self._bm25f(pairs))
        self._words[key] = score
        return score

    def alt_score(self, alt: Alt, where: str | None) -> np.ndarray:
        words = [w for w in alt.words if w]
        if len(words) == 1:
            return self.word_score(words[0], where, alt.stem)
        scores = [self.word_score(w, where, alt.stem) for w in words]
        mask = np.logical_and.reduce([s > 0 for s in scores])
        return np.where(mask, sum(scores) / len(scores), 0).astype(np.float32)

    def concept(self, c: Concept) -> np.ndarray:
        st = self.stats
        if c.pattern is not None:
            return self._pattern(c)
        best = np.zeros(st.n, dtype=np.float32)
        for alt in c.alts:
            best = np.maximum(best, alt.weight * self.alt_score(alt, c.where))
        if c.phrase is not None:
            mask = self.phrase_mask(c.phrase, c.where, c.slop)
            best = np.where(mask, np.maximum(best, 1e-3), 0).astype(np.float32)
        self.concept_scores[id(c)] = best
        return best

    def _pattern(self, c: Concept) -> np.ndarray:
        st = self.stats
        roles = [c.where] if c.where else ["title", "meta", "body"]
        assert c.pattern is not None
        if c.expansions is not None:  # expanded by the planner, within the budget
            mask = self._terms_mask(roles, c.expansions)
            return self._pattern_scores(c, c.expansions[:MAX_PATTERN_TERMS], mask)
        terms: set[str] = set()
        queries = []
        for r in roles:
            q = c.pattern.__class__(r, c.pattern.text)
            queries.append(q)
            for _, t in q.expanded_terms(self.searcher.reader()):
                terms.add(t.decode("utf-8") if isinstance(t, bytes) else t)
                if len(terms) > 2000:
                    break
        mask = self._expansions_mask(queries)
        top = sorted(terms, key=lambda t: (-max(st.df(r, t) for r in roles), t))[:MAX_PATTERN_TERMS]
        return self._pattern_scores(c, top, mask)

    def _pattern_scores(self, c: Concept, top: list[str], mask: np.ndarray) -> np.ndarray:
        """A wildcard concept scores its words in the most notes; every note holding
        any of its words matches."""
        st = self.stats
        c.alts = [Alt((t,), W_PATTERN, "pattern", stem=False) for t in top]
        best = np.zeros(st.n, dtype=np.float32)
        for alt in c.alts:
            best = np.maximum(best, alt.weight * self.alt_score(alt, c.where))
        best = np.where(mask, np.maximum(best, 0.05), 0).astype(np.float32)
        self.concept_scores[id(c)] = best
        return best

    def _terms_mask(self, roles: list[str], words: list[str]) -> np.ndarray:
        """The documents holding any of the words in any of the fields (postings read
        a block at a time, as in ``_expansions_mask``)."""
        st = self.stats
        mask = np.zeros(st.n, dtype=bool)
        encoded = [w.encode("utf-8") for w in words]
        for leaf, base in self.searcher.reader().leaf_readers():
            dead = st._dead.get(base)
            for fieldname in roles:
                for btext in encoded:
                    if (fieldname, btext) in leaf:
                        ids, _ = _leaf_postings(leaf.postings(fieldname, btext), dead)
                        mask[ids + base] = True
        return mask

    def _expansions_mask(self, queries: list[Any]) -> np.ndarray:
        """The documents holding any word the wildcard queries expand to, from each
        word's postings read a block at a time: Whoosh's union of thousands of term
        matchers (``pro*``) walks them one posting at a time, ~1 s at 21.7k notes."""
        st = self.stats
        mask = np.zeros(st.n, dtype=bool)
        for leaf, base in self.searcher.reader().leaf_readers():
            dead = st._dead.get(base)
            for q in queries:
                for fieldname, btext in q.expanded_terms(leaf):
                    ids, _ = _leaf_postings(leaf.postings(fieldname, btext), dead)
                    mask[ids + base] = True
        return mask

    def docs_mask(self, q: Query) -> np.ndarray:
        mask = np.zeros(self.stats.n, dtype=bool)
        ids = list(self.searcher.docs_for_query(q))
        if ids:
            mask[ids] = True
        return mask

    def phrase_mask(self, words: tuple[str, ...], where: str | None, slop: int) -> np.ndarray:
        roles = [where] if where else ["title", "meta", "body"]
        folded = [plain_form(w) for w in words]
        return self.docs_mask(Or([Phrase(r, folded, slop=slop) for r in roles]))

    # -- the tree ----------------------------------------------------------------------

    def evaluate(self, node: Node) -> Scored:
        """The node's scores and matches.  Concepts skipped for lack of time count as
        absent (like stop words); the first concept is always searched."""
        result = self._evaluate(node)
        if result is None:  # nothing searched at all (cannot happen with a concept)
            n = self.stats.n
            return Scored(np.zeros(n, np.float32), np.zeros(n, bool), np.zeros(n, np.int16), 0)
        return result

    def _out_of_time(self) -> bool:
        if self.budget is None or not self._concepts_done or not self.budget.out_of_time():
            return False
        self.budget.cut()
        return True

    def _evaluate(self, node: Node) -> Scored | None:
        n = self.stats.n
        if isinstance(node, Concept):
            if self._out_of_time():
                return None
            s = self.concept(node)
            self._concepts_done += 1
            mask = s > 0
            return Scored(s, mask, mask.astype(np.int16), 1)
        kind = node[0]
        if kind == "all":
            return Scored(np.zeros(n, np.float32), self.stats.alive.copy(),
                          np.zeros(n, np.int16), 0)
        if kind == "maybe":
            a, b = self._evaluate(node[1]), self._evaluate(node[2])
            if a is None or b is None:
                return a or b
            return Scored(a.score + np.where(a.mask, b.score, 0), a.mask,
                          a.matched + np.where(a.mask, b.matched, 0).astype(np.int16),
                          a.total + b.total)
        if kind == "not":  # a bare NOT: everything but
            inner = self._evaluate(node[1])
            if inner is None:
                return None
            return Scored(np.zeros(n, np.float32), ~inner.mask, np.zeros(n, np.int16), 0)
        positives = [r for c in node[1] if not _is_not(c) and (r := self._evaluate(c))]
        negatives = [r for c in node[1] if _is_not(c) and (r := self._evaluate(c[1]))]
        if not positives and not negatives:
            return None
        if not positives:
            mask = self.stats.alive.copy()
            score = np.zeros(n, np.float32)
            matched = np.zeros(n, np.int16)
            total = 0
        else:
            score = sum(p.score for p in positives)
            matched = sum(p.matched for p in positives).astype(np.int16)
            total = sum(p.total for p in positives)
            hits = sum(p.mask.astype(np.int16) for p in positives)
            if kind == "or":
                mask = hits > 0
            elif kind == "and":
                mask = hits == len(positives)
            else:
                mask = hits >= required(len(positives))
                if not mask.any():
                    mask = hits > 0
        for neg in negatives:
            mask &= ~neg.mask
        return Scored(score, mask, matched, total)

    def proximity(self, node: Node) -> np.ndarray:
        """Bonus for adjacent query words that stand next to each other in a note."""
        bonus = np.zeros(self.stats.n, dtype=np.float32)
        for group in _implicit_groups(node):
            words = [c for c in group if isinstance(c, Concept)]
            for a, b in pairwise(words):
                wa, wb = a.single_word, b.single_word
                if not wa or not wb or a.where or b.where:
                    continue
                sa = self.concept_scores.get(id(a))
                sb = self.concept_scores.get(id(b))
                if sa is None or sb is None:
                    continue
                if self._out_of_time():  # the bonus only reorders: skip the rest
                    return bonus
                mask = self.phrase_mask((wa, wb), None, PROXIMITY_SLOP)
                bonus += np.where(mask, PROXIMITY_WEIGHT * (sa + sb), 0).astype(np.float32)
        return bonus

    def rank_scores(self, node: Node, result: Scored) -> np.ndarray:
        coord = np.ones(self.stats.n, dtype=np.float32)
        if result.total > 1:
            coord = (result.matched / result.total).astype(np.float32) ** COORD_POWER
        final = (result.score + self.proximity(node)) * coord
        return final * (1 + RECENCY_WEIGHT * self.stats.recency)


def required(n: int) -> int:
    """How many of n words typed side by side a note must contain ("AND-ish")."""
    if n <= 2:
        return n
    if n <= 4:
        return n - 1
    return math.ceil(n * 0.6)


def _is_not(node: Node) -> bool:
    return isinstance(node, tuple) and node[0] == "not"


def _implicit_groups(node: Node) -> Iterable[list[Node]]:
    if isinstance(node, tuple) and node[0] in ("implicit", "and", "or"):
        if node[0] == "implicit":
            yield node[1]
        for child in node[1]:
            yield from _implicit_groups(child)
    elif isinstance(node, tuple) and node[0] == "maybe":
        yield from _implicit_groups(node[1])
        yield from _implicit_groups(node[2])
