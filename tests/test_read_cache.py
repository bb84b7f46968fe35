"""The per-segment cache of search tables (segment_cache.py): files appear, are used,
survive incremental updates, and never change an answer, even when they are broken,
stale or cannot be written.

Real indexes of a copy of the sample corpus; every comparison is against a search
that computes its tables from Whoosh in memory (cache folder blocked) or against a
clean full build of the same files.
"""

from __future__ import annotations

import os
import pickle
import shutil
from collections import Counter
from pathlib import Path

import pytest

from eventsearch.backends.whoosh.build import build_index
from eventsearch.backends.whoosh.schema import FACET_FIELDS
from eventsearch.backends.whoosh.segment_cache import CACHE_DIR, read_tables, warm_cache
from eventsearch.backends.whoosh.storage import current_generation, open_index
from eventsearch.backends.whoosh.update import update_index
from eventsearch.model import SearchQuery
from eventsearch.search import SearchIndex
from eventsearch.text.spelling import PLAIN_FIELDS

from .conftest import SAMPLE_CORPUS

QUERIES = [
    "", "kubernetes", "deployment", "Vorträge", "Datenbanksysteme", "sicherheit",
    "python web", "kuberntes", "deploy*", "\"zero downtime\"", "kubernetes -python",
    "tag:python", "lang:de", "date:2019..2021", "python OR kubernetes",
]
REQUESTS = [{}, {"sort": "date"}, {"langs": ("de",)}, {"years": ("2019",)},
            {"tags": ("python",)}, {"per_page": 3, "page": 2}]


def note(title: str, body: str, tags: str = "[cache]", date: str = "2021-03-04") -> str:
    return f"---\ntitle: {title}\ndate: {date}\ntags: {tags}\n---\n{body}\n"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    shutil.copytree(SAMPLE_CORPUS, root)
    return root


def build(corpus: Path, index_dir: Path, **kw) -> Path:
    build_index([corpus], index_dir, workers=1, **kw)
    gen = current_generation(index_dir)
    assert gen is not None
    return gen


def answers(index_dir: Path) -> list[dict]:
    """Every query with every request option, as the JSON API would send it."""
    index = SearchIndex(index_dir)
    try:
        out = []
        for q in QUERIES:
            for extra in REQUESTS:
                result = index.search(SearchQuery(q=q, **{"per_page": 100, **extra}))
                data = result.to_dict()
                data.pop("took_ms")
                out.append(data)
        return out
    finally:
        index.close()


def live_answers(index_dir: Path) -> list[dict]:
    """What two indexes of the same files must agree on even when one holds deleted
    documents (whose counts shift BM25 scores): which notes match, and the facets."""
    return [{"q": a["query"], "total": a["total"], "facets": a["facets"],
             "paths": sorted(h["path"] for h in a["hits"]) if a["per_page"] == 100 else None}
            for a in answers(index_dir)]


def uncached_answers(index_dir: Path, tmp_path: Path) -> list[dict]:
    """The answers of a copy of the index whose cache can be neither read nor written."""
    copy = tmp_path / f"uncached-{len(list(tmp_path.iterdir()))}"
    shutil.copytree(index_dir, copy, symlinks=True)
    gen = current_generation(copy)
    assert gen is not None
    shutil.rmtree(gen / CACHE_DIR, ignore_errors=True)
    (gen / CACHE_DIR).write_text("a file where the cache folder would go")
    try:
        return answers(copy)
    finally:
        assert (gen / CACHE_DIR).is_file()
        shutil.rmtree(copy)


def cache_files(gen: Path) -> dict[str, int]:
    """Cache file name -> modification time (ns), temporary files included."""
    folder = gen / CACHE_DIR
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} if folder.is_dir() else {}


def segment_ids(gen: Path) -> set[str]:
    return {p.stem for p in gen.glob("*.seg")}


def test_first_search_writes_one_file_per_segment_and_a_fresh_process_uses_them(
        corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    gen = build(corpus, index_dir)
    shutil.rmtree(gen / CACHE_DIR, ignore_errors=True)  # whatever the indexer did
    first = answers(index_dir)
    files = cache_files(gen)
    assert {Path(f).stem for f in files} == segment_ids(gen)
    again = answers(index_dir)  # a new SearchIndex: reads the files, writes nothing
    assert cache_files(gen) == files
    assert again == first == uncached_answers(index_dir, tmp_path)


def test_warm_cache_builds_what_is_missing_and_only_that(corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    gen = build(corpus, index_dir)
    shutil.rmtree(gen / CACHE_DIR, ignore_errors=True)
    warm_cache(gen)
    files = cache_files(gen)
    assert {Path(f).stem for f in files} == segment_ids(gen)
    warm_cache(gen)
    assert cache_files(gen) == files
    assert answers(index_dir) == uncached_answers(index_dir, tmp_path)
    assert cache_files(gen) == files


def test_incremental_updates_build_only_new_segments_and_answer_like_a_clean_build(
        corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    gen = build(corpus, index_dir)
    warm_cache(gen)
    index = SearchIndex(index_dir)  # a long-running server, across all the updates
    index.search(SearchQuery(q="kubernetes"))
    edits = [
        ("add", "plain/cache/new-note.md",
         note("Cachebare Datenbanksysteme", "Kubernetes und Datenbanksysteme im Betrieb.",
              tags="[cache, kubernetes]")),
        ("edit", "plain/cache/new-note.md",
         note("Cached database systems", "Kubernetes operators for databases.",
              tags="[cache, python]", date="2019-05-06")),
        ("add", "plain/cache/second.md", note("Second cached note", "Zero downtime deploys.")),
        ("delete", "plain/cache/new-note.md", ""),
    ]
    victims = sorted(p for p in corpus.rglob("*.md") if "cache" not in p.parts)[:2]
    edits += [("delete", str(p.relative_to(corpus)), "") for p in victims]
    for kind, rel, text in edits:
        before = cache_files(gen)
        old_segments = segment_ids(gen)
        path = corpus / rel
        if kind == "delete":
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        report = update_index([corpus], index_dir, workers=1)
        assert report.committed
        assert current_generation(index_dir) == gen  # incremental: same generation
        index.search(SearchQuery(q="kubernetes"))  # the server's first search after it
        after = cache_files(gen)
        kept = segment_ids(gen) & old_segments
        # files of segments that were there before are neither rebuilt nor removed ...
        assert {f: t for f, t in after.items() if Path(f).stem in kept} == \
            {f: t for f, t in before.items() if Path(f).stem in kept}
        # ... and there is a file for every segment and none for a segment that is gone
        assert {Path(f).stem for f in after} == segment_ids(gen)
        got = answers(index_dir)
        assert got == uncached_answers(index_dir, tmp_path), (kind, rel)
    clean = tmp_path / "clean"
    build(corpus, clean)
    assert live_answers(index_dir) == live_answers(clean)
    result = index.search(SearchQuery(q="cached", per_page=100))
    assert [h.path for h in result.hits] == ["plain/cache/second.md"]
    index.close()


def test_several_segments_from_a_parallel_build(corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir, workers=2)
    gen = current_generation(index_dir)
    assert gen is not None
    got = answers(index_dir)
    assert {Path(f).stem for f in cache_files(gen)} == segment_ids(gen)
    assert got == uncached_answers(index_dir, tmp_path)
    single = tmp_path / "single"
    build(corpus, single)
    assert live_answers(index_dir) == live_answers(single)


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "other segment",
                                    "old version"])
def test_a_broken_cache_file_is_ignored_and_rewritten(corpus: Path, tmp_path: Path,
                                                      damage: str) -> None:
    index_dir = tmp_path / "index"
    gen = build(corpus, index_dir)
    want = answers(index_dir)
    files = sorted((gen / CACHE_DIR).glob("*.pickle"))
    assert files
    target = files[0]
    data = target.read_bytes()
    if damage == "truncate":
        target.write_bytes(data[:len(data) // 2])
    elif damage == "garbage":
        target.write_bytes(b"\x80\x05not a pickle at all" * 100)
    elif damage == "empty":
        target.write_bytes(b"")
    else:  # a complete file whose header does not fit this segment or this version
        with open(target, "rb") as f:
            header, tables = pickle.load(f), pickle.load(f)
        header = {**header, **({"segment": "MAIN_other"} if damage == "other segment"
                               else {"version": header["version"] - 1})}
        with open(target, "wb") as f:
            pickle.dump(header, f)
            pickle.dump(tables, f)
    damaged = target.read_bytes()
    assert answers(index_dir) == want
    # the search rewrote the file: the next process uses it as it is
    written = target.stat().st_mtime_ns
    assert target.read_bytes() != damaged
    assert answers(index_dir) == want
    assert target.stat().st_mtime_ns == written


def test_an_unwritable_cache_still_answers(corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    gen = build(corpus, index_dir)
    want = answers(index_dir)
    shutil.rmtree(gen / CACHE_DIR)
    (gen / CACHE_DIR).write_text("not a folder")  # mkdir fails, as without permission
    assert answers(index_dir) == want
    warm_cache(gen)  # no error either
    assert (gen / CACHE_DIR).read_text() == "not a folder"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write a read-only folder")
def test_a_read_only_index_folder_still_answers(corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    gen = build(corpus, index_dir)
    want = answers(index_dir)
    shutil.rmtree(gen / CACHE_DIR)
    gen.chmod(0o555)
    try:
        assert answers(index_dir) == want
        warm_cache(gen)
        assert not (gen / CACHE_DIR).exists()
    finally:
        gen.chmod(0o755)


def test_stale_files_are_removed_when_a_file_is_written(corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    gen = build(corpus, index_dir)
    folder = gen / CACHE_DIR
    folder.mkdir(exist_ok=True)
    (folder / "MAIN_gone1234.pickle").write_bytes(b"a segment merged away")
    old_tmp = folder / ".MAIN_gone1234.pickle.99999.1.tmp"
    old_tmp.write_bytes(b"left by a killed process")
    os.utime(old_tmp, (1, 1))
    young_tmp = folder / ".MAIN_x.pickle.99999.2.tmp"
    young_tmp.write_bytes(b"another process is writing this right now")
    for f in folder.glob("MAIN_*.pickle"):
        if f.stem in segment_ids(gen):
            f.unlink()
    warm_cache(gen)
    assert {f.name for f in folder.iterdir()} == \
        {f"{s}.pickle" for s in segment_ids(gen)} | {young_tmp.name}


def assert_tables_match_whoosh(index_dir: Path) -> None:
    """The joined tables hold what Whoosh's own multi-segment reader says, read the slow
    way: facet postings without deleted notes, lengths, dates, live notes, words."""
    ix, gen = open_index(index_dir)
    with ix.reader() as reader:
        tables = read_tables(gen, reader)
        n = reader.doc_count_all()
        for name in FACET_FIELDS:
            want = {t.decode(): list(reader.postings(name, t).all_ids())
                    for t in reader.lexicon(name)}
            assert tables.facets.postings[name] == want
            assert list(tables.facets.postings[name]) == list(want)  # lexicon order
            for d in range(n):  # each note's own keys
                keys = Counter(k for k, ids in want.items() if d in ids)
                assert tables.facets.count(name, [d]) == keys, (name, d)
            assert tables.facets.count(name, range(n)) == \
                Counter({k: len(ids) for k, ids in want.items() if ids})
            for key, ids in want.items():
                assert tables.facets.docs_with(name, [key]) == set(ids)
        stats = tables.stats
        assert stats.alive.tolist() == [not reader.is_deleted(d) for d in range(n)]
        for f in stats.fields:
            lengths = [reader.doc_field_length(d, f) or 0 for d in range(n)]
            avg = sum(x for x in lengths if x) / max(1, sum(1 for x in lengths if x))
            b = 0.6 if f.startswith("body") else 0.5
            want_norm = [1 - b + b * x / avg for x in lengths]
            assert stats.norm[f].tolist() == pytest.approx(want_norm, rel=1e-5), f
        dates = [float(v) for v in reader.column_reader("date", translate=False)]
        assert stats.dates.tolist() == [v if 0 < v < 2**63 - 2**20 else 0 for v in dates]
        words = {t.decode() for f in PLAIN_FIELDS for t in reader.lexicon(f)}
        assert tables.vocab.sorted == sorted(words)
        assert tables.vocab.reversed == sorted(w[::-1] for w in words)
        assert tables.vocab.words == frozenset(words)
        assert tables.vocab.german_stems == {t.decode() for f in ("title_de", "body_de")
                                             for t in reader.lexicon(f)}


def test_joined_tables_match_whoosh_with_segments_and_deletions(corpus: Path,
                                                                tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir, workers=2)
    gen = current_generation(index_dir)
    assert gen is not None
    warm_cache(gen)  # files written before the deletions below
    notes = sorted(p for p in corpus.rglob("*.md"))
    notes[0].unlink()
    notes[-1].write_text(note("Edited", "Kubernetes Datenbanksysteme."), encoding="utf-8")
    (corpus / "plain" / "extra.md").write_text(note("Extra", "Sicherheit."), encoding="utf-8")
    assert update_index([corpus], index_dir, workers=1).committed
    assert_tables_match_whoosh(index_dir)
    notes[1].unlink()
    (corpus / "plain" / "extra.md").unlink()
    assert update_index([corpus], index_dir, workers=1).committed
    assert len(segment_ids(gen)) >= 2
    assert_tables_match_whoosh(index_dir)  # loaded from the files
    shutil.rmtree(gen / CACHE_DIR)
    assert_tables_match_whoosh(index_dir)  # built from Whoosh, files written
    assert {Path(f).stem for f in cache_files(gen)} == segment_ids(gen)


def test_tables_built_in_a_thread_that_then_closes_its_searcher(corpus_index: Path) -> None:
    """The web app's suggestion builder loads the tables in its own thread and closes
    that thread's searcher when done; request threads go on using the tables."""
    import threading

    index = SearchIndex(corpus_index)

    def build_and_close() -> None:
        index.search(SearchQuery(q="kubernetes"))
        index.close()

    worker = threading.Thread(target=build_and_close)
    worker.start()
    worker.join()
    result = index.search(SearchQuery(q="Vorträge"))  # vocabulary, facets, display names
    assert result.total > 0 and result.facets["tag"]
    index.close()


def test_concurrent_first_searches_load_the_tables_once(corpus_index: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    import eventsearch.backends.whoosh.searcher as search_module

    loads = []

    def counting_read_tables(*args, **kwargs):  # the real function, counted
        loads.append(threading.get_ident())
        return read_tables(*args, **kwargs)

    monkeypatch.setattr(search_module, "read_tables", counting_read_tables)
    index = SearchIndex(corpus_index)
    start = threading.Barrier(8)
    totals = []

    def first_search() -> None:
        start.wait()
        totals.append(index.search(SearchQuery(q="kubernetes")).total)

    threads = [threading.Thread(target=first_search) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loads) == 1
    assert len(totals) == 8 and len(set(totals)) == 1 and totals[0] > 0


def test_wildcard_documents_match_whoosh_with_segments_and_deletions(corpus: Path,
                                                                     tmp_path: Path) -> None:
    """WhooshRanking.docs_with_any reads a wildcard's expansions block by block; the
    documents must be those Whoosh's own union of term matchers finds (deleted ones
    aside)."""
    from whoosh.query import Or, Prefix, Wildcard

    from eventsearch.backends.whoosh.ranking import WhooshRanking

    index_dir = tmp_path / "index"
    build_index([corpus], index_dir, workers=2)
    notes = sorted(p for p in corpus.rglob("*.md"))
    notes[0].unlink()
    notes[-1].write_text(note("Edited", "Kubernetes Datenbanksysteme deployment."),
                         encoding="utf-8")
    assert update_index([corpus], index_dir, workers=1).committed
    index = SearchIndex(index_dir)
    searcher = index.backend.searcher()
    stats = index.backend._ranking_data(searcher)[0]
    ranking = WhooshRanking(stats, searcher)
    reader = searcher.reader()
    assert len(list(searcher.reader().leaf_readers())) >= 2 and not stats.alive.all()
    checked = 0
    for make, text in ((Prefix, "de"), (Prefix, "k"), (Wildcard, "*ing"), (Wildcard, "da?en*"),
                       (Prefix, "zzzz")):
        queries = [make(field, text) for field in ("title", "meta", "body")]
        words = sorted({t.decode("utf-8") for q in queries
                        for _, t in q.expanded_terms(reader)})
        ours = ranking.docs_with_any(["title", "meta", "body"], words) & stats.alive
        whoosh = ranking.docs_mask(Or(queries)) & stats.alive
        assert ours.tolist() == whoosh.tolist()
        checked += int(ours.sum())
    assert checked > 20
    for field in ("title", "body"):  # the segments' terms merged, frequencies summed
        merged = list(ranking.iter_prefix(field, "d"))
        assert [t for t, _ in merged] == sorted(
            {t.decode("utf-8") for t in reader.expand_prefix(field, "d")})
        assert merged and all(df == reader.doc_frequency(field, t) for t, df in merged)
