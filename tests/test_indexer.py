"""Building an index: every file indexed or reported, atomic swaps, the real corpora."""

from __future__ import annotations

import os
import shutil

import pytest

from eventsearch.backends.whoosh.build import build_index
from eventsearch.backends.whoosh.segment_cache import warm_cache
from eventsearch.backends.whoosh.storage import CURRENT, current_generation, read_meta
from eventsearch.model import SearchQuery
from eventsearch.readers import not_a_note
from eventsearch.readers.scan import corpus_files, scan_corpus
from eventsearch.search import SearchIndex

from .conftest import SAMPLE_CORPUS


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_broken_notes_are_reported_and_the_rest_is_indexed(tmp_path):
    corpus = tmp_path / "notes"
    write(corpus / "good.md", "---\ntitle: Good talk\ndate: 2020-01-02\n---\nAbout Rust.\n")
    write(corpus / "empty.md", "")
    (corpus / "binary.txt").write_bytes(b"\x00\x01\x02binary")
    write(corpus / "bad.json", "{not json")
    report = build_index([corpus], tmp_path / "ix", workers=1)
    assert report.notes == 1
    reasons = dict(report.skipped)
    assert set(reasons) == {"empty.md", "binary.txt", "bad.json"}
    assert all(reasons.values())
    assert SearchIndex(tmp_path / "ix").search(SearchQuery(q="rust")).total == 1


def test_invalid_front_matter_still_indexes_the_body(tmp_path):
    corpus = tmp_path / "notes"
    write(corpus / "tab.md", '---\ntitle:\t"Chaostreff\ndate: 2010-09-05\n---\n'
          "Wir treffen uns zum Chaostreff im Keller.\n")
    report = build_index([corpus], tmp_path / "ix", workers=1)
    assert report.notes == 1 and report.warnings
    hit = SearchIndex(tmp_path / "ix").search(SearchQuery(q="Keller")).hits[0]
    assert hit.path == "tab.md"


def test_rebuild_swaps_generations_atomically_and_keeps_one_previous(tmp_path):
    corpus = tmp_path / "notes"
    write(corpus / "a.md", "# First note\n\nAbout databases.\n")
    index_dir = tmp_path / "ix"
    build_index([corpus], index_dir, workers=1)
    first = current_generation(index_dir)
    reader = SearchIndex(index_dir)
    assert reader.search(SearchQuery(q="databases")).total == 1

    write(corpus / "b.md", "# Second note\n\nAlso about databases.\n")
    build_index([corpus], index_dir, workers=1)
    second = current_generation(index_dir)
    assert second != first and os.path.islink(index_dir / CURRENT)
    # A reader opened before the swap sees the new generation without reopening.
    assert reader.search(SearchQuery(q="databases")).total == 2
    build_index([corpus], index_dir, workers=1)
    gens = sorted(p.name for p in index_dir.glob("gen-*"))
    assert len(gens) == 2 and second.name in gens and first.name not in gens


def test_meta_records_roots_format_and_skips(tmp_path):
    build_index([SAMPLE_CORPUS], tmp_path / "ix", workers=1)
    meta = read_meta(current_generation(tmp_path / "ix"))
    assert meta["roots"] == [str(SAMPLE_CORPUS.resolve())]
    assert meta["format"] and meta["built_at"]
    assert set(meta["skipped"]) == {"broken/empty.md", "broken/binary.txt"}
    assert list(meta["aside"]) == ["pyvideo/somecon-2019/category.json"]  # watched, not read


def test_parallel_and_serial_builds_agree(tmp_path):
    serial = build_index([SAMPLE_CORPUS], tmp_path / "a", workers=1)
    parallel = build_index([SAMPLE_CORPUS], tmp_path / "b", workers=2)
    assert serial.by_lang == parallel.by_lang and serial.notes == parallel.notes
    a, b = SearchIndex(tmp_path / "a"), SearchIndex(tmp_path / "b")
    for q in ("kubernetes", "Vortrag", "datenschutz", ""):
        ra, rb = a.search(SearchQuery(q=q)), b.search(SearchQuery(q=q))
        assert [h.path for h in ra.hits] == [h.path for h in rb.hits]


def _index_contents(index_dir):
    """Every stored document in document-number order, and every term's documents (by path)."""
    ix = SearchIndex(index_dir)
    reader = ix.backend.searcher().reader()
    paths = list(reader.column_reader("path", translate=True))
    stored = [reader.stored_fields(d) for d in range(reader.doc_count_all())]
    terms = {(field, text): sorted(paths[d] for d in reader.postings(field, text).all_ids())
             for field, text in reader.all_terms()}
    return len(list(reader.leaf_readers())), stored, terms


def test_worker_segments_equal_a_serial_build(tmp_path):
    corpus = tmp_path / "notes"
    for n in range(450):
        lang = n % 3
        body = ("Der Vortrag über Datenbanken und Kubernetes war sehr gut besucht. " * 3
                if lang == 0 else f"Talk {n} covered deployments and monitoring of services. " * 3)
        front = f"---\ntitle: Note {n}\ntags: [t{n % 5}]\ndate: 2020-01-{n % 28 + 1:02d}\n---\n"
        write(corpus / f"{n % 7}" / f"note-{n:03d}.md", front + body + "\n")
    write(corpus / "3" / "broken.md", "")
    serial = build_index([corpus], tmp_path / "a", workers=1)
    parallel = build_index([corpus], tmp_path / "b", workers=2)
    assert serial.to_dict() | {"took_s": 0, "timings": {}} == \
        parallel.to_dict() | {"took_s": 0, "timings": {}}
    assert serial.notes == 450 and [p for p, _ in parallel.skipped] == ["3/broken.md"]
    segments_a, stored_a, terms_a = _index_contents(tmp_path / "a")
    segments_b, stored_b, terms_b = _index_contents(tmp_path / "b")
    assert (segments_a, segments_b) == (1, 2)
    assert [d["path"] for d in stored_b] == sorted(d["path"] for d in stored_b)  # path order
    assert stored_a == stored_b
    assert terms_a == terms_b
    # Each worker wrote its segment's search tables before the commit, exactly as the
    # parent would have from the committed index.
    gen = current_generation(tmp_path / "b")
    toc = next(gen.glob("_MAIN_*.toc")).stat().st_mtime_ns
    cache = {p.name: p for p in (gen / "cache").glob("*.pickle")}
    assert len(cache) == 2 and all(p.stat().st_mtime_ns <= toc for p in cache.values())
    written = {name: p.read_bytes() for name, p in cache.items()}
    shutil.rmtree(gen / "cache")
    warm_cache(gen)
    assert {p.name: p.read_bytes() for p in (gen / "cache").glob("*.pickle")} == written


def test_multiple_roots_are_keyed_by_their_common_parent(tmp_path):
    write(tmp_path / "one" / "a.md", "# A\n\ntext one\n")
    write(tmp_path / "two" / "b.md", "# B\n\ntext two\n")
    assert set(corpus_files([tmp_path / "one", tmp_path / "two"])) == {"one/a.md", "two/b.md"}


@pytest.mark.slow
def test_whole_shared_corpus_every_file_indexed_or_reported(shared_index, shared):
    index_dir, report = shared_index
    files = {p for p in corpus_files([shared / "corpora"]) if not_a_note(p) is None}
    index = SearchIndex(index_dir)
    indexed = set(index.backend.searcher().reader().column_reader("path", translate=True))
    skipped = dict(report.skipped)
    assert indexed | set(skipped) == files
    assert not indexed & set(skipped)
    assert not [p for p, r in skipped.items() if r.startswith("unexpected error")]
    # What is skipped is a file with nothing to index (category.json is set aside unread).
    assert len(skipped) < 20, skipped
    assert report.notes > 25_000
    assert {"en", "de"} <= set(report.by_lang)


def _segment_contents(ix):
    """Everything Whoosh wrote: stored fields, field lengths, and per term its statistics
    and every posting with weight and encoded value (positions).  A posting without a
    value reads as None from a posting block and as "" from an inlined list: both None."""
    with ix.reader() as reader:
        docs = range(reader.doc_count_all())
        fields = [name for name in ix.schema.names() if ix.schema[name].scorable]
        stored = [reader.stored_fields(d) for d in docs]
        lengths = [[reader.doc_field_length(d, f) for f in fields] for d in docs]
        terms = {}
        for field, text in reader.all_terms():
            info = reader.term_info(field, text)
            m = reader.postings(field, text)
            postings = []
            while m.is_active():
                postings.append((m.id(), m.weight(), m.value() or None))
                m.next()
            terms[field, text] = (info.weight(), info.doc_frequency(), info.max_weight(),
                                  info.min_length(), info.max_length(), postings)
    return stored, lengths, terms


def _stock_schema():
    """Our schema with Whoosh's own formats in place of WordPositions/WordFrequency."""
    from whoosh.formats import Frequency, Positions

    from eventsearch.backends.whoosh.schema import build_schema

    schema = build_schema()
    for name in schema.names():
        field = schema[name]
        if isinstance(field.format, Positions):
            field.format = Positions()
        elif isinstance(field.format, Frequency):
            field.format = Frequency()
    return schema


def test_the_pool_spills_only_when_the_rest_of_the_segment_will_not_fit(tmp_path):
    """Past its limit the term pool keeps going in memory when the size so far, scaled up
    to the documents still to come, fits in its room; otherwise it spills a run."""
    from eventsearch.backends.whoosh.pool import _TermPool

    def fill(pool, share_known=True):
        for doc in range(100):  # 10 new terms a document, ~3.9 KB estimated
            if share_known:
                pool.done = (doc + 1) / 100
            for k in range(10):
                pool.add(("body", f"t{doc}-{k}".encode(), doc, 1.0, b"\x01"))
        return pool

    def postings(pool):
        return [(f, t, list(p[0])) for f, t, p in pool.iter_terms()]

    spilling = fill(_TermPool(str(tmp_path), 0.1))  # no room: a run past every 0.1 MB
    roomy = fill(_TermPool(str(tmp_path), 0.1, room_mb=0.5))  # projected ~0.39 MB: fits
    tight = fill(_TermPool(str(tmp_path), 0.1, room_mb=0.3))  # spills once, then fits
    unknown = fill(_TermPool(str(tmp_path), 0.1, room_mb=0.5), share_known=False)
    assert (len(spilling.runs), len(roomy.runs), len(tight.runs), len(unknown.runs)) == \
        (3, 0, 1, 3)
    assert roomy.size > 0.3 * 1024 * 1024  # it did go past the limit, in memory
    expected = [("body", f"t{doc}-{k}".encode(), [doc]) for doc in range(100) for k in range(10)]
    expected.sort()
    for pool in (spilling, roomy, tight, unknown):
        assert postings(pool) == expected
        pool.cleanup()


def test_our_writer_writes_what_stock_whoosh_writes(tmp_path):
    """pool._TermPool replaces Whoosh's PostingPool, schema.WordPositions and
    WordFrequency its formats' word_values: the segment must come out the same."""
    from whoosh import index as whoosh_index

    from eventsearch.backends.whoosh.pool import INLINE_POSTINGS, _SegmentWriter
    from eventsearch.backends.whoosh.schema import (
        WordFrequency,
        WordPositions,
        build_schema,
        note_to_document,
    )
    from eventsearch.readers.load import load_notes

    synthetic = tmp_path / "notes"
    for n in range(300):  # common words span several posting blocks (128 postings each)
        words = " ".join(f"w{(n * k) % 37}" for k in range(1, n % 23 + 2))
        write(synthetic / f"n{n:03d}.md", f"---\ntitle: Talk {n % 9} about python\n---\n"
              f"Python deployments and {words}. " * (1 + n % 4) + "\n")
    documents = []
    for root in (SAMPLE_CORPUS, synthetic):
        files = scan_corpus([root])
        documents += [note_to_document(note) for _, note, _
                      in load_notes(files, list(files), 1) if note is not None]
    contents = []
    spilled = []
    writers = (("stock", _stock_schema(), lambda ix: ix.writer()),
               ("ours", build_schema(), _SegmentWriter),
               ("ours, spilling", build_schema(), lambda ix: _SegmentWriter(ix, limitmb=0.1)))
    for name, schema, make in writers:
        (tmp_path / name).mkdir()
        ix = whoosh_index.create_in(str(tmp_path / name), schema)
        writer = make(ix)
        for document in documents:
            writer.add_document(**document)
        spilled.append(len(getattr(writer.pool, "runs", [])))
        writer.commit()
        contents.append(_segment_contents(ix))
        assert not (tmp_path / name / "MAIN.tmp").exists() or \
            not list((tmp_path / name / "MAIN.tmp").iterdir())
    formats = {type(build_schema()[f].format) for f in ("title", "body_en", "body_de")}
    assert formats == {WordPositions, WordFrequency}
    assert len(contents[0][0]) == len(documents) > 340
    assert len(contents[0][2]["body", b"python"][-1]) > 256
    assert spilled[1] == 0 and spilled[2] >= 3  # the small limit wrote runs to disk
    assert contents[0] == contents[1] == contents[2]
    for name, inlined in (("stock", False), ("ours", True)):  # short posting lists, inlined
        with whoosh_index.open_dir(str(tmp_path / name)).reader() as reader:
            infos = [(reader.term_info(*t), t) for t in reader.all_terms()]
        short = [i.is_inlined() for i, _ in infos if i.doc_frequency() <= INLINE_POSTINGS]
        assert len(short) > 1000 and set(short) == {inlined}
        assert not [t for i, t in infos if i.doc_frequency() > INLINE_POSTINGS and i.is_inlined()]
