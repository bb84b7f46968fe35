"""Reindex benchmarks: full build, no-change and one-note reindex, freshness, index size.

    python benchmarks/reindex.py              # the pyvideo corpus (21.7k talk records)
    python benchmarks/reindex.py --100k       # and the generated 100k corpus (make_100k.py)
    python benchmarks/reindex.py --runs 5 --full-runs 3

The corpus is mirrored into benchmarks/.cache/reindex/ as hard links (no copy, and the
shared corpus is never written: a changed note is a new file renamed over its link).
Times are medians over --runs runs (--full-runs for the slow full build).  "CLI" rows
are the wall time of `eventsearch reindex` as cron runs it, Python start-up included;
the others are measured inside one process.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from _common import CACHE, CORPORA, PROJECT, machine, median, print_table, require_shared

from eventsearch.backends.whoosh.storage import current_generation
from eventsearch.backends.whoosh.update import update_index
from eventsearch.model import SearchQuery
from eventsearch.search import SearchIndex

EVENTSEARCH = [sys.executable, "-m", "eventsearch"]
ENV = {**os.environ, "PYTHONPATH": str(PROJECT / "src")}


def mirror(source: Path, target: Path) -> None:
    """target/ holds a hard link (or, across file systems, a copy) of every file."""
    if target.exists():
        shutil.rmtree(target)
    for folder, _dirs, files in os.walk(source):
        out = target / Path(folder).relative_to(source)
        out.mkdir(parents=True, exist_ok=True)
        for name in files:
            try:
                os.link(Path(folder, name), out / name)
            except OSError:
                shutil.copy2(Path(folder, name), out / name)


def change_note(path: Path, n: int) -> str:
    """Give the talk record a new title without writing through the hard link."""
    data = json.loads(path.read_text(encoding="utf-8"))
    title = f"Benchmark edit {n} {time.time_ns()}"
    data["title"] = title
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, path)
    return title


def cli_reindex(index_dir: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run([*EVENTSEARCH, "reindex", "--index", str(index_dir)], env=ENV,
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"reindex failed ({done.returncode}): {done.stderr}")
    return elapsed


def tree_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def measure(name: str, source: Path, runs: int, full_runs: int) -> dict[str, object]:
    work = CACHE / "reindex" / name
    corpus, index_dir = work / "corpus", work / "index"
    print(f"[{name}] mirroring {source} ...", file=sys.stderr)
    mirror(source, corpus)
    shutil.rmtree(index_dir, ignore_errors=True)
    row: dict[str, object] = {}

    builds = []
    for n in range(full_runs):
        print(f"[{name}] full build {n + 1}/{full_runs} ...", file=sys.stderr)
        report = update_index([corpus], index_dir, full=True)
        builds.append(report)
    took = median([r.took_s for r in builds])
    row["notes"] = builds[-1].notes
    row["full build, s"] = took
    row["full build, notes/s"] = builds[-1].notes / took
    for phase in ("scan", "read+add", "commit"):
        row[f"  of which {phase}, s"] = median([r.timings.get(phase, 0.0) for r in builds])
    update_index(None, index_dir)  # settle: confirms recently modified files once

    print(f"[{name}] no-change reindex ...", file=sys.stderr)
    reports = [update_index(None, index_dir) for _ in range(runs)]
    assert not any(r.committed for r in reports)
    row["no-change reindex, s"] = median([r.took_s for r in reports])
    row["no-change reindex (CLI), s"] = median([cli_reindex(index_dir) for _ in range(runs)])

    keys = sorted(p for p in corpus.rglob("*.json") if p.name != "category.json")
    victims = [keys[len(keys) * (n + 1) // (3 * runs + 1)] for n in range(3 * runs)]
    print(f"[{name}] one-note reindex ...", file=sys.stderr)
    one = []
    for n in range(runs):
        change_note(victims[n], n)
        one.append(update_index(None, index_dir))
    assert all(r.updated == 1 and r.committed for r in one)
    row["1-note reindex, s"] = median([r.took_s for r in one])
    cli_times = []
    for n in range(runs, 2 * runs):
        change_note(victims[n], n)
        cli_times.append(cli_reindex(index_dir))
    row["1-note reindex (CLI), s"] = median(cli_times)

    print(f"[{name}] freshness of a running SearchIndex ...", file=sys.stderr)
    index = SearchIndex(index_dir)
    query = SearchQuery(q="python web")
    index.search(query)
    seen, refresh, first_search = [], [], []
    for n in range(2 * runs, 3 * runs):
        path = victims[n]
        key = path.relative_to(corpus).as_posix()
        saved = time.perf_counter()
        title = change_note(path, n)
        cli_reindex(index_dir)
        committed = time.perf_counter()
        while index.get_note(key).title != title:
            time.sleep(0.001)
        visible = time.perf_counter()
        index.search(query)
        searched = time.perf_counter()
        seen.append(visible - saved)
        refresh.append(visible - committed)
        first_search.append(searched - visible)
    row["save -> visible in SearchIndex, s"] = median(seen)
    row["  of which refresh after commit, s"] = median(refresh)
    row["  first search after it, s"] = median(first_search)
    index.close()

    gen = current_generation(index_dir)
    assert gen is not None
    segments = sum(1 for p in gen.iterdir() if p.suffix == ".seg")
    row["segments after the edits"] = segments
    index_size, raw = tree_bytes(gen), tree_bytes(corpus)
    row["index on disk, MB"] = index_size / 1e6
    row["raw corpus files, MB"] = raw / 1e6
    row["index / raw"] = index_size / raw
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--100k", dest="big", action="store_true",
                        help="also measure benchmarks/.cache/corpus-100k (make_100k.py)")
    parser.add_argument("--runs", type=int, default=3, help="runs per cheap measurement")
    parser.add_argument("--full-runs", type=int, default=1, help="runs of the full build")
    args = parser.parse_args()
    require_shared()
    corpora = {"pyvideo": CORPORA / "pyvideo"}
    if args.big:
        big = CACHE / "corpus-100k"
        if not (big / ".complete").exists():
            raise SystemExit(f"{big} is missing: run python benchmarks/make_100k.py first")
        corpora["100k"] = big
    rows = {name: measure(name, source, args.runs, args.full_runs)
            for name, source in corpora.items()}
    print(f"\nReindex benchmark, {machine()}, Python {sys.version.split()[0]}, medians of "
          f"{args.runs} runs ({args.full_runs} for full builds)\n")
    measures = list(next(iter(rows.values())))
    print_table(["measure", *rows], [[m, *(rows[c][m] for c in rows)] for m in measures])


if __name__ == "__main__":
    main()
