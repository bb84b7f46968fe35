"""The full build into PostgreSQL: new tables filled in parallel, swapped in at once.

The files are cut into one contiguous share per core (as the Whoosh build does). Each
worker process reads, detects languages and analyses its share, and COPYs its notes
into ``es_notes_next`` and its postings into ``es_terms_parts`` over a connection of
its own; document numbers are the files' places in the scan, so the shares never
collide.  PostgreSQL then joins each term's postings from the shares in share order
(ascending documents) into ``es_terms_next``, and one transaction renames the new
tables into place: readers see the old index or the new one, never a mix.  A killed
build leaves only ``*_next`` tables, which the next build drops.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...model import IndexReport
from ...readers.load import run_in_workers, split_work
from ...readers.scan import FileInfo, scan_corpus, set_aside
from ...runs import aside_changes, run_meta, say_warnings
from ..base import Progress
from .connect import Database
from .schema import INDEX_FORMAT, SCHEMA_VERSION, notes_table, read_meta, terms_table, write_meta
from .write import Analyser, Postings, _copy_notes, _copy_terms, _read, writer

BATCH = 500  # notes per COPY from a worker


@dataclass
class Share:
    """What one worker made of its share of the files."""

    added: int = 0
    excluded_drafts: int = 0
    by_lang: Counter[str] = field(default_factory=Counter)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    skipped: dict[str, Any] = field(default_factory=dict)
    failed: list[tuple[str, str]] = field(default_factory=list)


def build(db: Database, roots: Sequence[Path], *, workers: int = 0,
          exclude_drafts: bool = False, progress: Progress | None = None,
          wait: float = 0.0) -> IndexReport:
    """All notes under ``roots`` into new tables, swapped in in one transaction."""
    with writer(db, wait) as conn:
        return build_here(db, conn, roots, workers, exclude_drafts, progress)


def build_here(db: Database, conn: Any, roots: Sequence[Path], workers: int,
               exclude_drafts: bool, progress: Progress | None) -> IndexReport:
    """The build, by the writer holding the lock on ``conn``."""
    started = time.perf_counter()
    scanned_at = time.time()
    roots = [Path(r).resolve() for r in roots]
    previous = read_meta(conn)
    files, aside = set_aside(scan_corpus(roots))
    report = IndexReport(full=True)
    report.timings["scan"] = time.perf_counter() - started
    conn.execute("DROP TABLE IF EXISTS es_notes_next, es_terms_next, es_terms_parts")
    conn.execute(notes_table("es_notes_next"))
    conn.execute(terms_table("es_terms_next"))
    parts = split_work(files, workers or os.cpu_count() or 1)
    old_skips = previous.get("skipped", {})
    if len(parts) == 1:
        shares = [_write_share(conn, files, parts[0], 0, None, exclude_drafts, old_skips,
                               progress)]
    else:
        conn.execute("CREATE UNLOGGED TABLE es_terms_parts (LIKE es_terms_next "
                     "INCLUDING DEFAULTS, part smallint NOT NULL)")
        shares = _in_workers(db, files, parts, exclude_drafts, old_skips, progress)
        mark = time.perf_counter()
        conn.execute(
            "INSERT INTO es_terms_next SELECT field, term, sum(df), "
            "string_agg(docs, ''::bytea ORDER BY part), string_agg(tfs, ''::bytea ORDER BY "
            "part) FROM es_terms_parts GROUP BY field, term")
        conn.execute("DROP TABLE es_terms_parts")
        report.timings["join"] = time.perf_counter() - mark
    skipped: dict[str, Any] = {}
    for share in shares:
        report.added += share.added
        report.excluded_drafts += share.excluded_drafts
        report.by_lang.update(share.by_lang)
        report.warnings.extend(share.warnings)
        report.failed.extend(share.failed)
        skipped.update(share.skipped)
    report.skipped = [(k, r["reason"]) for k, r in skipped.items()]
    report.notes = report.added
    report.timings["read+write"] = time.perf_counter() - started - report.timings["scan"]
    warned: dict[str, Any] = {}
    say_warnings(report, files, previous.get("warned", {}), warned)
    report.committed = True
    meta = run_meta(roots, exclude_drafts, report, skipped, scanned_at, {}, built=True,
                    index_format=INDEX_FORMAT) | {
        "warned": warned, "aside": aside_changes(aside, None, 0.0)[0],
        "schema_version": SCHEMA_VERSION, "next_doc": len(files),
        "written": report.added,
        "generation": int(previous.get("generation", 0)) + 1}
    mark = time.perf_counter()
    conn.execute("VACUUM ANALYZE es_notes_next, es_terms_next")  # index-only scans
    with conn.transaction():  # the swap: readers see the old tables or the new ones
        conn.execute("SET LOCAL lock_timeout = '30s'")
        conn.execute("DROP TABLE IF EXISTS es_notes, es_terms")
        for old, new in (("es_notes_next", "es_notes"), ("es_terms_next", "es_terms")):
            conn.execute(f"ALTER TABLE {old} RENAME TO {new}")
            conn.execute(f"ALTER INDEX {old}_pkey RENAME TO {new}_pkey")
        conn.execute("ALTER INDEX es_notes_next_path_key RENAME TO es_notes_path_key")
        conn.execute("DELETE FROM es_meta")
        write_meta(conn, meta)
    report.timings["swap"] = time.perf_counter() - mark
    report.took_s = time.perf_counter() - started
    return report


def _write_share(conn: Any, files: Mapping[str, FileInfo], keys: Sequence[str], base: int,
                 part: int | None, exclude_drafts: bool, old_skips: dict[str, Any],
                 progress: Progress | None) -> Share:
    """Read, analyse and COPY one share: notes in batches, postings at the end (into
    ``es_terms_next`` directly when there is one share, else ``es_terms_parts``)."""
    share = Share()
    report = IndexReport(full=True)
    analyser = Analyser()
    postings: Postings = {}
    doc_of = {key: base + i for i, key in enumerate(keys)}
    rows: list[tuple[Any, ...]] = []
    with conn.transaction():
        for note in _read(dict(files), keys, 1, exclude_drafts, progress, report, old_skips,
                          share.skipped, {}):
            rows.append(analyser.row(doc_of[note.path], note, postings))
            share.added += 1
            share.by_lang[note.lang] += 1
            if len(rows) >= BATCH:
                _copy_notes(conn, "es_notes_next", rows)
                rows = []
        _copy_notes(conn, "es_notes_next", rows)
        if part is None:
            _copy_terms(conn, "es_terms_next", postings)
        else:
            _copy_terms(conn, "es_terms_parts", postings, part)
    share.excluded_drafts = report.excluded_drafts
    share.warnings = report.warnings
    share.failed = report.failed
    return share


def _share_in_worker(url: str, files: Mapping[str, FileInfo], keys: list[str], base: int,
                     number: int, exclude_drafts: bool, old_skips: dict[str, Any],
                     progress: Progress) -> Share:
    """In a worker process: its share over a connection of its own."""
    with Database(url).connect(write=True, autocommit=True) as conn:
        return _write_share(conn, files, keys, base, number, exclude_drafts, old_skips,
                            progress)


def _in_workers(db: Database, files: Mapping[str, FileInfo], parts: list[list[str]],
                exclude_drafts: bool, old_skips: dict[str, Any],
                progress: Progress | None) -> list[Share]:
    bases = [sum(len(p) for p in parts[:n]) for n in range(len(parts))]
    shares = [(db.url, files, part, bases[n], n, exclude_drafts, old_skips)
              for n, part in enumerate(parts)]
    return run_in_workers(_share_in_worker, shares, len(files), progress)
