"""Scale-out over one database: requests/s of 1 vs 2 `eventsearch serve` processes
against the same PostgreSQL database, with the client threads split round-robin between
the servers (a stand-in for a load balancer).

    python benchmarks/pg_serve.py                         # ../shared/corpora/pyvideo
    python benchmarks/pg_serve.py PATH... --requests 1000 --clients 8
    python benchmarks/pg_serve.py --replica               # searches go to a streaming replica
    python benchmarks/pg_serve.py --database-url postgresql://postgres@host/postgres

It builds our PostgreSQL index through the CLI (`eventsearch index` with
EVENTSEARCH_BACKEND=postgresql), in a fresh database of a throwaway cluster (see _pg.py)
or of the server --database-url names (an admin URL: the script creates and drops its
own database there).  Each setup is warmed (the web UI's 30-query mix on every
connection, then untimed distinct queries), then timed over --requests distinct
queries, each sent once, so that no answer comes from a server's cache of recent
results.  The queries come from the corpus notes themselves (_pg.read_notes), not from
an index, so the mix is the same whatever backend the servers use.  The HTTP client is
web_load's; everything (database, servers, clients) shares this machine's cores.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import psycopg
from _common import CORPORA, median, percentile, print_table, process_tree, require_shared
from _pg import (
    PG_BIN,
    WORD,
    _as_postgres,
    body_words,
    eval_queries,
    free_port,
    read_notes,
    start_cluster,
)
from psycopg import sql
from web_load import MIX, run, server_memory_mb, start, url_for, warm_up

from eventsearch.model import Note

DATABASE = "es_serve"
SEED = 20270301
TICK = os.sysconf("SC_CLK_TCK")


# -- the database -------------------------------------------------------------------------

def create_database(admin_url: str, name: str = DATABASE) -> str:
    """A fresh, empty database next to admin_url's; its URL (same role and server)."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return admin_url.rsplit("/", 1)[0] + "/" + name


def drop_database(admin_url: str, name: str = DATABASE) -> None:
    """Leave an existing server as we found it (a throwaway cluster is deleted anyway)."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))


def start_replica(tmp: Path, primary_url: str) -> tuple[str, Callable[[], None]]:
    """A streaming hot standby of the throwaway cluster (pg_basebackup -R, as the
    `postgres` user when we are root, like tests/pgcluster.py): (its URL, stop)."""
    data = tmp / "replica"
    port = free_port()
    host_port = primary_url.split("@", 1)[1].split("/", 1)[0]
    primary_port = host_port.rsplit(":", 1)[1]
    subprocess.run(_as_postgres([
        str(PG_BIN / "pg_basebackup"), "-D", str(data), "-h", "127.0.0.1", "-p", primary_port,
        "-U", "postgres", "-R", "-X", "stream", "--checkpoint=fast", "--no-sync"]),
        check=True, capture_output=True, timeout=600)
    with open(data / "postgresql.conf", "a") as f:  # the copy has the primary's port
        f.write(f"\n# eventsearch benchmark: the replica\nport = {port}\nhot_standby = on\n")
    subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-l",
                                 str(tmp / "replica.log"), "-w", "start"]),
                   check=True, capture_output=True, timeout=120)

    def stop() -> None:
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast",
                                     "-w", "stop"]), check=False, capture_output=True)
        shutil.rmtree(data, ignore_errors=True)

    return f"postgresql://postgres@127.0.0.1:{port}/{DATABASE}", stop


def sessions(url: str) -> int:
    """Our servers' connections to one database server (application_name eventsearch):
    which of primary and replica the searches really went to."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity "
                           "WHERE application_name = 'eventsearch'").fetchone()
    return int(row[0]) if row else 0


# -- the queries --------------------------------------------------------------------------

def distinct_queries(notes: Sequence[Note], count: int, seed: int = SEED) -> list[str]:
    """`count` different /api/search URLs drawn from the notes' own words, shuffled.

    Kinds, in the spirit of query_latency's mix: a common word (top 200 by notes
    containing it), a mid-frequency word (ranks 200-5000), a rare word (in 2-5 notes),
    2-3 words, a two-word OR, a two-word phrase from a title, a prefix*, a typo (two
    letters swapped); plus the known-item queries of ../shared/eval."""
    ranked = [(w, df) for w, df in body_words(notes) if w not in ("or", "and", "not")]
    words = [w for w, _df in ranked]
    common, mid = words[:200], [w for w in words[200:5000] if len(w) >= 4]
    rare = [w for w, df in ranked if 2 <= df <= 5 and len(w) >= 4]
    titles = [t for t in (WORD.findall(note.title) for note in notes) if len(t) >= 2]
    rng = random.Random(seed)

    def one() -> str:
        kind = rng.randrange(8)
        if kind == 0:
            return rng.choice(common)
        if kind == 1:
            return rng.choice(mid)
        if kind == 2:
            return rng.choice(rare)
        if kind == 3:
            return " ".join(rng.sample(common + mid, rng.choice((2, 3))))
        if kind == 4:
            return f"{rng.choice(common)} OR {rng.choice(mid)}"
        if kind == 5:
            tokens = rng.choice(titles)
            i = rng.randrange(len(tokens) - 1)
            return f'"{tokens[i]} {tokens[i + 1]}"'
        if kind == 6:
            word = rng.choice(mid)
            return word[:rng.choice((3, 4, 5))] + "*"
        word = rng.choice([w for w in rng.sample(mid, 20) if len(w) >= 6] or ["python"])
        i = rng.randrange(1, len(word) - 1)
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]

    seen = set(eval_queries())
    out = list(seen)
    for _ in range(count * 20):
        if len(out) >= count:
            break
        q = one()
        if q not in seen:
            seen.add(q)
            out.append(q)
    if len(out) < count:
        raise SystemExit(f"only {len(out)} distinct queries from this corpus, not {count}")
    rng.shuffle(out)
    return [url_for(q, {}) for q in out[:count]]


# -- servers ------------------------------------------------------------------------------

def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU time of these processes and their descendants, in seconds."""
    total = 0
    for pid in pids:
        for one in process_tree(pid):
            try:
                with open(f"/proc/{one}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
            except (OSError, IndexError, ValueError):
                continue
    return total / TICK


@contextmanager
def servers(count: int, env: dict[str, str], tmp: Path, threads: int,
            ) -> Iterator[list[tuple[int, subprocess.Popen[bytes]]]]:
    """`count` `eventsearch serve` processes on free ports, killed on the way out however
    the block ends; their stderr goes to tmp/serve-N.log."""
    started: list[tuple[int, subprocess.Popen[bytes]]] = []
    try:
        for n in range(count):
            port = free_port()
            started.append((port, start(tmp / "unused-index", port, threads, 1, env=env,
                                        log=tmp / f"serve-{count}-{n}.log")))
        yield started
    finally:
        for _port, proc in started:
            proc.terminate()
        for _port, proc in started:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def log_tails(tmp: Path, lines: int = 5) -> list[str]:
    """The last lines of every server's stderr: errors and warnings worth reporting."""
    out = []
    for path in sorted(tmp.glob("serve-*.log")):
        said = [line for line in path.read_text(errors="replace").splitlines()
                if line.strip() and not line.startswith("Serving ")]
        if said:
            out.append(f"--- {path.name} ---\n" + "\n".join(said[-lines:]))
    return out


# -- the run ------------------------------------------------------------------------------

def postmaster_pids(tmp: Path) -> list[int]:
    """The throwaway cluster's (and replica's) postmaster pids, to count their CPU."""
    pids = []
    for data in (tmp / "pgdata", tmp / "replica"):
        try:
            pids.append(int((data / "postmaster.pid").read_text().split()[0]))
        except (OSError, ValueError, IndexError):
            continue
    return pids


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpora", nargs="*", type=Path, default=[CORPORA / "pyvideo"],
                    help="folders of notes to index (default: ../shared/corpora/pyvideo)")
    ap.add_argument("--database-url", help="an existing server's admin URL; a database "
                    f"{DATABASE} is made (and dropped) there (default: a throwaway cluster)")
    ap.add_argument("--requests", type=int, default=600, help="timed requests per setup "
                    "(default 600)")
    ap.add_argument("--warm", type=int, default=200, help="untimed distinct requests before "
                    "each setup's timed ones (default 200)")
    ap.add_argument("--clients", type=int, default=8, help="concurrent client threads "
                    "(default 8)")
    ap.add_argument("--threads", type=int, default=4, help="waitress threads per server "
                    "(default 4, as `eventsearch serve`)")
    ap.add_argument("--servers", default="1,2", help="serve processes per setup (default 1,2)")
    ap.add_argument("--replica", action="store_true", help="searches go to a streaming "
                    "replica of the throwaway cluster (EVENTSEARCH_READ_DATABASE_URL)")
    ap.add_argument("--workers", type=int, default=0, help="index build workers (0: a core each)")
    args = ap.parse_args()
    if args.corpora == [CORPORA / "pyvideo"]:
        require_shared()
    if args.replica and args.database_url:
        raise SystemExit("--replica makes a replica of the throwaway cluster only")
    if not 1 <= args.clients <= 64 or not 1 <= args.requests <= 100_000:
        raise SystemExit("clients must be 1..64 and requests 1..100000")
    with tempfile.TemporaryDirectory(prefix="pgserve-") as name:
        tmp = Path(name)
        admin, stop = (args.database_url, None) if args.database_url else start_cluster(tmp)
        stop_replica: Callable[[], None] | None = None
        try:
            url = create_database(admin)
            env = {**os.environ, "EVENTSEARCH_BACKEND": "postgresql",
                   "EVENTSEARCH_DATABASE_URL": url}
            env.pop("EVENTSEARCH_READ_DATABASE_URL", None)
            env.pop("EVENTSEARCH_CONFIG", None)
            build(args, env)
            if args.replica:
                read_url, stop_replica = start_replica(tmp, admin)
                env["EVENTSEARCH_READ_DATABASE_URL"] = read_url
            measure(args, env, tmp, url)
        finally:
            if stop_replica is not None:
                stop_replica()
            if stop is not None:
                stop()
            else:
                drop_database(admin)


def build(args: argparse.Namespace, env: dict[str, str]) -> None:
    """Our PostgreSQL index through the CLI, as an operator builds it."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "eventsearch", "index", *map(str, args.corpora),
                           "--workers", str(args.workers), "--json"],
                          env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"eventsearch index failed ({done.returncode}):\n"
                         f"{done.stderr[-3000:]}{done.stdout[-2000:]}")
    try:
        notes = json.loads(done.stdout.strip().splitlines()[-1]).get("notes", "?")
    except (ValueError, IndexError, AttributeError):
        notes = "?"
    print(f"eventsearch index (postgresql): {notes} notes in {seconds:.1f} s", flush=True)


def measure(args: argparse.Namespace, env: dict[str, str], tmp: Path, url: str) -> None:
    """Each setup: start its servers, warm them, time the distinct queries, print."""
    counts = [int(c) for c in args.servers.split(",")]
    notes, _seconds, _cached = read_notes(args.corpora)
    per = args.warm + args.requests
    urls = distinct_queries(notes, per * len(counts))
    del notes
    db_pids = postmaster_pids(tmp)
    rows: list[list[object]] = []
    rates: dict[int, float] = {}
    where: list[str] = []
    for i, count in enumerate(counts):
        mine = urls[i * per:(i + 1) * per]
        warm, timed = mine[:args.warm], mine[args.warm:]
        with servers(count, env, tmp, args.threads) as procs:
            ports = [port for port, _proc in procs]
            for port in ports:  # every connection a client will use, every UI query once
                warm_up(port, [url_for(q, extra) for q, extra in MIX],
                        -(-args.clients // count))
            if warm:
                run(ports, warm, args.clients, len(warm), once=True)
            pids = [proc.pid for _port, proc in procs]
            before = (cpu_seconds(pids), cpu_seconds(db_pids), time.process_time())
            lat, errors, wall = run(ports, timed, args.clients, len(timed), once=True)
            cpu = (cpu_seconds(pids) - before[0], cpu_seconds(db_pids) - before[1],
                   time.process_time() - before[2])
            rss = [server_memory_mb(pid)[0] for pid in pids]
            rates[count] = len(lat) / wall
            rows.append([count, args.clients, len(lat), errors, rates[count], median(lat),
                         percentile(lat, 95), " / ".join(f"{r:.0f}" for r in rss),
                         f"{cpu[0]:.1f}", f"{cpu[1]:.1f}" if db_pids else "n/a",
                         f"{cpu[2]:.1f}", f"{wall:.1f}"])
            if args.replica:
                read_url = env["EVENTSEARCH_READ_DATABASE_URL"]
                where.append(f"{count} server(s): eventsearch sessions on the replica "
                             f"{sessions(read_url)}, on the primary {sessions(url)}")
    cores = os.cpu_count()
    reads = "a streaming replica (same machine)" if args.replica else "the primary"
    print(f"/api/search, {args.threads} waitress threads per server, {args.clients} client "
          f"threads split round-robin over the servers, {args.requests} distinct queries per "
          f"setup (each sent once), searches read from {reads}")
    print_table(["servers", "clients", "requests", "errors", "req/s", "p50 ms", "p95 ms",
                 "RSS MB each", "CPU s servers", "CPU s db", "CPU s clients", "wall s"], rows)
    if len(counts) > 1 and rates.get(counts[0]):
        print(f"req/s ratio {counts[-1]} / {counts[0]} servers: "
              f"{rates[counts[-1]] / rates[counts[0]]:.2f}")
    print(f"This machine has {cores} cores: PostgreSQL, every serve process and the client "
          "threads share them, so a second server can only use CPU the first one left idle "
          "(CPU columns: seconds used during the timed run).")
    for line in where:
        print(line)
    for tail in log_tails(tmp):
        print(tail)


if __name__ == "__main__":
    main()
