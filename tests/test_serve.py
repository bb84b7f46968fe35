"""`eventsearch serve` as a real process: waitress on 127.0.0.1, one or several workers."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from eventsearch.web import CSP

from .conftest import get_json, start_server, stop_server

QUERIES = ["kubernetes", "Vorträge", "python", "tag:security", "datenschutz konferenz",
           "", "deploy*", '"machine learning"']


def _workers(pid: int) -> set[int]:
    """The server's child processes, from /proc."""
    found = set()
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                stat = Path(f"/proc/{name}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                found.add(int(name))
    return found


def _search(port: int, q: str) -> dict:  # type: ignore[type-arg]
    data, _ = get_json(port, "/api/search?" + urllib.parse.urlencode({"q": q, "per_page": 50}))
    data.pop("took_ms")
    return data


def test_serve_builds_an_index_on_first_run(tmp_path):
    """On a fresh machine: builds from the corpus setting, then serves with waitress on
    127.0.0.1, security headers and all."""
    corpus = Path(__file__).parents[1] / "corpus"
    env = {**os.environ, "EVENTSEARCH_CORPUS": str(corpus)}
    proc, port = start_server(tmp_path / "index", env=env, cwd=tmp_path)
    try:
        health, headers = get_json(port, "/healthz")
        assert health["notes"] == 42
        assert headers["Content-Security-Policy"] == CSP
        assert headers["Server"] == "eventsearch"  # waitress, with ident="eventsearch"
    finally:
        code, err = stop_server(proc)
    assert code == 0, err
    assert "No index at" in err and "building one from" in err and "Indexed 42 notes" in err
    assert f"http://127.0.0.1:{port}/" in err


def test_concurrent_clients_get_the_same_whole_answers(corpus_index):
    """Eight keep-alive clients at once get byte for byte what one client gets.  Waitress
    here sends each answer from its main loop once it is complete (SEND_BYTES), and
    answers with 50 hits are larger than its default send buffer."""
    proc, port = start_server(corpus_index)
    try:
        alone = {q: _search(port, q) for q in QUERIES}
        assert any(len(json.dumps(a)) > 18_000 for a in alone.values())
        failures: list[str] = []

        def client(n: int) -> None:
            for k in range(24):
                q = QUERIES[(n + k) % len(QUERIES)]
                try:
                    if _search(port, q) != alone[q]:
                        failures.append(f"{q}: a different answer")
                except (OSError, ValueError) as exc:
                    failures.append(f"{q}: {exc}")

        threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert failures == []
    finally:
        stop_server(proc)


def test_workers_share_the_port_and_a_dead_one_is_replaced(corpus_index):
    proc, port = start_server(corpus_index, "--workers", "2")
    try:
        deadline = time.monotonic() + 30
        while len(first := _workers(proc.pid)) < 2:
            assert time.monotonic() < deadline, "two workers did not start"
            time.sleep(0.1)
        assert len(first) == 2
        assert _search(port, "kubernetes")["total"] > 0
        victim = min(first)
        os.kill(victim, signal.SIGKILL)
        while (now := _workers(proc.pid)) == first or len(now) < 2:
            assert time.monotonic() < deadline, "the dead worker was not replaced"
            time.sleep(0.1)
        assert victim not in now and len(now) == 2
        for q in QUERIES:  # both workers answer, whichever the kernel picks
            assert _search(port, q)["query"] == q
    finally:
        code, err = stop_server(proc)
    assert code == 0, err
    assert "with 2 worker processes" in err
    assert "a worker was killed by SIGKILL; starting another." in err
    assert not any(Path(f"/proc/{pid}").exists() for pid in now)


def test_a_port_in_use_is_a_plain_error(corpus_index):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "eventsearch", "serve", "--index",
                               str(corpus_index), "--port", str(port), "--workers", "2"],
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    *skipped, last = done.stderr.strip().splitlines()  # serve names skipped files first
    assert all(line.startswith("skipped ") for line in skipped)
    assert last == (f"Error: Cannot listen on 127.0.0.1:{port}: something else listens "
                    "there (another server?); choose another --port.")
