"""Checksums of an index's files, and commits that reach the disk before they count.

Whoosh checks nothing it reads: bytes overwritten in the middle of a segment (a disk
error, a stray ``dd``, a bad copy) surface as whatever the unpickler, zlib or the
term table happen to raise, or as nothing at all.  So every commit records the size
and CRC-32 of each file it publishes in ``<generation>/checksums.json``:

* ``DurableStorage`` is the Whoosh storage the indexer writes through.  When Whoosh
  publishes a commit (renames its new table of contents into place) it first syncs
  every file of the new table's segments and the table itself, hashes the files the
  manifest does not know yet (only the new segments: segment files never change once
  written), writes the manifest and syncs the directory; then the rename, then the
  directory again.
* ``check`` compares the files the live table of contents names with the manifest.
  ``eventsearch reindex`` runs it each time (~50 ms per 130 MB of index when cached)
  and rebuilds on a mismatch; readers run it only when Whoosh raises an error nobody
  expected (searcher.py), to tell damage (IndexDamaged: 503, exit 1) from a bug.

The manifest holds the entries of the last two commits' files, so a reader between
a manifest and the rename that follows it, or a writer killed there, still finds
every live file in it.  The search-table cache files are not in it: they check
themselves and are rewritten by readers (segment_cache.py).
"""

from __future__ import annotations

import re
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage

from ...errors import EventSearchError, IndexDamaged
from .fastread import install_fast_reads
from .storage import (
    INDEX_NAME,
    fsync_dir,
    fsync_file,
    holds_index,
    read_meta,
    read_toc,
    write_meta,
)

MANIFEST_FILE = "checksums.json"
MANIFEST_VERSION = 1
TOC_NAME = re.compile(rf"^_{INDEX_NAME}_(\d+)\.toc$")
CHUNK = 1 << 20

Entry = list[int]  # [size, crc32]


class NoManifest(Exception):
    """The generation has no checksums: an older eventsearch wrote it."""


def checksum(path: Path) -> Entry:
    """[size, CRC-32] of a file, read in chunks (~2.5 GB/s from the page cache)."""
    crc = size = 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            crc = zlib.crc32(chunk, crc)
            size += len(chunk)
    return [size, crc]


def read_manifest(gen: Path) -> dict[str, Entry] | None:
    """name -> [size, crc] of the files of the generation's commits; None without one."""
    data = read_meta(gen, MANIFEST_FILE)
    files = data.get("files")
    if data.get("version") != MANIFEST_VERSION or not isinstance(files, dict):
        return None
    return files


def _segment_files(folder: Path, segment_ids: set[str]) -> list[str]:
    """The names of the files in `folder` that belong to the segments."""
    return sorted(p.name for p in folder.iterdir()
                  if p.is_file() and p.name.split(".", 1)[0] in segment_ids)


def live_files(gen: Path) -> list[str]:
    """The live table of contents and the files of the segments it names."""
    toc = read_toc(gen)
    ids = {seg.segment_id() for seg in toc.segments}
    return [f"_{INDEX_NAME}_{toc.generation}.toc", *_segment_files(gen, ids)]


# -- checking ------------------------------------------------------------------------


def check(gen: Path, *, content: bool = True) -> str | None:
    """What is wrong with the generation's files, in words, or None when each file the
    live table of contents names has the size (and with ``content`` the CRC) the
    manifest recorded.  Raises NoManifest when there is no manifest (an index written
    by an older eventsearch), and passes on what reading the table of contents raises.
    """
    manifest = read_manifest(gen)
    if manifest is None:
        raise NoManifest(f"no {MANIFEST_FILE} in {gen}")
    for attempt in range(2):
        names = live_files(gen)
        manifest = read_manifest(gen) or {}  # read after the table: it is written before
        problem = _compare(gen, names, manifest, content)
        if problem is None or attempt or live_files(gen) == names:
            return problem
        # a commit happened meanwhile (files replaced or merged away): look again
    return None  # pragma: no cover


def _compare(gen: Path, names: list[str], manifest: dict[str, Any], content: bool
             ) -> str | None:
    for name in names:
        path = gen / name
        recorded = manifest.get(name)
        if recorded is None:
            return f"{name} is not one of the files its commit wrote"
        try:
            size = path.stat().st_size
            if size != recorded[0]:
                return f"{name} has {size} bytes where its commit wrote {recorded[0]}"
            if content and checksum(path) != recorded:
                return f"{name} does not match the checksum its commit recorded"
        except FileNotFoundError:
            return f"{name} is missing"
    return None


def reason_to_rebuild(gen: Path | None) -> str | None:
    """Why the index in `gen` must be rebuilt rather than updated, for reindex: "is
    damaged: ..." when a file does not read or differs from its checksum, "has no
    checksums ..." when an older eventsearch wrote it (no way to vouch for its files);
    None when it is sound or there is none."""
    try:
        if not holds_index(gen, open_segments=True):
            return None
        assert gen is not None
        problem = check(gen)
    except NoManifest:
        return "has no checksums yet (an older eventsearch built it)"
    except IndexDamaged as exc:
        cause = exc.__cause__ or exc
        return f"is damaged: {type(cause).__name__} while opening it"
    except Exception as exc:  # reading the table of contents again
        return f"is damaged: {type(exc).__name__} while reading its table of contents"
    return f"is damaged: {problem}" if problem else None


# -- writing -------------------------------------------------------------------------


def _record_commit(folder: Path, temp_toc: str, toc: str) -> None:
    """Sync and hash what the table of contents about to be published names, write the
    manifest and sync the directory (see the module's docstring)."""
    old = read_manifest(folder) or {}
    try:
        segments = {s.segment_id() for s in _read_temp_toc(folder, temp_toc, toc).segments}
    except Exception:  # cannot happen to a file Whoosh just wrote
        segments = {p.name.split(".", 1)[0] for p in folder.iterdir()
                    if p.name.startswith(INDEX_NAME + "_")}
    files: dict[str, Entry] = {}
    for name in _segment_files(folder, segments):
        fsync_file(folder / name)
        files[name] = old.get(name) or checksum(folder / name)
    fsync_file(folder / temp_toc)
    files[toc] = checksum(folder / temp_toc)
    # Keep the entries of the live commit's files: a reader may check them until the
    # rename below, and they are what counts if this process dies before it.
    for name, entry in old.items():
        if name not in files and (folder / name).is_file():
            files[name] = entry
    # write_meta syncs the manifest, then the folder: the new segment files' names too
    write_meta(folder, {"version": MANIFEST_VERSION, "files": files}, MANIFEST_FILE)


def _read_temp_toc(folder: Path, temp_toc: str, toc: str) -> Any:
    """Whoosh's table of contents from the temporary file it is about to rename."""
    match = TOC_NAME.match(toc)
    assert match

    class Renamed(FileStorage):
        def open_file(self, name: str, **kwargs: Any) -> Any:
            return super().open_file(temp_toc if name == toc else name, **kwargs)

    return whoosh_index.TOC.read(Renamed(str(folder), readonly=True), INDEX_NAME,
                                 int(match.group(1)))


class DurableStorage(FileStorage):
    """Whoosh's file storage, publishing each commit durably and with checksums.

    Whoosh publishes a commit by renaming ``_MAIN_<n>.toc.<time>`` to
    ``_MAIN_<n>.toc``; before that rename every file of the new table of contents
    is synced and recorded in the manifest, and after it the directory is synced.
    Other renames are Whoosh's own business and pass through.
    """

    def rename_file(self, oldname: str, newname: str, safe: bool = False) -> None:
        publishing = TOC_NAME.match(newname) is not None
        if publishing:
            _record_commit(Path(self.folder), oldname, newname)
        super().rename_file(oldname, newname, safe=safe)
        if publishing:
            fsync_dir(self.folder)


def create_index(gen: Path, schema: Any) -> whoosh_index.FileIndex:
    """A new empty index in `gen`, written through DurableStorage."""
    install_fast_reads()
    return DurableStorage(str(gen)).create_index(schema, indexname=INDEX_NAME)


def open_for_writing(gen: Path) -> whoosh_index.FileIndex:
    """The index in `gen`, for a writer whose commits go through DurableStorage."""
    install_fast_reads()
    return DurableStorage(str(gen)).open_index(INDEX_NAME)


# -- reading -------------------------------------------------------------------------


class DamageCheck:
    """Tells a damaged index from a bug, for a reader that hit an unexpected error.

    The verdict of a check is kept for ``KEEP_S`` seconds per generation, so a
    request that fails every time (a bug, or damage in a popular term) does not
    re-read the whole index each time.  ``known`` is what the last check found.
    """

    KEEP_S = 30.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._verdict: tuple[Path, float, str | None] | None = None

    @contextmanager
    def guard(self, generation: Callable[[], Path]) -> Iterator[None]:
        """Whoosh checks nothing it reads, so damaged bytes in a segment raise whatever
        the unpickler, zlib or the term table happen to raise.  Such an error inside
        becomes IndexDamaged (with the fix) when the files of the ``generation()``
        differ from the checksums their commit recorded, and passes unchanged when
        they do not (a bug).  Our own errors always pass."""
        try:
            yield
        except EventSearchError:
            raise
        except Exception as exc:
            damaged = self.explain(generation(), exc)
            if damaged is None:
                raise
            raise damaged from exc

    def explain(self, gen: Path, exc: BaseException) -> IndexDamaged | None:
        """IndexDamaged saying what is wrong if `gen`'s files are damaged, else None."""
        with self._lock:  # one check at a time: the others wait for its verdict
            verdict = self._verdict
            if verdict is None or verdict[0] != gen \
                    or time.monotonic() - verdict[1] > self.KEEP_S:
                verdict = self._verdict = (gen, time.monotonic(), _problem(gen))
        problem = verdict[2]
        if problem is None:
            return None
        return IndexDamaged(f"The index in {gen} is damaged: {problem} "
                            f"({type(exc).__name__} while reading it). "
                            "Rebuild it with `eventsearch reindex`.")

    def known(self, gen: Path) -> str | None:
        """The damage the last check of `gen` found, or what a check of the files'
        sizes finds now (a few stat calls), or None."""
        verdict = self._verdict
        if verdict is not None and verdict[0] == gen and verdict[2] is not None:
            return verdict[2]
        return _problem(gen, content=False)


def _problem(gen: Path, content: bool = True) -> str | None:
    try:
        return check(gen, content=content)
    except NoManifest:
        return None  # written by an older eventsearch: no way to tell
    except Exception as exc:  # the table of contents itself does not read
        return f"its table of contents does not read ({type(exc).__name__})"
