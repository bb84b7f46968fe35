"""Web throughput and latency: queries against `/api/search` of a real `eventsearch serve`
(waitress) on 127.0.0.1, first with 1 client, then with 8 concurrent clients.  Prints core
count, clients, requests/s, p50 and p95 in milliseconds, the p95 ratio 8 clients / 1
client, and the server's memory after each run (VmRSS, peak VmHWM and PSS, summed over
its worker processes with --workers N).

Two passes: "cycled" sends a fixed 30-query mix of what the UI sends (filters, sorting,
pages) over and over, so after the first round the engine's cache of recent results
answers; "distinct" sends each query once, drawn from query_latency's generated mix
(a fresh set per run), so every request is computed (skip it with --no-distinct).

It needs an existing index and never builds one, e.g.:

    eventsearch index ../shared/corpora/pyvideo --index /tmp/ix-pyvideo
    python benchmarks/web_load.py --index /tmp/ix-pyvideo

Traffic goes to 127.0.0.1 only, over keep-alive connections, a bounded number of
requests per run (--requests) shared by the client threads.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Sequence
from pathlib import Path

from _common import median, memory_mb, percentile, print_table, process_tree
from query_latency import SEED, make_queries

from eventsearch.backends.whoosh.storage import current_generation
from eventsearch.search import SearchIndex

HOST = "127.0.0.1"
# (q, extra parameters): single words, several words, phrases, fields, typos, German,
# facet filters, date ranges, date sorting and deeper pages -- what the UI sends.
MIX: list[tuple[str, dict[str, str]]] = [
    ("python", {}), ("django", {}), ("kubernetes", {}), ("machine learning", {}),
    ('"web application"', {}), ("asyncio performance", {}), ("data science pandas", {}),
    ("testing", {"sort": "date"}), ("security", {"page": "2"}), ("docker deploy*", {}),
    ("pyton", {}), ("djnago rest framework", {}), ("Datenbank", {}), ("Vorträge", {}),
    ("tag:django", {}), ('speaker:"Raymond Hettinger"', {}), ("numpy OR scipy", {}),
    ("packaging -conda", {}), ("", {"tag": "python"}), ("", {"year": "2019"}),
    ("api", {"lang": "en", "year": "2018"}), ("flask", {"from": "2016", "to": "2019"}),
    ("", {"sort": "date"}), ("keynote", {"per_page": "50"}), ("type hints", {}),
    ("microservices", {"tag": "django", "sort": "date"}), ("community", {"page": "5"}),
    ("rust python extension", {}), ("jupyter notebook", {"year": "2017"}),
    ("concurrency threads GIL", {}),
]


def url_for(q: str, extra: dict[str, str]) -> str:
    query = urllib.parse.urlencode({"q": q, **extra} if q else extra)
    return f"/api/search?{query}"


def distinct_urls(index: Path, count: int) -> list[str]:
    """`count` different queries from query_latency's generator, none in its timed mix,
    shuffled so that every run gets the same blend of kinds."""
    engine = SearchIndex(index)
    taken = set(make_queries(engine))
    out: list[str] = []
    seed = SEED + 100
    while len(out) < count and seed < SEED + 1000:
        for pair in make_queries(engine, seed):
            if pair not in taken and len(out) < count:
                taken.add(pair)
                out.append(url_for(pair[1], {}))
        seed += 1
    engine.close()
    random.Random(SEED).shuffle(out)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start(index: Path, port: int, threads: int, workers: int,
          env: dict[str, str] | None = None,
          log: Path | None = None) -> subprocess.Popen:  # type: ignore[type-arg]
    """`eventsearch serve` on `port`, once /healthz answers 200.  `env`: the server's
    environment (e.g. EVENTSEARCH_BACKEND); `log`: a file for its stderr instead of a pipe,
    which a chatty server cannot fill up and block on."""
    err = open(log, "wb") if log is not None else subprocess.PIPE  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, "-m", "eventsearch", "serve", "--index", str(index),
                             "--host", HOST, "--port", str(port), "--threads", str(threads),
                             "--workers", str(workers)],
                            stdout=subprocess.DEVNULL, stderr=err, env=env)
    if log is not None:
        err.close()  # the child holds its own copy
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            text = log.read_bytes() if log is not None else proc.stderr.read()
            raise SystemExit(f"the server exited: {text.decode()[-2000:]}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start within 60 s")


def server_memory_mb(pid: int) -> tuple[float, float, float]:
    """(RSS, peak RSS, PSS) in MB summed over the server and its worker processes.  PSS
    splits pages that processes share (code, forked memory), so it adds up honestly."""
    rss = peak = pss = 0.0
    for one in process_tree(pid):
        try:
            now, high = memory_mb(one)
            rollup = Path(f"/proc/{one}/smaps_rollup").read_text()
        except OSError:  # a worker ended between listing and reading it
            continue
        rss, peak = rss + now, peak + high
        pss += int(rollup.split("\nPss:", 1)[1].split()[0]) / 1024
    return rss, peak, pss


def warm_up(port: int, urls: list[str], connections: int) -> None:
    """Every connection sends every URL once, so that each server worker (the kernel hands
    a connection to one of them) has its tables loaded and the cycled answers cached."""
    def client() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        for url in urls:
            conn.request("GET", url)
            conn.getresponse().read()
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def run(port: int | Sequence[int], urls: list[str], clients: int, requests: int,
        once: bool = False) -> tuple[list[float], int, float]:
    """`requests` GETs spread over `clients` threads; (latencies ms, errors, wall seconds).
    `once`: request n gets urls[n], so with len(urls) >= requests no URL is sent twice.
    Several ports: client thread i talks to ports[i % len(ports)] (a round-robin balancer)."""
    ports = [port] if isinstance(port, int) else list(port)
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    tickets = itertools.count()

    def client(offset: int, port: int) -> None:
        nonlocal errors
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        mine: list[float] = []
        failed = 0
        while (n := next(tickets)) < requests:
            url = urls[(n + offset) % len(urls)]
            started = time.perf_counter()
            try:
                conn.request("GET", url)
                response = conn.getresponse()
                json.loads(response.read())
                failed += response.status != 200
            except (OSError, http.client.HTTPException, ValueError):
                failed += 1
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=60)
            mine.append((time.perf_counter() - started) * 1000)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors += failed

    threads = [threading.Thread(target=client, args=(0 if once else n * 7, ports[n % len(ports)]))
               for n in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors, time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, required=True, help="an existing index folder")
    ap.add_argument("--requests", type=int, default=600, help="requests per run (default 600)")
    ap.add_argument("--clients", default="1,8", help="concurrent clients per run (default 1,8)")
    ap.add_argument("--threads", type=int, default=4,
                    help="waitress threads (default 4, as `eventsearch serve`)")
    ap.add_argument("--workers", type=int, default=1,
                    help="server worker processes (default 1, as `eventsearch serve`)")
    ap.add_argument("--no-distinct", action="store_true",
                    help="skip the pass that sends each query only once")
    args = ap.parse_args()
    if current_generation(args.index) is None:
        raise SystemExit(f"No index at {args.index}; build one first with "
                         "`eventsearch index PATH --index DIR` (this script never builds one).")
    clients = [int(c) for c in args.clients.split(",")]
    if any(not 1 <= c <= 64 for c in clients) or not 1 <= args.requests <= 100_000:
        raise SystemExit("clients must be 1..64 and requests 1..100000")
    passes = {f"cycled {len(MIX)}": [[url_for(q, extra) for q, extra in MIX]] * len(clients)}
    if not args.no_distinct:
        fresh = distinct_urls(args.index, args.requests * len(clients))
        passes["distinct"] = [fresh[i * args.requests:(i + 1) * args.requests]
                              for i in range(len(clients))]
    port = free_port()
    proc = start(args.index, port, args.threads, args.workers)
    rows = []
    p95: dict[str, list[float]] = {}
    try:
        rows.append(["started", os.cpu_count(), "", "", "", "", "", "",
                     *server_memory_mb(proc.pid)])
        warm_up(port, passes[f"cycled {len(MIX)}"][0], max(clients))
        for name, url_lists in passes.items():
            for n, urls in zip(clients, url_lists, strict=True):
                once = name == "distinct"
                lat, errors, wall = run(port, urls, n, min(args.requests, len(urls)) if once
                                        else args.requests, once)
                rows.append([name, os.cpu_count(), n, len(lat), errors, len(lat) / wall,
                             median(lat), percentile(lat, 95), *server_memory_mb(proc.pid)])
                p95.setdefault(name, []).append(percentile(lat, 95))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stderr.close()
    print(f"/api/search on {args.index}, waitress {args.threads} threads x {args.workers} "
          f"worker process{'es' if args.workers > 1 else ''}; "
          f"cycled: the {len(MIX)}-query UI mix repeated; distinct: generated queries, "
          "each sent once (no result cache hits)")
    print_table(["pass", "cores", "clients", "requests", "errors", "req/s", "p50 ms", "p95 ms",
                 "RSS MB", "peak RSS MB", "PSS MB"], rows)
    if len(clients) > 1:
        print(f"p95 ratio {clients[-1]} / {clients[0]} clients: " + ", ".join(
            f"{name} {v[-1] / v[0]:.2f}" for name, v in p95.items()) + " (target <= 2)")
    print(f"server RSS after the last run {rows[-1][8]:.0f} MB, peak {rows[-1][9]:.0f} MB, "
          f"PSS {rows[-1][10]:.0f} MB (target <= 300 MB at 21.7k notes; with workers, RSS "
          "counts shared pages in every process, PSS once)")


if __name__ == "__main__":
    main()
