"""What a hit shows of its text: the snippet, the title with its matches marked, and how
it matched when it matched a query word only through an expansion ("matched talk, a
synonym of Vortrag").  Both backends build their hits through `make_hit`."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from html import escape
from typing import Any

from ..model import Hit
from .analyze import TOKEN_PATTERN
from .snippets import QueryTerms, Snippet, make_snippet, mark

_TOKEN = re.compile(TOKEN_PATTERN)


@dataclass(frozen=True)
class HitMarks:
    snippet: Snippet
    title_html: str
    matched_via: list[dict[str, Any]]


def make_hit(path: str, title: str, body: str, data: str, lang: str, fmt: str, draft: bool,
             score: float, terms: QueryTerms | None) -> Hit:
    """A hit from what an index stores of a note (``data``: text/fields.py ``note_data``
    as JSON), with its snippet and marks (``terms=None``: no snippet)."""
    meta = json.loads(data)
    marks = hit_marks(title, body, terms,
                      tuple((int(o), float(s)) for o, s in meta["cues"]), meta.get("url"),
                      meta=(*meta["tags"], *meta["speakers"], meta.get("event") or ""))
    return Hit(
        path=path, title=title,
        date=date.fromisoformat(meta["date"]) if meta.get("date") else None,
        year=meta.get("year"), lang=lang, tags=tuple(meta["tags"]),
        speakers=tuple(meta["speakers"]), author=meta.get("author"),
        event=meta.get("event"), url=meta.get("url"), draft=draft, score=score,
        snippet=marks.snippet.html, format=fmt, location=meta.get("location"),
        snippet_time=marks.snippet.seconds, snippet_url=marks.snippet.url,
        title_html=marks.title_html, matched_via=tuple(marks.matched_via))


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
