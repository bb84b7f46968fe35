"""The one data model: a Note read from disk, and the shapes search results take.

Readers produce Notes; nothing downstream sees raw front matter.  The result
types' ``to_dict()`` is the single JSON shape shared by the CLI and the web API.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from html import escape
from typing import Any


@dataclass(frozen=True, slots=True)
class Note:
    """One searchable document, whatever file format it came from."""

    path: str  # corpus-relative POSIX path with suffix: the unique key and the id
    title: str
    text: str  # plain body text: no front matter, markup, shortcodes or timestamps
    format: str  # "markdown" | "rst" | "html" | "srt" | "vtt" | "transcript" | "pyvideo" | "text"
    lang: str = "und"  # "en", "de", another ISO 639-1 code, or "und"; set by analyze
    declared_lang: str | None = None  # what the file claims; only a hint
    date: date | None = None
    year: int | None = None  # when no day is known but the year is (front matter `year: 2022`)
    tags: tuple[str, ...] = ()
    speakers: tuple[str, ...] = ()
    author: str | None = None  # the writer of a report, never counted as a speaker
    event: str | None = None
    location: str | None = None
    url: str | None = None
    draft: bool = False
    # (character offset into text, seconds into the recording) for caption lines
    cues: tuple[tuple[int, float], ...] = ()
    warnings: tuple[str, ...] = ()  # non-fatal problems worth reporting (file kept)
    sha1: str = ""
    mtime: float = 0.0
    size: int = 0

    @property
    def id(self) -> str:
        return self.path

    def to_dict(self) -> dict[str, Any]:
        """The note as `eventsearch show --json` and `/api/notes/<id>` print it."""
        return {
            "id": self.path, "path": self.path, "title": self.title,
            "date": self.date.isoformat() if self.date else None, "year": self.year,
            "lang": self.lang,
            "declared_lang": self.declared_lang, "format": self.format,
            "tags": list(self.tags), "speakers": list(self.speakers), "author": self.author,
            "event": self.event, "location": self.location, "url": self.url,
            "draft": self.draft, "warnings": list(self.warnings), "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class FacetValue:
    value: str  # display form ("AWS Summit")
    count: int
    key: str = ""  # case-folded matching key ("aws summit")
    selected: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "key": self.key or self.value, "count": self.count,
                "selected": self.selected}


@dataclass(frozen=True, slots=True)
class Hit:
    path: str
    title: str
    date: date | None
    lang: str
    tags: tuple[str, ...]
    speakers: tuple[str, ...]
    author: str | None
    event: str | None
    url: str | None
    draft: bool
    score: float
    snippet: str  # HTML: escaped text with <mark> around matches
    format: str = ""
    location: str | None = None
    snippet_time: float | None = None  # seconds into the video for transcript snippets
    snippet_url: str | None = None  # link to that moment, when the note has a video URL
    title_html: str = ""  # HTML: the escaped title with <mark> around matches
    # query words matched only through an expansion: [{"word", "kind", "of"}]
    matched_via: tuple[dict[str, str], ...] = ()
    # it matches some query word only through a weak expansion (SearchResult.expanded_total)
    expansion_only: bool = False
    year: int | None = None  # a note without a date but with a year (Note.year)
    # other notes of the same talk folded into this hit (rank/collapse.py): each one's
    # {"path", "format", "url", "title"}
    also: tuple[dict[str, Any], ...] = ()
    # found by the looser pass: has only some of the query's words (rank/answer.py), so
    # it is ranked after every hit that has (almost) all of them
    loose: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.path,
            "path": self.path,
            "title": self.title,
            "date": self.date.isoformat() if self.date else None,
            "year": self.year,
            "lang": self.lang,
            "tags": list(self.tags),
            "speakers": list(self.speakers),
            "author": self.author,
            "event": self.event,
            "location": self.location,
            "url": self.url,
            "draft": self.draft,
            "format": self.format,
            "score": round(self.score, 4),
            "snippet": self.snippet,
            "snippet_time": self.snippet_time,
            "snippet_url": self.snippet_url,
            "title_html": self.title_html or escape(self.title),
            "matched_via": [dict(v) for v in self.matched_via],
            "expansion_only": self.expansion_only,
            "also": [dict(a) for a in self.also],
            "loose": self.loose,
        }


@dataclass(frozen=True, slots=True)
class Facet:
    """One facet.  ``name`` is its index field, its URL and CLI parameter and its key in
    a result's ``facets``; ``plural`` the SearchQuery attribute with its selection."""

    name: str  # "tag"
    plural: str  # "tags"
    label: str  # its title on the search page
    in_query: bool = False  # also a filter in the query text (tag:x): ParsedQuery.<plural>
    cased: bool = False  # keys are case-folded forms of Note.<plural>'s values
    by_date: bool = False  # values are dates, listed newest first
    within: str | None = None  # counted only inside one selected value of that facet


FACETS = (
    Facet("tag", "tags", "Tags", in_query=True, cased=True),
    Facet("speaker", "speakers", "Speakers", in_query=True, cased=True),
    Facet("event", "events", "Events", in_query=True, cased=True),  # conference or series
    Facet("lang", "langs", "Language", in_query=True),
    Facet("year", "years", "Year", by_date=True),
    Facet("month", "months", "Month", by_date=True, within="year"),  # "2019-05"
)
FACET_NAMES = tuple(f.name for f in FACETS)
FACET_BY_NAME = {f.name: f for f in FACETS}


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """What a user asked for: free text plus facet selections (one per FACETS entry) and
    paging."""

    q: str = ""
    tags: tuple[str, ...] = ()
    speakers: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()
    years: tuple[str, ...] = ()
    months: tuple[str, ...] = ()  # "2019-05"
    since: date | None = None
    until: date | None = None
    sort: str = "relevance"  # "relevance" | "date" (newest first) | "oldest"
    page: int = 1
    per_page: int = 10
    include_drafts: bool = True
    facets: bool = True  # False: no facet counts (clients that only want hits)
    snippets: bool = True  # False: hits without highlighted snippets
    typing: bool = False  # still typing: the last word also matches as a prefix
    verbatim: bool = False  # True: no typo corrections (the words as typed)


@dataclass(slots=True)
class SearchResult:
    query: str
    total: int
    page: int
    per_page: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]
    took_ms: float = 0.0
    suggestion: str | None = None  # "did you mean" corrected query
    # typo corrections applied to the query: [{"from": "kuberntes", "to": "kubernetes"}]
    corrections: list[dict[str, str]] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)  # how the query was understood
    # notes folded into a better-ranked note of the same talk (rank/collapse.py), among
    # the first collapse.WINDOW ranked: exact when total <= WINDOW; total counts notes
    collapsed: int = 0
    # of total, the notes that match (almost) all the words well; the rest are the looser
    # pass's notes with some of them, and notes whose matches of them all score below
    # those, ranked after (rank/answer.py).  None: all of total
    strict_total: int | None = None
    # of total, the notes that match some query word only through a weak expansion (a
    # compound part apart, a compound containing it, a synonym in a large share of the
    # notes, a typo fix of a word that exists): ranked after the notes that match what
    # was typed, and left out of the facet counts unless no note matches what was typed
    expanded_total: int = 0

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "pages": self.pages,
            "took_ms": round(self.took_ms, 2),
            "suggestion": self.suggestion,
            "corrections": [dict(c) for c in self.corrections],
            "messages": list(self.messages),
            "collapsed": self.collapsed,
            "strict_total": self.total if self.strict_total is None else self.strict_total,
            "expanded_total": self.expanded_total,
            "hits": [h.to_dict() for h in self.hits],
            "facets": {name: [v.to_dict() for v in values]
                       for name, values in self.facets.items()},
        }


@dataclass
class IndexReport:
    """What a build or update did, for the CLI summary and `--json`."""

    full: bool
    notes: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    moved: int = 0
    unchanged: int = 0
    excluded_drafts: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # newly failing: (path, reason)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # every unreadable file
    warnings: list[tuple[str, str]] = field(default_factory=list)  # of the files read
    new_warnings: list[tuple[str, str]] = field(default_factory=list)  # not said before
    by_lang: Counter[str] = field(default_factory=Counter)
    took_s: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)  # phase -> seconds
    committed: bool = False  # whether the index changed on disk
    notice: str | None = None  # why a plain reindex had to rebuild (damage), for stderr

    def to_dict(self) -> dict[str, Any]:
        return {
            "full": self.full, "notes": self.notes, "added": self.added,
            "updated": self.updated, "removed": self.removed, "moved": self.moved,
            "unchanged": self.unchanged, "excluded_drafts": self.excluded_drafts,
            "failed": [{"path": p, "reason": r} for p, r in self.failed],
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
            "warnings": [{"path": p, "warning": w} for p, w in self.warnings],
            "new_warnings": [{"path": p, "warning": w} for p, w in self.new_warnings],
            "by_lang": dict(self.by_lang.most_common()), "took_s": round(self.took_s, 3),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "committed": self.committed, "notice": self.notice,
        }
