"""Shared fixtures: where the project and ../shared are, an index of corpus/, and a real
`eventsearch serve` process to start and stop."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
SAMPLE_CORPUS = PROJECT / "corpus"
SHARED = PROJECT.parent / "shared"


def require_shared() -> Path:
    """../shared beside the project, or a skip with the reason (a failure under CI=true)."""
    if (SHARED / "corpora").is_dir():
        return SHARED
    message = (f"{SHARED} is missing: these tests read the shared corpora and eval files, "
               "which live beside the project checkout, not in it")
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def shared() -> Path:
    return require_shared()


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the bundled sample corpus, built once per test session."""
    from eventsearch.backends.whoosh.build import build_index

    index_dir = tmp_path_factory.mktemp("corpus-index")
    build_index([SAMPLE_CORPUS], index_dir, workers=1)
    return index_dir


@pytest.fixture(scope="session")
def shared_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """An index of all of ../shared/corpora (a few minutes), built once per session.

    Returns the index folder and the build's IndexReport.
    """
    from eventsearch.backends.whoosh.build import build_index

    corpora = require_shared() / "corpora"
    index_dir = tmp_path_factory.mktemp("shared-index")
    report = build_index([corpora], index_dir)
    return index_dir, report


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(port: int, path: str) -> tuple[dict, object]:  # type: ignore[type-arg]
    """(the JSON body, the headers) of a GET to the server on 127.0.0.1:port."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
        return json.load(r), r.headers


def start_server(index: Path, *args: str, env: dict[str, str] | None = None,
                 cwd: Path | None = None) -> tuple[subprocess.Popen, int]:  # type: ignore[type-arg]
    """`eventsearch serve` on a free port of 127.0.0.1, once /healthz answers."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "eventsearch", "serve", "--index",
                             str(index), "--host", "127.0.0.1", "--port", str(port), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd)
    deadline = time.monotonic() + 60
    while True:
        try:
            get_json(port, "/healthz")
            return proc, port
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"the server did not come up: {proc.communicate()}")
            time.sleep(0.2)


def stop_server(proc: subprocess.Popen) -> tuple[int, str]:  # type: ignore[type-arg]
    """SIGTERM; (exit code, stderr).  The server never writes to stdout."""
    proc.terminate()
    out, err = proc.communicate(timeout=20)
    assert out == b""
    return proc.returncode, err.decode()
