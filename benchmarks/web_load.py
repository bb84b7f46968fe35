"""Web throughput and latency: a fixed query mix against `/api/search` of a real
`eventsearch serve` (waitress) on 127.0.0.1, first with 1 client, then with 8 concurrent
clients.  Prints core count, clients, requests/s, p50 and p95 in milliseconds.

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
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from _common import median, percentile, print_table

from eventsearch.storage import current_generation

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


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start(index: Path, port: int, threads: int) -> subprocess.Popen:  # type: ignore[type-arg]
    proc = subprocess.Popen([sys.executable, "-m", "eventsearch", "serve", "--index", str(index),
                             "--host", HOST, "--port", str(port), "--threads", str(threads)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited: {proc.stderr.read().decode()[-2000:]}")
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


def run(port: int, urls: list[str], clients: int, requests: int) -> tuple[list[float], int, float]:
    """`requests` GETs spread over `clients` threads; (latencies ms, errors, wall seconds)."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    tickets = itertools.count()

    def client(offset: int) -> None:
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

    threads = [threading.Thread(target=client, args=(n * 7,)) for n in range(clients)]
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
    ap.add_argument("--threads", type=int, default=8, help="waitress threads (default 8)")
    args = ap.parse_args()
    if current_generation(args.index) is None:
        raise SystemExit(f"No index at {args.index}; build one first with "
                         "`eventsearch index PATH --index DIR` (this script never builds one).")
    clients = [int(c) for c in args.clients.split(",")]
    if any(not 1 <= c <= 64 for c in clients) or not 1 <= args.requests <= 100_000:
        raise SystemExit("clients must be 1..64 and requests 1..100000")
    urls = [url_for(q, extra) for q, extra in MIX]
    port = free_port()
    proc = start(args.index, port, args.threads)
    rows = []
    try:
        run(port, urls, 2, len(urls) * 2)  # warm up: per-generation tables and caches
        for n in clients:
            lat, errors, wall = run(port, urls, n, args.requests)
            rows.append([os.cpu_count(), n, len(lat), errors, len(lat) / wall, median(lat),
                         percentile(lat, 95)])
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stderr.close()
    print(f"/api/search, {len(MIX)}-query mix, index {args.index}, waitress {args.threads} threads")
    print_table(["cores", "clients", "requests", "errors", "req/s", "p50 ms", "p95 ms"], rows)


if __name__ == "__main__":
    main()
