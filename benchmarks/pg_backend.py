"""Our PostgreSQL backend against plain PostgreSQL full-text search and our Whoosh
backend: indexing rate, full-search latency and same-top-10 share, in one run.

    python benchmarks/pg_backend.py                          # all of ../shared/corpora
    python benchmarks/pg_backend.py benchmarks/.cache/corpus-100k --no-whoosh
    python benchmarks/pg_backend.py --database-url postgresql://u:p@host/db

All three answer the same query set (`_pg.query_set`: the known-item queries, the
most common body words, two-word ORs), one client, warm (one untimed pass first), and
take turns query by query.  A "full search" is what the web UI asks: the top 10 with
snippets and facet counts over all matches.  Our Whoosh backend's cache of recent
results is off, so repeated queries are computed again.  The throwaway cluster runs
with fsync off (see _pg.py).  The plain-FTS table is filled from our es_notes in the
same database (the same notes, read once); its common-word queries come from the
bodies (a ~100k sample past 100k notes).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from _common import CACHE, CORPORA, machine, print_table, require_shared
from _pg import query_set, start_cluster
from pg_plain import _ddl, table
from pg_plain import search as plain_search

from eventsearch.backends import open_backend
from eventsearch.config import Settings
from eventsearch.model import SearchQuery
from eventsearch.search import SearchIndex


def _database(admin_url: str, name: str) -> str:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return admin_url.rsplit("/", 1)[0] + "/" + name


def plain_from_ours(conn: psycopg.Connection) -> int:
    """The plain-FTS table (pg_plain's inline layout: lz4 tsvector stored inline, GIN)
    filled from our es_notes in the same database: the same notes as our readers made
    them, without reading a million files twice."""
    t = table("inline")
    with conn.transaction():
        for statement in _ddl("inline"):
            conn.execute(statement)
        conn.execute(f"INSERT INTO {t} (id, path, title, body, tags, speakers, year, lang) "
                     "SELECT doc, path, title, body, tags, speakers, "
                     "extract(year FROM day)::int, lang FROM es_notes")
        conn.execute("SET LOCAL maintenance_work_mem = '512MB'")
        conn.execute(f"CREATE INDEX {t}_vec ON {t} USING gin (vec)")
    conn.execute(f"VACUUM ANALYZE {t}")
    return int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0])  # type: ignore[index]


class _Body:
    def __init__(self, text: str) -> None:
        self.text = text


def _sample_bodies(conn: psycopg.Connection, notes: int) -> list[_Body]:
    """Bodies for the query set's common words: every note up to 100k, else a sample
    of about 100k (every k-th note), which ranks the common words the same."""
    step = max(1, notes // 100_000)
    return [_Body(b) for (b,) in conn.execute(
        "SELECT body FROM es_notes WHERE doc %% %s = 0 ORDER BY doc", (step,))]


def _stats(ms: list[float]) -> list[float]:
    ms = sorted(ms)
    return [statistics.median(ms), ms[int(0.95 * (len(ms) - 1))], ms[-1]]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpora", nargs="*", type=Path, default=[CORPORA])
    ap.add_argument("--database-url", help="an existing server's admin URL (default: a "
                    "throwaway cluster)")
    ap.add_argument("--no-whoosh", action="store_true", help="skip the Whoosh backend")
    ap.add_argument("--workers", type=int, default=0)
    args = ap.parse_args()
    if args.corpora == [CORPORA]:
        require_shared()
    with tempfile.TemporaryDirectory(prefix="pgbackend-") as tmp:
        admin, stop = (args.database_url, None) if args.database_url else start_cluster(tmp)
        try:
            run(args, admin)
        finally:
            if stop is not None:
                stop()


def run(args: argparse.Namespace, admin: str) -> None:
    ours_url = _database(admin, "es_ours")
    backend = open_backend(Settings(backend="postgresql", database_url=ours_url))
    started = time.perf_counter()
    report = backend.build(args.corpora, workers=args.workers)
    build_s = time.perf_counter() - started
    print(f"our PostgreSQL backend: {report.notes} notes in {build_s:.1f} s = "
          f"{report.notes / build_s:.0f} notes/s "
          f"({', '.join(f'{k} {v:.1f} s' for k, v in report.timings.items())})", flush=True)
    setups = {"ours (postgresql)": SearchIndex(Path("unused"), backend=backend)}
    if not args.no_whoosh:
        from eventsearch.backends.whoosh import searcher as whoosh_searcher

        whoosh_searcher.RESULT_CACHE = 0
        ix = CACHE / ("pgbench-whoosh-" + "-".join(p.name for p in args.corpora))
        whoosh = open_backend(Settings(index_dir=ix))
        started = time.perf_counter()
        wreport = whoosh.update(args.corpora, workers=args.workers)
        print(f"our Whoosh backend: {wreport.notes} notes, "
              f"{'built' if wreport.full else 'up to date'} in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        setups["ours (whoosh)"] = SearchIndex(ix, backend=whoosh)
    conn = psycopg.connect(ours_url, autocommit=True)
    started = time.perf_counter()
    notes = plain_from_ours(conn)
    print(f"plain PostgreSQL FTS (inline lz4 layout): {notes} notes loaded from our "
          f"es_notes in {time.perf_counter() - started:.1f} s", flush=True)
    queries = query_set(_sample_bodies(conn, notes))

    def ours(index: SearchIndex, q: str) -> list[str]:
        return [h.path for h in index.search(SearchQuery(q=q, per_page=10)).hits]

    runners = {name: (lambda q, index=index: ours(index, q)) for name, index in setups.items()}
    runners["plain PostgreSQL FTS"] = lambda q: [h["path"] for h in
                                                 plain_search(conn, q, "inline")["hits"]]
    for run_query in runners.values():  # warm: plans, caches, shared buffers
        for _kind, q in queries:
            run_query(q)
    times: dict[str, dict[str, list[float]]] = {n: {} for n in runners}
    tops: dict[str, list[list[str]]] = {n: [] for n in runners}
    for i, (kind, q) in enumerate(queries):
        order = list(runners) if i % 2 else list(reversed(runners))
        for name in order:
            t0 = time.perf_counter()
            top = runners[name](q)
            ms = (time.perf_counter() - t0) * 1000
            times[name].setdefault(kind, []).append(ms)
            times[name].setdefault("all", []).append(ms)
            tops[name].append(top)
    print(f"\n{len(queries)} queries, one client, warm; {machine()}")
    base = times["plain PostgreSQL FTS"]["all"]
    rows = []
    for name, kinds in times.items():
        for kind in ("all", "eval", "common", "or"):
            if kind in kinds:
                p50, p95, worst = _stats(kinds[kind])
                ratio = p95 / _stats(base)[1] if kind == "all" else None
                rows.append([name, kind, len(kinds[kind]), p50, p95, worst,
                             f"{ratio:.2f}x" if ratio else ""])
    print_table(["setup", "queries", "n", "p50 ms", "p95 ms", "max ms", "p95 / plain"], rows)
    if "ours (whoosh)" in tops:
        same = sum(a == b for a, b in zip(tops["ours (postgresql)"], tops["ours (whoosh)"],
                                          strict=True))
        print(f"\nsame top 10 as the Whoosh backend: {same} of {len(queries)} queries")
    conn.close()
    sys.stdout.flush()



if __name__ == "__main__":
    main()
