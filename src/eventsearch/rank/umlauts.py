"""A word typed with umlauts, and the notes that write another word without them.

Index and query fold umlauts (text/analyze.py ``fold``), so "Fussabdruck" finds
"Fußabdruck" and "Vortraege" "Vorträge".  But some words differ only by an umlaut:
Förderung (funding) and Forderung (demand), Bücher and Bucher.  A word typed with an
umlaut says which one is meant.  The ``umlaut`` field keeps each note's words with
umlauts (and the German stems with them: text/analyze.py ``umlaut_keys``); a note that
has the typed word only spelt without its umlauts, and no form of it with them,
matches the word weakly: after the notes that write it as typed, counted apart.
Only the word as typed is checked: "Vorträge" still finds "Vortrag" through its stem,
since no note writes "Vortrage".
"""

from __future__ import annotations

import re
from itertools import product

import numpy as np

from ..text.analyze import fold, umlaut_form, umlaut_keys
from .index import RankingIndex

ROLES = ("title", "meta", "body")
MAX_FORMS = 32  # spellings with umlauts tried for one compound's other part
_MAY_BE = {"a": "aä", "o": "oö", "u": "uü"}


def written_without(index: RankingIndex, typed: str) -> np.ndarray | None:
    """bool[n]: the notes with a word typed with umlauts spelt only without them
    (None: the word has no umlaut, or no note writes it so)."""
    if not umlaut_keys(typed, transliterated=False):
        return None
    keys = written_with(typed)
    plain = index.docs_with_any(ROLES, [fold(typed.lower())])
    if not plain.any():
        return None
    without = plain & ~index.docs_with_any(["umlaut"], keys)
    return without if without.any() else None


def written_with(typed: str) -> list[str]:
    """The umlaut field's words for a typed word, however a note wrote it: the field holds
    the parts between dots ("Zürich.js": zürich), and a German note's ae/oe/ue as umlauts
    ("Videoerklärung" there: videöerklärung)."""
    return sorted({k for part in re.findall(r"\w+", typed)
                   for transliterated in (False, True)
                   for k in umlaut_keys(part, transliterated)})


def written_compounds(index: RankingIndex, typed: str, compounds: tuple[str, ...]
                      ) -> tuple[str, ...]:
    """The compounds (folded) of a word typed with umlauts that a note writes with it:
    "Tür" finds Haustür and Türtaster, not Agentur, Kultur or Infrastruktur, which end
    in "tur" once folded.  The compound's other part may have umlauts of its own, so its
    spellings with and without them are tried; a part with too many to try is kept."""
    word = umlaut_form(typed.lower(), transliterated=False)  # as the field holds it: ß as ss
    if not compounds or not word:
        return compounds
    folded = fold(word)
    kept = []
    for c in compounds:
        if c.startswith(folded):
            forms = [word + rest for rest in _spellings(c[len(folded):])]
        elif c.endswith(folded):
            forms = [rest + word for rest in _spellings(c[:-len(folded)])]
        else:
            forms = []
        if not forms or index.docs_with_any(["umlaut"], forms).any():
            kept.append(c)
    return tuple(kept)


def _spellings(part: str) -> list[str]:
    """A folded part as it may be written: each a, o, u as itself or with an umlaut
    ([] when that makes more than MAX_FORMS spellings)."""
    choices = [_MAY_BE.get(ch, ch) for ch in part]
    if 2 ** sum(len(c) > 1 for c in choices) > MAX_FORMS:
        return []
    return ["".join(p) for p in product(*choices)]
