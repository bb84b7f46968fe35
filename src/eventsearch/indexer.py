"""Building and updating the index: read -> understand -> write.

Reading and language detection run in worker processes (they cost more than
Whoosh's own work); the single Whoosh writer runs here.  One writer at a time
across processes, guarded by an OS-level lock that dies with its process.
"""

from __future__ import annotations

import fcntl
import hashlib
import multiprocessing
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from .analyze import detect_language
from .errors import EventSearchError, IndexLocked, ParseError
from .model import Note
from .readers import iter_corpus, read_note
from .schema import INDEX_FORMAT, build_schema, note_to_document, parse_state
from .storage import CURRENT, LOCK_FILE, current_generation, read_meta, write_meta

Progress = Callable[[int, int], None]  # (files just done, files in all)
PARALLEL_FROM = 200  # below this many files a worker pool costs more than it saves


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
    warnings: list[tuple[str, str]] = field(default_factory=list)
    by_lang: Counter[str] = field(default_factory=Counter)
    took_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "full": self.full, "notes": self.notes, "added": self.added,
            "updated": self.updated, "removed": self.removed, "moved": self.moved,
            "unchanged": self.unchanged, "excluded_drafts": self.excluded_drafts,
            "failed": [{"path": p, "reason": r} for p, r in self.failed],
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
            "warnings": [{"path": p, "warning": w} for p, w in self.warnings],
            "by_lang": dict(self.by_lang.most_common()), "took_s": round(self.took_s, 3),
        }


@contextmanager
def writer_lock(index_dir: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold the index's writer lock; raise IndexLocked if another process has it.

    flock() is released by the kernel when the holder dies, so a crashed
    reindex never blocks the next one (unlike a PID file).
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(index_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
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
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def corpus_files(roots: Sequence[Path]) -> dict[str, Path]:
    """Every note file under the roots, keyed by its path relative to the indexed root
    (the common parent when there are several roots)."""
    roots = [r.resolve() for r in roots]
    for root in roots:
        if not root.exists():
            raise EventSearchError(f"No such file or directory: {root}")
    base = roots[0] if len(roots) == 1 else Path(os.path.commonpath(roots))
    files: dict[str, Path] = {}
    for root in roots:
        if root.is_file():
            base = root.parent if len(roots) == 1 else base
            files[root.relative_to(base).as_posix()] = root
            continue
        for path in iter_corpus(root):
            files[path.relative_to(base).as_posix()] = path
    return files


def _load(item: tuple[str, str, str]) -> tuple[str, Note | None, str | None]:
    """Read and understand one file (runs in a worker process)."""
    key, path, base = item
    try:
        note = read_note(Path(path), Path(base))
    except ParseError as exc:
        return key, None, str(exc)
    except Exception as exc:  # a reader bug must not stop the whole corpus
        return key, None, f"unexpected error while reading: {type(exc).__name__}: {exc}"
    lang = detect_language(f"{note.title}\n{note.text}", note.declared_lang)
    return key, replace(note, path=key, lang=lang), None


def load_notes(files: dict[str, Path], keys: Sequence[str], workers: int,
               progress: Progress | None = None) -> Iterator[tuple[str, Note | None, str | None]]:
    """Yield (key, note or None, reason) in key order, reading in parallel when it pays."""
    items = [(k, str(files[k]), str(files[k])[: -len(k)] or ".") for k in keys]
    workers = workers or os.cpu_count() or 1
    if workers > 1 and len(items) >= PARALLEL_FROM:
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(workers) as pool:
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


def build_index(roots: Sequence[Path], index_dir: Path, *, workers: int = 0,
                exclude_drafts: bool = False, progress: Progress | None = None,
                wait: float = 0.0) -> IndexReport:
    """Build a complete new index generation and swap it in atomically."""
    with writer_lock(index_dir, wait):
        return _build(roots, index_dir, workers, exclude_drafts, progress)


def update_index(roots: Sequence[Path] | None, index_dir: Path, *, full: bool = False,
                 workers: int = 0, exclude_drafts: bool = False,
                 progress: Progress | None = None, wait: float = 0.0) -> IndexReport:
    """Apply only what changed on disk since the last run (or rebuild when it must)."""
    with writer_lock(index_dir, wait):
        gen = current_generation(index_dir)
        meta = read_meta(gen) if gen else {}
        old_roots = [Path(r) for r in meta.get("roots", [])]
        roots = [r.resolve() for r in roots] if roots else old_roots
        if not roots:
            raise EventSearchError(
                f"No index at {index_dir} yet and no PATH given: "
                "run `eventsearch index PATH` first.")
        if (full or gen is None or meta.get("format") != INDEX_FORMAT
                or sorted(map(str, roots)) != sorted(map(str, old_roots))
                or meta.get("exclude_drafts", False) != exclude_drafts):
            return _build(roots, index_dir, workers, exclude_drafts, progress)
        return _update(roots, gen, meta, workers, exclude_drafts, progress)


def _new_generation(index_dir: Path) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    gen = index_dir / f"gen-{stamp}-{os.getpid()}"
    gen.mkdir(parents=True)
    return gen


def _swap_in(index_dir: Path, gen: Path) -> None:
    """Point `current` at gen with one atomic rename; drop all but the previous generation."""
    previous = current_generation(index_dir)
    tmp = index_dir / f".{CURRENT}.{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(gen.name, tmp)
    os.replace(tmp, index_dir / CURRENT)
    keep = {gen.name, previous.name if previous else ""}
    for old in index_dir.glob("gen-*"):
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)


def _build(roots: Sequence[Path], index_dir: Path, workers: int, exclude_drafts: bool,
           progress: Progress | None) -> IndexReport:
    started = time.perf_counter()
    files = corpus_files(roots)
    report = IndexReport(full=True)
    gen = _new_generation(index_dir)
    try:
        ix = whoosh_index.create_in(str(gen), build_schema())
        writer = ix.writer(limitmb=256)
        try:
            skipped: dict[str, Any] = {}
            for key, note, reason in load_notes(files, sorted(files), workers, progress):
                if note is None:
                    report.skipped.append((key, reason or "unreadable"))
                    skipped[key] = _skip_record(files[key], reason)
                    continue
                if exclude_drafts and note.draft:
                    report.excluded_drafts += 1
                    continue
                writer.add_document(**note_to_document(note))
                report.added += 1
                report.by_lang[note.lang] += 1
                report.warnings.extend((key, w) for w in note.warnings)
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        report.notes = report.added
        report.failed = list(report.skipped)
        report.took_s = time.perf_counter() - started
        write_meta(gen, _meta(roots, exclude_drafts, report, skipped, built=True))
    except BaseException:
        shutil.rmtree(gen, ignore_errors=True)
        raise
    _swap_in(index_dir, gen)
    return report


def _skip_record(path: Path, reason: str | None) -> dict[str, Any]:
    try:
        st = path.stat()
        return {"reason": reason, "mtime": st.st_mtime, "size": st.st_size}
    except OSError:
        return {"reason": reason, "mtime": None, "size": None}


def _meta(roots: Sequence[Path], exclude_drafts: bool, report: IndexReport,
          skipped: dict[str, Any], built: bool, previous: dict[str, Any] | None = None
          ) -> dict[str, Any]:
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    meta = dict(previous or {})
    meta.update({
        "format": INDEX_FORMAT, "roots": [str(r) for r in roots],
        "exclude_drafts": exclude_drafts, "updated_at": now, "skipped": skipped,
        "last_run": report.to_dict() | {"skipped": len(report.skipped),
                                        "warnings": len(report.warnings)},
    })
    if built:
        meta["built_at"] = now
    return meta


def indexed_state(ix: whoosh_index.Index) -> dict[str, tuple[float, int, str]]:
    """path -> (mtime, size, sha1) of every live document, read from columns."""
    with ix.reader() as reader:
        paths = reader.column_reader("path", translate=True)
        states = reader.column_reader("state")
        return {paths[d]: parse_state(states[d]) for d in reader.all_doc_ids()}


def _sha1(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def _update(roots: Sequence[Path], gen: Path, meta: dict[str, Any], workers: int,
            exclude_drafts: bool, progress: Progress | None) -> IndexReport:
    started = time.perf_counter()
    report = IndexReport(full=False)
    ix = whoosh_index.open_dir(str(gen))
    indexed = indexed_state(ix)
    files = corpus_files(roots)
    old_skips: dict[str, Any] = meta.get("skipped", {})
    skipped: dict[str, Any] = {}
    todo: list[str] = []
    for key, path in files.items():
        try:
            st = path.stat()
        except OSError as exc:
            report.failed.append((key, f"cannot read: {exc.strerror}"))
            continue
        known = indexed.get(key)
        if known and known[0] == st.st_mtime and known[1] == st.st_size:
            continue
        if known and _sha1(path) == known[2]:
            continue  # touched, not changed
        old = old_skips.get(key)
        if not known and old and (old["mtime"], old["size"]) == (st.st_mtime, st.st_size):
            skipped[key] = old  # still broken, already reported
            report.skipped.append((key, old["reason"]))
            continue
        todo.append(key)
    gone = sorted(set(indexed) - set(files))
    report.unchanged = len(indexed) - len(gone) - sum(1 for k in todo if k in indexed)
    if todo or gone:
        writer = ix.writer(limitmb=256)
        try:
            gone_hashes = Counter(indexed[k][2] for k in gone)
            for key in gone:
                writer.delete_by_term("path", key)
            for key, note, reason in load_notes(files, todo, workers, progress):
                if note is None:
                    reason = reason or "unreadable"
                    kept = " (the previously indexed version is kept)" if key in indexed else ""
                    report.failed.append((key, reason + kept))
                    report.skipped.append((key, reason))
                    skipped[key] = _skip_record(files[key], reason)
                    continue
                if exclude_drafts and note.draft:
                    report.excluded_drafts += 1
                    if key in indexed:
                        writer.delete_by_term("path", key)
                        report.removed += 1
                    continue
                writer.update_document(**note_to_document(note))
                report.warnings.extend((key, w) for w in note.warnings)
                if key in indexed:
                    report.updated += 1
                elif gone_hashes[note.sha1] > 0:
                    gone_hashes[note.sha1] -= 1
                    report.moved += 1
                else:
                    report.added += 1
            report.removed += len(gone) - report.moved
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
    with ix.searcher() as searcher:
        report.notes = searcher.doc_count()
        for lang in searcher.lexicon("lang"):
            report.by_lang[lang.decode()] = searcher.doc_frequency("lang", lang)
    report.took_s = time.perf_counter() - started
    if todo or gone or skipped != old_skips:
        write_meta(gen, _meta(roots, exclude_drafts, report, skipped, built=False, previous=meta))
    return report
