"""The full Whoosh build: read -> understand -> write.

Reading and understanding notes (reader, language detection) is readers/load.py.  A
full build splits the files into one contiguous part per core (`split_work`); each
worker process reads, detects languages and writes its part as a Whoosh segment of
its own (pool.py), and the new table of contents lists those segments.  The
build writes a new generation and swaps it in (see storage.py), under the writer lock
(lock.py).  Incremental updates are in update.py.
"""

from __future__ import annotations

import os
import shutil
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.reading import SegmentReader

from ...model import IndexReport
from ...readers.load import Progress, load_note, run_in_workers, split_work
from ...readers.scan import FileInfo, scan_corpus, set_aside
from ...runs import aside_changes, new_failure, run_meta, say_warnings, skip_record
from .integrity import create_index
from .lock import _init_worker, writer_lock
from .pool import WRITER_MB, _SegmentWriter
from .schema import INDEX_FORMAT, build_schema
from .segment_cache import warm_cache, warm_segment
from .storage import (
    current_generation,
    list_generations,
    read_meta,
    remove_leftovers,
    swap_current,
    write_meta,
)
from .whole_docs import add_note


def build_index(roots: Sequence[Path], index_dir: Path, *, workers: int = 0,
                exclude_drafts: bool = False, progress: Progress | None = None,
                wait: float = 0.0) -> IndexReport:
    """Build a complete new index generation and swap it in atomically."""
    with writer_lock(index_dir, wait):
        remove_leftovers(index_dir)
        return _build(roots, index_dir, workers, exclude_drafts, progress)


def _new_generation(index_dir: Path) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    gen = index_dir / f"gen-{stamp}-{os.getpid()}"
    gen.mkdir(parents=True)
    return gen


def _swap_in(index_dir: Path, gen: Path) -> None:
    """Point `current` at gen with one atomic rename; drop all but the previous generation."""
    previous = current_generation(index_dir)
    swap_current(index_dir, gen)  # durably: see storage.py
    keep = {gen.name, previous.name if previous else ""}
    for old in list_generations(index_dir):
        if old.name not in keep:
            _rmtree(old)


def _rmtree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def _build(roots: Sequence[Path], index_dir: Path, workers: int, exclude_drafts: bool,
           progress: Progress | None) -> IndexReport:
    started = time.perf_counter()
    scanned_at = time.time()
    roots = [Path(r).resolve() for r in roots]  # recorded: reindex compares and reuses them
    previous = current_generation(index_dir)
    previous_meta = read_meta(previous) if previous else {}
    known_broken = previous_meta.get("skipped", {})
    files, aside = set_aside(scan_corpus(roots))
    report = IndexReport(full=True)
    report.timings["scan"] = time.perf_counter() - started
    gen = _new_generation(index_dir)
    try:
        ix = create_index(gen, build_schema())
        parts = split_work(files, workers or os.cpu_count() or 1)
        if len(parts) > 1:
            written = _write_in_workers(gen, files, parts, exclude_drafts, progress)
        else:
            written = [_write_here(ix, files, list(files), exclude_drafts, progress)]
        mark = time.perf_counter()
        report.timings["read+write"] = mark - started - report.timings["scan"]
        segments = [w.segment for w in written if w.segment is not None]
        writer = ix.writer()
        # Whoosh's MpWriter(multisegment=True) ends the same way: the new TOC lists
        # the segments the workers wrote, nothing is merged.
        writer.commit(mergetype=lambda _writer, _old: segments)
        report.timings["commit"] = time.perf_counter() - mark
        skipped: dict[str, Any] = {}
        for part in written:
            report.added += part.added
            report.excluded_drafts += part.excluded_drafts
            report.by_lang.update(part.by_lang)
            report.warnings.extend(part.warnings)
            for key, record in part.skipped.items():
                report.skipped.append((key, record["reason"]))
                skipped[key] = record
                if new_failure(known_broken.get(key), record):
                    report.failed.append((key, record["reason"]))
        warned: dict[str, Any] = {}
        say_warnings(report, files, previous_meta.get("warned", {}), warned)
        report.notes = report.added
        report.committed = True
        _warm(gen, report)
        report.took_s = time.perf_counter() - started
        write_meta(gen, run_meta(roots, exclude_drafts, report, skipped, scanned_at, {},
                                 built=True, index_format=INDEX_FORMAT)
                   | {"warned": warned, "aside": aside_changes(aside, None, 0.0)[0]})
    except BaseException:
        _rmtree(gen)
        raise
    _swap_in(index_dir, gen)
    return report


@dataclass
class _Written:
    """What one writer made of its share of the files (one segment)."""

    added: int = 0
    excluded_drafts: int = 0
    by_lang: Counter[str] = field(default_factory=Counter)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    skipped: dict[str, Any] = field(default_factory=dict)  # key -> skip record
    segment: Any = None  # the finished Whoosh segment, None when nothing was added


def _write_notes(writer: Any, files: Mapping[str, FileInfo], keys: Sequence[str],
                 exclude_drafts: bool, progress: Progress | None) -> _Written:
    """Read, understand and add each file's note to the writer's new segment."""
    out = _Written()
    for n, key in enumerate(keys, 1):
        writer.pool.done = n / len(keys)
        path = files[key][0]
        _, note, reason = load_note(key, path)
        if progress:
            progress(1, len(files))
        if note is not None and not (exclude_drafts and note.draft):
            reason = add_note(writer, note)  # None, or why this note's document failed
            note = note if reason is None else None
        if note is None:
            out.skipped[key] = skip_record(files[key], reason)
        elif exclude_drafts and note.draft:
            out.excluded_drafts += 1
        else:
            out.added += 1
            out.by_lang[note.lang] += 1
            out.warnings.extend((key, w) for w in note.warnings)
    return out


def _write_here(ix: whoosh_index.Index, files: Mapping[str, FileInfo], keys: Sequence[str],
                exclude_drafts: bool, progress: Progress | None) -> _Written:
    """The serial build: one segment written by this process."""
    writer = _SegmentWriter(ix, _lk=False, limitmb=WRITER_MB)
    try:
        out = _write_notes(writer, files, keys, exclude_drafts, progress)
        out.segment = _finish_segment(writer, out)
    finally:
        if not writer.is_closed:
            writer.cancel()
    return out


def _finish_segment(writer: Any, written: _Written) -> Any:
    """Flush the writer's segment to disk without committing it (the caller lists it)."""
    # What Whoosh's own sub-writers call.  Not cancel(): that would delete the
    # temporary folder the other workers are still spilling postings into.
    segment = writer._finalize_segment() if written.added else writer._close_segment()
    writer.is_closed = True
    return segment


def _segment_share(gen: str, files: Mapping[str, FileInfo], keys: list[str],
                   exclude_drafts: bool, progress: Progress) -> _Written:
    """In a worker process: read its share of the files and write them as one segment."""
    ix = whoosh_index.open_dir(gen)
    writer = _SegmentWriter(ix, _lk=False, limitmb=WRITER_MB)
    written = _write_notes(writer, files, keys, exclude_drafts, progress)
    written.segment = _finish_segment(writer, written)
    if written.segment is not None and written.added:
        _warm_segment(ix, written.segment)
    return written


def _write_in_workers(gen: Path, files: Mapping[str, FileInfo], parts: list[list[str]],
                      exclude_drafts: bool, progress: Progress | None) -> list[_Written]:
    """Each worker process reads, analyses and writes its part as a segment of its own.

    Whoosh's writer is pure Python and costs as much as reading and language
    detection together, so a single writer fed by reader processes leaves a core
    idle; here both cores do everything.
    """
    shares = [(str(gen), files, part, exclude_drafts) for part in parts]
    return run_in_workers(_segment_share, shares, len(files), progress, init=_init_worker)


def _warm(gen: Path, report: IndexReport) -> None:
    """Write the search-side tables of new segments now, so the first search after this
    commit does not build them.  Only a speed-up: a failure here never fails the run."""
    mark = time.perf_counter()
    with suppress(Exception):
        warm_cache(gen)
    report.timings["cache"] = time.perf_counter() - mark


def _warm_segment(ix: whoosh_index.Index, segment: Any) -> None:
    """The search tables of a segment a worker has just written (see warm_segment).
    Only a speed-up: the parent's _warm still covers what this leaves undone."""
    with suppress(Exception), SegmentReader(ix.storage, ix.schema, segment) as leaf:
        warm_segment(Path(ix.storage.folder), leaf)

