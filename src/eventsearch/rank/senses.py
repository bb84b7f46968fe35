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
from .concepts import Alt, Concept, Node, plain_form
from .scorer import Scorer, required
from .widen import translated_compounds

KEEP = 3  # translations searched per word


def choose_senses(plan: Node | None, scorer: Scorer, compounds: Compounds | None) -> None:
    """Trim every concept's candidate translations (``Concept.senses``) to the ``KEEP``
    that co-occur most with the rest of its group of words (alone: the first ones), and
    add their compounds."""
    if plan is None:
        return
    chosen: dict[int, list[Alt]] = {}
    for group in _groups(plan):
        concepts = [c for c in group if isinstance(c, Concept) and c.pattern is None]
        if len(concepts) < 2 or not any(len(c.senses) > KEEP for c in concepts):
            continue
        masks = {id(c): _mask(scorer, c, c.alts + c.senses) for c in concepts}
        for c in concepts:
            if len(c.senses) <= KEEP:
                continue
            others = np.sum([masks[id(o)] for o in concepts if o is not c], axis=0)
            context = np.asarray(others >= max(1, required(len(concepts)) - 1))
            scores = [_association(_mask(scorer, c, [s]), context) for s in c.senses]
            order = sorted(range(len(c.senses)), key=lambda i: (-scores[i], i))
            chosen[id(c)] = [c.senses[i] for i in order[:KEEP]]
    for c in _all_concepts(plan):
        if c.senses:
            _keep(c, chosen.get(id(c), c.senses[:KEEP]), compounds)


def _association(sense: np.ndarray, context: np.ndarray) -> float:
    """Notes with the sense in the context, over the root of the notes with the sense (a
    cosine: the context is the same for every sense of a word), so a common word does not
    win by being common (boss -> super, in 406 notes, against Chef)."""
    return int(np.count_nonzero(sense & context)) / max(1, int(np.count_nonzero(sense))) ** 0.5


def _keep(c: Concept, chosen: list[Alt], compounds: Compounds | None) -> None:
    dropped = {id(s) for s in c.senses} - {id(s) for s in chosen}
    c.alts = [a for a in c.alts if id(a) not in dropped]
    c.alts += [s for s in chosen if not any(s is a for a in c.alts)]
    word = c.single_word
    if compounds is not None and word and plain_form(word).isalpha() \
            and not compounds.expansions(plain_form(word)):
        # a word German notes do not use in compounds: its translations' compounds
        c.alts += translated_compounds(compounds, chosen, {a.words for a in c.alts})
    c.senses = []


def _mask(scorer: Scorer, c: Concept, alts: list[Alt]) -> np.ndarray:
    out = np.zeros(scorer.index.n, dtype=bool)
    for alt in alts:
        if alt.weak or alt.kind in ("fuzzy", "compound"):
            continue
        out |= scorer.alt_score(alt, c.where) > 0
    return out


def _groups(node: Node) -> Iterable[list[Node]]:
    if isinstance(node, tuple) and node[0] in ("implicit", "and", "or"):
        yield node[1]
        for child in node[1]:
            yield from _groups(child)
    elif isinstance(node, tuple) and node[0] in ("maybe", "not"):
        for child in node[1:]:
            yield from _groups(child)


def _all_concepts(node: Node) -> Iterable[Concept]:
    if isinstance(node, Concept):
        yield node
    elif isinstance(node, tuple):
        for child in node[1:]:
            if isinstance(child, list):
                for c in child:
                    yield from _all_concepts(c)
            else:
                yield from _all_concepts(child)
