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
   that repeats one of them.  A note whose title holds the words gains up to 10%
   (TITLE_SHARE): a known item is often remembered by its title.
4. Adjacent query words found next to each other in the note (a sloppy phrase:
   "Julien Simon") add a bonus, and a tiny recency factor (at most +0.5%) breaks near-ties.
   A month and a year typed side by side favour the notes of that month (when.py).
5. Alongside, which notes match through the words as typed or strong variants
   (``Scored.strong``): a note that needs a weak one (compound parts apart, a typo fix
   of a word that exists) is ranked after those and counted apart.

Everything runs on numpy vectors over the documents of one index state, read through a
:class:`~eventsearch.rank.index.RankingIndex` (postings, term frequencies, phrase
matches): engine-neutral, so every backend ranks alike.  The concepts and their
variants come from planner.py.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import cast

import numpy as np

from ..query.budget import Budget
from ..text.analyze import fold, stem_de, stem_en
from .concepts import (
    MAX_PATTERN_TERMS,
    W_STEM,
    W_SYNONYM,
    Alt,
    Concept,
    Node,
    concepts_of,
    pattern_alts,
    plain_form,
)
from .index import RankingIndex
from .umlauts import written_without
from .when import MONTH_SHARE, month_mask
from .wildcards import every_word

# Field weights (BM25F boosts) per field role; length normalisation (b) is in index.py.
BOOST = {"title": 3.0, "meta": 2.0, "body": 1.0}
K1 = 1.2
TITLE_BONUS = 0.5  # added (times idf) when the word is in the title
# A note gains this share times (the share of the words typed that its title holds, as
# typed, by a stem or a synonym) squared.
TITLE_SHARE = 0.1
COORD_POWER = 2.0
PROXIMITY_WEIGHT = 0.5
PROXIMITY_SLOP = 3
# Recency only breaks near-ties: the newest note gains at most this share of its score,
# so it passes an older one only when their scores are within 0.5% (template newsletters,
# monthly meetups).  0.03 lifted recent notes over the older one asked for.
RECENCY_WEIGHT = 0.005


@dataclass
class Scored:
    score: np.ndarray
    mask: np.ndarray
    matched: np.ndarray  # concepts matched per document
    total: int  # concepts under this node
    # words side by side (2+ concepts): the notes with (almost) all of them, and those
    # with any (the looser pass); ``mask`` is ``strict``, or ``any_word`` when it is empty
    strict: np.ndarray | None = None
    any_word: np.ndarray | None = None
    # the notes that match as ``mask`` does through the words as typed or strong variants
    # (stems, synonyms, compound parts side by side); the rest of ``mask`` matched some
    # word only through a weak expansion
    strong: np.ndarray | None = None


class Scorer:
    """Scores one planned query over one index generation."""

    def __init__(self, index: RankingIndex, budget: Budget | None = None) -> None:
        self.index = index
        self.budget = budget  # its time limit skips concepts after the first
        self._words: dict[tuple[str, str | None, bool | str], np.ndarray] = {}
        self._in_title: dict[tuple[str, str | None, bool | str], np.ndarray] = {}
        self.concept_scores: dict[int, np.ndarray] = {}
        self.concept_strong: dict[int, np.ndarray] = {}
        self.concept_titled: dict[int, np.ndarray] = {}  # the notes with it in the title
        self._concepts_done = 0

    def stem_df(self, word: str) -> int:
        folded = plain_form(word)
        total = 0
        for lang, stem in (("en", stem_en(folded)), ("de", fold(stem_de(word.lower())))):
            for role in ("title", "body"):
                if f"{role}_{lang}" in self.index.fields:
                    total = max(total, self.index.doc_frequency(f"{role}_{lang}", stem))
        return total

    # BM25F over one set of (field, term) pairs
    def _bm25f(self, pairs: list[tuple[str, str, float]]) -> tuple[np.ndarray, np.ndarray]:
        """The scores, and which notes have a term in the title."""
        st = self.index
        tfn = np.zeros(st.n, dtype=np.float32)
        in_title = np.zeros(st.n, dtype=bool)
        for fieldname, term, boost in pairs:
            ids, tf = st.postings(fieldname, term)
            if ids.size:
                # a term's documents are distinct: a plain indexed add (np.add.at is slow)
                tfn[ids] += boost * tf / st.norm[fieldname][ids]
                if fieldname.startswith("title"):
                    in_title[ids] = True
        df = int(np.count_nonzero(tfn))
        if not df:
            return tfn, in_title
        idf = math.log(1 + (st.doc_count - df + 0.5) / (df + 0.5))
        # Saturation caps what a title match can add inside BM25F; a word in the title says
        # what the note is about, so it also gets a bonus outside the saturation.
        score = idf * (tfn * (K1 + 1) / (tfn + K1) + TITLE_BONUS * in_title)
        return score.astype(np.float32), in_title

    def word_score(self, word: str, where: str | None, stem: bool | str = True) -> np.ndarray:
        """BM25F of a word as typed, and (``stem``: True for both languages, or "de")
        of its stems at W_STEM."""
        key = (word, where, stem)
        cached = self._words.get(key)
        if cached is not None:
            return cached
        exact_pairs, stem_pairs = self.lookups(word, where, stem)
        score, in_title = self._bm25f(exact_pairs)
        if stem_pairs:
            stemmed, stem_title = self._bm25f(stem_pairs)
            score, in_title = np.maximum(score, W_STEM * stemmed), in_title | stem_title
        self._words[key], self._in_title[key] = score, in_title
        return score

    def lookups(self, word: str, where: str | None, stem: bool | str
               ) -> tuple[list[tuple[str, str, float]], list[tuple[str, str, float]]]:
        """The (field, term, boost) a word is looked up as: as typed, and by its stems."""
        roles = [where] if where else ["title", "meta", "body"]
        folded = plain_form(word)
        exact = [(r, folded, BOOST[r]) for r in roles if r in self.index.fields]
        stems = []
        if stem:
            for lang, form in (("en", stem_en(folded)), ("de", fold(stem_de(word)))):
                if stem is not True and stem != lang:
                    continue
                stems += [(f"{r}_{lang}", form, BOOST[r]) for r in roles
                          if f"{r}_{lang}" in self.index.fields]
        return exact, stems

    def alt_score(self, alt: Alt, where: str | None) -> np.ndarray:
        words = [w for w in alt.words if w]
        if len(words) == 1:
            return self.word_score(words[0], where, alt.stem)
        scores = [self.word_score(w, where, alt.stem) for w in words]
        mask = np.logical_and.reduce([s > 0 for s in scores])
        return np.where(mask, sum(scores) / len(scores), 0).astype(np.float32)

    def concept(self, c: Concept) -> np.ndarray:
        st = self.index
        if c.pattern is not None:
            return self._pattern(c)
        best = np.zeros(st.n, dtype=np.float32)
        strong = np.zeros(st.n, dtype=bool)
        # typed with umlauts, written without them: another word (Förderung, Forderung)
        misspelt = written_without(st, c.text) if c.single_word else None
        titled = np.zeros(st.n, dtype=bool)
        for alt in c.alts:
            s = self.alt_score(alt, c.where)
            best = np.maximum(best, alt.weight * s)
            if alt.weight >= W_SYNONYM:
                titled |= self._titled(alt, c.where)
            firm = self.strong_matches(alt, c.where, s)
            if misspelt is not None and alt.kind == "exact":
                firm &= ~misspelt
            strong |= firm
        if c.phrase is not None:
            mask = self.phrase_mask(c.phrase, c.where, c.slop)
            best = np.where(mask, np.maximum(best, 1e-3), 0).astype(np.float32)
            strong = mask
        if c.when is not None:  # the notes of the month typed first (when.py)
            mask = self.month_mask(c.when, c.dated)
            if mask.any():
                floor = max(MONTH_SHARE * float(best.max()), 1e-3)
                best = np.where(mask, np.maximum(best, floor),
                                best * MONTH_SHARE).astype(np.float32)
                strong = strong | mask
        self.concept_scores[id(c)] = best
        self.concept_strong[id(c)] = strong
        self.concept_titled[id(c)] = titled & (best > 0)  # a phrase: where it is found
        return best

    def strong_matches(self, alt: Alt, where: str | None, s: np.ndarray) -> np.ndarray:
        """The notes an alternative matches strongly: all of them, none for a weak one
        (a typo fix of a word that exists), and for compound parts only the notes where
        they stand side by side ("Netzwerk-Sicherheit").  A note matching a word only
        weakly is ranked after the rest (answer.py).  (Measured and dropped: synonyms in
        a large share of the notes as weak, "talk" for "Vorträge"; compounds containing
        the word as weak: both cost topical precision.)"""
        mask = s > 0
        if alt.weak or not mask.any():
            return np.zeros_like(mask)
        if alt.kind == "split":
            return mask & self.phrase_mask(alt.words, where, 1)
        return mask

    def _pattern(self, c: Concept) -> np.ndarray:
        st = self.index
        roles = [c.where] if c.where else ["title", "meta", "body"]
        assert c.pattern is not None
        if c.expansions is not None:  # expanded by the planner, within the budget
            mask = st.docs_with_any(roles, c.expansions)
            return self._pattern_scores(c, c.expansions[:MAX_PATTERN_TERMS], mask)
        # no budget: every word of the pattern (as Whoosh's Prefix and Wildcard expand)
        top, every = every_word(st, c.pattern, roles)
        return self._pattern_scores(c, top[:MAX_PATTERN_TERMS], st.docs_with_any(roles, every))

    def _pattern_scores(self, c: Concept, top: list[str], mask: np.ndarray) -> np.ndarray:
        """A wildcard concept scores its words in the most notes; every note holding
        any of its words matches."""
        st = self.index
        c.alts = pattern_alts(top)
        best = np.zeros(st.n, dtype=np.float32)
        titled = np.zeros(st.n, dtype=bool)
        for alt in c.alts:
            best = np.maximum(best, alt.weight * self.alt_score(alt, c.where))
            titled |= self._titled(alt, c.where)
        best = np.where(mask, np.maximum(best, 0.05), 0).astype(np.float32)
        self.concept_scores[id(c)] = best
        self.concept_strong[id(c)] = best > 0
        self.concept_titled[id(c)] = titled
        return best

    def _titled(self, alt: Alt, where: str | None) -> np.ndarray:
        """The notes with all of a scored alternative's words in the title."""
        return np.logical_and.reduce([self._in_title[(w, where, alt.stem)]
                                      for w in alt.words if w])

    def month_mask(self, when: tuple[int, int], dated: tuple[str, ...] = ()) -> np.ndarray:
        """The notes of a month (when.py): phrase matches over the whole index, ~60 ms at
        25k notes, so kept with the index state for its later searches."""
        key = ("month", *when)
        mask = self.index.memo.get(key)
        if mask is None:
            mask = self.index.memo[key] = month_mask(self.index, *when, dated)
        return mask

    def phrase_mask(self, words: tuple[str, ...], where: str | None, slop: int) -> np.ndarray:
        roles = [where] if where else ["title", "meta", "body"]
        return self.index.phrase_mask(roles, [plain_form(w) for w in words], slop)

    # -- the tree ----------------------------------------------------------------------

    def evaluate(self, node: Node) -> Scored:
        """The node's scores and matches.  Concepts skipped for lack of time count as
        absent (like stop words); the first concept is always searched."""
        result = self._evaluate(node)
        if result is None:  # nothing searched at all (cannot happen with a concept)
            n = self.index.n
            return Scored(np.zeros(n, np.float32), np.zeros(n, bool), np.zeros(n, np.int16), 0)
        return result

    def _out_of_time(self) -> bool:
        if self.budget is None or not self._concepts_done or not self.budget.out_of_time():
            return False
        self.budget.cut()
        return True

    def _evaluate(self, node: Node) -> Scored | None:
        n = self.index.n
        if isinstance(node, Concept):
            if self._out_of_time():
                return None
            s = self.concept(node)
            self._concepts_done += 1
            mask = s > 0
            return Scored(s, mask, mask.astype(np.int16), 1,
                          strong=self.concept_strong.get(id(node), mask) & mask)
        kind = node[0]
        if kind == "all":
            return Scored(np.zeros(n, np.float32), self.index.alive.copy(),
                          np.zeros(n, np.int16), 0)
        if kind == "maybe":
            a, b = self._evaluate(node[1]), self._evaluate(node[2])
            if a is None or b is None:
                return a or b
            return Scored(a.score + np.where(a.mask, b.score, 0), a.mask,
                          a.matched + np.where(a.mask, b.matched, 0).astype(np.int16),
                          a.total + b.total, strong=a.strong)
        if kind == "not":  # a bare NOT: everything but
            inner = self._evaluate(node[1])
            if inner is None:
                return None
            return Scored(np.zeros(n, np.float32), ~inner.mask, np.zeros(n, np.int16), 0)
        strict: np.ndarray | None = None
        any_word: np.ndarray | None = None
        positives = [r for c in node[1] if not _is_not(c) and (r := self._evaluate(c))]
        negatives = [r for c in node[1] if _is_not(c) and (r := self._evaluate(c[1]))]
        if not positives and not negatives:
            return None
        if not positives:
            mask = self.index.alive.copy()
            score = np.zeros(n, np.float32)
            matched = np.zeros(n, np.int16)
            total = 0
            strong = mask.copy()
        else:
            # sums of one or more arrays: arrays (sum's int start only for an empty list)
            score = cast(np.ndarray, sum(p.score for p in positives))
            matched = cast(np.ndarray, sum(p.matched for p in positives)).astype(np.int16)
            total = sum(p.total for p in positives)
            hits = cast(np.ndarray, sum(p.mask.astype(np.int16) for p in positives))
            firm = cast(np.ndarray, sum(_strong(p).astype(np.int16) for p in positives))
            if kind == "or":
                mask, strong = hits > 0, firm > 0
            elif kind == "and":
                mask, strong = hits == len(positives), firm == len(positives)
            else:
                mask = hits >= required(len(positives))
                strong = firm >= required(len(positives))
                if len(positives) > 1:
                    strict, any_word = mask, hits > 0
                if not mask.any():
                    mask, strong = hits > 0, firm > 0
        strong &= mask
        for neg in negatives:
            mask &= ~neg.mask
            strong &= ~neg.mask
            if strict is not None and any_word is not None:
                strict, any_word = strict & ~neg.mask, any_word & ~neg.mask
        return Scored(score, mask, matched, total, strict, any_word, strong)

    def proximity(self, node: Node) -> np.ndarray:
        """Bonus for adjacent query words that stand next to each other in a note."""
        bonus = np.zeros(self.index.n, dtype=np.float32)
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
                if a.when is not None and a.when == b.when:
                    mask = mask | self.month_mask(a.when, a.dated)
                bonus += np.where(mask, PROXIMITY_WEIGHT * (sa + sb), 0).astype(np.float32)
        return bonus

    def rank_scores(self, node: Node, result: Scored) -> np.ndarray:
        coord = np.ones(self.index.n, dtype=np.float32)
        if result.total > 1:
            coord = (result.matched / result.total).astype(np.float32) ** COORD_POWER
        final = (result.score + self.proximity(node)) * coord
        titled = [self.concept_titled[id(c)] for c, counts in concepts_of(node)
                  if counts and id(c) in self.concept_titled]
        if result.total > 1 and titled:
            share = np.minimum(sum(t.astype(np.float32) for t in titled), result.total)
            final = final * (1 + TITLE_SHARE * (share / result.total) ** 2)
        return final * (1 + RECENCY_WEIGHT * self.index.recency)


def required(n: int) -> int:
    """How many of n words typed side by side a note must contain ("AND-ish")."""
    if n <= 2:
        return n
    if n <= 4:
        return n - 1
    return math.ceil(n * 0.6)


def _strong(result: Scored) -> np.ndarray:
    return result.mask if result.strong is None else result.strong


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

