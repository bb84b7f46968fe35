"""What durable commits and checksums cost: builds and reindexes with and without fsync,
and the checksum check a reindex runs.

    python benchmarks/durability.py                 # corpus/ and ../shared/corpora/real-notes
    python benchmarks/durability.py --index DIR     # also the check on an existing index
    python benchmarks/durability.py --runs 5

Times are medians over --runs runs, in one process.  "no fsync" sets
``eventsearch.backends.whoosh.storage.FSYNC = False``, which only a benchmark should do.  The cold
check first asks the kernel to drop the index files from the page cache
(posix_fadvise DONTNEED, these files only).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from _common import CORPORA, PROJECT, machine, median, print_table

from eventsearch.backends.whoosh import storage
from eventsearch.backends.whoosh.build import build_index
from eventsearch.backends.whoosh.integrity import check
from eventsearch.backends.whoosh.storage import current_generation
from eventsearch.backends.whoosh.update import update_index


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


Times = tuple[list[float], list[float]]  # full builds, 1-note reindexes


def build_and_edit(corpus: Path, work: Path, runs: int) -> dict[bool, Times]:
    """fsync on/off -> (full build times, 1-note reindex times) of a copy of `corpus`,
    the two modes alternating so that a change in the machine's load hits both."""
    notes = work / "notes"
    if notes.exists():
        shutil.rmtree(notes)
    shutil.copytree(corpus, notes)
    times: dict[bool, Times] = {True: ([], []), False: ([], [])}
    for n in range(runs):
        for fsync in (True, False) if n % 2 == 0 else (False, True):
            storage.FSYNC = fsync
            index_dir = work / f"ix-{n}-{fsync}"
            times[fsync][0].append(timed(lambda d=index_dir: build_index([notes], d)))
            note = notes / f"durability-{n}-{fsync}.md"
            note.write_text(f"---\ntitle: Durability {n}\ndate: 2024-01-01\n---\nEdit.\n",
                            encoding="utf-8")
            times[fsync][1].append(timed(lambda d=index_dir: update_index(None, d)))
            shutil.rmtree(index_dir)
    storage.FSYNC = True
    return times


def drop_cache(gen: Path) -> None:
    for path in gen.iterdir():
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--index", type=Path, help="an index to time the checksum check on")
    args = parser.parse_args()
    corpora = [("corpus/", PROJECT / "corpus")]
    if (CORPORA / "real-notes").is_dir():
        corpora.append(("shared real-notes", CORPORA / "real-notes"))
    rows = []
    with tempfile.TemporaryDirectory(dir=PROJECT / "benchmarks") as tmp:
        for label, corpus in corpora:
            for fsync, (builds, edits) in build_and_edit(corpus, Path(tmp), args.runs).items():
                rows.append([label, "fsync" if fsync else "no fsync",
                             median(builds), median(edits)])
    print(f"# {machine()}, {args.runs} runs, median seconds")
    print_table(["corpus", "mode", "full build", "1-note reindex"], rows)
    if args.index:
        gen = current_generation(args.index)
        if gen is None:
            sys.exit(f"no index at {args.index}")
        size = sum(p.stat().st_size for p in gen.iterdir() if p.is_file()) / 2**20
        warm = median([timed(lambda: check(gen)) for _ in range(args.runs)])
        cold = []
        for _ in range(args.runs):
            drop_cache(gen)
            cold.append(timed(lambda: check(gen)))
        sizes = median([timed(lambda: check(gen, content=False)) for _ in range(args.runs)])
        print()
        print_table(["checksum check", f"{size:.0f} MB index"],
                    [["sizes only (healthz)", sizes], ["CRC-32, cached", warm],
                     ["CRC-32, cold", median(cold)]])


if __name__ == "__main__":
    main()
