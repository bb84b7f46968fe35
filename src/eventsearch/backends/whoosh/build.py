"""Building and updating the index: read -> understand -> write.

A full build splits the files into one contiguous part per core; each worker
process reads, detects languages and writes its part as a Whoosh segment of its
own, and the new table of contents lists those segments.  An update reads the
changed files in worker processes and writes them with one Whoosh writer here.
One writer at a time across processes, guarded by an OS-level lock that dies
with its process.

A full build writes a new generation and swaps it in (see storage.py).  An
update compares the corpus with the index's ``path``/``state`` columns: equal
mtime and size means unchanged; otherwise the content hash decides.  Files whose
mtime changed but whose content did not are remembered in ``touched.json``, and
files that fail to parse in ``eventsearch.json``, so a cron run neither re-reads
nor re-reports them.
"""

from __future__ import annotations

import fcntl
import hashlib
import heapq
import multiprocessing
import os
import pickle
import shutil
import signal
import sys
import tempfile
import time
from array import array
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from queue import Empty
from typing import Any

from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3TermInfo, _lenfield
from whoosh.index import LockError
from whoosh.query import Term
from whoosh.reading import SegmentReader
from whoosh.system import pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import MERGE_SMALL, SegmentWriter

from ...errors import EventSearchError, IndexLocked, ParseError
from ...model import Note
from ...paths import fs_path, path_key, safe_text
from ...readers import SUFFIXES, not_a_note, note_depends_on, read_note
from ...text.language import detect_language
from .integrity import create_index, open_for_writing, reason_to_rebuild
from .schema import INDEX_FORMAT, build_schema, parse_state
from .segment_cache import warm_cache, warm_segment
from .storage import (
    LOCK_FILE,
    TOUCHED_FILE,
    current_generation,
    holds_index,
    list_generations,
    read_meta,
    remove_leftovers,
    swap_current,
    write_meta,
)
from .whole_docs import WholeDocuments, add_note

Progress = Callable[[int, int], None]  # (files just done, files in all)
PARALLEL_FROM = 200  # below this many files a worker pool costs more than it saves
WRITER_MB = 96  # postings kept in memory per writer process (estimated) before a run spills to disk
WRITER_ROOM_MB = 224  # ... unless the rest of the segment is projected to fit in this (_TermPool)
INLINE_POSTINGS = 4  # a term in at most this many documents keeps its postings in the term table
PROGRESS_EVERY = 16  # files between progress messages from a worker
# A file modified this close to (or after) the start of the scan that indexed it may
# have changed again within the same mtime tick: confirm it by hash next time (git's
# "racy clean" rule; 2 s covers FAT and other coarse timestamps).
RACY_S = 2.0

FileInfo = tuple[str, float, int]  # (absolute path, mtime, size); size -1: cannot stat


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


# -- one writer at a time ------------------------------------------------------------

_LOCK_FDS: set[int] = set()  # lock descriptors held here, closed in forked workers


@contextmanager
def writer_lock(index_dir: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold the index's writer lock; raise IndexLocked if another process has it.

    flock() is released by the kernel when the holder dies, so a crashed
    reindex never blocks the next one (unlike a PID file).
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(index_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexLocked(
                        f"Another eventsearch process is writing the index at {index_dir}; "
                        "try again later (or pass --wait SECONDS)."
                    ) from None
                time.sleep(0.1)
        _LOCK_FDS.add(fd)
        yield
    finally:
        _LOCK_FDS.discard(fd)
        os.close(fd)  # closing the last descriptor releases the lock


def _init_worker(parent: int) -> None:
    """First thing in each forked reader: never outlive, or outlock, the indexer.

    A forked child inherits the lock descriptors (ours and Whoosh's
    MAIN_WRITELOCK); if it outlived a SIGKILLed parent, the next reindex would
    find the index locked.  So the child drops its copies and asks Linux to
    kill it when the parent dies.  Ctrl-C is the parent's to handle.
    """
    for fd in list(_LOCK_FDS):
        with suppress(OSError):
            os.close(fd)  # only this process's copy: the parent keeps the lock
    _LOCK_FDS.clear()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


# -- what is on disk ----------------------------------------------------------------

def scan_corpus(roots: Sequence[Path]) -> dict[str, FileInfo]:
    """Every note file under the roots, sorted, keyed by its path relative to the indexed
    root (the common parent when there are several roots), with mtime and size.
    Keys are `paths.path_key`s (any file name, as a safe string); the FileInfo keeps the
    real path for reading.

    Lists the same files as `readers.iter_corpus` (dotfiles and dot-dirs skipped,
    symlinked folders not followed) but with one scandir pass and no pathlib: the
    no-change reindex of 21.7k notes spends most of its time here.
    """
    roots = [r.resolve() for r in roots]
    for root in roots:
        if not root.exists():
            raise EventSearchError(f"No such file or directory: {root}")
    base = roots[0] if len(roots) == 1 else Path(os.path.commonpath(roots))
    if len(roots) == 1 and roots[0].is_file():
        base = roots[0].parent
    found: dict[str, FileInfo] = {}
    for root in roots:
        rel = path_key(root.relative_to(base).as_posix())
        if root.is_file():
            found[rel] = _stat(str(root))
            continue
        stack = [(str(root), "" if rel == "." else rel + "/")]
        while stack:
            folder, prefix = stack.pop()
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue  # vanished or unreadable folder: as os.walk does
            for entry in entries:
                name = entry.name
                if name.startswith("."):
                    continue
                if entry.is_dir():
                    if not entry.is_symlink():
                        stack.append((entry.path, prefix + path_key(name) + "/"))
                elif os.path.splitext(name)[1].lower() in SUFFIXES:
                    found[prefix + path_key(name)] = _stat(entry.path, entry)
    return dict(sorted(found.items()))


def _stat(path: str, entry: os.DirEntry[str] | None = None) -> FileInfo:
    try:
        st = entry.stat() if entry is not None else os.stat(path)
    except OSError:
        return path, -1.0, -1
    return path, st.st_mtime, st.st_size


def set_aside(found: Mapping[str, FileInfo]) -> tuple[dict[str, FileInfo], dict[str, FileInfo]]:
    """(notes, the rest): files known not to be notes (pyvideo's category.json, .DS_Store
    and the like) are never read as notes, skipped or reported.  Their state is kept in
    the meta (``aside``) because notes may take data from them (see `_aside_changes`)."""
    notes: dict[str, FileInfo] = {}
    aside: dict[str, FileInfo] = {}
    for key, info in found.items():
        (notes if not_a_note(key) is None else aside)[key] = info
    return notes, aside


def _aside_changes(aside: Mapping[str, FileInfo], old: dict[str, Any] | None,
                   racy_from: float) -> tuple[dict[str, Any], set[str]]:
    """The set-aside files' states (path -> [mtime, size, sha1]) and the paths of those
    changed, added or removed since ``old`` was recorded (mtime and size first, the hash
    to confirm, as for notes).  Without ``old`` (an index from before they were recorded)
    today's states become the baseline."""
    states: dict[str, Any] = {}
    changed: set[str] = set()
    for key, (path, mtime, size) in aside.items():
        known = old.get(key) if old is not None else None
        if known and known[:2] == [mtime, size] and mtime < racy_from:
            states[key] = known
            continue
        states[key] = [mtime, size, _sha1(path)]
        if old is not None and (not known or known[2] != states[key][2]):
            changed.add(key)
    if old is not None:
        changed.update(set(old) - set(aside))
    return states, changed


def corpus_files(roots: Sequence[Path]) -> dict[str, Path]:
    """Every note file under the roots, keyed like `scan_corpus`."""
    return {key: Path(info[0]) for key, info in scan_corpus(roots).items()}


# -- reading notes ------------------------------------------------------------------

def _load(item: tuple[str, str, str]) -> tuple[str, Note | None, str | None]:
    """Read and understand one file (runs in a worker process)."""
    key, path, base = item
    try:
        note = read_note(Path(path), Path(base))
    except ParseError as exc:
        return key, None, safe_text(str(exc))
    except Exception as exc:  # a reader bug must not stop the whole corpus
        return key, None, safe_text(
            f"unexpected error while reading: {type(exc).__name__}: {exc}")
    try:
        lang = detect_language(f"{note.title}\n{note.text}", note.declared_lang)
    except Exception as exc:  # nor may one text that trips the language detector
        return key, None, safe_text(f"language detection failed: {type(exc).__name__}: {exc}")
    return key, replace(note, path=key, lang=lang), None


def _item(key: str, path: str) -> tuple[str, str, str]:
    """What _load takes: the key, the real path, and the indexed root it is relative to."""
    return key, path, path[: -len(fs_path(key))] or "."


def load_notes(files: Mapping[str, FileInfo] | Mapping[str, Path], keys: Sequence[str],
               workers: int, progress: Progress | None = None
               ) -> Iterator[tuple[str, Note | None, str | None]]:
    """Yield (key, note or None, reason) in key order, reading in parallel when it pays.

    ``files`` comes from `scan_corpus` (or `corpus_files`)."""
    paths = {k: v[0] if isinstance(v, tuple) else str(v) for k, v in files.items()}
    items = [_item(k, paths[k]) for k in keys]
    workers = workers or os.cpu_count() or 1
    if workers > 1 and len(items) >= PARALLEL_FROM:
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(workers, initializer=_init_worker, initargs=(os.getpid(),)) as pool:
            for result in pool.imap(_load, items, chunksize=32):
                if progress:
                    progress(1, len(items))
                yield result
    else:
        for item in items:
            result = _load(item)
            if progress:
                progress(1, len(items))
            yield result


# -- entry points -------------------------------------------------------------------

def build_index(roots: Sequence[Path], index_dir: Path, *, workers: int = 0,
                exclude_drafts: bool = False, progress: Progress | None = None,
                wait: float = 0.0) -> IndexReport:
    """Build a complete new index generation and swap it in atomically."""
    with writer_lock(index_dir, wait):
        remove_leftovers(index_dir)
        return _build(roots, index_dir, workers, exclude_drafts, progress)


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


# -- full build ---------------------------------------------------------------------

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
        parts = _split(files, workers or os.cpu_count() or 1)
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
                if _new_failure(known_broken.get(key), record, files[key][0]):
                    report.failed.append((key, record["reason"]))
        warned: dict[str, Any] = {}
        _say_warnings(report, files, previous_meta.get("warned", {}), warned)
        report.notes = report.added
        report.committed = True
        _warm(gen, report)
        report.took_s = time.perf_counter() - started
        write_meta(gen, _meta(roots, exclude_drafts, report, skipped, scanned_at, {},
                              built=True)
                   | {"warned": warned, "aside": _aside_changes(aside, None, 0.0)[0]})
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


def _split(files: Mapping[str, FileInfo], workers: int) -> list[list[str]]:
    """The keys cut into one contiguous run per worker, of about equal work.

    Contiguous runs keep document numbers in path order across the segments, as
    a serial build has them (ties in ranking fall back to that order).  Work is
    estimated as a fixed cost per file (reading, language detection) plus its
    size, the fixed cost worth 2 KB: there the two halves of the shared corpora
    (16.4k small records; 5.9k records and 3.6k long notes) take equally long.
    """
    keys = list(files)
    if workers <= 1 or len(keys) < PARALLEL_FROM:
        return [keys]
    workers = min(workers, len(keys) // (PARALLEL_FROM // 2))
    weights = [2000 + max(files[k][2], 0) for k in keys]
    share = sum(weights) / workers
    parts: list[list[str]] = [[]]
    done = 0.0
    for key, weight in zip(keys, weights, strict=True):
        if done >= share * len(parts) and len(parts) < workers:
            parts.append([])
        parts[-1].append(key)
        done += weight
    return parts


_BYTE_TO_LENGTH = tuple(byte_to_length(b) for b in range(256))


def _length_column(perdoc: Any, fieldname: str) -> list[int] | None:
    """Every document's length in the field (None when it keeps no lengths), read at
    once: Whoosh looks one up per posting through three layers of column readers."""
    reader = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    return None if reader is None else [_BYTE_TO_LENGTH[b] for b in reader]


Postings = tuple["array[int]", "array[float]", list[bytes]]  # docnums, weights, values


class _TermPool:
    """The postings of the segment being written, grouped by term as they arrive.

    Whoosh's PostingPool keeps a tuple per posting, sorts them all, and past its
    memory limit pickles sorted runs of postings to temporary files and merges
    them back posting by posting through a heap: half the time of writing a
    segment.  Documents are added in order, so a term's postings arrive in order
    and only the terms need sorting.  Past ``limit_mb`` (estimated; see _full for
    when ``room_mb`` defers it) the terms go to a temporary file as a sorted run,
    a term's postings as two arrays and a list; runs are merged term by term, and
    a term's parts simply concatenate because later runs hold later documents.
    """

    TERM_BYTES = 360  # estimated memory of a new term: dict slot, key, arrays, list
    POSTING_BYTES = 24  # and of a posting beyond its value: array slots, list slot

    def __init__(self, tempdir: str, limit_mb: float, room_mb: float = 0.0) -> None:
        self.tempdir = tempdir
        self.base = self.limit = int(limit_mb * 1024 * 1024)
        self.room = int(room_mb * 1024 * 1024)
        self.done = 0.0  # the share of the segment's documents added so far, when known
        self.spilled_at = 0.0  # ... when the last run was spilled
        self.size = 0
        self.runs: list[str] = []
        self.terms: dict[tuple[str, bytes], Postings] = {}
        self.unordered: set[tuple[str, bytes]] = set()  # terms whose postings need a sort

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        fieldname, tbytes, docnum, weight, vbytes = item
        if docnum < 0:
            return  # Whoosh's marker for spelling words, which add_postings skips too
        key = (fieldname, tbytes)
        entry = self.terms.get(key)
        if entry is None:
            entry = self.terms[key] = (array("I"), array("d"), [])
            self.size += self.TERM_BYTES + len(tbytes)
        elif docnum <= entry[0][-1]:
            self.unordered.add(key)  # postings out of document order: sorted at the end
        entry[0].append(docnum)
        entry[1].append(weight)
        entry[2].append(vbytes or b"")
        self.size += self.POSTING_BYTES + len(vbytes or b"")
        if self.size > self.limit:
            self._full()

    def _full(self) -> None:
        """Past the limit: spill a run, unless the rest of the segment is projected to
        fit in the room (the size since the last run scaled up to the documents still
        to come; vocabularies grow ever slower, so that overestimates).  A run costs
        ~5% of a build, written and merged back: a full build of the shared corpora
        now has none, while a 100k-note build still spills at the limit."""
        added = self.done - self.spilled_at  # share of documents since the last run
        if self.limit < self.room and added > 0 \
                and self.size * (1.0 - self.spilled_at) / added <= self.room:
            self.limit = self.room  # no more checks until the room is full too
        else:
            self._spill()
            self.limit = self.base
            self.spilled_at = self.done

    def _sorted_terms(self) -> Iterator[tuple[tuple[str, bytes], Postings]]:
        """The terms in order, each let go once taken: the memory of written postings
        goes to the term table growing beside them."""
        for key in sorted(self.terms):
            postings = self.terms.pop(key)
            if key in self.unordered:
                postings = _sorted_postings(postings)
            yield key, postings

    def _spill(self) -> None:
        fd, path = tempfile.mkstemp(prefix="pool-", suffix=".run", dir=self.tempdir)
        self.runs.append(path)
        with os.fdopen(fd, "wb") as f:
            for item in self._sorted_terms():
                pickle.dump(item, f, pickle.HIGHEST_PROTOCOL)
        self.terms, self.unordered, self.size = {}, set(), 0

    @staticmethod
    def _read_run(path: str) -> Iterator[tuple[tuple[str, bytes], Postings]]:
        with open(path, "rb") as f:
            while True:
                try:
                    yield pickle.load(f)
                except EOFError:
                    return

    def iter_terms(self) -> Iterator[tuple[str, bytes, Postings]]:
        """(field, term, (docnums, weights, values)) in Whoosh's order."""
        streams = [self._read_run(path) for path in self.runs] + [self._sorted_terms()]
        if len(streams) == 1:
            for (fieldname, tbytes), postings in streams[0]:
                yield fieldname, tbytes, postings
            return
        # heapq.merge keeps equal keys in stream order: earlier runs, earlier documents
        merged = heapq.merge(*streams, key=itemgetter(0))
        for (fieldname, tbytes), group in groupby(merged, key=itemgetter(0)):
            parts = [postings for _, postings in group]
            postings = parts[0]
            if len(parts) > 1:
                postings = (array("I"), array("d"), [])
                for part in parts:
                    if postings[0] and part[0][0] <= postings[0][-1]:
                        self.unordered.add((fieldname, tbytes))
                    for whole, piece in zip(postings, part, strict=True):
                        whole.extend(piece)
                if (fieldname, tbytes) in self.unordered:
                    postings = _sorted_postings(postings)
            yield fieldname, tbytes, postings

    def cleanup(self) -> None:
        self.terms.clear()
        for path in self.runs:
            with suppress(OSError):
                os.unlink(path)
        self.runs.clear()


def _sorted_postings(postings: Postings) -> Postings:
    ordered = sorted(zip(*postings, strict=True))
    return (array("I", [p[0] for p in ordered]), array("d", [p[1] for p in ordered]),
            [p[2] for p in ordered])


class _SegmentWriter(WholeDocuments, SegmentWriter):
    """Whoosh's segment writer with the term pool above, writing whole blocks, and
    adding each document whole or not at all (see whole_docs.py)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pool.cleanup()  # Whoosh's own pool: nothing in it yet
        self._tempstorage.create()  # where Whoosh's pool would spill; leftovers are removed
        self.pool = _TermPool(self._tempstorage.folder, kwargs.get("limitmb", WRITER_MB),
                              WRITER_ROOM_MB)

    def _flush_segment(self) -> None:
        """Write the pool's terms, a block of postings at a time (what Whoosh's
        add_postings does one posting at a time, with checks of the order this pool
        guarantees)."""
        self.perdocwriter.close()
        perdoc = self.per_document_reader()
        writer = self.fieldwriter
        level = writer._codec._compression  # zlib level of the index's posting blocks
        current = None
        column = None
        for fieldname, tbytes, postings in self.pool.iter_terms():
            if fieldname != current:
                if current is not None:
                    writer.finish_field()
                writer.start_field(fieldname, self.schema[fieldname])
                current = fieldname
                column = _length_column(perdoc, fieldname)
            if len(postings[0]) <= INLINE_POSTINGS:
                writer._tindex.add(pack_ushort(writer._fieldid) + tbytes,
                                   _inlined_term_info(postings, column))
                continue
            writer.start_term(tbytes)
            _add_blocks(writer._postwriter, postings, column, level)
            writer.finish_term()
        if current is not None:
            writer.finish_field()
        writer.close()
        perdoc.close()


def _add_blocks(postwriter: Any, postings: Postings, column: list[int] | None,
                compression: int) -> None:
    """Fill Whoosh 3's postings writer block by block, as its add_posting() would.

    A block of one posting is not compressed: its pickle is ~13-80 bytes and zlib
    never makes it smaller (Whoosh means to skip small blocks, but a bug in its
    _write_block compresses them all); the block records its own compression.
    """
    docnums, weights, values = postings
    limit = postwriter._blocklimit
    for start in range(0, len(docnums), limit):
        if postwriter._ids:
            postwriter._write_block()
        ids = docnums[start:start + limit]
        block_weights = weights[start:start + limit]
        postwriter._ids = ids
        postwriter._weights = array("f", block_weights)
        postwriter._values = [v for v in values[start:start + limit] if v]
        postwriter._maxweight = max(0, max(block_weights))
        found = [n for n in (column[d] for d in ids) if n] if column is not None else []
        postwriter._minlength = min(found) if found else None
        postwriter._maxlength = max(found) if found else 0
        postwriter._compression = compression if len(ids) > 1 else 0


def _inlined_term_info(postings: Postings, column: list[int] | None) -> bytes:
    """A short posting list's entry in the term table: Whoosh 3's term info with the
    postings inside, where Whoosh's finish_term would point into the postings file.

    Most terms of short notes occur in one document, and a posting list of its own
    costs ~110 bytes there (a header, a pickled block description, a pickled block,
    and a pointer to it) against ~40 bytes inline: 17% of a pyvideo index.  Whoosh
    reads inlined postings natively (as a ListMatcher), but never writes them:
    ``inlinelimit=1`` inlines nothing, and a higher limit would call a method its
    term info does not have.  The statistics are those its block writer keeps
    (weights summed as 32-bit floats); whole-number weights (term frequencies) are
    pickled as ints, and with the newest protocol (Whoosh's protocol 2 spends ~35
    bytes on each bytes value).
    """
    docnums, weights, values = postings
    weights32 = array("f", weights)
    lengths = [n for n in (column[d] for d in docnums) if n] if column is not None else []
    head = W3TermInfo._struct.pack(
        True, sum(weights32), len(docnums),
        length_to_byte(min(lengths)) if lengths else 0,
        length_to_byte(max(lengths)) if lengths else 0,
        max(0, max(weights)), docnums[0], docnums[-1])
    inlined = (tuple(docnums), tuple(int(w) if w.is_integer() else w for w in weights32),
               tuple(v for v in values if v))
    return head + pickle.dumps(inlined, pickle.HIGHEST_PROTOCOL)


def _write_notes(writer: Any, files: Mapping[str, FileInfo], keys: Sequence[str],
                 exclude_drafts: bool, progress: Progress | None) -> _Written:
    """Read, understand and add each file's note to the writer's new segment."""
    out = _Written()
    for n, key in enumerate(keys, 1):
        writer.pool.done = n / len(keys)
        path = files[key][0]
        _, note, reason = _load(_item(key, path))
        if progress:
            progress(1, len(files))
        if note is not None and not (exclude_drafts and note.draft):
            reason = add_note(writer, note)  # None, or why this note's document failed
            note = note if reason is None else None
        if note is None:
            out.skipped[key] = _skip_record(files[key], reason)
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


def _segment_worker(parent: int, gen: str, files: Mapping[str, FileInfo], keys: list[str],
                    exclude_drafts: bool, number: int, queue: Any) -> None:
    """One worker process: read its share of the files and write them as one segment."""
    _init_worker(parent)
    done = 0

    def report_progress(n: int, _total: int) -> None:
        nonlocal done
        done += n
        if done >= PROGRESS_EVERY:
            queue.put(("progress", number, done))
            done = 0

    try:
        ix = whoosh_index.open_dir(gen)
        writer = _SegmentWriter(ix, _lk=False, limitmb=WRITER_MB)
        written = _write_notes(writer, files, keys, exclude_drafts, report_progress)
        written.segment = _finish_segment(writer, written)
        if written.segment is not None and written.added:
            _warm_segment(ix, written.segment)
        queue.put(("progress", number, done))
        queue.put(("done", number, written))
    except BaseException as exc:  # reported to the parent, which stops the build
        queue.put(("error", number, f"{type(exc).__name__}: {exc}"))


def _write_in_workers(gen: Path, files: Mapping[str, FileInfo], parts: list[list[str]],
                      exclude_drafts: bool, progress: Progress | None) -> list[_Written]:
    """Each worker process reads, analyses and writes its part as a segment of its own.

    Whoosh's writer is pure Python and costs as much as reading and language
    detection together, so a single writer fed by reader processes leaves a core
    idle; here both cores do everything.
    """
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_segment_worker, daemon=True,
                         args=(os.getpid(), str(gen), files, part, exclude_drafts, n, queue))
             for n, part in enumerate(parts)]
    results: dict[int, _Written] = {}
    try:
        for proc in procs:
            proc.start()
        while len(results) < len(procs):
            try:
                kind, number, payload = queue.get(timeout=1.0)
            except Empty:
                dead = [p.exitcode for p in procs if p.exitcode not in (None, 0)]
                if dead:
                    raise EventSearchError(
                        f"An indexing worker process died (exit code {dead[0]}); "
                        "nothing was changed. Out of memory? Try --workers 1.") from None
                continue
            if kind == "progress" and progress:
                progress(payload, len(files))
            elif kind == "done":
                results[number] = payload
            elif kind == "error":
                raise EventSearchError(f"Indexing failed in a worker process: {payload}")
        for proc in procs:
            proc.join()
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.kill()
                proc.join()
        queue.close()
    return [results[n] for n in range(len(procs))]


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


def _skip_record(info: FileInfo, reason: str | None) -> dict[str, Any]:
    _, mtime, size = info
    return {"reason": reason or "unreadable",
            "mtime": mtime if size >= 0 else None, "size": size if size >= 0 else None}


def _same_skip(old: dict[str, Any] | None, new: dict[str, Any]) -> bool:
    """The same file failing for the same reason as last time (already reported)."""
    return bool(old) and new["size"] is not None and all(
        old.get(k) == new[k] for k in ("reason", "mtime", "size"))  # type: ignore[union-attr]


def _new_failure(old: dict[str, Any] | None, new: dict[str, Any], path: str) -> bool:
    """A skip to report as a failure: not one reported before, and not a file that is
    meant to be skipped (pyvideo's category.json)."""
    return not _same_skip(old, new) and not_a_note(Path(path)) is None


def _say_warnings(report: IndexReport, files: Mapping[str, FileInfo],
                  known: Mapping[str, Any], warned: dict[str, Any]) -> None:
    """Record the warnings of the files read in this run in ``warned`` (path -> [mtime,
    size, warnings], kept in the meta) and list in ``report.new_warnings`` those not said
    before: a warning is said once per file version, even when a rebuild reads it again."""
    found: dict[str, list[str]] = {}
    for key, warning in report.warnings:
        found.setdefault(key, []).append(warning)
    for key, warnings in found.items():
        record = [files[key][1], files[key][2], warnings]
        warned[key] = record
        if known.get(key) != record:
            report.new_warnings.extend((key, w) for w in warnings)


def _meta(roots: Sequence[Path], exclude_drafts: bool, report: IndexReport,
          skipped: dict[str, Any], scanned_at: float, previous: dict[str, Any], *,
          built: bool) -> dict[str, Any]:
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    meta = dict(previous)
    meta.update({
        "format": INDEX_FORMAT, "roots": [str(r) for r in roots],
        "exclude_drafts": exclude_drafts, "checked_at": now, "scanned_at": scanned_at,
        "skipped": skipped,
        "last_run": report.to_dict() | {"skipped": len(report.skipped),
                                        "warnings": len(report.warnings),
                                        "new_warnings": len(report.new_warnings)},
    })
    if report.committed:
        meta["updated_at"] = now
    if built:
        meta["built_at"] = now
    return meta


# -- incremental update -------------------------------------------------------------

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


def _sha1(path: str) -> str | None:
    try:
        with open(path, "rb") as f:
            return hashlib.sha1(f.read()).hexdigest()
    except OSError:
        return None


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
    if not files and indexed:
        # An unmounted share or an emptied folder: almost surely not what cron should apply.
        raise EventSearchError(
            f"Found no notes under {', '.join(map(str, roots))}, but the index holds "
            f"{len(indexed)}; not emptying it. Run `eventsearch reindex --full` if that "
            "is what you want.")
    old_skips: dict[str, Any] = meta.get("skipped", {})
    old_touched: dict[str, list[float]] = read_meta(gen, TOUCHED_FILE)
    racy_from = float(meta.get("scanned_at", 0.0)) - RACY_S
    skipped: dict[str, Any] = {}
    touched: dict[str, list[float]] = {}
    todo: list[str] = []
    hashed = 0
    for key, info in files.items():
        _, mtime, size = info
        if size < 0:
            todo.append(key)  # cannot stat: reading it will say why
            continue
        racy = mtime >= racy_from
        known = indexed.get(key)
        if known:
            was_touched = old_touched.get(key) == [mtime, size]
            if not racy and (was_touched or (known[0], known[1]) == (mtime, size)):
                if was_touched:
                    touched[key] = [mtime, size]
                continue
            hashed += 1
            if _sha1(info[0]) == known[2]:
                if (known[0], known[1]) != (mtime, size):
                    touched[key] = [mtime, size]  # touched, not changed
                continue
        old = old_skips.get(key)
        if not racy and old and (old["mtime"], old["size"]) == (mtime, size):
            skipped[key] = old  # still broken, already reported (old version kept if any)
            report.skipped.append((key, old["reason"]))
            continue
        todo.append(key)
    old_aside: dict[str, Any] | None = meta.get("aside")
    aside_states, aside_changed = _aside_changes(aside, old_aside, racy_from)
    if aside_changed:  # e.g. an edited category.json: re-read its talks for their event
        again = {k for k in indexed.keys() & files.keys() if note_depends_on(k) in aside_changed}
        todo = sorted(again.union(todo))
    gone = sorted(set(indexed) - set(files))
    report.unchanged = len(indexed) - len(gone) - sum(1 for k in todo if k in indexed)
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
    _say_warnings(report, files, old_warned, warned)
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
    if (report.committed or skipped != old_skips or touched != old_touched or hashed
            or warned != old_warned or aside_states != old_aside):
        write_meta(gen, _meta(roots, exclude_drafts, report, skipped, scanned_at, meta,
                              built=False) | {"warned": warned, "aside": aside_states})
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
        for key, note, reason in load_notes(files, todo, workers, progress):
            if note is not None and not (exclude_drafts and note.draft):
                reason = add_note(writer, note, update=True)  # None, or why it failed
                note = note if reason is None else None
            if note is None:
                record = _skip_record(files[key], reason)
                skipped[key] = record
                report.skipped.append((key, record["reason"]))
                if _new_failure(old_skips.get(key), record, files[key][0]):
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
