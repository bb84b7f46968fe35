"""Reading segment files through the memory map without copying them (fastread._MapView)."""

from __future__ import annotations

import io
import pickle
import random

from eventsearch.backends.whoosh.fastread import _MapView
from eventsearch.backends.whoosh.storage import open_index


def test_map_view_reads_like_bytesio():
    rng = random.Random(7)
    data = b"".join(pickle.dumps((n, "x" * (n % 13), n / 3)) + b"line\n" for n in range(200))
    view, ref = _MapView(memoryview(data)), io.BytesIO(data)
    for _ in range(2000):
        op = rng.choice(["read", "readline", "seek", "seek_end", "pickle", "readinto"])
        if op == "read":
            n = rng.choice([-1, 0, 1, 4, 50, 10_000])
            assert view.read(n) == ref.read(n)
        elif op == "readline":
            assert view.readline() == ref.readline()
        elif op == "seek":
            pos = rng.randrange(len(data) + 10)
            assert view.seek(pos) == ref.seek(pos)
        elif op == "seek_end":
            back = rng.randrange(len(data))
            assert view.seek(-back, 2) == ref.seek(-back, 2)
        elif op == "readinto":
            a = bytearray(rng.randrange(1, 40))
            b = bytearray(len(a))
            assert view.readinto(a) == ref.readinto(b) and a == b
        else:
            start = rng.randrange(0, 150)
            offset = sum(len(pickle.dumps((n, "x" * (n % 13), n / 3))) + 5 for n in range(start))
            view.seek(offset)
            ref.seek(offset)
            assert pickle.load(view) == pickle.load(ref)
        assert view.tell() == ref.tell()


def test_an_open_index_reads_its_segments_through_the_map(corpus_index):
    ix, _ = open_index(corpus_index)
    with ix.searcher() as searcher:
        leaf = searcher.reader().leaf_readers()[0][0]
        postings = leaf._terms._postfile  # Whoosh's postings file of the segment
        assert isinstance(postings.file, _MapView)
        assert searcher.document(path="plain/events/2018-03-14.md") is not None


def test_readers_share_one_map_per_segment_and_survive_each_other(corpus_index):
    from whoosh.query import Term

    ix, _ = open_index(corpus_index)
    first, second = ix.reader(), ix.reader()
    maps = [[leaf._storage.a._source for leaf, _ in r.leaf_readers()] for r in (first, second)]
    assert maps[0] and all(a is b for a, b in zip(*maps, strict=True))
    first.close()  # closing one reader must not unmap what the other reads
    with ix.searcher() as searcher:  # a third reader, after the close
        assert len(list(searcher.docs_for_query(Term("lang", "de")))) > 3
    second_docs = [second.stored_fields(d)["path"] for d in range(second.doc_count_all())]
    assert "plain/events/2018-03-14.md" in second_docs
    second.close()


def test_fast_reads_are_installed_by_opening_an_index_and_are_the_path_taken(corpus_index):
    """Importing storage patches nothing; opening an index installs both fast paths
    (idempotently), and a search's segment reads really go through them: one shared
    map, sub-files as _MappedFile over a _MapView; no silent fallback to Whoosh's copies."""
    import subprocess
    import sys

    script = (
        "from whoosh.filedb import compound\n"
        "import mmap\n"
        "from eventsearch.backends.whoosh import fastread, storage\n"
        "assert compound.mmap is mmap and not fastread.fast_reads_installed()\n"
        f"ix, _ = storage.open_index(__import__('pathlib').Path({str(corpus_index)!r}))\n"
        "assert fastread.fast_reads_installed()\n"
        "fastread.install_fast_reads()\n"
        "assert fastread.fast_reads_installed()\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr

    from eventsearch.backends.whoosh.fastread import (
        _MappedFile,
        _SharedMap,
        fast_reads_installed,
    )

    ix, _ = open_index(corpus_index)
    assert fast_reads_installed()
    with ix.searcher() as searcher:
        leaf = searcher.reader().leaf_readers()[0][0]
        assert isinstance(leaf._storage.a._source, _SharedMap)
        postings = leaf._terms._postfile
        assert type(postings) is _MappedFile and isinstance(postings.file, _MapView)
