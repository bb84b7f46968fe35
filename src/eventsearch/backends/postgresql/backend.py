"""`PostgresBackend`: the `backends.base.Backend` over a PostgreSQL database.

For communities past one machine: several stateless web servers read from a primary
or its streaming replicas (``read_database_url``), one cron reindex writes to the
primary (``database_url``).  The ranking, facets, snippets and query language are the
shared code of ``rank/`` (as in the Whoosh backend); PostgreSQL holds the notes, our
inverted index and the run record (schema.py), and checks phrases.  Each search reads
one snapshot (a repeatable-read transaction), so a commit during a search is seen
wholly or not at all.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Hashable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ...errors import IndexUnavailable
from ...model import Hit, IndexReport, Note, SearchQuery, SearchResult
from ...query import ParsedQuery
from ...query.budget import DEFAULT, Budget, Limits
from ...rank import answer as ranking
from ...text.fields import document_to_note
from ...text.marks import make_hit
from ...text.snippets import QueryTerms
from ...text.synonyms import load_synonyms, synonyms_option
from ..base import Progress, SuggestEntry
from .connect import STATEMENT_TIMEOUT_MS, Database, describe
from .schema import check_readable, read_meta
from .tables import PgRanking, Tables


class PostgresBackend:
    name = "postgresql"

    def __init__(self, database_url: str | None, read_database_url: str | None = None,
                 synonyms: Any = None, *, typo_tolerance: bool = True,
                 limits: Limits = DEFAULT) -> None:
        self.db = Database(database_url, read_database_url)
        self.where = describe(self.db.read_url)
        self.synonyms = synonyms_option(synonyms)
        self.typo_tolerance = typo_tolerance
        self.limits = limits
        self._tables: Tables | None = None
        self._loading = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Any, **options: Any) -> PostgresBackend:
        options.setdefault(
            "synonyms", load_synonyms(settings.synonyms, lexicon=settings.lexicon))
        options.setdefault("limits", Limits.from_settings(settings))
        return cls(settings.database_url, settings.read_database_url, **options)

    # -- writing -------------------------------------------------------------------------

    def build(self, roots: Sequence[Path], *, workers: int = 0, exclude_drafts: bool = False,
              progress: Progress | None = None, wait: float = 0.0) -> IndexReport:
        from .build import build  # the readers and language detection: never in a server

        return build(self.db, roots, workers=workers, exclude_drafts=exclude_drafts,
                           progress=progress, wait=wait)

    def update(self, roots: Sequence[Path] | None, *, full: bool = False, workers: int = 0,
               exclude_drafts: bool = False, progress: Progress | None = None,
               wait: float = 0.0, default_roots: Sequence[Path] = ()) -> IndexReport:
        from .update import update

        return update(self.db, roots, full=full, workers=workers,
                            exclude_drafts=exclude_drafts, progress=progress, wait=wait,
                            default_roots=default_roots)

    def exists(self) -> bool:
        with self.db.reading() as conn:
            return "generation" in read_meta(conn)

    # -- reading -------------------------------------------------------------------------

    @contextmanager
    def snapshot(self) -> Iterator[tuple[Any, dict[str, Any], Tables]]:
        """A read-only snapshot of the index: its connection, meta and tables (loaded
        when the generation is new to this process)."""
        with self.db.reading() as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            # per transaction, not per connection: PgBouncer in transaction mode hands
            # each transaction to another server connection
            conn.execute(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}")
            meta = read_meta(conn)
            check_readable(meta, self.where)
            generation = int(meta["generation"])
            tables = self._tables
            if tables is None or tables.generation != generation:
                with self._loading:  # one thread loads, the others wait for it
                    tables = self._tables
                    if tables is None or tables.generation != generation:
                        # the whole generation in a few statements: past a search's
                        # timeout at a million notes
                        conn.execute("SET LOCAL statement_timeout = '300s'")
                        tables = Tables(conn, generation, int(meta["next_doc"]),
                                            int(meta.get("written", 0)))
                        conn.execute(f"SET LOCAL statement_timeout = "
                                     f"{STATEMENT_TIMEOUT_MS}")
                        self._tables = tables
            yield conn, meta, tables

    def open(self) -> None:
        with self.snapshot():
            pass

    def version(self) -> Hashable:
        with self.snapshot() as (_, meta, _tables):
            return ("postgresql", int(meta["generation"]))

    def search(self, parsed: ParsedQuery, request: SearchQuery) -> SearchResult:
        with self.snapshot() as (conn, _meta, tables):
            result, _partial = ranking.answer(
                self._searchable(tables, conn), Budget(self.limits), parsed, request,
                lambda order, terms: _hits(conn, order, terms),
                lambda doc: _data(conn, doc))
            return result

    def _searchable(self, tables: Tables, conn: Any) -> ranking.Searchable:
        return ranking.Searchable(PgRanking(tables, conn), tables.facets, tables.vocab,
                                  tables.compounds, self.synonyms, self.typo_tolerance)

    def highlight_terms(self, parsed: ParsedQuery) -> QueryTerms:
        if parsed.plan is None:
            return QueryTerms()
        with self.snapshot() as (conn, _meta, tables):
            return ranking.highlight_terms(self._searchable(tables, conn), parsed,
                                           Budget(self.limits))

    def get_note(self, note_id: str) -> Note | None:
        with self.snapshot() as (conn, _meta, _tables):
            row = conn.execute("SELECT path, title, body, lang, format, draft, data "
                               "FROM es_notes WHERE path = %s", (note_id,)).fetchone()
        if row is None:
            return None
        path, title, body, lang, fmt, draft, data = row
        return document_to_note({"path": path, "title": title, "body": body, "lang": lang,
                                 "format": fmt, "draft": draft, "data": data})

    def stats(self) -> dict[str, Any]:
        with self.snapshot() as (conn, meta, _tables):
            def per(column: str) -> dict[str, int]:
                return dict(conn.execute(f"SELECT {column}, count(*) FROM es_notes GROUP BY "
                                         f"{column} ORDER BY count(*) DESC, {column}"))
            notes = conn.execute("SELECT count(*), count(*) FILTER (WHERE draft) "
                                 "FROM es_notes").fetchone()
            return {
                "notes": notes[0], "by_lang": per("lang"), "by_format": per("format"),
                "drafts": notes[1], "built_at": meta.get("built_at"),
                "updated_at": meta.get("updated_at"), "roots": meta.get("roots", []),
                "index": f"postgresql: {self.where}", "format": meta.get("format"),
                "skipped": [{"path": p, "reason": r["reason"]}
                            for p, r in sorted(meta.get("skipped", {}).items())],
            }

    def health(self) -> dict[str, Any]:
        try:
            with self.snapshot() as (conn, meta, _tables):
                notes = conn.execute("SELECT count(*) FROM es_notes").fetchone()[0]
        except IndexUnavailable as exc:
            return {"ok": False, "error": str(exc), "status": 503, "index": "missing"}
        return {"ok": True, "status": 200, "index": "present", "notes": notes,
                "generation": int(meta["generation"]), "built_at": meta.get("built_at"),
                "updated_at": meta.get("updated_at"),
                "last_indexed": meta.get("updated_at") or meta.get("built_at")}

    def suggest_entries(self) -> list[SuggestEntry]:
        with self.snapshot() as (conn, _meta, tables):
            table = tables.facets
            entries = [(table.display(kind, key, lambda doc: _data(conn, doc)), kind, key,
                        len(docs))
                       for kind in ("tag", "speaker")
                       for key, docs in table.postings[kind].items()]
            for path, title in conn.execute("SELECT path, title FROM es_notes "
                                            "WHERE title <> '' ORDER BY doc"):
                entries.append((title, "title", path, 1))
        return entries

    def close(self) -> None:
        """Nothing per thread: pooled connections go back to the pool after each call."""


def _data(conn: Any, doc: int) -> dict[str, Any]:
    row = conn.execute("SELECT data FROM es_notes WHERE doc = %s", (doc,)).fetchone()
    return json.loads(row[0]) if row else {}


def _hits(conn: Any, order: list[tuple[int, float]], terms: QueryTerms | None) -> list[Hit]:
    """The page's hits, in order, from one query for their rows."""
    if not order:
        return []
    rows = {r[0]: r for r in conn.execute(
        "SELECT doc, path, title, body, data, lang, format, draft FROM es_notes "
        "WHERE doc = ANY(%s)", ([d for d, _ in order],))}
    hits = []
    for doc, score in order:
        row = rows.get(doc)
        if row is None:
            continue
        _, path, title, body, raw, lang, fmt, draft = row
        hits.append(make_hit(path, title, body, raw, lang, fmt, bool(draft), score, terms))
    return hits
