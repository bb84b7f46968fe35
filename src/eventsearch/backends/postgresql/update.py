"""The incremental reindex on PostgreSQL: what changed on disk, in one transaction.

Notes are compared with what ``es_notes`` records (mtime and size, then the hash, as
the Whoosh backend does, with its "racy" rule for files changed during a scan).  One
transaction deletes the rows of changed and removed notes, COPYs the new ones (with
new document numbers) and appends their postings to ``es_terms``; readers see all of
it at the commit or none of it, and a killed run is rolled back by PostgreSQL.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ...errors import EventSearchError
from ...model import IndexReport
from ...readers.scan import scan_corpus, set_aside
from ...runs import find_changes, run_meta, say_warnings
from ..base import Progress
from .build import build_here
from .connect import Database
from .schema import INDEX_FORMAT, SCHEMA_VERSION, read_meta, write_meta
from .write import Analyser, Postings, _copy_notes, _copy_terms, _read, writer


def update(db: Database, roots: Sequence[Path] | None, *, full: bool = False,
           workers: int = 0, exclude_drafts: bool = False, progress: Progress | None = None,
           wait: float = 0.0, default_roots: Sequence[Path] = ()) -> IndexReport:
    """What changed on disk since the last run, in one transaction (or a full build when
    asked, when there is no index, or when its format, roots or draft setting differ)."""
    with writer(db, wait) as conn:
        meta = read_meta(conn)
        old_roots = [Path(r) for r in meta.get("roots", [])]
        chosen = roots or old_roots or default_roots
        if not chosen:
            raise EventSearchError("No index in the database yet and no PATH given: run "
                                   "`eventsearch index PATH` first.")
        resolved = [Path(r).resolve() for r in chosen]
        live = 0
        if "generation" in meta and meta.get("format") == INDEX_FORMAT:
            live = conn.execute("SELECT count(*) FROM es_notes").fetchone()[0]
        worn = int(meta.get("next_doc", 0)) > 2 * live + 1000  # mostly dead postings
        if (full or worn or "generation" not in meta or meta.get("format") != INDEX_FORMAT
                or meta.get("schema_version") != SCHEMA_VERSION
                or sorted(map(str, resolved)) != sorted(meta.get("roots", []))
                or meta.get("exclude_drafts", False) != exclude_drafts):
            return build_here(db, conn, resolved, workers, exclude_drafts, progress)
        return _update(conn, resolved, meta, workers, exclude_drafts, progress)


def _update(conn: Any, roots: list[Path], meta: dict[str, Any], workers: int,
            exclude_drafts: bool, progress: Progress | None) -> IndexReport:
    started = time.perf_counter()
    scanned_at = time.time()
    report = IndexReport(full=False)
    indexed = {path: (mtime, size, sha1, doc) for path, mtime, size, sha1, doc in
               conn.execute("SELECT path, mtime, size, sha1, doc FROM es_notes")}
    files, aside = set_aside(scan_corpus(roots))
    old_skips: dict[str, Any] = meta.get("skipped", {})
    changes = find_changes(roots, files, aside, indexed, meta, report)
    todo, gone, skipped = changes.todo, changes.gone, changes.skipped
    touched = [(mtime, size, key) for key, (mtime, size) in changes.touched.items()]
    report.timings["scan"] = time.perf_counter() - started
    next_doc = int(meta.get("next_doc", 0))
    analyser = Analyser()
    postings: Postings = {}
    rows: list[tuple[Any, ...]] = []
    gone_hashes = Counter(indexed[k][2] for k in gone)
    for note in _read(files, todo, workers, exclude_drafts, progress, report, old_skips,
                      skipped, indexed):
        rows.append(analyser.row(next_doc + len(rows), note, postings))
        if note.path in indexed:
            report.updated += 1
        elif gone_hashes[note.sha1] > 0:
            gone_hashes[note.sha1] -= 1
            report.moved += 1
        else:
            report.added += 1
    read_ok = {row[1] for row in rows}
    drafts_out = [k for k in todo if k in indexed and k not in read_ok and k not in skipped]
    removed = sorted(set(gone) | read_ok & set(indexed) | set(drafts_out))
    report.removed = len(gone) - report.moved + len(drafts_out)
    changed = bool(rows or removed)
    warned = {k: v for k, v in meta.get("warned", {}).items()
              if k in files and k not in set(todo)}
    say_warnings(report, files, meta.get("warned", {}), warned)
    mark = time.perf_counter()
    with conn.transaction():
        if removed:
            conn.execute("DELETE FROM es_notes WHERE path = ANY(%s)", (removed,))
        if touched:
            with conn.cursor() as cur:
                cur.executemany("UPDATE es_notes SET mtime = %s, size = %s WHERE path = %s",
                                touched)
        if rows:
            _copy_notes(conn, "es_notes", rows)
            conn.execute("CREATE TEMPORARY TABLE es_delta (LIKE es_terms) ON COMMIT DROP")
            _copy_terms(conn, "es_delta", postings)
            conn.execute(
                "INSERT INTO es_terms SELECT * FROM es_delta ON CONFLICT (field, term) DO "
                "UPDATE SET df = es_terms.df + EXCLUDED.df, "
                "docs = es_terms.docs || EXCLUDED.docs, tfs = es_terms.tfs || EXCLUDED.tfs")
        report.committed = changed
        report.notes = conn.execute("SELECT count(*) FROM es_notes").fetchone()[0]
        report.by_lang = Counter(dict(conn.execute(
            "SELECT lang, count(*) FROM es_notes GROUP BY lang").fetchall()))
        report.took_s = time.perf_counter() - started
        new_meta = run_meta(roots, exclude_drafts, report, skipped, scanned_at, meta,
                            built=False, index_format=INDEX_FORMAT) | {
            "warned": warned, "aside": changes.aside, "next_doc": next_doc + len(rows),
            "written": int(meta.get("written", 0)) + len(rows)}
        if changed:
            new_meta["generation"] = int(meta["generation"]) + 1
        write_meta(conn, new_meta)
    report.timings["commit"] = time.perf_counter() - mark
    report.took_s = time.perf_counter() - started
    return report
