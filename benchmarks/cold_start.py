"""Cold start: process start to first answer from the command line, against bare Whoosh.

Each row is a fresh process, timed from spawn to exit (the answer is the whole output):

* ``python -c pass`` -- the interpreter alone, the floor;
* ``python -c "import eventsearch.cli"`` -- importing the CLI;
* ``eventsearch search QUERY --index IDX --json`` -- the real thing, for several queries:
  ranking, facet counts over all matches, snippets, JSON;
* bare Whoosh, one shot: import Whoosh, open the same index, parse QUERY with a stock
  QueryParser over the body field, print the top 10 paths.  No facets, no snippets.

Our package's bytecode is compiled first, as ``pip install .`` does at install time: an
editable checkout under PYTHONDONTWRITEBYTECODE=1 would otherwise compile every module
from source in every process (~30 ms of each run).

It needs an existing index (built beforehand, never by this script):

    eventsearch index ../shared/corpora/pyvideo --index /tmp/ixpv
    python benchmarks/cold_start.py --index /tmp/ixpv
"""

from __future__ import annotations

import argparse
import compileall
import subprocess
import sys
import time
from pathlib import Path

from _common import machine, median, percentile, print_table

import eventsearch
from eventsearch.backends.whoosh.storage import current_generation

QUERIES = ["kubernetes", "python", "machine learning", "django rest framework", "pyton"]

BARE = """
import sys
from whoosh import index
from whoosh.qparser import QueryParser
ix = index.open_dir(sys.argv[1])
with ix.searcher() as searcher:
    query = QueryParser("body", ix.schema).parse(sys.argv[2])
    for hit in searcher.search(query, limit=10):
        print(hit["path"])
"""


def timed(cmd: list[str], runs: int) -> list[float]:
    """Milliseconds from spawn to exit, each run a fresh process."""
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        out.append((time.perf_counter() - started) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--runs", type=int, default=15, help="Runs per row (default 15).")
    args = ap.parse_args()
    gen = current_generation(args.index)
    if gen is None:
        raise SystemExit(f"No index at {args.index}; build one with `eventsearch index`.")
    py = sys.executable
    compileall.compile_dir(Path(eventsearch.__file__).parent, quiet=1)
    rows: dict[str, list[float]] = {}
    rows["python -c pass"] = timed([py, "-c", "pass"], args.runs)
    rows["import eventsearch.cli"] = timed([py, "-c", "import eventsearch.cli"], args.runs)
    ours: list[float] = []
    bare: list[float] = []
    for q in QUERIES:  # taking turns, so drift hits both alike
        for _ in range(max(1, args.runs // len(QUERIES))):
            ours += timed([py, "-m", "eventsearch", "search", q, "--index", str(args.index),
                           "--json"], 1)
            bare += timed([py, "-c", BARE, str(gen), q], 1)
    rows["eventsearch search --json"] = ours
    rows["bare Whoosh one-shot search"] = bare
    print(f"Cold start on {args.index} ({len(QUERIES)} queries: {', '.join(QUERIES)}); "
          f"{machine()}; process spawn to exit")
    print_table(["what", "runs", "median ms", "min ms", "p90 ms"],
                [[name, len(v), median(v), min(v), percentile(v, 90)]
                 for name, v in rows.items()])
    print(f"eventsearch / bare Whoosh: {median(ours) / median(bare):.2f}x the time")


if __name__ == "__main__":
    main()
