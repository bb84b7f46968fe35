"""Variants that widen a translation or a synonym: the index's compounds that contain it.

A German note rarely says the one word a translation gives: an English "travel" finds
"Reise" through the lexicon, but the note says "Reiseantrag"; "early bird" finds
"Frühbucher", the note "Frühbucherrabatt"; "censorship" finds the synonym "Zensur", the
note "Internetzensur".  A word typed in German reaches such compounds through
``Compounds.expansions``; a translated word or a synonym does the same here, at its
weight times the compound weight.
"""

from __future__ import annotations

from ..text.compounds import Compounds
from .concepts import W_COMPOUND, Alt, plain_form

MAX_TRANSLATED_COMPOUNDS = 12  # per concept: the translations' compounds in the most notes


def translated_compounds(compounds: Compounds | None, translations: list[Alt],
                         known: set[tuple[str, ...]]) -> list[Alt]:
    """Compounds of the index that begin or end with a one-word translation (or
    synonym), as variants of its kind weighted below it (none already among ``known``)."""
    if compounds is None:
        return []
    out: list[Alt] = []
    seen = set(known)
    for alt in translations:
        if len(alt.words) != 1:
            continue
        for c in compounds.expansions(plain_form(alt.words[0])):
            if (c,) not in seen:
                seen.add((c,))
                out.append(Alt((c,), alt.weight * W_COMPOUND, alt.kind, stem=False))
    return out[:MAX_TRANSLATED_COMPOUNDS]


def variant_compounds(compounds: Compounds | None, word: str | None, variants: list[Alt],
                      known: set[tuple[str, ...]]) -> list[Alt]:
    """The compounds of a word's translations or synonyms, for a word German notes do
    not use in compounds of its own: with its own, theirs cost precision (performance ->
    Vorstellung -> Vorstellungsrunde)."""
    if compounds is None or not word or not plain_form(word).isalpha() \
            or compounds.expansions(plain_form(word)):
        return []
    return translated_compounds(compounds, variants, known)
