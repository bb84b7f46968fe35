"""A search's answer, engine-neutral: filters -> facets -> order -> the page's hits.

A backend gives one index state as a `Searchable` (its `RankingIndex`, `FacetTable`,
vocabulary and compound splitter, plus the synonyms and typo setting), a fresh `Budget`
and two callbacks for what only it can read: the page's hits (stored fields, snippets)
and a note's stored data (facet display forms).  ``answer`` returns the `SearchResult`
and whether it is partial (cut by the budget: not to be cached).  When fewer than
``LOOSE_BELOW`` notes have (almost) all of a query's words, a looser pass adds the notes
with some of them after those, so a misremembered word still finds the note; a note
with (almost) all the words that scores below the best of those is ranked among them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import numpy as np

from ..model import FACETS, Hit, SearchQuery, SearchResult
from ..present import corrections, facet_values, query_terms, suggestion
from ..query import ParsedQuery
from ..query.budget import Budget
from ..text.compounds import Compounds
from ..text.facetkeys import facet_key
from ..text.snippets import QueryTerms
from ..text.spelling import Vocabulary
from ..text.synonyms import Synonyms
from .collapse import WINDOW, collapse, with_partners
from .concepts import Node, concepts_of
from .facets import FacetTable, disjunctive_counts
from .index import RankingIndex
from .planner import QueryPlanner
from .scorer import Scored, Scorer
from .senses import choose_senses
from .when import FIRST_YEAR, LAST_YEAR

# A query of words side by side with fewer notes than this holding (almost) all of them
# also shows the notes holding some of them, after those: a first page is not left
# part-empty ("Freifunk Netzwerk": 8 notes have both words, the notes about Freifunk
# that never say "Netzwerk" follow).  It was 5; 10 lifted topical P@10 0.794 -> 0.806.
LOOSE_BELOW = 10

# The page's hits: (document, score) best first, and the forms snippets mark (None: no
# snippets) -> the hits, from the backend's stored fields.
HitsFn = Callable[[list[tuple[int, float]], QueryTerms | None], list[Hit]]
# A document number -> its note's stored data ("speakers", "tags", ...: FacetTable.display).
StoredFn = Callable[[int], Mapping[str, Any]]


@dataclass
class Searchable:
    """One index state as the ranking reads it.

    ``vocab``: the unstemmed fields' words (:class:`~eventsearch.text.spelling.Vocabulary`;
    its ``reader`` only needs ``doc_frequency(field, word)``, so a RankingIndex will do);
    ``compounds``: its compound splitter; ``synonyms``: None for none; ``typos``: False
    turns typo corrections off.
    """

    index: RankingIndex
    facets: FacetTable
    vocab: Vocabulary | None
    compounds: Compounds | None
    synonyms: Synonyms | None = None
    typos: bool = True


def plan_query(state: Searchable, parsed: ParsedQuery, budget: Budget,
               verbatim: bool = False) -> tuple[Scorer, Node | None]:
    """The query's concepts and their variants (synonyms, compounds, typo fixes,
    wildcard expansions), within the budget, and the scorer to score them.
    ``verbatim``: typo fixes are looked up (for "did you mean") but not searched."""
    scorer = Scorer(state.index, budget)
    planner = QueryPlanner(state.vocab, state.compounds, state.synonyms, typos=state.typos,
                           budget=budget, index=state.index, verbatim=verbatim,
                           typed=parsed.text)
    planner.stem_df = scorer.stem_df
    plan = planner.plan(parsed.plan)
    choose_senses(plan, scorer, state.compounds)
    return scorer, plan


def highlight_terms(state: Searchable, parsed: ParsedQuery, budget: Budget) -> QueryTerms:
    """What a note page should mark for a parsed query: the forms the snippets mark."""
    if parsed.plan is None:
        return QueryTerms()
    _, plan = plan_query(state, parsed, budget)
    if plan is None:
        return QueryTerms()
    return query_terms([c for c, positive in concepts_of(plan) if positive])


def answer(state: Searchable, budget: Budget, parsed: ParsedQuery, request: SearchQuery,
           hits: HitsFn, stored_data: StoredFn) -> tuple[SearchResult, bool]:
    """One page of results with facets for a request and its parsed query, and whether
    the result is partial.  ``budget``: made once the index's tables are loaded (its
    clock runs from then)."""
    index, table = state.index, state.facets
    scorer, plan = plan_query(state, parsed, budget, verbatim=request.verbatim)
    if plan is None and parsed.plan is not None:
        plan = ("none",)  # only stop words or only exclusions: nothing to find

    evaluated: Scored | None
    if plan is None:
        evaluated = None
        mask = index.alive.copy()
    elif plan == ("none",):
        evaluated = None
        mask = np.zeros(index.n, dtype=bool)
    else:
        evaluated = scorer.evaluate(plan)
        strict = evaluated.mask if evaluated.strict is None else evaluated.strict
        mask = strict & index.alive
    weak: set[int] = set()  # matched some word only through a weak expansion
    if evaluated is not None and evaluated.strong is not None:
        weak = set(np.flatnonzero(mask & ~evaluated.strong).tolist())
    matched = set(np.flatnonzero(mask).tolist())
    selected: dict[str, set[str]] = {}
    for f in FACETS:
        values = set(getattr(request, f.plural))
        if f.in_query:
            values.update(getattr(parsed, f.plural))
        selected[f.name] = {k for v in values if (k := facet_key(f.name, v))}
    passing = {name: table.docs_with(name, keys) for name, keys in selected.items() if keys}
    matched = apply_global_filters(index, table, matched, request, parsed)
    hits_set = matched.intersection(*passing.values()) if passing else matched
    strict_total = len(hits_set)
    expanded = hits_set & weak
    loose: set[int] = set()
    if evaluated is not None and evaluated.any_word is not None and strict_total < LOOSE_BELOW:
        # the looser pass: notes with some of the words, after those with (almost) all
        # (``matched`` is within ``mask``: what the filters took from it they take again)
        wider = set(np.flatnonzero(evaluated.any_word & index.alive & ~mask).tolist())
        wider = apply_global_filters(index, table, wider, request, parsed)
        loose = wider.intersection(*passing.values()) if passing else wider
        matched |= wider
        hits_set = hits_set | loose
    full = None if evaluated is None or not hits_set else scorer.rank_scores(plan, evaluated)
    if loose and full is not None and request.sort == "relevance":
        # a note with (almost) all the words only through matches that score below a
        # note with some of them (dictionary senses it does not mean: "cracked" -> brach,
        # "screen" -> sichten) is ranked with those, by its score
        best_loose = float(full[list(loose)].max())
        loose |= {d for d in hits_set - loose if full[d] < best_loose}
        strict_total = len(hits_set - loose)
        expanded -= loose

    # a nested facet (months) is counted inside one selected outer value (a year)
    shown = [f.name for f in FACETS if request.facets and (
        f.within is None or len(selected[f.within]) == 1 or selected[f.name])]
    # facets count the notes that match what was typed (all, when none does)
    counted = (matched - weak) or matched
    counts = disjunctive_counts(table, counted, passing, shown)
    for f in FACETS:
        if f.within and f.name in counts and len(selected[f.within]) == 1:
            (outer,) = selected[f.within]  # its keys start with the outer key: "2019-05"
            counts[f.name] = type(counts[f.name])(
                {k: c for k, c in counts[f.name].items() if k.startswith(outer + "-")})
    facets = {name: facet_values(name, counts[name], selected[name],
                                 functools.partial(table.display, name,
                                                   stored_data=stored_data))
              for name in shown}

    concepts = [c for c, positive in concepts_of(plan if evaluated else None) if positive]
    skip, per_page = (request.page - 1) * request.per_page, request.per_page
    start = 0 if skip + 2 * per_page <= WINDOW else skip  # deep pages: within the page
    window = rank_order(index, full, hits_set, request, start,
                        skip + 2 * per_page, loose, expanded)  # one page more: partners
    page = collapse(window, skip - start, per_page, lambda docs: hits(docs, None))
    terms = query_terms(concepts) if request.snippets else None
    shown_hits = flag_expanded(page.page, page_hits(hits, page.page, terms, loose), expanded)
    result = SearchResult(
        query=request.q, total=len(hits_set), page=request.page,
        per_page=request.per_page, hits=with_partners(shown_hits, page.partners),
        facets=facets, messages=parsed.messages + loose_message(strict_total, loose)
        + budget.final_messages(),
        collapsed=page.folded, strict_total=strict_total if loose else None,
        expanded_total=len(expanded),
    )
    result.corrections = corrections(request.q, concepts)
    # "did you mean" only for what was not corrected already
    result.suggestion = suggestion(request.q, [c for c in concepts if not c.corrected],
                                   strict_total)
    return result, budget.partial


def page_hits(hits: HitsFn, page: list[tuple[int, float]], terms: QueryTerms | None,
              loose: set[int]) -> list[Hit]:
    """The page's hits, the looser pass's flagged ``loose`` (they come after the others
    in every sort order), so the page can draw the line between the two kinds."""
    if not loose or not any(d in loose for d, _ in page):
        return hits(page, terms)
    strict = [p for p in page if p[0] not in loose]
    rest = [p for p in page if p[0] in loose]
    return [*(hits(strict, terms) if strict else []),
            *(replace(h, loose=True) for h in hits(rest, terms))]


def flag_expanded(order: list[tuple[int, float]], shown: list[Hit],
                  expanded: set[int]) -> list[Hit]:
    """The hits, those of ``expanded`` documents flagged ``expansion_only`` (none when a
    note vanished meanwhile and the hits no longer line up with the documents)."""
    if not expanded or len(order) != len(shown):
        return shown
    return [replace(h, expansion_only=True) if doc in expanded else h
            for (doc, _), h in zip(order, shown, strict=True)]


def loose_message(strict_total: int, loose: set[int]) -> list[str]:
    """What the looser pass says when it added notes."""
    if not loose:
        return []
    if not strict_total:
        return ["No note matches (almost) all the words well; weaker matches follow."]
    match = "note matches" if strict_total == 1 else "notes match"
    return [f"Only {strict_total} {match} (almost) all the words well; weaker matches follow."]


def rank_order(index: RankingIndex, full: np.ndarray | None, hits_set: set[int],
               request: SearchQuery, start: int, stop: int,
               loose: set[int] | None = None,
               expanded: set[int] | None = None) -> list[tuple[int, float]]:
    """The documents ranked ``start`` to ``stop`` (0-based), best first, with their
    scores (``full``: every note's relevance score; None: no words to rank by, so by
    date).  ``loose``: the looser pass's notes, after all others in the same order
    (for relevance the coordination factor puts notes with more of the words first).
    ``expanded``: notes that match some word only through a weak expansion, after
    those that match what was typed (and before the looser pass's)."""
    if not hits_set:
        return []
    ids = np.fromiter(hits_set, dtype=np.int64, count=len(hits_set))
    scores = np.zeros(ids.size, dtype=np.float32) if full is None else full[ids]
    keys: tuple[np.ndarray, ...]
    if request.sort == "oldest":  # oldest first, then best, then path order; undated last
        dates = index.dates[ids]
        keys = (ids, -scores, np.where(dates > 0, dates, np.inf))
    elif request.sort == "date" or full is None:
        keys = (ids, -scores, -index.dates[ids])  # newest first, then best, then path order
    else:
        keys = (ids, -scores)
    if (loose or expanded) and full is not None:
        tier = np.zeros(ids.size, dtype=np.int8)
        for rank, docs in ((1, expanded), (2, loose)):
            if docs:
                tier[np.isin(ids, np.fromiter(docs, dtype=np.int64, count=len(docs)))] = rank
        keys += (tier,)
    page = ids[np.lexsort(keys)][start:stop]
    return [(int(d), float(full[d]) if full is not None else 0.0) for d in page]


def apply_global_filters(index: RankingIndex, table: FacetTable, matched: set[int],
                         request: SearchQuery, parsed: ParsedQuery) -> set[int]:
    """Filters that are not facets: dates, drafts and `-tag:x` exclusions."""
    since = max(filter(None, (request.since, parsed.since)), default=None)
    until = min(filter(None, (request.until, parsed.until)), default=None)
    if since or until:
        inside = set(np.flatnonzero(index.date_mask(since, until) & index.alive).tolist())
        # a note with only a year (Note.year) is inside a range that holds all of its year
        inside |= table.docs_with("year", [str(y) for y in range(FIRST_YEAR, LAST_YEAR + 1)
                                           if (not since or date(y, 1, 1) >= since)
                                           and (not until or date(y, 12, 31) <= until)])
        matched &= inside
    if not request.include_drafts:
        matched -= set(np.flatnonzero(index.drafts).tolist())
    field_of = {f.plural: f.name for f in FACETS if f.in_query}
    for target, keys in parsed.exclude.items():
        matched -= table.docs_with(field_of[target],
                                   [facet_key(field_of[target], k) for k in keys])
    return matched
