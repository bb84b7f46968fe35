"""The keys facet values are counted and filtered by, the same for every backend.

Spellings people mean as one value share a key: case and spacing already do
(``normalize_key``); tags also ignore the difference between a hyphen, an underscore
and a space ("machine-learning", "Machine Learning" and "machine_learning" are one
tag).  Nothing else is merged (no stemming, no plural folding): "api" and "apis"
stay two tags, as a conservative merge cannot tell them apart from "pandas".
Placeholders that stand where a speaker's name is unknown ("Various Speakers",
"TBA", ...) get no speaker key: they are neither counted nor filterable as speakers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .analyze import normalize_key

# Matched after normalize_key and with trailing dots/spaces removed: "T.B.A." -> "t.b.a".
PLACEHOLDER_SPEAKERS = frozenset({
    "various speakers", "various", "various artists", "multiple speakers", "several speakers",
    "tba", "t.b.a", "tbd", "t.b.d", "tbc", "n/a", "n.a", "na", "none", "unknown",
    "unknown speaker", "speaker", "speakers", "anonymous", "to be announced",
    "to be determined", "to be confirmed", "?", "-", "nn", "n.n", "verschiedene",
    "verschiedene referenten", "unbekannt",
})
_TAG_GAPS = re.compile(r"[-_\s]+")


def is_placeholder_speaker(name: str) -> bool:
    """Whether a speaker entry only says that the speaker is unknown or many."""
    return normalize_key(name).rstrip(". ") in PLACEHOLDER_SPEAKERS


def facet_key(name: str, value: str) -> str:
    """The key of one facet value as typed or stored ("Machine-Learning" ->
    "machine learning" for tags); "" for a value that is not one (a placeholder
    speaker)."""
    value = value.replace(",", " ")
    if name == "tag":
        return " ".join(_TAG_GAPS.sub(" ", normalize_key(value)).split())
    if name == "speaker" and is_placeholder_speaker(value):
        return ""
    return normalize_key(value)


def facet_keys(name: str, values: Iterable[str]) -> list[str]:
    """The distinct keys of a note's values of one facet, in their first order (never a
    comma: the Whoosh backend keeps them as a comma-separated keyword list)."""
    keys = (facet_key(name, v) for v in values)
    return list(dict.fromkeys(k for k in keys if k))
