"""Reading and understanding notes for an index run, the same for every backend.

`load_note` reads one file (its reader, then language detection); `load_notes` reads
many in key order, in forked worker processes when it pays.  `split_work` cuts the
files into contiguous shares for builds whose workers each write a part of the index;
`init_worker` is what every forked worker does first (die with the parent, leave
Ctrl-C to it).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from queue import Empty
from typing import Any

from ..errors import EventSearchError, ParseError
from ..model import Note
from ..paths import fs_path, safe_text
from ..text.language import detect_language
from . import read_note
from .scan import FileInfo

Progress = Callable[[int, int], None]  # (files just done, files in all)
Loaded = tuple[str, Note | None, str | None]  # (key, note or None, why it was skipped)


PARALLEL_FROM = 200  # below this many files a worker pool costs more than it saves


def init_worker(parent: int) -> None:
    """First thing in each forked worker: never outlive the indexer.

    The child asks Linux to kill it when the parent dies, and exits at once if the
    parent is already gone.  Ctrl-C is the parent's to handle.  (A backend holding
    locks closes its copies of their descriptors before calling this: see
    backends/whoosh/lock.py.)
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def load_note(key: str, path: str) -> Loaded:
    """Read and understand one file: (key, the note with its key and language, None),
    or (key, None, why it was skipped).  ``path`` is the real path of the file whose
    key (its path relative to its indexed root) is ``key``.  Runs in worker processes."""
    base = path[: -len(fs_path(key))] or "."  # the indexed root the key is relative to
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


def _load_item(item: tuple[str, str]) -> Loaded:
    return load_note(*item)


def load_notes(files: Mapping[str, FileInfo] | Mapping[str, Path], keys: Sequence[str],
               workers: int, progress: Progress | None = None, *,
               worker_init: Callable[[int], None] = init_worker) -> Iterator[Loaded]:
    """Yield (key, note or None, reason) in key order, reading in parallel when it pays.

    ``files`` comes from `scan_corpus` (or `corpus_files`).  ``worker_init(parent pid)``
    runs first in each worker process (`init_worker`, or a backend's own that calls it).
    """
    paths = {k: v[0] if isinstance(v, tuple) else str(v) for k, v in files.items()}
    items = [(k, paths[k]) for k in keys]
    workers = workers or os.cpu_count() or 1
    if workers > 1 and len(items) >= PARALLEL_FROM:
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(workers, initializer=worker_init, initargs=(os.getpid(),)) as pool:
            for result in pool.imap(_load_item, items, chunksize=32):
                if progress:
                    progress(1, len(items))
                yield result
    else:
        for item in items:
            result = _load_item(item)
            if progress:
                progress(1, len(items))
            yield result


def split_work(files: Mapping[str, FileInfo], workers: int) -> list[list[str]]:
    """The keys cut into one contiguous run per worker, of about equal work.

    Contiguous runs keep document numbers in path order across the workers' parts, as
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


PROGRESS_EVERY = 16  # files between progress messages from a worker


def run_in_workers(work: Callable[..., Any], shares: Sequence[tuple[Any, ...]], total: int,
                   progress: Progress | None,
                   init: Callable[[int], None] = init_worker) -> list[Any]:
    """``work(*share, progress=...)`` in one forked process per share; their results in
    share order.  Progress (of ``total`` files) comes back from the workers in batches;
    a worker that fails or dies stops the whole run with an EventSearchError, and the
    others are killed.  ``init``: each worker's first call (a backend may close more
    of its descriptors than `init_worker` knows of)."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_share, daemon=True,
                         args=(os.getpid(), init, work, share, n, queue))
             for n, share in enumerate(shares)]
    results: dict[int, Any] = {}
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
                progress(payload, total)
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


def _share(parent: int, init: Callable[[int], None], work: Callable[..., Any],
           share: tuple[Any, ...], number: int, queue: Any) -> None:
    """One worker process: its share of the work, reported on the queue."""
    init(parent)
    done = 0

    def report(n: int, _total: int) -> None:
        nonlocal done
        done += n
        if done >= PROGRESS_EVERY:
            queue.put(("progress", number, done))
            done = 0

    try:
        result = work(*share, progress=report)
        queue.put(("progress", number, done))
        queue.put(("done", number, result))
    except BaseException as exc:  # reported to the parent, which stops the run
        queue.put(("error", number, f"{type(exc).__name__}: {exc}"))
