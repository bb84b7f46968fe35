"""Shared fixtures: where the project and ../shared are, an index of corpus/, a real
`eventsearch serve` process to start and stop, and real PostgreSQL servers (tests/pgcluster.py).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest

if TYPE_CHECKING:
    from .pgcluster import Cluster

PROJECT = Path(__file__).resolve().parents[1]
SAMPLE_CORPUS = PROJECT / "corpus"
SHARED = PROJECT.parent / "shared"


def skip_or_fail(message: str) -> NoReturn:
    """A skip with the reason; under CI=true a failure, since there every test must run."""
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def require_shared() -> Path:
    """../shared beside the project, or a skip with the reason (a failure under CI=true)."""
    if (SHARED / "corpora").is_dir():
        return SHARED
    skip_or_fail(f"{SHARED} is missing: these tests read the shared corpora and eval files, "
                 "which live beside the project checkout, not in it")


def require_postgresql() -> None:
    """PostgreSQL's programs, a user to run them as and psycopg, or a skip with the reason
    (a failure under CI=true, where .ci/run installs PostgreSQL)."""
    try:
        import psycopg  # noqa: F401
    except ImportError as e:
        skip_or_fail(f"psycopg not installed (pip install '.[test]'): {e}")
    from .pgcluster import find_bin_dir, server_account

    install = "PostgreSQL not installed (apt-get install postgresql): "
    if find_bin_dir() is None:
        skip_or_fail(install + "no initdb, pg_ctl and pg_basebackup in "
                     "/usr/lib/postgresql/*/bin nor in `pg_config --bindir`")
    try:
        server_account()
    except KeyError:
        skip_or_fail(install + "we are root and there is no `postgres` user to run the server "
                     "as (initdb refuses root)")


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """A started throwaway PostgreSQL server for the session, deleted at the end.

    Tests that stop it must start it again; for "database down" make your own Cluster.
    """
    require_postgresql()
    from .pgcluster import Cluster

    cluster = Cluster.create()
    yield cluster
    cluster.destroy()


@pytest.fixture
def pg_url(pg_cluster: Cluster) -> Iterator[str]:
    """The URL of a fresh database (owner: the non-superuser role eventsearch) for one test.

    It is dropped afterwards, ending any sessions the test left open.
    """
    from .pgcluster import dbname_of

    url = pg_cluster.create_database()
    yield url
    pg_cluster.drop_database(dbname_of(url))


@pytest.fixture(scope="session")
def pg_replica(pg_cluster: Cluster) -> Iterator[Cluster]:
    """A streaming hot standby of pg_cluster for the session; call wait_for(pg_cluster)
    after writing to the primary and before reading it."""
    replica = pg_cluster.replica()
    yield replica
    replica.destroy()


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
