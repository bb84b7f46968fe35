"""Hostile queries: what one query a bot types into a public search box costs, and what
two clients looping on such queries do to everyone else's latency.

Over an index of all of ../shared/corpora (built once, ~2-3 min, and cached under
benchmarks/.cache/corpora-index like quality.py's), through SearchIndex.search (the entry
/api/search calls):

1. the median of ordinary queries (the query texts of ../shared/eval/known-items-dev.jsonl),
2. each hostile form once, first time seen (a bot sends new ones), beside that median,
   with the ratio and the messages the answer carries.

Then a real `eventsearch serve` (waitress, 127.0.0.1, 4 threads) is started over the same
index and a client measures ordinary-query latency over HTTP, alone and while two client
threads loop on freshly drawn hostile queries (bounded by --requests and --seconds).

    python benchmarks/hostile_queries.py                  # the configured limits (defaults)
    python benchmarks/hostile_queries.py --unlimited      # every limit off, for comparison
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import string
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from _common import CACHE, CORPORA, SHARED, machine, median, percentile, print_table, require_shared
from web_load import HOST, free_port, start

import eventsearch.search as search_module
from eventsearch.model import SearchQuery
from eventsearch.query.budget import Limits
from eventsearch.search import SearchIndex

UNLIMITED = Limits(max_words=10**6, max_filters=10**6, max_expansions=10**9,
                   max_query_expansions=10**9, max_expanded_terms=10**6, min_prefix=0,
                   leading_wildcards=True, time_budget_ms=10**9)

Maker = Callable[[random.Random], str]


def hostile_forms(words: list[str], tags: list[str]) -> dict[str, Maker]:
    """Each hostile form as a maker of fresh queries of that form."""
    letters = string.ascii_lowercase

    def pick(rng: random.Random, n: int) -> list[str]:
        return rng.sample(words, n)

    return {
        "30 one-letter prefixes (a* b* c* ...)":
            lambda r: " ".join(f"{c}*" for c in (letters + letters)[r.randrange(26):][:30]),
        "a* b* ... z*": lambda r: " ".join(f"{c}*" for c in letters),
        "30 two-letter prefixes": lambda r: " ".join(f"{r.choice(letters)}{r.choice('aeiou')}*"
                                                     for _ in range(30)),
        "a*": lambda r: f"{r.choice(letters)}*",
        "co* (two letters)": lambda r: r.choice(["co*", "pr*", "de*", "st*", "re*", "in*"]),
        "*": lambda r: "*",
        "?*": lambda r: "?*",
        "*ing (leading)": lambda r: "*" + r.choice(["ing", "ion", "ung", "en", "er"]),
        "*a*e*i*o*": lambda r: "*" + "*".join(r.sample("aeiou", 4)) + "*",
        "30 fuzzy word~2": lambda r: " ".join(f"{w}~2" for w in pick(r, 30)),
        "200 words": lambda r: " ".join(pick(r, 200)),
        "200 made-up words": lambda r: " ".join("".join(r.choice(letters) for _ in range(8))
                                                for _ in range(200)),
        "50 phrases": lambda r: " ".join(f'"{a} {b}"' for a, b in zip(pick(r, 50), pick(r, 50),
                                                                      strict=True)),
        "OR chain of 150": lambda r: " OR ".join(pick(r, 150)),
        "nested OR/AND": lambda r: " OR ".join(f"({a} AND ({b} OR {c}*))" for a, b, c in
                                               (pick(r, 3) for _ in range(25))),
        "100 tag: filters": lambda r: " ".join(f"tag:{t}" for t in r.choices(tags, k=100)),
        "kitchen sink": lambda r: " ".join([*(f"{w[:2]}*" for w in pick(r, 10)),
                                            *(f"{w}~2" for w in pick(r, 10)),
                                            *(f'"{w} {v}"' for w, v in zip(pick(r, 10), pick(r, 10),
                                                                           strict=True))]),
    }


def ordinary_queries() -> list[str]:
    path = SHARED / "eval" / "known-items-dev.jsonl"
    return [json.loads(line)["query"] for line in path.read_text().splitlines() if line.strip()]


def vocabulary(index: SearchIndex) -> tuple[list[str], list[str]]:
    """Real words of the index (6-10 letters, in 3+ notes) and real tag keys."""
    searcher = index.backend.searcher()
    reader = searcher.reader()
    words = sorted(t.decode() for t, info in reader.iter_field("body")
                   if t.isalpha() and 6 <= len(t) <= 10 and info.doc_frequency() >= 3)
    tags = sorted(t.decode() for t in reader.lexicon("tag")) if "tag" in reader.schema else []
    return words, [t for t in tags if " " not in t and ":" not in t] or words[:500]


def timed(index: SearchIndex, q: str) -> tuple[float, list[str]]:
    started = time.perf_counter()
    result = index.search(SearchQuery(q=q))
    return (time.perf_counter() - started) * 1000, result.messages


def in_process(index: SearchIndex, forms: dict[str, Maker]) -> None:
    ordinary = ordinary_queries()
    for q in ordinary[:5]:  # warm: tables loaded, first postings read
        index.search(SearchQuery(q=q + " warmup"))
    times = [timed(index, q)[0] for q in ordinary]
    base = median(times)
    print(f"ordinary: {len(times)} known-item dev queries, median {base:.1f} ms, "
          f"p95 {percentile(times, 95):.1f} ms\n")
    rng = random.Random(17)
    rows = []
    said = []
    for name, make in forms.items():
        q = make(rng)
        ms, messages = timed(index, q)
        rows.append([name, ms, f"{ms / base:.1f}x", len(messages)])
        said.append(f"{name}: " + " | ".join(m[:90] for m in messages[-2:]))
    print_table(["hostile query", "ms", "vs ordinary", "messages"], rows)
    worst = max(r[1] for r in rows)
    print(f"\nworst {worst:.0f} ms = {worst / base:.1f}x the ordinary median\n")
    print("\n".join(said))


def get(conn: http.client.HTTPConnection, q: str) -> float:
    started = time.perf_counter()
    conn.request("GET", "/api/search?" + urllib.parse.urlencode({"q": q}))
    response = conn.getresponse()
    response.read()
    if response.status != 200:
        raise SystemExit(f"{q[:60]!r} answered {response.status}")
    return (time.perf_counter() - started) * 1000


def ordinary_latency(port: int, queries: list[str], rounds: int, run: int) -> list[float]:
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    out = []
    for n in range(rounds):
        for q in queries:  # a suffix new to each round and run: the result cache never answers
            out.append(get(conn, f"{q} r{run}n{n}"))
    conn.close()
    return out


def over_http(index_dir: Path, forms: dict[str, Maker], rounds: int, requests: int,
              seconds: float) -> None:
    port = free_port()
    proc = start(index_dir, port, threads=4, workers=1)
    try:
        ordinary = ordinary_queries()
        ordinary_latency(port, ordinary[:10], 1, 0)  # warm
        alone = ordinary_latency(port, ordinary, rounds, 1)
        stop = threading.Event()
        sent = [0, 0]
        lock = threading.Lock()

        def bot(n: int) -> None:
            rng = random.Random(100 + n)
            conn = http.client.HTTPConnection(HOST, port, timeout=120)
            makers = list(forms.values())
            while not stop.is_set():
                with lock:
                    if sum(sent) >= requests:
                        return
                    sent[n] += 1
                get(conn, rng.choice(makers)(rng))
            conn.close()

        bots = [threading.Thread(target=bot, args=(n,), daemon=True) for n in range(2)]
        for t in bots:
            t.start()
        started = time.perf_counter()
        time.sleep(1)  # the two clients are busy
        loaded = ordinary_latency(port, ordinary, rounds, 2)
        took = time.perf_counter() - started
        stop.set()
        for t in bots:
            t.join(timeout=seconds)
        print(f"\nover HTTP (waitress, 4 threads, 1 process): ordinary queries x{rounds}, "
              f"alone and while 2 clients looped on hostile queries ({sum(sent)} sent in "
              f"{took:.0f} s)\n")
        print_table(["ordinary queries", "n", "p50 ms", "p95 ms", "max ms"],
                    [["alone", len(alone), median(alone), percentile(alone, 95), max(alone)],
                     ["with hostile load", len(loaded), median(loaded), percentile(loaded, 95),
                      max(loaded)]])
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, default=CACHE / "corpora-index")
    ap.add_argument("--unlimited", action="store_true",
                    help="Turn every limit off (as before the budget), for comparison.")
    ap.add_argument("--no-http", action="store_true", help="Skip the run over HTTP.")
    ap.add_argument("--rounds", type=int, default=2, help="rounds of ordinary queries over HTTP")
    ap.add_argument("--requests", type=int, default=400, help="most hostile requests sent")
    ap.add_argument("--seconds", type=float, default=120, help="most seconds of hostile load")
    args = ap.parse_args()
    require_shared()
    if not (args.index / "current").exists():
        from eventsearch.backends.whoosh.build import build_index

        started = time.perf_counter()
        report = build_index([CORPORA], args.index)
        print(f"built the index: {report.notes} notes in {time.perf_counter() - started:.0f} s",
              file=sys.stderr)
    search_module.RESULT_CACHE = 0  # every query is computed, as a bot's fresh ones are
    limits = UNLIMITED if args.unlimited else Limits()
    index = SearchIndex(args.index, limits=limits)
    print(f"{index.backend.searcher().doc_count()} notes at {args.index}; {machine()}; limits: "
          f"{'none' if args.unlimited else limits}\n")
    words, tags = vocabulary(index)
    forms = hostile_forms(words, tags)
    in_process(index, forms)
    if not args.no_http:
        if args.unlimited:
            for name in ("max_words", "max_filters", "max_expansions", "max_query_expansions",
                         "max_expanded_terms", "min_prefix", "leading_wildcards",
                         "time_budget_ms"):
                value = getattr(UNLIMITED, name)
                os.environ[f"EVENTSEARCH_{name.upper()}"] = str(value).lower()
        over_http(args.index, forms, args.rounds, args.requests, args.seconds)


if __name__ == "__main__":
    main()
