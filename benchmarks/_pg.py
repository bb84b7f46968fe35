"""PostgreSQL helpers for the benchmarks: a throwaway cluster, the notes, the query set.

Benchmarks that compare our PostgreSQL backend with plain PostgreSQL full-text search
must run both on the same server, the same notes and the same queries; everything they
share lives here so that the two sides cannot drift apart.

The throwaway cluster is tuned for benchmarking, not for keeping data: fsync,
synchronous_commit and full_page_writes are off (a crash loses the cluster, which is
deleted at the end anyway).  Everything else is stock PostgreSQL 15 except
shared_buffers (256 MB instead of 128 MB) and maintenance_work_mem (512 MB, so a GIN
index is built in one pass).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import random
import re
import shutil
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from _common import CACHE, SHARED

from eventsearch.model import Note
from eventsearch.readers.scan import scan_corpus, set_aside

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
EVAL = SHARED / "eval"
SEED = 20270115
NOTES_VERSION = 1  # bump when the cached notes' shape changes
SETTINGS = {
    "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
    "shared_buffers": "256MB", "maintenance_work_mem": "512MB", "max_wal_size": "4GB",
    "listen_addresses": "'127.0.0.1'",
}


# -- the cluster --------------------------------------------------------------------------

def _as_postgres(args: Sequence[str]) -> list[str]:
    """initdb and pg_ctl refuse to run as root: run them as the `postgres` user then."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_cluster(tmpdir: Path | str) -> tuple[str, Callable[[], None]]:
    """Start a throwaway cluster in tmpdir on a free local port: (URL, stop function).

    The stop function shuts the server down and deletes its data directory; tmpdir
    itself stays (the caller made it)."""
    tmp = Path(tmpdir)
    data = tmp / "pgdata"
    if os.geteuid() == 0:  # the postgres user must own the data dir and reach tmpdir
        shutil.chown(tmp, "postgres")
    port = free_port()
    subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust",
                                 "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8"]),
                   check=True, capture_output=True)
    conf = {**SETTINGS, "port": str(port), "unix_socket_directories": f"'{tmp}'"}
    with open(data / "postgresql.conf", "a") as f:
        f.write("\n# eventsearch benchmark: a throwaway cluster, durability off\n")
        f.writelines(f"{k} = {v}\n" for k, v in conf.items())
    subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-l",
                                 str(tmp / "server.log"), "-w", "start"]),
                   check=True, capture_output=True)

    def stop() -> None:
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast",
                                     "-w", "stop"]), check=False, capture_output=True)
        shutil.rmtree(data, ignore_errors=True)

    return f"postgresql://postgres@127.0.0.1:{port}/postgres", stop


# -- the notes ----------------------------------------------------------------------------

def read_notes(roots: Sequence[Path], workers: int = 0) -> tuple[list[Note], float, bool]:
    """(notes, seconds, cached): the corpus read with eventsearch's own readers.

    Reading (and language detection) costs minutes at 100k notes and is the same for
    every database setup, so the notes are pickled under benchmarks/.cache, keyed by the
    files' paths, sizes and mtimes; the load figures never include it."""
    from eventsearch.readers.load import load_notes  # the readers' parallel driver

    started = time.perf_counter()
    files, _aside = set_aside(scan_corpus([Path(r) for r in roots]))
    digest = hashlib.sha1(f"{NOTES_VERSION}|{[str(Path(r).resolve()) for r in roots]}".encode())
    for key, (_path, mtime, size) in files.items():
        digest.update(f"{key}\0{mtime}\0{size}\n".encode())
    cache = CACHE / f"notes-{digest.hexdigest()[:12]}.pickle"
    if cache.exists():
        with open(cache, "rb") as f:
            return pickle.load(f), time.perf_counter() - started, True
    notes = [note for _key, note, _reason in load_notes(files, list(files), workers)
             if note is not None]
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = cache.with_suffix(".partial")
    with open(partial, "wb") as f:
        pickle.dump(notes, f, protocol=pickle.HIGHEST_PROTOCOL)
    partial.rename(cache)
    return notes, time.perf_counter() - started, False


# -- the query set --------------------------------------------------------------------------

WORD = re.compile(r"[^\W\d_]{2,}")


def eval_queries(eval_dir: Path = EVAL) -> list[str]:
    """The known-item queries of ../shared/eval (their `query` fields, file order)."""
    out = []
    for path in sorted(eval_dir.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line)["query"])
    return out


def body_words(notes: Iterable[Note]) -> list[tuple[str, int]]:
    """(lower-case word, notes containing it), most frequent first, ties by word."""
    df: Counter[str] = Counter()
    for note in notes:
        df.update(set(WORD.findall(note.text.lower())))
    return sorted(df.items(), key=lambda wd: (-wd[1], wd[0]))


def query_set(notes: Iterable[Note], eval_dir: Path = EVAL, common: int = 20,
              pairs: int = 20, seed: int = SEED) -> list[tuple[str, str]]:
    """(kind, query) pairs every PostgreSQL benchmark times, ours and the baseline alike.

    kinds: "eval" - the known-item queries (what users type, 2-5 words);
    "common" - the `common` words found in most bodies, one per query (many matches:
    the worst case for ranking and facet counting over all matches);
    "or" - `pairs` two-word OR queries, a common word (top 200) OR a mid-frequency one
    (ranks 200-5000), drawn with a fixed seed.  The OR is written `a OR b`, which both
    websearch_to_tsquery and our own query language read as a disjunction."""
    words = [w for w, _df in body_words(notes) if w not in ("or", "and", "not")]
    rng = random.Random(seed)
    out = [("eval", q) for q in eval_queries(eval_dir)]
    out += [("common", w) for w in words[:common]]
    for _ in range(pairs):
        out.append(("or", f"{rng.choice(words[:200])} OR {rng.choice(words[200:5000])}"))
    return out
