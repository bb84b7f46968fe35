"""Query examples that work on the index being served, for the home and help pages.

Built from the facet counts of an empty search (the index's own most common tags,
speakers, languages and years), never from names written into the code, and each
kept only if it finds something: a demo corpus and a real one both get examples
that return results.  Computed once per index version (a reindex makes new ones).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Hashable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from ..model import FacetValue, SearchQuery
from ..search import SearchIndex

# topics that show off German and English; kept only where they find something
TOPICS = ("Vorträge Datenbank", "kubernetes deployment", "Datenschutz lang:de",
          "machine learning")
_PLACEHOLDER = re.compile(r"^(various|tba|tbd|n/?a|unknown|none|anonymous)\b", re.I)
_WORD = re.compile(r"[^\W\d_]{5,}")


@dataclass(frozen=True)
class Example:
    query: str
    what: str | LazyString  # what the example shows, in the UI's language (help page)


@dataclass(frozen=True)
class Examples:
    home: tuple[str, ...]
    syntax: dict[str, tuple[Example, ...]]  # help page section -> its examples


_lock = threading.Lock()
_cache: dict[Hashable, Examples] = {}


def examples(index: SearchIndex) -> Examples:
    """The examples of the index's current version (computed on first use)."""
    version = index.version()
    found = _cache.get(version)
    if found is None:
        with _lock:
            found = _cache.get(version)
            if found is None:
                found = _build(index)
                _cache.clear()
                _cache[version] = found
    return found


def _quote(value: str) -> str:
    return f'"{value}"' if re.search(r"[\s:\"]", value) else value


def _build(index: SearchIndex) -> Examples:
    facets = index.search(SearchQuery(per_page=1)).facets
    tags = [v.value for v in facets.get("tag", [])]
    words = [t.lower() for t in tags if _WORD.fullmatch(t)]
    speakers = [v.value for v in facets.get("speaker", [])
                if not _PLACEHOLDER.match(v.value) and " " in v.value.strip()]
    langs = [v.key or v.value for v in facets.get("lang", []) if (v.key or v.value) != "und"]
    years = sorted(_years(facets.get("year", [])), key=lambda y: -y[1])

    def works(q: str) -> bool:
        return index.search(SearchQuery(q=q, per_page=1, facets=False, snippets=False)).total > 0

    def pick(*candidates: Example | None) -> tuple[Example, ...]:
        return tuple(e for e in candidates if e is not None and works(e.query))

    w1 = words[0] if words else None
    w2 = words[1] if len(words) > 1 else None
    speaker = speakers[0] if speakers else None
    tag = tags[0] if tags else None
    top_year = years[0][0] if years else None
    span = sorted(y for y, _ in years[:3])
    syntax = {
        "words": pick(
            Example(w1, _l("notes with this word, in any form (stems, German and English)"))
            if w1 else None,
            Example(f"{w1} {w2}", _l("notes with both words; the ones with both near each "
                       "other first")) if w1 and w2 else None),
        "filters": pick(
            Example(f"tag:{_quote(tag)}", _l("notes with this tag")) if tag else None,
            Example(f"speaker:{_quote(speaker)}", _l("talks by this speaker"))
            if speaker else None,
            *(Example(f"lang:{code}", _l("notes in this language (%(code)s)", code=code))
              for code in langs[:2]),
            Example(f"date:{top_year}", _l("notes of one year (also 2019-05 or 2019-05-16)"))
            if top_year else None,
            Example(f"date:{span[0]}..{span[-1]}", _l("a range of dates, both ends included"))
            if len(span) > 1 else None,
            Example(f"{w1} date:>{span[0]}", _l("after a date (also <, >=, <=)"))
            if w1 and span else None),
        "operators": pick(
            Example(f'"{speaker}"', _l("a phrase: these words side by side")) if speaker else None,
            Example(f"{w1} OR {w2}", _l("either word")) if w1 and w2 else None,
            Example(f"{w1} -{w2}", _l("%(a)s but not %(b)s (also: %(a)s NOT %(b)s)", a=w1, b=w2))
            if w1 and w2 else None,
            Example(f"{w1[:4]}*", _l("words that begin so (at least two letters before *)"))
            if w1 else None,
            Example(f"{_typo(w1)}~", _l("this word or one a letter away")) if w1 else None,
            Example(f"title:{w1}", _l("the word in the title only (also body: and meta:)"))
            if w1 else None),
    }
    home = [e.query for e in pick(
        Example(f"speaker:{_quote(speaker)}", "") if speaker else None,
        Example(f"tag:{_quote(tag)} date:{span[0]}..{span[-1]}", "")
        if tag and len(span) > 1 else None,
        *(Example(t, "") for t in TOPICS))]
    return Examples(home=tuple(home), syntax=syntax)


def _years(values: list[FacetValue]) -> list[tuple[str, int]]:
    return [(v.key or v.value, v.count) for v in values if (v.key or v.value).isdigit()]


def _typo(word: str) -> str:
    """The word with a letter from its middle dropped: one edit away."""
    middle = len(word) // 2
    return word[:middle] + word[middle + 1:]
