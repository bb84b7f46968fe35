"""Wildcard and prefix terms: the index words they stand for, within the query's budget.

A pattern is matched against the term index (one pass over the words with its literal
start) or, for a leading wildcard, the vocabulary held in memory; the words in the most
notes are kept.
"""

from __future__ import annotations

import fnmatch
import heapq
import re
from collections.abc import Callable, Iterable
from typing import Any

from ..query.budget import Budget
from ..text.spelling import Vocabulary
from .concepts import Concept, pattern_alts
from .index import RankingIndex


def _silent(message: str, key: str | None = None) -> None:
    """Budget.say for what the search did on its own (a prefix added while typing)."""


def expand(concept: Concept, pattern: str, budget: Budget, vocab: Vocabulary,
           index: RankingIndex | None, quiet: bool = False) -> Concept | None:
    """The wildcard term's words, within the budget: the ones in the most notes.
    None (the term is left out, with a message) when the limits forbid it.
    ``quiet``: a prefix the search added while typing says nothing of its cuts (the
    user typed no ``*``; the word itself is searched beside it anyway)."""
    say = _silent if quiet else budget.say
    limits = budget.limits
    shown = concept.text
    first = min(i for i in (pattern.find("*"), pattern.find("?")) if i >= 0)
    if first == 0:
        if not limits.leading_wildcards:
            say(f"{shown} was left out: wildcards at the start of a word are off "
                       "here (they would compare every word of the index). Put some "
                       "letters before the * or ?.")
            return None
    elif "*" in pattern and first < limits.min_prefix:
        say(f"{shown} was left out: a wildcard needs at least {limits.min_prefix} "
                   "letters before its *.")
        return None
    if not budget.take_term():
        say(f"{shown} was left out: at most {limits.max_expanded_terms} wildcard, "
                   "~ or unusual words are expanded per query.", key="terms")
        return None
    keep = budget.expansions()
    if keep == 0:
        say(f"{shown} was left out: the query's wildcards already expanded to "
                   f"{limits.max_query_expansions} words, the most one query may.",
                   key="query-expansions")
        return None
    literal = pattern[:first]
    rx = re.compile("".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch)
                            for ch in pattern))
    match = None if first == len(pattern) - 1 and pattern.endswith("*") else rx.fullmatch
    fields = [concept.where] if concept.where else ["title", "meta", "body"]
    dfs = _pattern_dfs(literal, match, fields, budget, index) if literal else \
        _leading_dfs(pattern, match or rx.fullmatch, fields, budget, vocab, index)
    found = [(-d, w) for w, d in dfs.items() if d]
    kept = [w for _, w in heapq.nsmallest(keep, found)]
    budget.spend(len(kept))
    if len(found) > len(kept):
        say(f"{shown} matches {len(found):,} words; only the {len(kept)} found in "
                   "the most notes were searched.")
    concept.expansions = kept
    # its words as alternatives now, not only once scored: a note page (which does not
    # score) marks them too; the scorer sets the same ones
    concept.alts = pattern_alts(kept)
    return concept

def _pattern_dfs(literal: str, match: Any, fields: list[str], budget: Budget,
                 index: RankingIndex | None) -> dict[str, int]:
    """Each word starting with ``literal`` (and matching ``match``) with the notes
    it is in (its most common field), read in one pass over the term index: ~30x
    faster than asking for each word's frequency."""
    assert index is not None, "wildcards expand through the planner's index"
    best: dict[str, int] = {}
    seen = 0
    for name in fields:
        per: dict[str, int] = {}
        for word, df in index.iter_prefix(name, literal):
            seen += 1
            if not seen & 255 and budget.out_of_time():
                budget.cut()  # the words in the most notes among those read
                return _max_into(best, per)
            if match is None or match(word):
                per[word] = per.get(word, 0) + df
        _max_into(best, per)
    return best

def _leading_dfs(pattern: str, match: Any, fields: list[str], budget: Budget,
                 vocab: Vocabulary, index: RankingIndex | None) -> dict[str, int]:
    """The words of a pattern that starts with a wildcard (when those are on): the
    vocabulary held in memory is matched, then each match's frequency asked."""
    rest = pattern[1:]
    if pattern[0] == "*" and "*" not in rest and "?" not in rest:
        candidates: Iterable[str] = vocab.with_suffix(rest)
    else:
        candidates = filter(match, vocab.sorted)
    stats = index if index is not None else vocab.reader
    out: dict[str, int] = {}
    for n, word in enumerate(candidates):
        if n & 63 == 63 and budget.out_of_time():
            budget.cut()
            break
        out[word] = max(stats.doc_frequency(name, word) for name in fields)
    return out


def _max_into(best: dict[str, int], per: dict[str, int]) -> dict[str, int]:
    for word, d in per.items():
        if d > best.get(word, 0):
            best[word] = d
    return best


def every_word(index: RankingIndex, pattern: str, roles: list[str]) -> tuple[list[str], list[str]]:
    """With no budget, as Whoosh's Prefix and Wildcard expand: the pattern's first 2,000
    words or so by the notes they are in, and all of its words (for which notes match)."""
    literal, match = _matcher(pattern)
    terms: set[str] = set()
    every: set[str] = set()
    for r in roles:
        found = [t for t, _ in index.iter_prefix(r, literal) if match is None or match(t)]
        every.update(found)
        for t in found:
            terms.add(t)
            if len(terms) > 2000:
                break
    top = sorted(terms, key=lambda t: (-max(index.doc_frequency(r, t) for r in roles), t))
    return top, sorted(every)


def _matcher(pattern: str) -> tuple[str, Callable[[str], object] | None]:
    """A wildcard pattern's literal start and, unless it is a plain prefix ("kube*"),
    the test its words pass (fnmatch's, as Whoosh's Wildcard)."""
    if pattern.endswith("*") and not _SPECIAL.search(pattern[:-1]):
        return pattern[:-1], None
    # the start Whoosh's Wildcard reads the term index from
    first = next((i for i, ch in enumerate(pattern) if ch in "*?["), len(pattern) - 1)
    return pattern[:first], re.compile(fnmatch.translate(pattern)).match


_SPECIAL = re.compile(r"[*?\[]")
