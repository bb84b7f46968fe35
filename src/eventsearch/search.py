"""Answering searches: query + filters -> ranked, faceted, highlighted results.

``SearchIndex`` is the one read-side entry point for the CLI and the web app.
It keeps a searcher per thread and reopens it when a reindex commits or swaps
in a new generation, so a long-running server sees fresh notes without a
restart and never reads a half-written index.
"""

from __future__ import annotations

import json
import threading
import time
from itertools import islice
from datetime import date, datetime, time as dtime
from pathlib import Path
from typing import Any

from whoosh.query import DateRange, Every, MultiTerm, Term

from .errors import QueryError
from .facets import FacetTable, disjunctive_counts
from .model import FacetValue, Hit, Note, SearchQuery, SearchResult
from .query import ParsedQuery, make_parser, parse_query
from .schema import document_to_note
from .snippets import QueryTerms, make_snippet
from .storage import current_generation, open_index, read_meta

FACET_LIMIT = 30  # values per facet returned (selected ones always included)
MAX_PAGE = 1000
MAX_PER_PAGE = 100


class SearchIndex:
    """An open index for reading.  Cheap to query from many threads."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        self._lock = threading.Lock()
        self._local = threading.local()
        self._tables: dict[tuple[str, int], FacetTable] = {}
        self._open()

    def _open(self) -> None:
        self._ix, self.generation_dir = open_index(self.index_dir)
        self._parser = make_parser(self._ix.schema)

    def searcher(self):  # type: ignore[no-untyped-def]
        """This thread's searcher, refreshed if the index changed since last use."""
        if current_generation(self.index_dir) != self.generation_dir:
            with self._lock:
                if current_generation(self.index_dir) != self.generation_dir:
                    self._open()
                    self._tables.clear()
        local = self._local
        searcher = getattr(local, "searcher", None)
        if searcher is None or getattr(local, "gen", None) != self.generation_dir:
            if searcher is not None:
                searcher.close()
            searcher = self._ix.searcher()
            local.gen = self.generation_dir
        elif not searcher.up_to_date():
            searcher = searcher.refresh()
        local.searcher = searcher
        return searcher

    def _facet_table(self, searcher) -> FacetTable:  # type: ignore[no-untyped-def]
        key = (str(self.generation_dir), searcher.reader().generation())
        table = self._tables.get(key)
        if table is None:
            table = FacetTable(searcher.reader())
            with self._lock:
                self._tables = {key: table}  # older generations are no longer needed
        return table

    # -- searching ---------------------------------------------------------------------

    def search(self, request: SearchQuery) -> SearchResult:
        started = time.perf_counter()
        if request.page < 1 or request.page > MAX_PAGE:
            raise QueryError(f"page must be between 1 and {MAX_PAGE}")
        if request.per_page < 1 or request.per_page > MAX_PER_PAGE:
            raise QueryError(f"per_page must be between 1 and {MAX_PER_PAGE}")
        if request.sort not in ("relevance", "date"):
            raise QueryError("sort must be 'relevance' or 'date'")
        searcher = self.searcher()
        table = self._facet_table(searcher)
        parsed = parse_query(request.q, self._parser)

        matched = (set(searcher.docs_for_query(parsed.query)) if parsed.query
                   else set(searcher.reader().all_doc_ids()))
        selected = {
            "tag": {*request.tags, *parsed.tags} - {""},
            "speaker": {*request.speakers, *parsed.speakers} - {""},
            "lang": {*request.langs, *parsed.langs} - {""},
            "year": set(request.years) - {""},
            "month": set(request.months) - {""},
        }
        selected = {k: {v.casefold().strip() for v in vals} for k, vals in selected.items()}
        passing = {name: table.docs_with(name, keys) for name, keys in selected.items() if keys}
        matched = self._apply_global_filters(searcher, table, matched, request, parsed)
        hits_set = matched.intersection(*passing.values()) if passing else matched

        shown = ["tag", "speaker", "lang", "year"]
        if len(selected["year"]) == 1 or selected["month"]:
            shown.append("month")
        counts = disjunctive_counts(table, matched, passing, shown)
        if "month" in counts and len(selected["year"]) == 1:
            (year,) = selected["year"]
            counts["month"] = type(counts["month"])(
                {m: c for m, c in counts["month"].items() if m.startswith(year + "-")})
        facets = {name: self._facet_values(table, name, counts[name], selected[name])
                  for name in shown}

        hits = self._rank(searcher, parsed, hits_set, request)
        result = SearchResult(
            query=request.q, total=len(hits_set), page=request.page,
            per_page=request.per_page, hits=hits, facets=facets, messages=parsed.messages,
        )
        result.took_ms = (time.perf_counter() - started) * 1000
        return result

    def _apply_global_filters(self, searcher, table: FacetTable, matched: set[int],  # type: ignore[no-untyped-def]
                              request: SearchQuery, parsed: ParsedQuery) -> set[int]:
        """Filters that are not facets: dates, drafts and `-tag:x` exclusions."""
        since = max(filter(None, (request.since, parsed.since)), default=None)
        until = min(filter(None, (request.until, parsed.until)), default=None)
        if since or until:
            lo = datetime.combine(since, dtime.min) if since else None
            hi = datetime.combine(until, dtime.max) if until else None
            matched &= set(searcher.docs_for_query(DateRange("date", lo, hi)))
        if not request.include_drafts:
            matched -= set(searcher.docs_for_query(Term("draft", True)))
        field_of = {"tags": "tag", "speakers": "speaker", "langs": "lang"}
        for target, keys in parsed.exclude.items():
            matched -= table.docs_with(field_of[target], keys)
        return matched

    def _facet_values(self, table: FacetTable, name: str, counts: Any,
                      selected: set[str]) -> list[FacetValue]:
        if name in ("year", "month"):
            keys = sorted(counts, reverse=True)
        else:
            keys = [k for k, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
            keys = keys[:FACET_LIMIT] + [k for k in keys[FACET_LIMIT:] if k in selected]
        keys += [k for k in sorted(selected) if k not in counts]
        return [FacetValue(value=table.display(name, k), key=k, count=counts.get(k, 0),
                           selected=k in selected) for k in keys]

    def _rank(self, searcher, parsed: ParsedQuery, allowed: set[int],  # type: ignore[no-untyped-def]
              request: SearchQuery) -> list[Hit]:
        if not allowed:
            return []
        limit = request.page * request.per_page
        everything = parsed.query is None
        query = Every() if everything else parsed.query
        kwargs: dict[str, Any] = {"limit": limit, "filter": allowed}
        if request.sort == "date" or everything:
            kwargs.update(sortedby="date", reverse=True)
        results = searcher.search(query, **kwargs)
        page = results[(request.page - 1) * request.per_page: limit]
        terms = self._query_terms(searcher, parsed)
        hits = []
        for hit in page:
            stored = hit.fields()
            data = json.loads(stored["data"])
            snippet = make_snippet(stored.get("body", ""), terms,
                                   tuple((int(o), float(s)) for o, s in data["cues"]),
                                   data.get("url"))
            hits.append(Hit(
                path=stored["path"], title=stored.get("title", ""),
                date=date.fromisoformat(data["date"]) if data.get("date") else None,
                lang=stored.get("lang", "und"), tags=tuple(data["tags"]),
                speakers=tuple(data["speakers"]), author=data.get("author"),
                event=data.get("event"), url=data.get("url"), draft=bool(stored.get("draft")),
                score=float(hit.score or 0.0), snippet=snippet.html,
                format=stored.get("format", ""), location=data.get("location"),
                snippet_time=snippet.seconds, snippet_url=snippet.url,
            ))
        return hits

    @staticmethod
    def _query_terms(searcher, parsed: ParsedQuery) -> QueryTerms:  # type: ignore[no-untyped-def]
        if parsed.query is None:
            return QueryTerms()
        plain: set[str] = set()
        stems: dict[str, set[str]] = {"en": set(), "de": set()}
        reader = searcher.reader()
        pairs = []
        for leaf in parsed.query.leaves():
            if isinstance(leaf, MultiTerm):  # prefix, wildcard, fuzzy: the words they reach
                pairs.extend(islice(leaf.expanded_terms(reader), 200))
            else:
                pairs.extend(leaf.iter_all_terms())
        for field, text in pairs:
            word = text.decode("utf-8") if isinstance(text, bytes) else str(text)
            if field in ("title", "body", "meta"):
                plain.add(word)
            elif field[-3:] in ("_en", "_de"):
                stems[field[-2:]].add(word)
        return QueryTerms(frozenset(plain), frozenset(stems["en"]), frozenset(stems["de"]))

    # -- single notes and statistics ---------------------------------------------------

    def get_note(self, path: str) -> Note | None:
        """One note by its id (its corpus-relative path), or None."""
        stored = self.searcher().document(path=path)
        return document_to_note(stored) if stored else None

    def stats(self) -> dict[str, Any]:
        searcher = self.searcher()
        reader = searcher.reader()

        def per(field: str) -> dict[str, int]:
            out = {t.decode(): searcher.doc_frequency(field, t) for t in reader.lexicon(field)}
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
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            searcher.close()
            self._local.searcher = None
