"""A translation's sense chosen by what the other words of the query co-occur with.

The lexicon gives a word many translations, most of them wrong for a tech note
(Vortrag -> recitation, Speicher -> attic, gesucht -> looked up).  Alone, a word keeps
the translations in the most notes.  Typed beside other words, it keeps those found in
the most notes that also hold one of the other words (or their variants): "Helfer
gesucht Konferenz" keeps the helper of conference notes, "Crates" beside "cargo" drops
the German "Steigen".  This is the co-occurrence disambiguation of cross-language
retrieval (Ballesteros & Croft 1998), counted over the index itself.  Only the notes
where the sense would make the word count do: with the other words, (almost) all the
words of the query (the strict pass's rule, scorer.required); and a sense in many notes
counts less per note (`_association`).

The index's compounds of the chosen translations follow them (widen.py).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..text.compounds import Compounds
from .concepts import Alt, Concept, Node, concepts_of
from .scorer import Scorer, required
from .widen import variant_compounds

KEEP = 3  # translations searched per word


def choose_senses(plan: Node | None, scorer: Scorer, compounds: Compounds | None) -> None:
    """Trim every concept's candidate translations (``Concept.senses``) to the ``KEEP``
    that co-occur most with the rest of its group of words (alone, or when the search is
    out of time: the first ones), and add their compounds.  Counted from postings, so
    the cost follows the words' notes, not the index's size."""
    if plan is None:
        return
    chosen: dict[int, list[Alt]] = {}
    hurry = scorer.budget is not None and scorer.budget.out_of_time()
    for group in [] if hurry else _groups(plan):
        concepts = [c for c in group if isinstance(c, Concept) and c.pattern is None]
        if len(concepts) < 2 or not any(len(c.senses) > KEEP for c in concepts):
            continue
        held = {id(c): _concept_docs(scorer, c) for c in concepts}
        total = np.zeros(scorer.index.n, dtype=np.int16)
        for ids in held.values():
            total[ids] += 1
        need = max(1, required(len(concepts)) - 1)
        for c in concepts:
            if len(c.senses) <= KEEP:
                continue
            others = total.copy()
            others[held[id(c)]] -= 1
            context = others >= need
            scores = [_association(_docs(scorer, s, c.where), context) for s in c.senses]
            order = sorted(range(len(c.senses)), key=lambda i: (-scores[i], i))
            chosen[id(c)] = [c.senses[i] for i in order[:KEEP]]
    for c, _ in concepts_of(plan):
        if c.senses:
            _keep(c, chosen.get(id(c), c.senses[:KEEP]), compounds)


def _association(sense: np.ndarray, context: np.ndarray) -> float:
    """Notes with the sense (ids) in the context, over the root of the notes with the
    sense (a cosine: the context is the same for every sense of a word), so a common word
    does not win by being common (boss -> super, in 406 notes, against Chef)."""
    return int(np.count_nonzero(context[sense])) / max(1, sense.size) ** 0.5


def _docs(scorer: Scorer, alt: Alt, where: str | None) -> np.ndarray:
    """The notes an alternative matches (ids): all its words, as typed or stemmed, as
    Scorer.alt_score finds them, from their postings alone."""
    found: np.ndarray | None = None
    for word in (w for w in alt.words if w):
        exact, stems = scorer.lookups(word, where, alt.stem)
        ids = np.unique(np.concatenate([np.zeros(0, np.int64)] + [
            scorer.index.postings(field, term)[0] for field, term, _ in exact + stems]))
        found = ids if found is None else np.intersect1d(found, ids, assume_unique=True)
    return np.zeros(0, np.int64) if found is None else found


def _concept_docs(scorer: Scorer, c: Concept) -> np.ndarray:
    """The notes a concept matches through its word, synonyms, translations (the
    candidates too) and related forms: not typo fixes or compounds."""
    alts = {id(a): a for a in c.alts + c.senses}.values()  # the first senses are in both
    parts = [_docs(scorer, alt, c.where) for alt in alts
             if not alt.weak and alt.kind not in ("fuzzy", "compound")]
    return np.unique(np.concatenate([np.zeros(0, np.int64), *parts]))


def _keep(c: Concept, chosen: list[Alt], compounds: Compounds | None) -> None:
    dropped = {id(s) for s in c.senses} - {id(s) for s in chosen}
    c.alts = [a for a in c.alts if id(a) not in dropped]
    c.alts += [s for s in chosen if not any(s is a for a in c.alts)]
    c.alts += variant_compounds(compounds, c.single_word, chosen, {a.words for a in c.alts})
    c.senses = []


def _groups(node: Node) -> Iterable[list[Node]]:
    if isinstance(node, tuple) and node[0] in ("implicit", "and", "or"):
        yield node[1]
        for child in node[1]:
            yield from _groups(child)
    elif isinstance(node, tuple) and node[0] in ("maybe", "not"):
        for child in node[1:]:
            yield from _groups(child)
