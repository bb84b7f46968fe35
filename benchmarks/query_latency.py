"""Query latency: a fixed mix of 300 queries over an index of the pyvideo talk records.

Each query is a full search as the web UI runs it: ranking, facet counts for tag,
speaker, language and year over ALL matches, and highlighted snippets for the top 10.
The process is warm: each setup first runs 300 other queries of the same mix (which
loads the per-generation data) and is then timed on the fixed 300, the two setups
taking turns query by query.  Prints p50/p95 per query kind and overall, with typo
tolerance and synonyms on (the default) and off.

    eventsearch index ../shared/corpora/pyvideo --index /tmp/ixpv
    python benchmarks/query_latency.py --index /tmp/ixpv
"""

from __future__ import annotations

import argparse
import random
import re
import time
from collections import defaultdict
from pathlib import Path

from _common import machine, median, percentile, print_table

from eventsearch.model import SearchQuery
from eventsearch.search import SearchIndex

SEED = 20261122
MIX = {"common": 45, "rare": 45, "and": 35, "words": 40, "or": 30, "phrase": 35,
       "prefix": 35, "typo": 35}  # 300 queries


def make_queries(index: SearchIndex, seed: int = SEED) -> list[tuple[str, str]]:
    """(kind, query) pairs drawn with a fixed seed from the index's own title words."""
    rng = random.Random(seed)
    reader = index.searcher().reader()
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
    return out


def run(setups: dict[str, SearchIndex], queries: list[tuple[str, str]],
        warmup: list[tuple[str, str]]) -> dict[str, dict[str, list[float]]]:
    """Time every query on every setup, interleaved so that drift hits all alike."""
    # Warm up on *other* queries of the same mix: per-generation data (vocabulary, length
    # norms, facet table) is loaded, but the measured queries' postings are not cached yet.
    for index in setups.values():
        for _, q in warmup:
            index.search(SearchQuery(q=q))
    times: dict[str, dict[str, list[float]]] = {name: defaultdict(list) for name in setups}
    for n, (kind, q) in enumerate(queries):
        names = list(setups) if n % 2 else list(reversed(setups))
        for name in names:
            started = time.perf_counter()
            setups[name].search(SearchQuery(q=q, per_page=10))
            ms = (time.perf_counter() - started) * 1000
            times[name][kind].append(ms)
            times[name]["all"].append(ms)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, default=Path("/tmp/ixpv"))
    ap.add_argument("--show", action="store_true", help="Print the query mix.")
    args = ap.parse_args()
    full = SearchIndex(args.index)
    plain = SearchIndex(args.index, synonyms=False, typo_tolerance=False)
    queries = make_queries(full)
    warmup = make_queries(full, SEED + 1)
    if args.show:
        for kind, q in queries:
            print(f"{kind:7} {q}")
    times = run({"plain": plain, "full": full}, queries, warmup)
    with_features, without = times["full"], times["plain"]
    docs = full.searcher().doc_count()
    print(f"{len(queries)} queries over {docs} notes at {args.index}; {machine()}; "
          "full search: ranking + facets over all matches + top-10 snippets")
    rows = []
    for kind in ["all", *MIX]:
        a, b = with_features[kind], without[kind]
        rows.append([kind, len(a), median(b), percentile(b, 95), median(a), percentile(a, 95),
                     f"{median(a) / median(b) - 1:+.0%}"])
    print_table(["kind", "n", "plain p50 ms", "plain p95 ms", "typo+syn p50 ms",
                 "typo+syn p95 ms", "p50 change"], rows)


if __name__ == "__main__":
    main()
