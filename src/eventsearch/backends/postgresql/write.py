"""Writing the PostgreSQL index: a full build into new tables swapped in by renames, or
an incremental reindex applied in one transaction.

The same readers, language detection and analysis chains as the Whoosh backend make
each note's terms (so stems, folding and compound parts are the same); PostgreSQL
stores them (schema.py).  One writer at a time: a session-level advisory lock, which
PostgreSQL releases when the writer's connection ends, so a killed reindex never
leaves a stale lock, and its open transaction is rolled back: nothing half-written
is ever visible.
"""

from __future__ import annotations

import json
import time
from array import array
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ...errors import EventSearchError, IndexLocked
from ...model import IndexReport, Note
from ...readers import note_depends_on
from ...readers.scan import FileInfo, scan_corpus, set_aside
from ..base import Progress
from ..whoosh.analysis import plain_analyzer, stemming_analyzer
from ..whoosh.build import load_notes
from ..whoosh.report import (
    RACY_S,
    _aside_changes,
    _meta,
    _new_failure,
    _say_warnings,
    _sha1,
    _skip_record,
)
from ..whoosh.schema import note_data, note_to_document
from .connect import Database
from .schema import (
    FIELD_ID,
    FIELDS,
    INDEX_FORMAT,
    LOCK_KEY,
    SCHEMA_VERSION,
    TEXT_FIELDS,
    ensure_meta,
    notes_table,
    read_meta,
    terms_table,
    tsvector_literal,
    write_meta,
)

NOTE_COLUMNS = ("doc", "path", "title", "body", "data", "lang", "format", "draft", "day",
                "tags", "speakers", "mtime", "size", "sha1", "lengths",
                "vec_title", "vec_meta", "vec_body")
MAX_TF = 65535
Postings = dict[tuple[int, str], tuple[array, array]]


@contextmanager
def writer(db: Database, wait: float) -> Iterator[Any]:
    """A connection to the primary holding the writer lock; IndexLocked when another
    writer keeps it longer than ``wait`` seconds."""
    conn = db.connect(write=True, autocommit=True)
    try:
        deadline = time.monotonic() + wait
        while not conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()[0]:
            if time.monotonic() >= deadline:
                raise IndexLocked("Another eventsearch index or reindex is writing to the "
                                  "PostgreSQL database; try again later (or pass --wait "
                                  "SECONDS).")
            time.sleep(0.2)
        ensure_meta(conn)
        yield conn
    finally:
        conn.close()  # ends the session: the lock goes with it


class Analyser:
    """A note as its row of es_notes and its postings, with our analysis chains."""

    def __init__(self) -> None:
        self.plain = plain_analyzer()
        self.stem = {lang: stemming_analyzer(lang) for lang in ("en", "de")}

    def row(self, doc: int, note: Note, postings: Postings) -> tuple[Any, ...]:
        fields = note_to_document(note)
        lengths = [0] * len(FIELDS)
        vectors = {name: "" for name in TEXT_FIELDS}
        for name in FIELDS:
            value = fields.get(name)
            if not value:
                continue
            analyzer = self.plain if name in TEXT_FIELDS else self.stem[name.split("_")[1]]
            words, first = analyzer.indexed_words(value)
            fid = FIELD_ID[name]
            lengths[fid] = len(words)
            for word, n in Counter(words).items():
                found = postings.get((fid, word))
                if found is None:
                    found = postings[(fid, word)] = (array("i"), array("H"))
                found[0].append(doc)
                found[1].append(min(n, MAX_TF))
            if name in vectors:
                vectors[name] = tsvector_literal(words, first)
        keys = [k for k in fields["tag"].split(",") if k], \
            [k for k in fields["speaker"].split(",") if k]
        return (doc, note.path, note.title, note.text,
                json.dumps(note_data(note), ensure_ascii=False), note.lang, note.format,
                note.draft, note.date, keys[0], keys[1], note.mtime, note.size, note.sha1,
                lengths, vectors["title"], vectors["meta"], vectors["body"])


def _copy_notes(conn: Any, table: str, rows: list[tuple[Any, ...]]) -> None:
    with conn.cursor() as cur, cur.copy(
            f"COPY {table} ({', '.join(NOTE_COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _copy_terms(conn: Any, table: str, postings: Postings) -> None:
    with conn.cursor() as cur, cur.copy(
            f"COPY {table} (field, term, df, docs, tfs) FROM STDIN") as copy:
        for (fid, term), (docs, tfs) in postings.items():
            copy.write_row((fid, term, len(docs), docs.tobytes(), tfs.tobytes()))


def _read(files: dict[str, FileInfo], keys: Sequence[str], workers: int,
          exclude_drafts: bool, progress: Progress | None, report: IndexReport,
          old_skips: dict[str, Any], skipped: dict[str, Any],
          indexed: dict[str, Any]) -> Iterator[Note]:
    """The notes of ``keys`` that read; skips and warnings recorded as the Whoosh
    backend records them."""
    for key, note, reason in load_notes(files, keys, workers, progress):
        if note is None:
            record = _skip_record(files[key], reason)
            skipped[key] = record
            report.skipped.append((key, record["reason"]))
            if _new_failure(old_skips.get(key), record):
                kept = " (the previously indexed version is kept)" if key in indexed else ""
                report.failed.append((key, record["reason"] + kept))
            continue
        if exclude_drafts and note.draft:
            report.excluded_drafts += 1
            continue
        report.warnings.extend((key, w) for w in note.warnings)
        yield note


def build(db: Database, roots: Sequence[Path], *, workers: int = 0,
          exclude_drafts: bool = False, progress: Progress | None = None,
          wait: float = 0.0) -> IndexReport:
    """All notes under ``roots`` into new tables, swapped in in one transaction."""
    with writer(db, wait) as conn:
        return _build(conn, roots, workers, exclude_drafts, progress)


def _build(conn: Any, roots: Sequence[Path], workers: int, exclude_drafts: bool,
           progress: Progress | None) -> IndexReport:
    started = time.perf_counter()
    scanned_at = time.time()
    roots = [Path(r).resolve() for r in roots]
    previous = read_meta(conn)
    files, aside = set_aside(scan_corpus(roots))
    report = IndexReport(full=True)
    report.timings["scan"] = time.perf_counter() - started
    skipped: dict[str, Any] = {}
    analyser = Analyser()
    postings: Postings = {}
    rows: list[tuple[Any, ...]] = []
    for note in _read(files, list(files), workers, exclude_drafts, progress, report,
                      previous.get("skipped", {}), skipped, {}):
        rows.append(analyser.row(len(rows), note, postings))
        report.by_lang[note.lang] += 1
    report.added = report.notes = len(rows)
    mark = time.perf_counter()
    report.timings["read+analyse"] = mark - started - report.timings["scan"]
    with conn.transaction():
        conn.execute("DROP TABLE IF EXISTS es_notes_next, es_terms_next")
        conn.execute(notes_table("es_notes_next"))
        conn.execute(terms_table("es_terms_next"))
        _copy_notes(conn, "es_notes_next", rows)
        _copy_terms(conn, "es_terms_next", postings)
    report.timings["copy"] = time.perf_counter() - mark
    warned: dict[str, Any] = {}
    _say_warnings(report, files, previous.get("warned", {}), warned)
    report.committed = True
    report.took_s = time.perf_counter() - started
    meta = _meta(roots, exclude_drafts, report, skipped, scanned_at, {}, built=True) | {
        "warned": warned, "aside": _aside_changes(aside, None, 0.0)[0],
        "format": INDEX_FORMAT, "schema_version": SCHEMA_VERSION, "next_doc": len(rows),
        "generation": int(previous.get("generation", 0)) + 1}
    mark = time.perf_counter()
    with conn.transaction():  # the swap: readers see the old tables or the new ones
        conn.execute("SET LOCAL lock_timeout = '30s'")
        conn.execute("DROP TABLE IF EXISTS es_notes, es_terms")
        for old, new in (("es_notes_next", "es_notes"), ("es_terms_next", "es_terms")):
            conn.execute(f"ALTER TABLE {old} RENAME TO {new}")
            conn.execute(f"ALTER INDEX {old}_pkey RENAME TO {new}_pkey")
        conn.execute("ALTER INDEX es_notes_next_path_key RENAME TO es_notes_path_key")
        conn.execute("DELETE FROM es_meta")
        write_meta(conn, meta)
    conn.execute("VACUUM ANALYZE es_notes, es_terms")  # visibility map: index-only scans
    report.timings["swap"] = time.perf_counter() - mark
    report.took_s = time.perf_counter() - started
    return report


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
            return _build(conn, resolved, workers, exclude_drafts, progress)
        return _update(conn, resolved, meta, workers, exclude_drafts, progress)


def _update(conn: Any, roots: list[Path], meta: dict[str, Any], workers: int,
            exclude_drafts: bool, progress: Progress | None) -> IndexReport:
    started = time.perf_counter()
    scanned_at = time.time()
    report = IndexReport(full=False)
    indexed = {path: (mtime, size, sha1, doc) for path, mtime, size, sha1, doc in
               conn.execute("SELECT path, mtime, size, sha1, doc FROM es_notes")}
    files, aside = set_aside(scan_corpus(roots))
    if not files and indexed:
        raise EventSearchError(
            f"Found no notes under {', '.join(map(str, roots))}, but the index holds "
            f"{len(indexed)}; not emptying it. Run `eventsearch reindex --full` if that "
            "is what you want.")
    old_skips: dict[str, Any] = meta.get("skipped", {})
    racy_from = float(meta.get("scanned_at", 0.0)) - RACY_S
    skipped: dict[str, Any] = {}
    todo: list[str] = []
    touched: list[tuple[float, int, str]] = []
    for key, info in files.items():
        path, mtime, size = info
        known = indexed.get(key)
        if size >= 0 and known:
            if (known[0], known[1]) == (mtime, size) and mtime < racy_from:
                continue
            if _sha1(path) == known[2]:
                if (known[0], known[1]) != (mtime, size):
                    touched.append((mtime, size, key))
                continue
        old = old_skips.get(key)
        if size >= 0 and mtime < racy_from and old and (old["mtime"], old["size"]) == (mtime, size):
            skipped[key] = old
            report.skipped.append((key, old["reason"]))
            continue
        todo.append(key)
    aside_states, aside_changed = _aside_changes(aside, meta.get("aside"), racy_from)
    if aside_changed:
        again = {k for k in indexed.keys() & files.keys() if note_depends_on(k) in aside_changed}
        todo = sorted(again.union(todo))
    gone = sorted(set(indexed) - set(files))
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
    report.unchanged = len(indexed) - len(gone) - sum(1 for k in todo if k in indexed)
    changed = bool(rows or removed)
    warned = {k: v for k, v in meta.get("warned", {}).items()
              if k in files and k not in set(todo)}
    _say_warnings(report, files, meta.get("warned", {}), warned)
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
        new_meta = _meta(roots, exclude_drafts, report, skipped, scanned_at, meta,
                         built=False) | {"warned": warned, "aside": aside_states,
                                         "format": INDEX_FORMAT,
                                         "next_doc": next_doc + len(rows)}
        if changed:
            new_meta["generation"] = int(meta["generation"]) + 1
        write_meta(conn, new_meta)
    report.timings["commit"] = time.perf_counter() - mark
    report.took_s = time.perf_counter() - started
    return report
