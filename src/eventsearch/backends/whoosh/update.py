"""Incremental update: apply only what changed on disk since the last run.

`update_index` compares the corpus with the index's ``path``/``state`` columns: equal
mtime and size means unchanged; otherwise the content hash decides.  Files whose mtime
changed but whose content did not are remembered in ``touched.json``, and files that
fail to parse in ``eventsearch.json``, so a cron run neither re-reads nor re-reports
them.  It falls back to a full build (build.py) when it must.  Changed files are read
in worker processes and written with one Whoosh writer here.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.index import LockError
from whoosh.query import Term
from whoosh.writing import MERGE_SMALL

from ...errors import EventSearchError, IndexLocked
from ...model import IndexReport
from ...readers.load import load_notes
from ...readers.scan import FileInfo, scan_corpus, set_aside
from ...runs import (
    find_changes,
    new_failure,
    run_meta,
    say_warnings,
    skip_record,
)
from .build import Progress, _build, _warm
from .integrity import open_for_writing, reason_to_rebuild
from .lock import _init_worker, writer_lock
from .pool import WRITER_MB, _SegmentWriter
from .schema import INDEX_FORMAT, parse_state
from .storage import (
    TOUCHED_FILE,
    current_generation,
    holds_index,
    read_meta,
    remove_leftovers,
    write_meta,
)
from .whole_docs import add_note


def update_index(roots: Sequence[Path] | None, index_dir: Path, *, full: bool = False,
                 workers: int = 0, exclude_drafts: bool = False,
                 progress: Progress | None = None, wait: float = 0.0,
                 default_roots: Sequence[Path] = ()) -> IndexReport:
    """Apply only what changed on disk since the last run (or rebuild when it must).

    Without ``roots`` the folders the index was built from are used, and
    ``default_roots`` when there is no index yet.  A full build happens on
    ``full``, with no usable index, or when the index format, the roots or
    ``exclude_drafts`` differ from what the index was built with.  A damaged index
    (or one without checksums) is rebuilt too, and ``report.notice`` says why.
    """
    with writer_lock(index_dir, wait):
        remove_leftovers(index_dir)
        gen = current_generation(index_dir)
        unsound = reason_to_rebuild(gen)  # damaged or unchecked files (integrity.py)
        usable = unsound is None and holds_index(gen)
        meta = read_meta(gen) if gen is not None else {}
        old_roots = [Path(r) for r in meta.get("roots", [])]
        chosen = roots or old_roots or default_roots
        if not chosen:
            raise EventSearchError(
                f"No index at {index_dir} yet and no PATH given: "
                "run `eventsearch index PATH` first.")
        resolved = [Path(r).resolve() for r in chosen]
        planned = (full or meta.get("format") != INDEX_FORMAT
                   or sorted(map(str, resolved)) != sorted(map(str, old_roots))
                   or meta.get("exclude_drafts", False) != exclude_drafts)
        if planned or not usable:
            report = _build(resolved, index_dir, workers, exclude_drafts, progress)
            if unsound and not planned:
                report.notice = f"The index in {gen} {unsound}; rebuilt it from scratch."
            return report
        assert gen is not None
        return _update(resolved, gen, meta, workers, exclude_drafts, progress)


def indexed_state(ix: whoosh_index.Index) -> dict[str, tuple[float, int, str]]:
    """path -> (mtime, size, sha1) of every live document, read from columns."""
    state: dict[str, tuple[float, int, str]] = {}
    with ix.reader() as reader:
        if reader.doc_count_all() == 0:
            return state  # an EmptyReader has no columns
        # Per segment and whole columns at a time: twice as fast as MultiReader lookups.
        for segment, _base in reader.leaf_readers():
            paths = list(segment.column_reader("path", translate=True))
            states = list(segment.column_reader("state"))
            for d in segment.all_doc_ids():
                state[paths[d]] = parse_state(states[d])
    return state


def _drop_empty_segments(writer: Any, segments: list[Any]) -> list[Any]:
    """Whoosh's MERGE_SMALL, minus segments whose documents were all deleted.

    Whoosh keeps such a segment forever (its size counts deleted documents), so
    editing every note would double the index on disk at each run.
    """
    return MERGE_SMALL(writer, [s for s in segments if s.doc_count() > 0])


def _update(roots: Sequence[Path], gen: Path, meta: dict[str, Any], workers: int,
            exclude_drafts: bool, progress: Progress | None) -> IndexReport:
    started = time.perf_counter()
    scanned_at = time.time()
    report = IndexReport(full=False)
    ix = open_for_writing(gen)
    indexed = indexed_state(ix)
    files, aside = set_aside(scan_corpus(roots))
    old_skips: dict[str, Any] = meta.get("skipped", {})
    old_touched: dict[str, list[float]] = read_meta(gen, TOUCHED_FILE)
    changes = find_changes(roots, files, aside, indexed, meta, report, old_touched)
    todo, gone, skipped, touched = changes.todo, changes.gone, changes.skipped, changes.touched
    report.timings["scan"] = time.perf_counter() - started
    if touched != old_touched:
        # Written before the commit: it only vouches for files this run leaves alone.
        write_meta(gen, touched, TOUCHED_FILE)
    if todo or gone:
        _apply(ix, files, todo, gone, indexed, old_skips, skipped, report, workers,
               exclude_drafts, progress)
    old_warned: dict[str, Any] = meta.get("warned", {})
    read = set(todo)
    warned = {k: [*touched.get(k, v[:2]), v[2]] for k, v in old_warned.items()
              if k in files and k not in read}  # a touched file keeps its (said) warnings
    say_warnings(report, files, old_warned, warned)
    if report.committed:
        _warm(gen, report)
    mark = time.perf_counter()
    if report.committed:
        report.notes, report.by_lang = _count(ix)
    else:  # the index is as the last run left it: its counts hold, if they add up
        report.notes = len(indexed)
        last = Counter(meta.get("last_run", {}).get("by_lang", {}))
        report.by_lang = last if last.total() == report.notes else _count(ix)[1]
    report.timings["count"] = time.perf_counter() - mark
    report.took_s = time.perf_counter() - started
    if (report.committed or skipped != old_skips or touched != old_touched or changes.hashed
            or warned != old_warned or changes.aside != meta.get("aside")):
        write_meta(gen, run_meta(roots, exclude_drafts, report, skipped, scanned_at, meta,
                                 built=False, index_format=INDEX_FORMAT)
                   | {"warned": warned, "aside": changes.aside})
    return report


def _count(ix: whoosh_index.Index) -> tuple[int, Counter[str]]:
    """Live notes, in all and per language (Whoosh's doc_frequency counts deleted ones)."""
    with ix.searcher() as searcher:
        notes = searcher.doc_count()
        by_lang: Counter[str] = Counter()
        for lang in searcher.lexicon("lang"):
            live = sum(1 for _ in searcher.docs_for_query(Term("lang", lang)))
            if live:
                by_lang[lang.decode()] = live
        return notes, by_lang


def _apply(ix: whoosh_index.Index, files: dict[str, FileInfo], todo: list[str],
           gone: list[str], indexed: dict[str, tuple[float, int, str]],
           old_skips: dict[str, Any], skipped: dict[str, Any], report: IndexReport,
           workers: int, exclude_drafts: bool, progress: Progress | None) -> None:
    """Read the changed files and write the differences in one commit."""
    mark = time.perf_counter()
    try:
        # Our lock is held, so a Whoosh lock holder is a foreign process or a dying one.
        writer = _SegmentWriter(ix, limitmb=WRITER_MB, timeout=5.0)
    except LockError:
        raise IndexLocked(f"Another process holds Whoosh's write lock in {ix.storage.folder}; "
                          "try again later.") from None
    changed = False
    try:
        gone_hashes = Counter(indexed[k][2] for k in gone)
        for key in gone:
            writer.delete_by_term("path", key)
            changed = True
        for key, note, reason in load_notes(files, todo, workers, progress,
                                             worker_init=_init_worker):
            if note is not None and not (exclude_drafts and note.draft):
                reason = add_note(writer, note, update=True)  # None, or why it failed
                note = note if reason is None else None
            if note is None:
                record = skip_record(files[key], reason)
                skipped[key] = record
                report.skipped.append((key, record["reason"]))
                if new_failure(old_skips.get(key), record):
                    kept = " (the previously indexed version is kept)" if key in indexed else ""
                    report.failed.append((key, record["reason"] + kept))
                continue
            if exclude_drafts and note.draft:
                report.excluded_drafts += 1
                if key in indexed:
                    writer.delete_by_term("path", key)
                    report.removed += 1
                    changed = True
                continue
            changed = True
            report.warnings.extend((key, w) for w in note.warnings)
            if key in indexed:
                report.updated += 1
            elif gone_hashes[note.sha1] > 0:
                gone_hashes[note.sha1] -= 1
                report.moved += 1
            else:
                report.added += 1
        report.removed += len(gone) - report.moved
        report.timings["read+add"] = time.perf_counter() - mark
        if changed:
            mark = time.perf_counter()
            writer.commit(mergetype=_drop_empty_segments)
            report.timings["commit"] = time.perf_counter() - mark
            report.committed = True
        else:
            writer.cancel()
    except BaseException:
        if not writer.is_closed:
            writer.cancel()
        raise

