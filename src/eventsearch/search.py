"""Answering searches: the one read-side entry point for the CLI and the web app.

``SearchIndex`` is a thin, engine-neutral service over a `backends.base.Backend`: it
checks the request, parses the query text once (``query/``) and hands the parsed query
to the backend, which ranks, counts facets and makes snippets.  The backend is the
one the ``backend`` setting names (``open_backend``); it follows reindexes by itself,
so a long-running server sees fresh notes without a restart.
"""

from __future__ import annotations

import time
from collections.abc import Hashable
from pathlib import Path
from typing import Any

from .backends import Backend, open_backend
from .backends.base import SuggestEntry
from .config import Settings
from .errors import QueryError
from .model import Note, SearchQuery, SearchResult
from .query import parse_query
from .query.budget import DEFAULT, Limits
from .related import Related
from .related import related as find_related
from .text.snippets import QueryTerms

MAX_PAGE = 1000
MAX_PER_PAGE = 100
SORTS = ("relevance", "date", "oldest")  # date: newest first


class SearchIndex:
    """An open index for reading.  Cheap to query from many threads.

    ``synonyms``: extra synonym groups (the ``synonyms`` setting) added to the
    built-in table, a ready :class:`~eventsearch.text.synonyms.Synonyms`, or False for
    none at all.  ``typo_tolerance=False`` turns typo corrections off.  ``limits``:
    the cost budget of one query (see :mod:`eventsearch.query.budget`).  ``backend``:
    an already made backend (then the other arguments are its business).  Raises
    IndexUnavailable (saying how to fix it) when there is no usable index.
    """

    def __init__(self, index_dir: Path, synonyms: Any = None, *,
                 typo_tolerance: bool = True, limits: Limits = DEFAULT,
                 backend: Backend | None = None) -> None:
        self.index_dir = Path(index_dir)
        self.limits = limits
        if backend is None:
            backend = open_backend(Settings(index_dir=self.index_dir), synonyms=synonyms,
                                   typo_tolerance=typo_tolerance, limits=limits)
        self.backend = backend
        backend.open()

    @classmethod
    def from_settings(cls, settings: Any) -> SearchIndex:
        """The index of the user's settings (backend, index folder, synonym groups,
        query limits)."""
        limits = Limits.from_settings(settings)
        return cls(settings.index_dir, limits=limits,
                   backend=open_backend(settings, limits=limits))

    def search(self, request: SearchQuery) -> SearchResult:
        """One page of results with facets (QueryError for an impossible request).
        ``took_ms`` covers parsing as well as the backend's work."""
        started = time.perf_counter()
        if request.page < 1 or request.page > MAX_PAGE:
            raise QueryError(f"page must be between 1 and {MAX_PAGE}")
        if request.per_page < 1 or request.per_page > MAX_PER_PAGE:
            raise QueryError(f"per_page must be between 1 and {MAX_PER_PAGE}")
        if request.sort not in SORTS:
            raise QueryError("sort must be 'relevance', 'date' (newest first) or 'oldest'")
        parsed = parse_query(request.q, limits=self.limits, typing=request.typing)
        result = self.backend.search(parsed, request)
        result.took_ms = (time.perf_counter() - started) * 1000  # the caller's own copy
        return result

    def related(self, note: Note, limit: int = 5) -> Related:
        """Other talks of the note's speakers, of its event, and the notes most similar
        in text (see :mod:`eventsearch.related`: plain searches, so every backend)."""
        return find_related(self, note, limit)

    def highlight_terms(self, q: str) -> QueryTerms:
        """What a note page should mark for query q: the same forms the snippets mark."""
        if not q.strip():
            return QueryTerms()
        return self.backend.highlight_terms(parse_query(q, limits=self.limits))

    def get_note(self, path: str) -> Note | None:
        """One note by its id (its corpus-relative path), or None."""
        return self.backend.get_note(path)

    def stats(self) -> dict[str, Any]:
        return self.backend.stats()

    def health(self) -> dict[str, Any]:
        """What /healthz reports (see Backend.health)."""
        return self.backend.health()

    def version(self) -> Hashable:
        """Changes with every commit the index makes visible."""
        return self.backend.version()

    def suggest_entries(self) -> list[SuggestEntry]:
        return self.backend.suggest_entries()

    def close(self) -> None:
        """Release what this thread holds of the index."""
        self.backend.close()
