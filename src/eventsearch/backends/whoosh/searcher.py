"""Answering searches over a Whoosh index: a parsed query + filters -> ranked, faceted,
highlighted results (the read side of the Whoosh backend; ``eventsearch.search`` is the
entry point the CLI and the web app use).  The ranking and the search flow are the
engine-neutral ones of :mod:`eventsearch.rank`, over a ``ranking.WhooshRanking``; this
module adds the stored fields, snippets and caches.

``WhooshSearcher`` keeps a searcher per thread and reopens it when a reindex commits or
swaps in a new generation, so a long-running server sees fresh notes without a restart
and never reads a half-written index.
"""

from __future__ import annotations

import functools
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from whoosh.query import Term

from ...model import Hit, Note, SearchQuery, SearchResult
from ...query import ParsedQuery
from ...query.budget import DEFAULT, Budget, Limits
from ...rank.answer import Searchable, answer, highlight_terms
from ...rank.facets import FacetTable
from ...text.compounds import Compounds
from ...text.fields import document_to_note
from ...text.marks import make_hit
from ...text.snippets import QueryTerms
from ...text.spelling import Vocabulary
from ...text.synonyms import synonyms_option
from .integrity import DamageCheck
from .ranking import WhooshRanking
from .segment_cache import ReaderTables, read_tables
from .stats import IndexStats
from .storage import current_generation, open_index, read_meta

RESULT_CACHE = 512  # recent results kept per open index, for repeated requests


def stored_data(reader: Any) -> Callable[[int], dict[str, Any]]:
    """A document's stored note data (the ``data`` field's JSON), read through
    ``reader``: the calling thread's (Whoosh readers are not shared by threads)."""
    def read(docnum: int) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(reader.stored_fields(docnum)["data"])
        return data
    return read


def _checked(method: Callable[..., Any]) -> Callable[..., Any]:
    """The method, with errors reading damaged files turned into IndexDamaged."""
    @functools.wraps(method)
    def checked(self: WhooshSearcher, *args: Any, **kwargs: Any) -> Any:
        with self.checked():
            return method(self, *args, **kwargs)
    return checked


class WhooshSearcher:
    """A Whoosh index for reading.  Cheap to query from many threads.  It opens the
    index at the first read (or ``open()``), so it can be made before the index exists.

    ``synonyms``: extra synonym groups (the ``synonyms`` setting) added to the
    built-in table, a ready :class:`~eventsearch.text.synonyms.Synonyms`, or False for
    none at all.  ``typo_tolerance=False`` turns typo corrections off.  ``limits``:
    the cost budget of one query (see :mod:`eventsearch.query.budget`).
    """

    def __init__(self, index_dir: Path, synonyms: Any = None, *,
                 typo_tolerance: bool = True, limits: Limits = DEFAULT) -> None:
        self.index_dir = Path(index_dir)
        self._lock = threading.Lock()
        self._loading = threading.Lock()  # held while one thread loads the tables
        self._local = threading.local()
        self._cached: dict[tuple[str, int], ReaderTables] = {}
        self._results: OrderedDict[tuple[tuple[str, int], SearchQuery], SearchResult] = \
            OrderedDict()
        self.synonyms = synonyms_option(synonyms)
        self.typo_tolerance = typo_tolerance
        self.limits = limits
        self._damage = DamageCheck()
        self._ix: Any = None  # and self.generation_dir: set by _open()
        self.generation_dir: Path

    def open(self) -> None:
        """Open the live generation now: IndexUnavailable (saying how to fix it) if
        there is none."""
        with self._lock:
            if self._ix is None:
                self._open()

    def _open(self) -> None:
        self._ix, self.generation_dir = open_index(self.index_dir)

    def checked(self) -> Any:
        """A context for every read of the index: errors there become IndexDamaged
        when the files differ from their checksums (see integrity.DamageCheck)."""
        return self._damage.guard(lambda: self.generation_dir)

    def damage(self) -> str | None:
        """What is known to be wrong with the live generation's files (for /healthz)."""
        return self._damage.known(self.generation_dir)

    def searcher(self):
        """This thread's searcher, refreshed if the index changed since last use."""
        if self._ix is None or current_generation(self.index_dir) != self.generation_dir:
            with self._lock:
                if self._ix is None or current_generation(self.index_dir) != self.generation_dir:
                    self._open()
                    self._cached = {}
                    self._results.clear()
        with self._lock:  # the index and its folder change together in _open()
            ix, gen = self._ix, self.generation_dir
        local = self._local
        searcher = getattr(local, "searcher", None)
        if searcher is None or getattr(local, "gen", None) != gen:
            if searcher is not None:
                searcher.close()
            searcher = ix.searcher()
            local.gen = gen
        elif not searcher.up_to_date():
            searcher = searcher.refresh()
        local.searcher = searcher
        return searcher

    def _key(self, searcher) -> tuple[str, int]:
        return (str(self.generation_dir), searcher.reader().generation())

    def _tables(self, searcher) -> ReaderTables:
        """Facet keys, length norms, dates and vocabulary of the searcher's reader
        (loaded from the per-segment cache files, see segment_cache.py)."""
        key = self._key(searcher)
        tables = self._cached.get(key)
        if tables is None:
            # One thread loads, the others wait for it: a server's first requests
            # after a start or a reindex arrive together, and each loading its own
            # copy multiplied the memory peak by the number of threads.
            with self._loading:
                tables = self._cached.get(key)
                if tables is None:
                    tables = read_tables(self.generation_dir, searcher.reader())
                    with self._lock:
                        self._cached = {key: tables}  # older ones are no longer needed
        return tables

    def _facet_table(self, searcher) -> FacetTable:
        return self._tables(searcher).facets

    def _ranking_data(self, searcher) -> tuple[IndexStats, Vocabulary, Compounds]:
        """Length norms, postings cache, vocabulary and compound splitter of this generation."""
        tables = self._tables(searcher)
        return tables.stats, tables.vocab, tables.compounds

    # -- searching ---------------------------------------------------------------------

    @_checked
    def search(self, parsed: ParsedQuery, request: SearchQuery) -> SearchResult:
        """One page of results with facets for a request (checked by the caller) and its
        query, parsed once by the caller.  The same request on the same index state
        (generation and commit) is answered from a small LRU cache of recent results."""
        started = time.perf_counter()
        searcher = self.searcher()
        key = (self._key(searcher), request)
        with self._lock:
            cached = self._results.get(key)
            if cached is not None:
                self._results.move_to_end(key)
        if cached is None:
            cached, partial = self._search(searcher, parsed, request)
            if not partial:  # partial results depend on the machine's load: not kept
                with self._lock:
                    self._results[key] = cached
                    while len(self._results) > RESULT_CACHE:
                        self._results.popitem(last=False)
        # A copy, so a caller changing its result cannot change what the next one gets.
        return replace(cached, hits=list(cached.hits),
                       facets={name: list(values) for name, values in cached.facets.items()},
                       messages=list(cached.messages),
                       took_ms=(time.perf_counter() - started) * 1000)

    def _searchable(self, searcher) -> Searchable:
        """This generation's ranking tables, read through the thread's searcher."""
        tables = self._tables(searcher)
        return Searchable(WhooshRanking(tables.stats, searcher), tables.facets, tables.vocab,
                          tables.compounds, self.synonyms, self.typo_tolerance)

    def _search(self, searcher, parsed: ParsedQuery,
                request: SearchQuery) -> tuple[SearchResult, bool]:
        """The search itself, on one searcher, and whether its result is partial
        (search() caches complete results): the engine-neutral flow of rank/answer.py."""
        state = self._searchable(searcher)
        budget = Budget(self.limits)  # the clock starts once the index's tables are loaded
        return answer(state, budget, parsed, request,
                      functools.partial(self._hits, searcher), stored_data(searcher.reader()))

    def _hits(self, searcher, order: list[tuple[int, float]],
              terms: QueryTerms | None) -> list[Hit]:
        """The page's hits from stored fields; ``terms=None`` skips the snippets."""
        hits = []
        for docnum, score in order:
            stored = searcher.stored_fields(docnum)
            hits.append(make_hit(stored["path"], stored.get("title", ""),
                                 stored.get("body", ""), stored["data"],
                                 stored.get("lang", "und"), stored.get("format", ""),
                                 bool(stored.get("draft")), score, terms))
        return hits

    @_checked
    def highlight_terms(self, parsed: ParsedQuery) -> QueryTerms:
        """What a note page should mark for a parsed query: the forms the snippets mark."""
        if parsed.plan is None:
            return QueryTerms()
        return highlight_terms(self._searchable(self.searcher()), parsed, Budget(self.limits))

    # -- single notes and statistics ---------------------------------------------------

    @_checked
    def get_note(self, path: str) -> Note | None:
        """One note by its id (its corpus-relative path), or None."""
        stored = self.searcher().document(path=path)
        return document_to_note(stored) if stored else None

    @_checked
    def stats(self) -> dict[str, Any]:
        searcher = self.searcher()
        reader = searcher.reader()

        def per(field: str) -> dict[str, int]:
            # doc_frequency would count deleted documents too; count the live ones
            out = {t.decode(): sum(1 for _ in searcher.docs_for_query(Term(field, t)))
                   for t in reader.lexicon(field)}
            out = {k: v for k, v in out.items() if v}
            return dict(sorted(out.items(), key=lambda kv: -kv[1]))

        meta = read_meta(self.generation_dir)
        drafts = sum(1 for _ in searcher.docs_for_query(Term("draft", True)))
        return {
            "notes": searcher.doc_count(), "by_lang": per("lang"), "by_format": per("format"),
            "drafts": drafts, "built_at": meta.get("built_at"),
            "updated_at": meta.get("updated_at"), "roots": meta.get("roots", []),
            "index": str(self.index_dir.resolve()), "format": meta.get("format"),
            "skipped": [{"path": p, "reason": r["reason"]}
                        for p, r in sorted(meta.get("skipped", {}).items())],
        }

    def close(self) -> None:
        """Close this thread's searcher, unless the current tables read through its
        reader (they were built in this thread, e.g. by the suggestion builder's):
        then other threads still need it, and it closes when the tables go."""
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            readers = {id(t.stats.reader) for t in self._cached.values()}
            if id(searcher.reader()) not in readers:
                searcher.close()
            self._local.searcher = None
