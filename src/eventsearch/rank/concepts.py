"""What the planner makes of a query and the scorer scores: concepts and their variants.

A `Concept` is one thing the user typed (a word, a phrase, a wildcard term); each `Alt`
is one way a note can match it, with the weight such a match is worth.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..text.analyze import STOP_DE, STOP_EN, fold

# the stop words as typed on a keyboard without umlauts ("fuer Anfaenger") are stop words
# too; the index drops only "für" and "über" (the words a note writes are its own)
STOP = STOP_EN | STOP_DE | {w.replace("ü", "ue") for w in STOP_DE if "ü" in w}
Node = Any  # Concept | ("implicit"|"and"|"or", [Node]) | ("not", Node) | ("maybe", a, b) | ("all",)
# Variant weights: how much a match through each kind of variant is worth.
W_STEM = 0.85
W_SYNONYM = 0.8
W_TRANSLATION = 0.6
W_SPLIT = 0.75
W_COMPOUND = 0.6
W_FUZZY = 0.5
W_PATTERN = 0.9
SPLIT_BELOW = 10  # a word in this many notes or more is searched whole, not as its parts
W_DERIVED = 0.7  # a derivation Snowball leaves apart (contributor -> contribute)
MAX_PATTERN_TERMS = 30  # a wildcard's words scored (and marked): the ones in the most notes


def plain_form(word: str) -> str:
    return fold(word.lower())


@dataclass
class Alt:
    """One way a concept can match: all of ``words`` in the note."""

    words: tuple[str, ...]  # lower-case, unfolded
    weight: float
    kind: str  # exact | synonym | translation | derivation | split | compound | fuzzy | pattern
    # also look in the stemmed fields: both languages', or "de" only (a German compound's
    # parts: English stemming would let "Datenbank" find "banking", "sagemaker" "make")
    stem: bool | str = True
    # a weak variant: a note matching the word only through it comes after those that
    # match it as typed (a typo fix of a word that exists)
    weak: bool = False


@dataclass
class Concept:
    text: str  # as typed
    alts: list[Alt] = field(default_factory=list)
    where: str | None = None  # "title" | "body" | "meta": a field restriction
    phrase: tuple[str, ...] | None = None  # a quoted phrase
    slop: int = 1
    pattern: str | None = None  # a prefix or wildcard term, folded: "kube*", "k?be*"
    expansions: list[str] | None = None  # its words in the most notes, within the budget
    correction: str | None = None  # best typo fix, for "did you mean"
    unknown: bool = False  # the word as typed is in no note
    corrected: bool = False  # its typo corrections are searched too (said out loud)
    when: tuple[int, int] | None = None  # (year, month): one of a month and year typed
    dated: tuple[str, ...] = ()  # with ``when``: the index's dates of it as 19.04.2023
    # the lexicon's translations, best first: senses.py keeps the few that co-occur most
    # with the other words typed (the first few are among ``alts`` until then)
    senses: list[Alt] = field(default_factory=list)

    @property
    def single_word(self) -> str | None:
        if self.phrase is None and self.pattern is None and self.alts \
                and len(self.alts[0].words) == 1:
            return self.alts[0].words[0]
        return None


def pattern_alts(words: list[str]) -> list[Alt]:
    """A wildcard concept's alternatives: its words in the most notes, as found."""
    return [Alt((w,), W_PATTERN, "pattern", stem=False) for w in words[:MAX_PATTERN_TERMS]]


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

