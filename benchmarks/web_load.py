"""Web latency under load: `/api/search` through a real `eventsearch serve` on 127.0.0.1,
first with 1 client, then with 8 concurrent clients.  Prints requests/s and p50/p95.

    eventsearch index ../shared/corpora/pyvideo --index /tmp/ixpv
    python benchmarks/web_load.py --index /tmp/ixpv

Traffic goes to 127.0.0.1 only; each run is bounded in requests and time.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from _common import machine, median, percentile, print_table
from query_latency import make_queries

from eventsearch.search import SearchIndex

LOG = Path(__file__).resolve().parent / ".cache" / "web_load_server.log"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(index: Path, port: int) -> subprocess.Popen:  # type: ignore[type-arg]
    proc = subprocess.Popen([sys.executable, "-m", "eventsearch", "serve", "--index",
                             str(index), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=open(LOG, "w"))  # noqa: SIM115 (lives as long as the server)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start")


def run(base: str, queries: list[str], clients: int, seconds: float) -> tuple[list[float], int]:
    """Each client walks the query list from its own offset until time runs out."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(offset: int) -> None:
        nonlocal errors
        i = offset
        while time.monotonic() < stop:
            q = queries[i % len(queries)]
            i += 1
            url = f"{base}/api/search?" + urllib.parse.urlencode({"q": q})
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(url, timeout=30) as r:
                    json.load(r)
                    ok = r.status == 200
            except OSError as exc:
                ok = False
                print(f"failed: {q!r}: {exc}", file=sys.stderr)
            took = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(took)
                errors += not ok

    threads = [threading.Thread(target=client, args=(n * 37,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--seconds", type=float, default=20.0, help="per run")
    args = ap.parse_args()
    queries = [q for _, q in make_queries(SearchIndex(args.index))]
    port = free_port()
    LOG.parent.mkdir(parents=True, exist_ok=True)
    proc = start(args.index, port)
    base = f"http://127.0.0.1:{port}"
    try:
        run(base, queries, 2, 5.0)  # warm the server: per-generation tables, caches
        rows = []
        for clients in (1, 8):
            lat, errors = run(base, queries, clients, args.seconds)
            rows.append([clients, len(lat), errors, len(lat) / args.seconds, median(lat),
                         percentile(lat, 95)])
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(f"/api/search, {len(queries)}-query mix, {machine()}, waitress 8 threads")
    print_table(["clients", "requests", "errors", "req/s", "p50 ms", "p95 ms"], rows)


if __name__ == "__main__":
    main()
