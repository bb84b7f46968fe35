"""Presenting what a search found: facet values, the "did you mean" query and the
forms snippets mark.  Engine-neutral: works on facet counts (dicts) and on what it reads
of a backend's understood query words (`Understood`, a Protocol the planner's
concepts satisfy, rank/planner.py); rank/answer.py calls it for each result.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Protocol

from .model import FACET_BY_NAME, FacetValue
from .text.analyze import fold, stem_de, stem_en
from .text.snippets import Expansion, QueryTerms, TermGroup

FACET_LIMIT = 30  # values per facet returned (selected ones always included)
SUGGEST_BELOW = 5  # results under which a typo fix is offered as "did you mean"


class Variant(Protocol):
    """One way a query word can match: all of ``words`` (``stem``: stemmed forms too,
    True for both languages' stems or "de" for the German one only)."""

    @property
    def words(self) -> Sequence[str]: ...

    @property
    def stem(self) -> bool | str: ...

    @property
    def kind(self) -> str: ...


class Understood(Protocol):
    """A query word or phrase as a backend understood it: the text as typed, its
    variants, and its likely typo fix."""

    @property
    def text(self) -> str: ...

    @property
    def alts(self) -> Sequence[Variant]: ...

    @property
    def correction(self) -> str | None: ...

    @property
    def unknown(self) -> bool: ...

    @property
    def pattern(self) -> str | None: ...

    @property
    def corrected(self) -> bool: ...


def same_case(typed: str, fix: str) -> str:
    """The correction written the way the user wrote the word ("Kuberntes" -> "Kubernetes")."""
    if len(typed) > 1 and typed.isupper():
        return fix.upper()
    if typed[:1].isupper():
        return fix[:1].upper() + fix[1:]
    return fix


def suggestion(text: str, concepts: Sequence[Understood], total: int) -> str | None:
    """The query with its likely typos corrected, when it found little."""
    fixes = [c for c in concepts if c.correction and (c.unknown or total < SUGGEST_BELOW)]
    out = corrected_query(text, [(c.text, c.correction) for c in fixes if c.correction])
    return out if out.casefold() != text.casefold() else None


def corrections(text: str, concepts: Sequence[Understood]) -> list[dict[str, str]]:
    """The typo corrections searched for a query: [{"from": typed, "to": fix}], once each,
    written as the user wrote the word in ``text`` ("Kuberntes" -> "Kubernetes")."""
    out: dict[str, str] = {}
    for c in concepts:
        if c.corrected and c.correction:
            m = re.search(rf"(?<!\w){re.escape(c.text)}(?!\w)", text, flags=re.IGNORECASE)
            typed = m.group() if m else c.text
            out.setdefault(typed, same_case(typed, c.correction))
    return [{"from": typed, "to": fix} for typed, fix in out.items()]


def corrected_query(text: str, fixes: Iterable[tuple[str, str]]) -> str:
    """The query as typed with each (typed word, fix) replaced, in the user's case."""
    out = text
    for typed, fix in fixes:
        def fixed(m: re.Match[str], fix: str = fix) -> str:
            return same_case(m.group(), fix)

        out = re.sub(rf"(?<!\w){re.escape(typed)}(?!\w)", fixed, out,
                     count=1, flags=re.IGNORECASE)
    return out


def facet_values(name: str, counts: Mapping[str, int], selected: set[str],
                 display: Callable[[str], str]) -> list[FacetValue]:
    """One facet's values for the result: the selected ones first (pinned, so a choice
    never moves or hides), then the most frequent, years and months newest first.
    ``counts``: key -> matching notes; ``display``: a key's form as people wrote it
    ("aws summit" -> "AWS Summit")."""
    def best_first(items: Iterable[tuple[str, int]]) -> list[str]:
        return [k for k, _ in sorted(items, key=lambda kv: (-kv[1], kv[0]))]

    if FACET_BY_NAME[name].by_date:
        pinned = sorted(selected, reverse=True)
        keys = [k for k in sorted(counts, reverse=True) if k not in selected]
    else:
        pinned = best_first((k, counts.get(k, 0)) for k in selected)
        items: Iterable[tuple[str, int]] = counts.items()
        if len(counts) > FACET_LIMIT:  # sort only what can make the top (speakers: 10k+)
            floor = heapq.nlargest(FACET_LIMIT, counts.values())[-1]
            items = [(k, c) for k, c in items if c >= floor]
        keys = [k for k in best_first(items)[:FACET_LIMIT] if k not in selected]
    return [FacetValue(value=display(k), key=k, count=counts.get(k, 0),
                       selected=k in selected) for k in pinned + keys]


# how a hit says it matched through a planner variant ("exact" and wildcard words: not said)
VIA_KIND = {"synonym": "synonym", "translation": "translation", "split": "part",
            "compound": "compound", "fuzzy": "correction"}


def query_terms(concepts: Iterable[Understood]) -> QueryTerms:
    """Every form a hit may contain for the snippet to mark: words as typed, stems,
    synonyms, compound parts and expansions, typo corrections, wildcard expansions;
    and per query word, which of them are expansions (for a hit's ``matched_via``)."""
    plain: set[str] = set()
    en: set[str] = set()
    de: set[str] = set()
    groups: list[TermGroup] = []
    for concept in concepts:
        exact: tuple[frozenset[str], ...] = ()
        expansions: list[Expansion] = []
        for alt in concept.alts:
            needs = []
            for word in alt.words:
                folded = fold(word.lower())
                plain.add(folded)
                keys = {folded}
                if alt.stem is True:
                    en.add(stem_en(folded))
                    keys.add("en:" + stem_en(folded))
                if alt.stem is True or alt.stem == "de":
                    de.add(stem_de(word.lower()))
                    keys.add("de:" + stem_de(word.lower()))
                needs.append(frozenset(keys))
            if alt.kind == "exact" and not exact:
                exact = tuple(needs)
            elif alt.kind in VIA_KIND and needs:
                expansions.append(Expansion(" ".join(alt.words), VIA_KIND[alt.kind],
                                            tuple(needs)))
        if concept.unknown:  # a word in no note: its typo fixes explain it best
            expansions.sort(key=lambda e: e.kind != "correction")
        if exact and expansions and concept.pattern is None:
            groups.append(TermGroup(concept.text, exact, tuple(expansions)))
    return QueryTerms(frozenset(plain), frozenset(en), frozenset(de), tuple(groups))
