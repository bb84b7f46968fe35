"""Full-build indexing: eventsearch's whole pipeline against a bare Whoosh writer.

Both run as child processes over the same folder, in the same invocation:

* eventsearch: ``eventsearch index FOLDER --index TMP --json`` -- read, parse, detect
  the language, analyse, write a segment per core, the search tables.
* bare Whoosh, 1 process (and ``--procs 2``: Whoosh's multi-process writer,
  ``multisegment=True``): every note file read as text (a pyvideo record as its title,
  description, speakers and tags), a stock schema (path, title and body with Whoosh's
  StemmingAnalyzer, stored; tags), ``add_document`` per file, one commit.  No parsing,
  no language detection, no second field per language, no facets.

Prints seconds (median of --runs), notes/s, peak RSS summed over the process tree
(sampled every 50 ms from /proc), the largest single process, the index size on disk
and its ratio to the raw size of the input files.

    python benchmarks/build.py                       # all of ../shared/corpora
    python benchmarks/build.py --corpus ../shared/corpora/pyvideo --runs 3
    python benchmarks/build.py --corpus benchmarks/.cache/corpus-100k --no-bare
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import CORPORA, machine, median, print_table, process_tree, require_shared, rss_mb

SUFFIXES = {".md", ".markdown", ".html", ".htm", ".rst", ".txt", ".srt", ".vtt", ".json"}


# -- measuring a child process ---------------------------------------------------------


def run_measured(cmd: list[str]) -> tuple[float, float, float, str]:
    """Wall seconds, peak RSS of the whole tree and of its largest process (MB), stdout."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL)
        tree_peak = one_peak = 0.0
        while proc.poll() is None:
            sizes = [rss_mb(pid) for pid in process_tree(proc.pid)]
            tree_peak = max(tree_peak, sum(sizes))
            one_peak = max(one_peak, max(sizes))
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        out.seek(0)
        text = out.read()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed with exit code {proc.returncode}")
    return seconds, tree_peak, one_peak, text


def dir_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def note_files(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
                  and p.name != "category.json")


# -- the bare Whoosh writer (runs in a child process) ---------------------------------


def bare_whoosh(corpus: Path, target: Path, procs: int) -> None:
    from whoosh import index
    from whoosh.analysis import StemmingAnalyzer
    from whoosh.fields import ID, KEYWORD, TEXT, Schema

    schema = Schema(path=ID(stored=True, unique=True),
                    title=TEXT(stored=True, analyzer=StemmingAnalyzer()),
                    body=TEXT(stored=True, analyzer=StemmingAnalyzer()),
                    tags=KEYWORD(commas=True))
    target.mkdir(parents=True, exist_ok=True)
    ix = index.create_in(str(target), schema)
    writer = ix.writer(procs=procs, multisegment=procs > 1, limitmb=128)
    notes = 0
    for path in note_files(corpus):
        text = path.read_text(encoding="utf-8", errors="replace")
        title, body, tags = path.stem, text, ""
        if path.suffix == ".json":
            try:
                record = json.loads(text)
            except ValueError:
                record = None
            if isinstance(record, dict):
                title = str(record.get("title") or path.stem)
                body = "\n".join([str(record.get("description") or ""),
                                  ", ".join(map(str, record.get("speakers") or []))])
                tags = ",".join(map(str, record.get("tags") or []))
        writer.add_document(path=str(path.relative_to(corpus)), title=title, body=body,
                            tags=tags)
        notes += 1
    writer.commit()
    print(json.dumps({"notes": notes}))


# -- the benchmark ---------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=CORPORA)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--workers", type=int, default=0, help="eventsearch workers (0: a core each)")
    ap.add_argument("--no-bare", action="store_true", help="Only eventsearch.")
    ap.add_argument("--bare-child", nargs=3, metavar=("CORPUS", "TARGET", "PROCS"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.bare_child:
        corpus, target, procs = args.bare_child
        bare_whoosh(Path(corpus), Path(target), int(procs))
        return
    if args.corpus == CORPORA:
        require_shared()
    corpus = args.corpus.resolve()
    files = note_files(corpus)
    raw_mb = sum(p.stat().st_size for p in files) / 1e6
    setups: dict[str, list[str]] = {
        "eventsearch": [sys.executable, "-m", "eventsearch", "index", str(corpus), "--index",
                        "{target}", "--json"] + (["--workers", str(args.workers)]
                                                 if args.workers else []),
    }
    if not args.no_bare:
        for procs in (1, 2):
            setups[f"bare Whoosh, {procs} process{'es' if procs > 1 else ''}"] = [
                sys.executable, __file__, "--bare-child", str(corpus), "{target}", str(procs)]
    results: dict[str, list[tuple[float, float, float, int, float]]] = {k: [] for k in setups}
    for _ in range(args.runs):
        for name, cmd in setups.items():
            with tempfile.TemporaryDirectory(prefix="build-bench-") as tmp:
                target = Path(tmp) / "ix"
                seconds, tree, one, out = run_measured([c.replace("{target}", str(target))
                                                        for c in cmd])
                notes = int(json.loads(out.strip().splitlines()[-1])["notes"])
                results[name].append((seconds, tree, one, notes, dir_mb(target)))
                shutil.rmtree(target, ignore_errors=True)
    print(f"Full build of {corpus} ({len(files)} note files, {raw_mb:.1f} MB); {machine()}; "
          f"median of {args.runs} run(s)")
    rows = []
    for name, runs in results.items():
        secs = median([r[0] for r in runs])
        notes = runs[0][3]
        index_mb = median([r[4] for r in runs])
        rows.append([name, notes, secs, notes / secs, max(r[1] for r in runs),
                     max(r[2] for r in runs), index_mb, f"{index_mb / raw_mb:.2f}x"])
    print_table(["setup", "notes", "seconds", "notes/s", "peak RSS tree MB",
                 "largest process MB", "index MB", "index/raw"], rows)
    if not args.no_bare:
        ours = median([r[0] for r in results["eventsearch"]])
        for name in list(results)[1:]:
            print(f"eventsearch / {name}: {ours / median([r[0] for r in results[name]]):.2f}x "
                  "the time")


if __name__ == "__main__":
    main()
