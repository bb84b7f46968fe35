"""What a hit shows of its text: the snippet, the title with its matches marked, and how
it matched when it matched a query word only through an expansion ("matched talk, a
synonym of Vortrag").  Both backends build their hits through `hit_marks`."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from typing import Any

from .analyze import TOKEN_PATTERN
from .snippets import QueryTerms, Snippet, make_snippet, mark

_TOKEN = re.compile(TOKEN_PATTERN)


@dataclass(frozen=True)
class HitMarks:
    snippet: Snippet
    title_html: str
    matched_via: list[dict[str, Any]]


def hit_marks(title: str, body: str, terms: QueryTerms | None,
              cues: tuple[tuple[int, float], ...] = (), video_url: str | None = None,
              meta: Iterable[str] = ()) -> HitMarks:
    """The snippet (the note's opening when nothing in the body matched), the marked
    title and the expansions the hit matched through.  ``meta``: tags, speakers, event:
    a query word found there matched as typed too.  ``terms=None``: no snippet."""
    if terms is None:
        return HitMarks(Snippet(html="", offset=0), escape(title), [])
    snippet = make_snippet(body or title, terms, cues, video_url)
    keys = set(snippet.keys)
    for text in (title, *meta):
        keys |= _keys(text, terms)
    return HitMarks(snippet, mark(title, terms), matched_via(terms, keys))


def _keys(text: str, terms: QueryTerms) -> set[str]:
    out: set[str] = set()
    for m in _TOKEN.finditer(text or ""):
        out |= terms.keys(m.group())
    return out


def matched_via(terms: QueryTerms, keys: set[str]) -> list[dict[str, Any]]:
    """For each query word the note did not contain as typed (nor its stems): the first
    expansion it contains, as {"word", "kind", "of"}."""
    out = []
    for group in terms.groups:
        if not group.exact or all(need & keys for need in group.exact):
            continue
        for exp in group.expansions:
            if all(need & keys for need in exp.needs):
                out.append({"word": exp.label, "kind": exp.kind, "of": group.text})
                break
    return out
