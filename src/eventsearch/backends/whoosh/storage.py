"""Where an index lives on disk, and opening it for reading.

Layout of the index directory::

    index/
      current -> gen-20261122T101500-ab12cd   (symlink, replaced atomically)
      gen-20261122T101500-ab12cd/             (a complete Whoosh index, plus:)
        eventsearch.json                      (format, roots, times, unreadable files)
        touched.json                          (files touched but unchanged, for reindex)
      gen-20261122T094500-ef34ab/             (the previous one, for readers switching)
      writer.lock                             (flock held by whoever writes)

A full build writes a new generation beside the live one and swaps the symlink
with one rename, so a reader sees the old index or the new one, never half of
one.  Incremental updates commit into the current generation; Whoosh's own
commit is atomic (it renames its table of contents into place).

A writer killed at any moment leaves only leftovers that no reader looks at: an
unfinished ``gen-*`` directory, a ``.current.<pid>`` symlink, or inside the live
generation Whoosh's ``MAIN.tmp/`` pool, a half-written ``_MAIN_<n>.toc.<time>``
and segment files no table of contents names.  Whoosh deletes the orphan
segments at its next commit but never the other two, and a run with nothing to
commit deletes nothing; ``remove_leftovers`` does it at the start of every write.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from ...errors import IndexDamaged, IndexMissing, SchemaMismatch
from .fastread import install_fast_reads
from .schema import INDEX_FORMAT

CURRENT = "current"
META_FILE = "eventsearch.json"
TOUCHED_FILE = "touched.json"  # files whose mtime changed but whose content did not
LOCK_FILE = "writer.lock"
GEN_PREFIX = "gen-"
INDEX_NAME = "MAIN"  # Whoosh's default index name inside a generation directory


def current_generation(index_dir: Path) -> Path | None:
    """The directory of the live generation, or None when nothing was built yet."""
    link = index_dir / CURRENT
    try:
        target = os.readlink(link)
    except OSError:
        return None
    gen = index_dir / target
    return gen if gen.is_dir() else None


def read_meta(gen_dir: Path, name: str = META_FILE) -> dict[str, Any]:
    """A generation's JSON side file ({} when missing or unreadable)."""
    try:
        data = json.loads((gen_dir / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_meta(gen_dir: Path, meta: dict[str, Any], name: str = META_FILE) -> None:
    """Write atomically and durably: a reader never sees half a file, and after a
    power cut the file holds the old content or the new one, never nothing."""
    tmp = gen_dir / (name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(json.dumps(meta, ensure_ascii=False, indent=1))
        f.flush()
        if FSYNC:
            os.fsync(f.fileno())
    os.replace(tmp, gen_dir / name)
    fsync_dir(gen_dir)


# -- durability ------------------------------------------------------------------------
#
# A rename or a symlink swap publishes files; it must never reach the disk before
# them.  So every file a commit wrote is fsynced, then its directory, then the rename
# happens, then the directory again (the rename itself).  Whoosh's writes go through
# integrity.DurableStorage, a full build's swap through swap_current below.

FSYNC = True  # off only to measure what it costs (benchmarks); never in normal use


def fsync_file(path: Path | str) -> None:
    """Flush a file's data to the disk, whichever process wrote it."""
    if not FSYNC:
        return
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path | str) -> None:
    """Flush a directory's entries (files created, renamed or removed in it)."""
    if not FSYNC:
        return
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def swap_current(index_dir: Path, gen: Path) -> None:
    """Point ``current`` at `gen` with one atomic rename, once `gen` is on the disk.

    The generation's files were synced when they were committed (its table of
    contents, checksums and meta files); here its directory and its entry in
    ``index_dir`` are, before the swap, and the swap itself after it.
    """
    fsync_dir(gen)
    fsync_dir(index_dir)
    tmp = index_dir / f".{CURRENT}.{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(gen.name, tmp)
    os.replace(tmp, index_dir / CURRENT)
    fsync_dir(index_dir)


class _Index(whoosh_index.FileIndex):
    """A read-only Whoosh index whose refreshed searchers see deletions.

    ``Searcher.refresh()`` asks for ``reader(reuse=old_reader)``, and Whoosh 2.7 then
    keeps the old reader of every segment that still exists, with the deletion set it
    had when it was opened, and even adds back segments a merge has removed.  After an
    incremental commit a long-running searcher would go on returning replaced and
    deleted notes (tested in test_reindex.py).  So a refresh opens a fresh reader:
    ~20 ms at 21.7k notes, once per commit.  The old reader is not closed here: a
    facet table built from it may still be in use by another thread, and dropping the
    last reference closes its files.  A segment file that does not open (cut short,
    overwritten, missing) raises IndexDamaged, for searchers and refreshes alike.
    """

    def reader(self, reuse: Any = None) -> Any:
        try:
            return super().reader()
        except Exception as exc:  # Whoosh raises a different error for each kind of damage
            raise index_damaged(Path(self.storage.folder), exc) from exc


def _read_only(gen: Path) -> _Index:
    """The index in `gen`, opened as readers need it (see _Index)."""
    from whoosh.filedb.filestore import FileStorage

    install_fast_reads()
    return _Index(FileStorage(str(gen), readonly=True))


def holds_index(gen: Path | None, open_segments: bool = False) -> bool:
    """Whether `gen` holds a Whoosh index; IndexDamaged if its table of contents is
    there but unreadable (truncated, overwritten: Whoosh raises a different error for
    each kind of damage), or with ``open_segments`` if a segment does not open."""
    from whoosh.index import EmptyIndexError

    if gen is None or not gen.is_dir():
        return False
    try:
        read_toc(gen)
    except EmptyIndexError:
        return False
    except Exception as exc:
        raise index_damaged(gen, exc) from exc
    if open_segments:
        _read_only(gen).reader().close()
    return True


def index_damaged(gen: Path, exc: Exception) -> IndexDamaged:
    """The error for an index whose files Whoosh cannot read, with the fix."""
    return IndexDamaged(f"The index in {gen} is damaged ({type(exc).__name__}: {exc}). "
                        "Rebuild it with `eventsearch reindex`.")


def read_toc(gen: Path) -> Any:
    """Whoosh's table of contents of the index in `gen` (what ``exists_in`` reads)."""
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC

    return TOC.read(FileStorage(str(gen), readonly=True), INDEX_NAME)


def open_index(index_dir: Path) -> tuple[whoosh_index.Index, Path]:
    """Open the live generation for reading; say how to fix it when that is impossible."""
    gen = current_generation(index_dir)
    # The format first: Whoosh unpickles the schema with the table of contents, and an
    # index of another format may name classes this version no longer has.
    built_with = read_meta(gen).get("format") if gen is not None and gen.is_dir() else None
    if built_with in (None, INDEX_FORMAT) and not holds_index(gen):
        raise IndexMissing(
            f"No index at {index_dir}. Build one with `eventsearch index PATH` "
            "(or set EVENTSEARCH_INDEX to where it is)."
        )
    if built_with != INDEX_FORMAT:
        raise SchemaMismatch(
            f"The index at {index_dir} was built by another version of eventsearch "
            f"(format {built_with}, this one reads {INDEX_FORMAT}). "
            "Rebuild it with `eventsearch reindex --full`."
        )
    assert gen is not None  # the format came from its meta file, or holds_index(gen)
    return _read_only(gen), gen


def list_generations(index_dir: Path) -> list[Path]:
    """Every generation directory, oldest first (names start with a UTC timestamp)."""
    return sorted(p for p in index_dir.glob(GEN_PREFIX + "*") if p.is_dir())


def remove_leftovers(index_dir: Path) -> list[str]:
    """Delete what killed writers left behind; return the names removed.

    Call this only while holding the writer lock: to anyone else an unfinished
    generation looks exactly like one that is still being written.  Keeps the live
    generation and the newest one before it (a reader may still be switching over
    from it); removes every other ``gen-*``, unswapped ``.current.*`` links, and
    Whoosh's temporary files and orphan segments inside the live generation.
    """
    removed: list[str] = []
    live = current_generation(index_dir)
    if index_dir.is_dir():
        for tmp in index_dir.glob(f".{CURRENT}.*"):
            tmp.unlink(missing_ok=True)
            removed.append(tmp.name)
    gens = list_generations(index_dir)
    keep = set()
    if live is not None:
        keep.add(live.name)
        older = [g for g in gens if g.name < live.name]
        if older:
            keep.add(older[-1].name)
    for gen in gens:
        if gen.name not in keep:
            shutil.rmtree(gen, ignore_errors=True)
            removed.append(gen.name)
    if live is not None:
        removed += [f"{live.name}/{name}" for name in _remove_whoosh_leftovers(live)]
    return removed


def _remove_whoosh_leftovers(gen: Path) -> list[str]:
    """Whoosh's temp pool, unrenamed TOCs and segment files its live TOC does not name."""
    try:
        toc = read_toc(gen)
    except Exception:  # none (yet), or a damaged one the update rebuilds: nothing to judge
        return []
    live = {seg.segment_id() for seg in toc.segments}
    toc_name = re.compile(rf"^_{INDEX_NAME}_(\d+)\.toc(\..+)?$")
    seg_name = re.compile(rf"^({INDEX_NAME}_[0-9a-z]+)\.[A-Za-z0-9_.]+$")
    removed = []
    for entry in os.scandir(gen):
        name = entry.name
        toc_match = toc_name.match(name)
        seg_match = seg_name.match(name)
        if entry.is_dir():
            stale = name == f"{INDEX_NAME}.tmp"
        elif toc_match:
            stale = toc_match.group(2) is not None or int(toc_match.group(1)) != toc.generation
        elif seg_match:
            stale = seg_match.group(1) not in live
        else:
            stale = name.endswith(".json.tmp")
        if not stale:
            continue
        if entry.is_dir():
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            Path(entry.path).unlink(missing_ok=True)
        removed.append(name)
    return sorted(removed)
