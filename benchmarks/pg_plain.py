"""Plain PostgreSQL full-text search over the notes: the baseline our PostgreSQL backend
is measured against, on the same server, notes and queries in the same run.

What a PostgreSQL user would write without an engine around it: one table, loaded with
COPY, a `simple`-config tsvector (title weight A, body weight D) with a GIN index, and
one SQL statement per search that returns JSON: websearch_to_tsquery, ts_rank top 10,
ts_headline snippets for those 10, and tag / speaker / year / lang counts over ALL
matches (a materialized CTE of the matches, facets by unnest).  Two layouts:

    plain   stock storage: the tsvector, title, tags and speakers EXTENDED (pglz,
            moved to TOAST when the row is large); facets by unnest in a LATERAL join
    inline  the layout change the issue measured as better: the tsvector compressed
            with lz4 and kept in the row (STORAGE MAIN), title / tags / speakers MAIN
            too, facets by a set-returning unnest in the SELECT list

Both are loaded and timed in one run, the queries taking turns between them.

    python benchmarks/pg_plain.py                           # ../shared/corpora, own cluster
    python benchmarks/pg_plain.py benchmarks/.cache/corpus-100k
    python benchmarks/pg_plain.py DIR --database-url postgresql://... --queries 500

Without --database-url a throwaway cluster is started in a temp dir (see _pg.py;
fsync off) and deleted at the end.  The tables are dropped and re-created on each run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import psycopg
from _common import CORPORA, machine, median, percentile, print_table, require_shared
from _pg import query_set, read_notes, start_cluster

from eventsearch.model import Note

LAYOUTS = ("plain", "inline")
TOP = 10  # hits per page, each with a snippet
FACET_VALUES = 10  # values listed per facet (counted over all matches)
HEADLINE = "StartSel=<mark>, StopSel=</mark>, MaxWords=35, MinWords=15, MaxFragments=2"


def table(layout: str) -> str:
    """The table a layout is loaded into (both live side by side)."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; one of {LAYOUTS}")
    return f"notes_{layout}"


def _ddl(layout: str) -> list[str]:
    t = table(layout)
    vec = ("setweight(to_tsvector('simple', title), 'A') || "
           "setweight(to_tsvector('simple', body), 'D')")
    out = [f"DROP TABLE IF EXISTS {t}",
           f"""CREATE TABLE {t} (
                 id int PRIMARY KEY, path text NOT NULL, title text NOT NULL,
                 body text NOT NULL, tags text[] NOT NULL, speakers text[] NOT NULL,
                 year int, lang text NOT NULL,
                 vec tsvector GENERATED ALWAYS AS ({vec}) STORED)"""]
    if layout == "inline":  # before the load: storage settings apply to rows written later
        out += [f"ALTER TABLE {t} ALTER COLUMN vec SET COMPRESSION lz4",
                f"ALTER TABLE {t} ALTER COLUMN vec SET STORAGE MAIN"]
        out += [f"ALTER TABLE {t} ALTER COLUMN {c} SET STORAGE MAIN"
                for c in ("title", "tags", "speakers")]
    return out


def _clean(text: str) -> str:
    return text.replace("\x00", "")  # PostgreSQL text cannot hold NUL


def rows(notes: Iterable[Note]) -> Iterable[tuple[Any, ...]]:
    """COPY rows: (id, path, title, body, tags, speakers, year, lang)."""
    for n, note in enumerate(notes, 1):
        yield (n, _clean(note.path), _clean(note.title), _clean(note.text),
               [_clean(t) for t in note.tags], [_clean(s) for s in note.speakers],
               note.date.year if note.date else None, note.lang)


def load(conn: psycopg.Connection[Any], notes: Sequence[Note],
         layout: str = "plain") -> dict[str, float]:
    """(Re)create the layout's table, COPY the notes in, build the GIN index, ANALYZE.

    Returns seconds per step ("copy", "index", "analyze", "total"); the tsvector is a
    generated column, so its cost is inside "copy"."""
    t = table(layout)
    times: dict[str, float] = {}
    started = time.perf_counter()
    with conn.transaction(), conn.cursor() as cur:
        for statement in _ddl(layout):
            cur.execute(statement)
        with cur.copy(f"COPY {t} (id, path, title, body, tags, speakers, year, lang) "
                      "FROM STDIN") as copy:
            for row in rows(notes):
                copy.write_row(row)
        times["copy"] = time.perf_counter() - started
        mark = time.perf_counter()
        cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cur.execute(f"CREATE INDEX {t}_vec ON {t} USING gin (vec)")
        times["index"] = time.perf_counter() - mark
    mark = time.perf_counter()
    conn.execute(f"VACUUM ANALYZE {t}")  # visibility map too: as a table that has settled
    times["analyze"] = time.perf_counter() - mark
    times["total"] = time.perf_counter() - started
    return times


def sizes(conn: psycopg.Connection[Any], layout: str = "plain") -> dict[str, int]:
    """Bytes on disk: heap, TOAST, GIN index, everything."""
    t = table(layout)
    row = conn.execute(
        "SELECT pg_relation_size(c.oid), coalesce(pg_total_relation_size(c.reltoastrelid), 0),"
        " pg_relation_size(%s::regclass), pg_total_relation_size(c.oid)"
        " FROM pg_class c WHERE c.oid = %s::regclass", (f"{t}_vec", t)).fetchone()
    assert row is not None
    return dict(zip(("heap", "toast", "gin", "total"), row, strict=True))


def search_sql(layout: str = "plain") -> str:
    """The one statement a search is: matches, top 10 with snippets, facets, as JSON."""
    t = table(layout)
    if layout == "inline":  # set-returning unnest in the SELECT list (a ProjectSet)
        def facet(col: str) -> str:
            return (f"SELECT v, count(*) AS c FROM (SELECT unnest({col}) AS v FROM m) u "
                    f"GROUP BY v ORDER BY c DESC, v LIMIT {FACET_VALUES}")
    else:  # unnest as a LATERAL join, the form most examples show
        def facet(col: str) -> str:
            return (f"SELECT v, count(*) AS c FROM m CROSS JOIN LATERAL unnest(m.{col}) AS u(v) "
                    f"GROUP BY v ORDER BY c DESC, v LIMIT {FACET_VALUES}")

    def scalar(col: str) -> str:
        return (f"SELECT {col} AS v, count(*) AS c FROM m WHERE {col} IS NOT NULL "
                f"GROUP BY {col} ORDER BY c DESC, v LIMIT {FACET_VALUES}")

    facets = {"tag": facet("tags"), "speaker": facet("speakers"), "year": scalar("year"),
              "lang": scalar("lang")}
    facet_json = ", ".join(
        f"'{name}', (SELECT coalesce(json_agg(json_build_array(f.v, f.c) ORDER BY f.c DESC, "
        f"f.v), '[]'::json) FROM ({sql}) f)" for name, sql in facets.items())
    return f"""
WITH q AS (SELECT websearch_to_tsquery('simple', %(q)s) AS q),
m AS MATERIALIZED (
    SELECT n.id, n.tags, n.speakers, n.year, n.lang, ts_rank(n.vec, q.q) AS rank
    FROM {t} n, q WHERE n.vec @@ q.q),
top AS (SELECT id, rank FROM m ORDER BY rank DESC, id LIMIT {TOP}),
hits AS (
    SELECT top.id, top.rank, n.path, n.title,
           ts_headline('simple', n.body, q.q, '{HEADLINE}') AS snippet
    FROM top JOIN {t} n USING (id), q)
SELECT json_build_object(
    'total', (SELECT count(*) FROM m),
    'hits', (SELECT coalesce(json_agg(json_build_object('path', h.path, 'title', h.title,
             'score', h.rank, 'snippet', h.snippet) ORDER BY h.rank DESC, h.id), '[]'::json)
             FROM hits h),
    'facets', json_build_object({facet_json}))"""


_SQL: dict[str, str] = {}


def search(conn: psycopg.Connection[Any], q: str, layout: str = "plain") -> dict[str, Any]:
    """One search in one round trip: {"total", "hits": [{path, title, score, snippet}],
    "facets": {tag|speaker|year|lang: [[value, count], ...]}}."""
    sql = _SQL.get(layout) or _SQL.setdefault(layout, search_sql(layout))
    row = conn.execute(sql, {"q": q}, prepare=True).fetchone()
    assert row is not None
    result: dict[str, Any] = row[0]
    return result


# -- the benchmark --------------------------------------------------------------------------

def time_queries(conn: psycopg.Connection[Any], queries: Sequence[tuple[str, str]],
                 n: int, layouts: Sequence[str] = LAYOUTS
                 ) -> dict[str, dict[str, list[float]]]:
    """ms per query per layout and kind, for n queries cycling through the set.

    One untimed pass over the whole set first (plans prepared, pages in shared
    buffers: a server that has been up a while); then the layouts take turns query by
    query, in alternating order, so that drift hits both alike."""
    for layout in layouts:
        for _kind, q in queries:
            search(conn, q, layout)
    times: dict[str, dict[str, list[float]]] = {name: defaultdict(list) for name in layouts}
    for i in range(n):
        kind, q = queries[i % len(queries)]
        for layout in (layouts if i % 2 else list(reversed(layouts))):
            started = time.perf_counter()
            search(conn, q, layout)
            ms = (time.perf_counter() - started) * 1000
            times[layout][kind].append(ms)
            times[layout]["all"].append(ms)
    return times


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpora", nargs="*", type=Path, default=[CORPORA],
                    help="corpus folders (default: all of ../shared/corpora)")
    ap.add_argument("--database-url", help="an existing server (default: a throwaway one)")
    ap.add_argument("--queries", type=int, default=0,
                    help="timed queries, cycling through the set (default: one pass)")
    ap.add_argument("--show", action="store_true", help="print the query set")
    args = ap.parse_args()
    require_shared()
    notes, read_s, cached = read_notes(args.corpora)
    queries = query_set(notes)
    if args.show:
        for kind, q in queries:
            print(f"{kind:7} {q}")
    with tempfile.TemporaryDirectory(prefix="pgbench-") as tmp:
        url, stop = (args.database_url, None) if args.database_url else start_cluster(tmp)
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                run(conn, notes, queries, args, read_s, cached, url if stop is None else None)
        finally:
            if stop is not None:
                stop()


def run(conn: psycopg.Connection[Any], notes: Sequence[Note],
        queries: Sequence[tuple[str, str]], args: argparse.Namespace, read_s: float,
        cached: bool, url: str | None) -> None:
    """Load both layouts, time the query set on both, print the figures."""
    version = conn.execute("SHOW server_version").fetchone()
    jit = conn.execute("SHOW jit").fetchone()
    loads = {layout: load(conn, notes, layout) for layout in LAYOUTS}
    size = {layout: sizes(conn, layout) for layout in LAYOUTS}
    n = args.queries or len(queries)
    times = time_queries(conn, queries, n)
    where = url or "throwaway cluster (fsync off)"
    print(f"{len(notes)} notes from {', '.join(map(str, args.corpora))} "
          f"(read in {read_s:.0f} s{', cached' if cached else ''}); {machine()}; "
          f"PostgreSQL {version[0] if version else '?'} at {where}, jit {jit[0] if jit else '?'}")
    print(f"{n} timed queries over a set of {len(queries)} "
          f"({', '.join(f'{k} {sum(1 for q in queries if q[0] == k)}' for k in dict(queries))}), "
          f"after one untimed pass\n")
    print_table(["layout", "copy s", "index s", "analyze s", "total s", "notes/s",
                 "heap MB", "toast MB", "gin MB", "total MB"],
                [[layout, t["copy"], t["index"], t["analyze"], t["total"],
                  f"{len(notes) / t['total']:.0f}", *(_mb(size[layout][k])
                                                     for k in ("heap", "toast", "gin", "total"))]
                 for layout, t in loads.items()])
    print()
    kinds = ["all", *dict.fromkeys(k for k, _ in queries)]
    print_table(["layout", "kind", "n", "p50 ms", "p95 ms", "max ms"],
                [[layout, kind, len(t[kind]), median(t[kind]), percentile(t[kind], 95),
                  max(t[kind])] for layout, t in times.items() for kind in kinds])
    a, b = times["inline"]["all"], times["plain"]["all"]
    print(f"\ninline/plain: p50 {median(a) / median(b):.3f}, "
          f"p95 {percentile(a, 95) / percentile(b, 95):.3f}")


if __name__ == "__main__":
    main()
