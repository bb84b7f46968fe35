"""Writing a new segment: our posting pool and block writer in place of Whoosh's.

Whoosh's PostingPool keeps a tuple per posting, pickles sorted runs to disk and merges
them back posting by posting.  `_TermPool` groups postings by term as documents arrive
(in order), spills whole terms past a memory estimate, and `_SegmentWriter` hands each
term's postings to Whoosh's block writer a block at a time, or keeps a short posting
list inline in the term table (`_inlined_term_info`).  A test compares every stored
field and posting with what stock Whoosh writes.
"""

from __future__ import annotations

import heapq
import os
import pickle
import tempfile
from array import array
from collections.abc import Iterator
from contextlib import suppress
from itertools import groupby
from operator import itemgetter
from typing import Any

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3TermInfo, _lenfield
from whoosh.system import pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from .whole_docs import WholeDocuments

WRITER_MB = 96  # postings kept in memory per writer process (estimated) before a run spills to disk


WRITER_ROOM_MB = 224  # ... unless the rest of the segment is projected to fit in this (_TermPool)


INLINE_POSTINGS = 4  # a term in at most this many documents keeps its postings in the term table


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
                    postings[0].extend(part[0])
                    postings[1].extend(part[1])
                    postings[2].extend(part[2])
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

