"""Per-segment search tables, cached on disk beside the segments they come from.

Every search needs tables Whoosh does not keep: each note's facet keys, field
lengths and dates as arrays, and the vocabulary for typo fixes and compounds.
Reading them from the postings takes 1-2 s at 21.7k notes, which every new
process (a CLI search) and a server after every reindex would pay.  A Whoosh
segment never changes once written, except that documents in it get deleted, so
the tables are computed once per segment and stored in
``<generation>/cache/<segment id>.pickle``.  A reader loads its segments' files,
joins them at their document offsets and takes deletions from itself, never from
a file.  After an incremental reindex only the new small segment is read from
Whoosh, and ``warm_cache`` (for the indexer to call right after each commit)
does even that before the first search.

The files are an optimisation and nothing else: a missing, truncated, corrupt or
foreign-version file, or a folder we may not write (a server running as another
user), means the tables are computed in memory, never an error.  Writes go to a
temporary file renamed into place, so a server and a CLI writing the same file at
once is harmless.  Files of segments that no longer exist (merged away, or emptied
by deletions) are removed when a reader's tables are loaded and by ``warm_cache``.
They are pickles, like Whoosh's own table of contents beside them: whoever may
write the index folder is already trusted by its readers.
"""

from __future__ import annotations

import os
import pickle
import threading
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...text.compounds import Compounds
from ...text.spelling import Vocabulary, WordsPart, segment_words
from .facets import FACET_FIELDS, FacetPart, FacetTable, facet_table, segment_facets
from .fastread import install_fast_reads
from .schema import INDEX_FORMAT
from .stats import IndexStats, StatsPart, segment_stats, stat_fields
from .storage import INDEX_NAME

CACHE_DIR = "cache"
SUFFIX = ".pickle"
VERSION = 3  # raise when what a file holds changes: old files are then rebuilt
TMP_MAX_AGE_S = 3600  # temporary files older than this were left by a killed process


@dataclass
class SegmentTables:
    """Everything a search needs from one segment, deletions aside."""

    facets: FacetPart
    stats: StatsPart
    words: WordsPart


@dataclass
class ReaderTables:
    """The tables of one index reader (all its segments joined)."""

    facets: FacetTable
    stats: IndexStats
    vocab: Vocabulary
    compounds: Compounds


def read_tables(generation_dir: Path, reader: Any) -> ReaderTables:
    """The reader's tables, from the segments' cache files where they are valid.

    Segments without a valid file are read from Whoosh and their file written (when
    the folder is writable).
    """
    parts = [(_segment_tables(generation_dir, leaf), base)
             for leaf, base in reader.leaf_readers()]
    _remove_stale(generation_dir, reader)
    vocab = Vocabulary(reader, [p.words for p, _ in parts])
    return ReaderTables(facet_table(reader, [(p.facets, base) for p, base in parts]),
                        IndexStats(reader, [p.stats for p, _ in parts]), vocab,
                        Compounds(vocab))


def warm_cache(generation_dir: Path) -> None:
    """Write the cache files of every segment of the index in ``generation_dir``
    that has none yet, and remove those of segments that are gone.

    Call it after each commit, so that the first search after it is fast.  Only
    each file's header is checked (a damaged body is found and rewritten by the
    next search).  Raises only when ``generation_dir`` holds no Whoosh index; an
    unwritable folder just means no files.
    """
    from whoosh.filedb.filestore import FileStorage

    install_fast_reads()
    ix = FileStorage(str(generation_dir), readonly=True).open_index(INDEX_NAME)
    with ix.reader() as reader:
        for leaf, _ in reader.leaf_readers():
            warm_segment(generation_dir, leaf)
        _remove_stale(generation_dir, reader)


def warm_segment(generation_dir: Path, leaf: Any) -> None:
    """Write one segment's cache file unless a valid one exists.  A full build's
    workers call it for the segment each has just written, before the commit, so
    the tables are built on both cores rather than afterwards on one."""
    header = _header(leaf)
    path = _cache_file(generation_dir, header)
    if path is not None and _read_header(path) != header:
        _write(path, header, _build(leaf))


# -- one segment ---------------------------------------------------------------------


def _header(leaf: Any) -> dict[str, Any]:
    """What a file must say about itself to be used for this segment."""
    segment = leaf.segment()  # None for an empty index
    return {"version": VERSION, "format": INDEX_FORMAT,
            "segment": segment.segment_id() if segment is not None else None,
            "docs": leaf.doc_count_all(), "facets": tuple(FACET_FIELDS),
            "fields": tuple(stat_fields(leaf.schema))}


def _cache_file(generation_dir: Path, header: dict[str, Any]) -> Path | None:
    if not header["segment"]:
        return None  # an empty index: nothing worth caching
    return generation_dir / CACHE_DIR / (header["segment"] + SUFFIX)


def _build(leaf: Any) -> SegmentTables:
    return SegmentTables(segment_facets(leaf), segment_stats(leaf), segment_words(leaf))


def _segment_tables(generation_dir: Path, leaf: Any) -> SegmentTables:
    header = _header(leaf)
    path = _cache_file(generation_dir, header)
    if path is not None:
        loaded = _load(path, header)
        if loaded is not None:
            return loaded
    tables = _build(leaf)
    if path is not None:
        _write(path, header, tables)
    return tables


def _read_header(path: Path) -> Any:
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except Exception:  # missing, truncated, garbage: no valid file
        return None


def _load(path: Path, header: dict[str, Any]) -> SegmentTables | None:
    """The file's tables, or None unless it is complete and made for this segment."""
    try:
        with open(path, "rb") as f:
            if pickle.load(f) != header:
                return None
            tables = pickle.load(f)
    except Exception:
        return None
    return tables if isinstance(tables, SegmentTables) else None


def _write(path: Path, header: dict[str, Any], tables: SegmentTables) -> None:
    """Write atomically (temporary file + rename); give up quietly if we may not."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        path.parent.mkdir(exist_ok=True)
        with open(tmp, "wb") as f:
            pickle.dump(header, f, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.dump(tables, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:  # a read-only folder, a full disk: compute in memory next time too
        with suppress(OSError):
            tmp.unlink(missing_ok=True)
        return


# -- stale files -----------------------------------------------------------------------


def _remove_stale(generation_dir: Path, reader: Any) -> None:
    """Delete files of segments that are gone, and temporary files of killed writers.

    Costs one directory listing when nothing is stale.  A segment the reader does
    not know may be newer than the reader: the index's latest table of contents
    decides.  A reader that still uses a removed file's segment just builds its
    tables in memory.
    """
    folder = generation_dir / CACHE_DIR
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    known = {leaf.segment().segment_id() for leaf, _ in reader.leaf_readers()
             if leaf.segment() is not None}
    now = time.time()
    stale = []
    for entry in entries:
        name = entry.name
        if name.endswith(".tmp"):
            with suppress(OSError):
                if now - entry.stat().st_mtime > TMP_MAX_AGE_S:
                    stale.append(entry.path)
        elif name.endswith(SUFFIX) and name[:-len(SUFFIX)] not in known:
            stale.append(entry.path)
    if not stale:
        return
    try:
        from whoosh.filedb.filestore import FileStorage
        from whoosh.index import TOC

        toc = TOC.read(FileStorage(str(generation_dir), readonly=True), INDEX_NAME)
    except Exception:
        return  # cannot tell what is live: keep everything
    live = known | {s.segment_id() for s in toc.segments}
    for path in stale:
        if Path(path).name[:-len(SUFFIX)] not in live:
            with suppress(OSError):  # removed by another process, or not ours to remove
                os.unlink(path)
