"""Query latency: a fixed mix of 325 queries over an index of the pyvideo talk records,
our engine beside a bare (stock) Whoosh setup over the same records, in one run.

"full" is a search as the web UI runs it: ranking, facet counts for tag, speaker,
language and year over ALL matches, and highlighted snippets for the top 10; "light" is
the same without facets and highlights.  Setups:

    ours        SearchIndex, typo tolerance + synonyms (the default), full
    ours-plain  SearchIndex, typo tolerance and synonyms off, full
    ours-light  SearchIndex, typo tolerance + synonyms, facets=False snippets=False
    bare        stock Whoosh: MultifieldParser(title, body) + FuzzyTermPlugin,
                search(limit=10, groupedby=tag/speaker/lang/year FieldFacets),
                hit.highlights("body") for the top 10; typo queries sent as `word~1`
    bare-light  stock Whoosh, search(limit=10) only

The process is warm: each setup first runs 325 other queries of the same mix and is
then timed on the fixed 325, the setups taking turns query by query.  The engine's
cache of recent results is off unless --result-cache: the mix repeats some queries,
and a repeat answered from the cache would not measure search.  The bare Whoosh index
is built once (~20 s, two processes, merged into one segment) and cached under
benchmarks/.cache/, keyed by the corpus path.

    eventsearch index ../shared/corpora/pyvideo --index /tmp/ixpv
    python benchmarks/query_latency.py --index /tmp/ixpv
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import shutil
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import CACHE, CORPORA, machine, median, percentile, print_table

import eventsearch.backends.whoosh.searcher as search_module
from eventsearch.model import SearchQuery
from eventsearch.search import SearchIndex

SEED = 20261122
MIX = {"common": 45, "rare": 45, "and": 35, "words": 40, "or": 30, "phrase": 35,
       "prefix": 35, "typo": 35, "misremembered": 25}  # 325 queries
BARE_VERSION = 1  # bump when the bare Whoosh schema or build changes
FACETS = {"tag": "tags", "speaker": "speakers", "lang": "lang", "year": "year"}

Setup = Callable[[str, str], object]  # (kind, query) -> anything; only the time counts


def make_queries(index: SearchIndex, seed: int = SEED) -> list[tuple[str, str]]:
    """(kind, query) pairs drawn with a fixed seed from the index's own title words."""
    rng = random.Random(seed)
    reader = index.backend.searcher().reader()
    words = []
    for term, info in reader.iter_field("title"):
        word = term.decode("utf-8")
        if word.isalpha() and len(word) >= 4:
            words.append((word, info.doc_frequency()))
    words.sort()
    common = [w for w, df in words if df >= 100]
    mid = [w for w, df in words if 10 <= df < 100]
    rare = [w for w, df in words if 2 <= df <= 5]
    long_words = [w for w, df in words if len(w) >= 6 and df >= 5]
    titles = []
    for docnum in rng.sample(range(reader.doc_count_all()), 400):
        title = reader.stored_fields(docnum).get("title", "")
        tokens = re.findall(r"[A-Za-z]{4,}", title)
        if len(tokens) >= 2:
            titles.append(tokens)
    out: list[tuple[str, str]] = []
    for _ in range(MIX["common"]):
        out.append(("common", rng.choice(common)))
    for _ in range(MIX["rare"]):
        out.append(("rare", rng.choice(rare)))
    for _ in range(MIX["and"]):
        out.append(("and", " AND ".join(rng.sample(common + mid, rng.choice((2, 3))))))
    for _ in range(MIX["words"]):
        out.append(("words", " ".join(rng.sample(common + mid + rare, rng.choice((2, 3))))))
    for _ in range(MIX["or"]):
        out.append(("or", " OR ".join(rng.sample(mid + rare, rng.choice((2, 3))))))
    for _ in range(MIX["phrase"]):
        tokens = rng.choice(titles)
        i = rng.randrange(len(tokens) - 1)
        out.append(("phrase", f'"{tokens[i]} {tokens[i + 1]}"'))
    for _ in range(MIX["prefix"]):
        word = rng.choice(common + mid)
        out.append(("prefix", word[:rng.choice((3, 4, 5))] + "*"))
    for _ in range(MIX["typo"]):
        word = rng.choice(long_words)
        i = rng.randrange(1, len(word) - 1)
        typo = word[:i] + word[i + 1] + word[i] + word[i + 2:]  # swap two letters
        out.append(("typo", typo))
    # drawn last, so the queries above stay those of the 300-query mix: three words of a
    # title with one misremembered (a rare word instead), for the looser second pass
    for _ in range(MIX["misremembered"]):
        tokens = rng.choice([t for t in titles if len(t) >= 3])
        words = rng.sample(tokens, 3)
        words[rng.randrange(3)] = rng.choice(rare)
        out.append(("misremembered", " ".join(words)))
    return out


# -- our engine ----------------------------------------------------------------------------

def ours(index: SearchIndex, full: bool = True) -> Setup:
    """Our search as the UI (full) or a hits-only API client (light) asks for it."""
    def run(kind: str, q: str) -> object:
        return index.search(SearchQuery(q=q, per_page=10, facets=full, snippets=full))
    return run


def disable_result_cache() -> bool:
    """Make every search compute its answer (the engine keeps an LRU of recent results)."""
    if not hasattr(search_module, "RESULT_CACHE"):
        return False
    search_module.RESULT_CACHE = 0  # search() trims its cache to this size after each insert
    return True


# -- bare Whoosh ---------------------------------------------------------------------------

def keywords(value: Any) -> str:
    """A list as one comma-separated KEYWORD value (commas inside a value dropped)."""
    items = value if isinstance(value, list) else []
    return ",".join(str(v).replace(",", " ").strip() for v in items if str(v).strip())


def bare_records(corpus: Path) -> list[dict[str, str]]:
    """The talk records as stock Whoosh documents: description as body, no cleaning."""
    docs = []
    for path in sorted(corpus.rglob("*.json")):
        if path.name == "category.json":
            continue
        try:
            data = json.loads(path.read_bytes())
        except ValueError:
            continue
        if not isinstance(data, dict) or not isinstance(data.get("title"), str):
            continue
        docs.append({"path": path.relative_to(corpus).as_posix(), "title": data["title"],
                     "body": str(data.get("description") or ""),
                     "tags": keywords(data.get("tags")), "speakers": keywords(data.get("speakers")),
                     "lang": str(data.get("language") or ""),
                     "year": str(data.get("recorded") or "")[:4]})
    return docs


def bare_index(corpus: Path) -> tuple[Any, Path, float | None]:
    """The bare Whoosh index of `corpus` (path, build seconds or None if cached), built once."""
    from whoosh import index as whoosh_index
    from whoosh.analysis import StemmingAnalyzer
    from whoosh.fields import ID, KEYWORD, TEXT, Schema

    key = hashlib.sha1(f"{corpus.resolve()}|{BARE_VERSION}".encode()).hexdigest()[:12]
    folder = CACHE / f"bare-whoosh-{key}"
    done = folder / "built.json"
    if done.exists():
        return whoosh_index.open_dir(str(folder)), folder, None
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    schema = Schema(path=ID(stored=True, unique=True),
                    title=TEXT(stored=True, analyzer=StemmingAnalyzer()),
                    body=TEXT(stored=True, analyzer=StemmingAnalyzer()),
                    tags=KEYWORD(stored=True, commas=True),
                    speakers=KEYWORD(stored=True, commas=True),
                    lang=ID(stored=True), year=ID(stored=True))
    started = time.perf_counter()
    ix = whoosh_index.create_in(str(folder), schema)
    writer = ix.writer(procs=2, multisegment=False, limitmb=256)  # merged: one segment
    docs = bare_records(corpus)
    for doc in docs:
        writer.add_document(**doc)
    writer.commit()
    if len(ix.reader().leaf_readers()) > 1:
        ix.optimize()
    seconds = time.perf_counter() - started
    done.write_text(json.dumps({"corpus": str(corpus.resolve()), "docs": len(docs),
                                "seconds": round(seconds, 1)}))
    return ix, folder, seconds


def bare(ix: Any, full: bool = True) -> Setup:
    """Stock Whoosh as its documentation shows it, on one searcher kept open."""
    from whoosh import sorting
    from whoosh.qparser import FuzzyTermPlugin, MultifieldParser

    parser = MultifieldParser(["title", "body"], ix.schema)  # default group: AND
    parser.add_plugin(FuzzyTermPlugin())
    searcher = ix.searcher()
    groupedby = {name: sorting.FieldFacet(field, allow_overlap=field in ("tags", "speakers"),
                                          maptype=sorting.Count)
                 for name, field in FACETS.items()}

    def run(kind: str, q: str) -> object:
        if kind == "typo":
            q = f"{q}~1"  # what a stock Whoosh user writes for typo tolerance
        query = parser.parse(q)
        if not full:
            results = searcher.search(query, limit=10)
            return [hit.fields() for hit in results[:10]]
        results = searcher.search(query, limit=10, groupedby=groupedby)
        facets = {name: sorted(results.groups(name).items(), key=lambda kv: -kv[1])[:10]
                  for name in FACETS}
        # groupedby makes Whoosh ignore `limit` and keep every match: slice the page
        return facets, [(hit.fields(), hit.highlights("body")) for hit in results[:10]]
    return run


# -- timing --------------------------------------------------------------------------------

def run(setups: dict[str, Setup], queries: list[tuple[str, str]],
        warmup: list[tuple[str, str]]) -> dict[str, dict[str, list[float]]]:
    """Time every query on every setup, interleaved so that drift hits all alike."""
    # Warm up on *other* queries of the same mix: per-generation data (vocabulary, length
    # norms, facet table) is loaded, but the measured queries' postings are not cached yet.
    for setup in setups.values():
        for kind, q in warmup:
            setup(kind, q)
    times: dict[str, dict[str, list[float]]] = {name: defaultdict(list) for name in setups}
    for n, (kind, q) in enumerate(queries):
        names = list(setups) if n % 2 else list(reversed(setups))
        for name in names:
            started = time.perf_counter()
            setups[name](kind, q)
            ms = (time.perf_counter() - started) * 1000
            times[name][kind].append(ms)
            times[name]["all"].append(ms)
    return times


def cell(values: list[float]) -> str:
    return f"{median(values):.1f} / {percentile(values, 95):.1f}"


def ratio(a: list[float], b: list[float], p: float) -> str:
    return f"{percentile(a, p) / percentile(b, p):.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, default=Path("/tmp/ixpv"))
    ap.add_argument("--corpus", type=Path, default=CORPORA / "pyvideo",
                    help="the records the index was built from, for the bare Whoosh index")
    ap.add_argument("--no-bare", action="store_true", help="Skip bare Whoosh.")
    ap.add_argument("--result-cache", action="store_true",
                    help="Keep the engine's cache of recent results on.")
    ap.add_argument("--show", action="store_true", help="Print the query mix.")
    args = ap.parse_args()
    cache = "on" if args.result_cache or not disable_result_cache() else "off"
    full = SearchIndex(args.index)
    plain = SearchIndex(args.index, synonyms=False, typo_tolerance=False)
    queries = make_queries(full)
    warmup = make_queries(full, SEED + 1)
    if args.show:
        for kind, q in queries:
            print(f"{kind:7} {q}")
    setups = {"ours": ours(full), "ours-plain": ours(plain), "ours-light": ours(full, False)}
    header = [f"{len(queries)} queries ({len(set(queries))} distinct, "
              f"{len(set(queries) & set(warmup))} also in the warm-up); {machine()}; "
              f"result cache {cache}",
              f"ours: {full.backend.searcher().doc_count()} notes at {args.index}"]
    if not args.no_bare:
        ix, folder, built = bare_index(args.corpus)
        setups |= {"bare": bare(ix), "bare-light": bare(ix, False)}
        how = f"built in {built:.0f} s" if built is not None else "cached"
        header.append(f"bare Whoosh: {ix.doc_count()} notes at {folder} ({how}, "
                      f"{len(ix.reader().leaf_readers())} segment(s)), corpus {args.corpus}")
    times = run(setups, queries, warmup)
    print("\n".join(header))
    print("full = ranking + facets (tag, speaker, lang, year) over all matches + top-10 "
          "snippets; light = top 10 only\n")
    rows = [[name, len(t["all"]), median(t["all"]), percentile(t["all"], 95), max(t["all"])]
            for name, t in times.items()]
    print_table(["setup", "n", "p50 ms", "p95 ms", "max ms"], rows)
    print()
    print_table(["kind", "n", *(f"{name} p50/p95" for name in setups)],
                [[kind, len(times["ours"][kind]), *(cell(times[name][kind]) for name in setups)]
                 for kind in ["all", *MIX]])
    if "bare" in times:
        print("\nratios of latencies (< 1: ours is faster)\n")
        rows = [[kind, ratio(times["ours"][kind], times["bare"][kind], 50),
                 ratio(times["ours"][kind], times["bare"][kind], 95),
                 ratio(times["ours-light"][kind], times["bare-light"][kind], 50),
                 ratio(times["ours-light"][kind], times["bare-light"][kind], 95)]
                for kind in ["all", *MIX]]
        print_table(["kind", "ours/bare p50", "ours/bare p95", "ours-light/bare-light p50",
                     "ours-light/bare-light p95"], rows)
    if "bare" in times:
        a, b = times["ours"]["all"], times["bare"]["all"]
        print(f"\nfull vs full, all {len(a)} queries: ours/bare p50 {ratio(a, b, 50)} "
              f"({percentile(b, 50) / percentile(a, 50):.1f}x faster), p95 {ratio(a, b, 95)} "
              f"({percentile(b, 95) / percentile(a, 95):.1f}x faster)")


if __name__ == "__main__":
    main()
