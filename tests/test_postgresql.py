"""The PostgreSQL backend against a real server: the CLI end to end, reindex semantics
(one transaction, one writer, SIGKILL), replicas, schema versions, the same ranking as
the Whoosh backend, and a database that is down or refuses us.

The shared behaviour tests run on it through tests/test_backend_suite.py; these are
what only a database has.  Servers are throwaway clusters (tests/pgcluster.py).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from eventsearch.backends import open_backend
from eventsearch.config import Settings
from eventsearch.errors import ConfigError, IndexUnavailable, SchemaMismatch
from eventsearch.model import SearchQuery
from eventsearch.search import SearchIndex

from .conftest import PROJECT, SAMPLE_CORPUS
from .pgcluster import APP_PASSWORD, Cluster

pytest.importorskip("psycopg", reason="psycopg not installed: pip install '.[test]'")


def pg(url: str, read_url: str | None = None, **options):
    return open_backend(Settings(backend="postgresql", database_url=url,
                                 read_database_url=read_url), **options)


def cli(*args: str, url: str, read_url: str | None = None, timeout: float = 120,
        check: bool = False) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EVENTSEARCH_BACKEND": "postgresql", "EVENTSEARCH_DATABASE_URL": url,
           "PYTHONPATH": str(PROJECT / "src")}
    env.pop("EVENTSEARCH_READ_DATABASE_URL", None)
    if read_url:
        env["EVENTSEARCH_READ_DATABASE_URL"] = read_url
    return subprocess.run([sys.executable, "-m", "eventsearch", *args], capture_output=True,
                          text=True, env=env, timeout=timeout, check=check)


def search(backend, q: str, **kw):
    return SearchIndex(Path("unused"), backend=backend).search(SearchQuery(q=q, **kw))


def note(title: str, body: str) -> str:
    return f"---\ntitle: {title}\ndate: 2021-03-04\ntags: [pg]\n---\n{body}\n"


@pytest.fixture(scope="module")
def sample_db(pg_cluster: Cluster) -> str:
    url = pg_cluster.create_database()
    pg(url).build([SAMPLE_CORPUS], workers=1)
    return url


def test_the_cli_runs_every_command_on_postgresql(pg_url, tmp_path):
    corpus = tmp_path / "notes"
    shutil.copytree(SAMPLE_CORPUS / "plain", corpus)
    built = cli("index", str(corpus), "--json", url=pg_url)
    assert built.returncode == 0, built.stderr
    assert json.loads(built.stdout)["notes"] >= 5
    found = cli("search", "Vorträge", "--json", url=pg_url)
    assert found.returncode == 0, found.stderr
    hits = json.loads(found.stdout)["hits"]
    assert hits and hits[0]["path"] == "events/2018-03-14.md"
    shown = cli("show", hits[0]["path"], "--json", url=pg_url)
    assert shown.returncode == 0 and json.loads(shown.stdout)["path"] == hits[0]["path"]
    stats = json.loads(cli("stats", "--json", url=pg_url, check=True).stdout)
    assert stats["notes"] == json.loads(built.stdout)["notes"]
    assert stats["index"].startswith("postgresql:") and APP_PASSWORD not in stats["index"]
    (corpus / "new.md").write_text(note("Fresh", "Quokkafest in Perth."), encoding="utf-8")
    again = cli("reindex", "--json", url=pg_url)
    assert again.returncode == 0 and json.loads(again.stdout)["added"] == 1
    assert json.loads(cli("search", "quokkafest", "--json", url=pg_url).stdout)["total"] == 1


def test_the_same_ranking_as_the_whoosh_backend(sample_db, tmp_path):
    whoosh = open_backend(Settings(index_dir=tmp_path / "ix"))
    whoosh.build([SAMPLE_CORPUS], workers=1)
    ours = pg(sample_db)
    queries = ["kubernetes", "Vorträge", "machine learning", '"office hours"', "kube*",
               "kuberntes", "rust OR go", "python -django", "tag:rust", "date:2019",
               "Datenbank", "speaker:\"markus höfler\" talk", ""]
    for q in queries:
        a, b = search(whoosh, q, per_page=10), search(ours, q, per_page=10)
        assert [h.path for h in a.hits] == [h.path for h in b.hits], q
        assert a.total == b.total and a.facets == b.facets and a.suggestion == b.suggestion \
            and a.corrections == b.corrections, q
        assert [h.snippet for h in a.hits] == [h.snippet for h in b.hits], q


def test_a_reindex_is_one_transaction_and_readers_see_it_at_once(pg_url, tmp_path):
    corpus = tmp_path / "notes"
    shutil.copytree(SAMPLE_CORPUS / "plain", corpus)
    writer, reader = pg(pg_url), pg(pg_url)
    writer.build([corpus], workers=1)
    version = reader.version()
    seen: list[int] = []
    for i in range(3):
        (corpus / f"n{i}.md").write_text(note(f"N{i}", "Axolotlfest"), encoding="utf-8")

    def progress(done: int, total: int) -> None:  # mid-run: nothing of it is visible yet
        seen.append(search(reader, "axolotlfest").total)

    report = writer.update([corpus], workers=1, progress=progress)
    assert report.added == 3 and seen and set(seen) == {0}
    assert search(reader, "axolotlfest").total == 3 and reader.version() != version


def test_a_killed_reindex_loses_nothing_and_leaves_no_lock(pg_url, tmp_path):
    corpus = tmp_path / "notes"
    shutil.copytree(SAMPLE_CORPUS / "plain", corpus)
    assert cli("index", str(corpus), url=pg_url).returncode == 0
    before = pg(pg_url).stats()["notes"]
    for i in range(400):  # enough reading for the kill to land mid-run
        (corpus / f"bulk-{i}.md").write_text(note(f"Bulk {i}", "Capybara " * 200),
                                             encoding="utf-8")
    env = {**os.environ, "EVENTSEARCH_BACKEND": "postgresql",
           "EVENTSEARCH_DATABASE_URL": pg_url, "PYTHONPATH": str(PROJECT / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "eventsearch", "reindex", "--workers", "1"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(2.0)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    backend = pg(pg_url)
    assert backend.stats()["notes"] in (before, before + 400)  # all or nothing
    done = cli("reindex", "--json", url=pg_url, timeout=300)
    assert done.returncode == 0, done.stderr  # the lock went with the killed session
    assert pg(pg_url).stats()["notes"] == before + 400


def test_a_second_writer_exits_75_and_wait_works(pg_url, tmp_path):
    import psycopg

    corpus = tmp_path / "notes"
    shutil.copytree(SAMPLE_CORPUS / "plain", corpus)
    assert cli("index", str(corpus), url=pg_url).returncode == 0
    from eventsearch.backends.postgresql.schema import LOCK_KEY

    with psycopg.connect(pg_url, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
        locked = cli("reindex", url=pg_url)
        assert locked.returncode == 75 and "try again later" in locked.stderr
        waiting = subprocess.Popen(
            [sys.executable, "-m", "eventsearch", "reindex", "--wait", "30"],
            env={**os.environ, "EVENTSEARCH_BACKEND": "postgresql",
                 "EVENTSEARCH_DATABASE_URL": pg_url, "PYTHONPATH": str(PROJECT / "src")},
            stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)
        holder.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
        _, err = waiting.communicate(timeout=60)
        assert waiting.returncode == 0, err


def test_full_reindex_swaps_new_tables_in(pg_url, tmp_path):
    corpus = tmp_path / "notes"
    shutil.copytree(SAMPLE_CORPUS / "plain", corpus)
    backend = pg(pg_url)
    backend.build([corpus], workers=1)
    reader = pg(pg_url)
    hits = [h.path for h in search(reader, "kubernetes").hits]
    report = backend.update(None, full=True, workers=1)
    assert report.full and [h.path for h in search(reader, "kubernetes").hits] == hits
    import psycopg

    with psycopg.connect(pg_url) as conn:
        tables = {t for (t,) in conn.execute(
            "SELECT tablename FROM pg_tables WHERE tablename LIKE 'es_%'")}
    assert tables == {"es_meta", "es_notes", "es_terms"}


def test_searches_read_from_a_streaming_replica(pg_cluster, pg_replica, tmp_path):
    url = pg_cluster.create_database()
    read_url = pg_replica.url(url.rsplit("/", 1)[1])
    corpus = tmp_path / "notes"
    shutil.copytree(SAMPLE_CORPUS / "plain", corpus)
    assert cli("index", str(corpus), url=url, read_url=read_url).returncode == 0
    pg_replica.wait_for(pg_cluster)
    replica = pg(url, read_url)
    assert search(replica, "kubernetes").total > 0
    (corpus / "new.md").write_text(note("Fresh", "Pangolinfest"), encoding="utf-8")
    assert cli("reindex", url=url, read_url=read_url).returncode == 0
    started = time.monotonic()
    while search(replica, "pangolinfest").total == 0:
        assert time.monotonic() - started < 10, "the replica did not see the reindex"
        time.sleep(0.1)
    import psycopg

    with psycopg.connect(read_url) as conn:  # it really is the standby that answered
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]


def test_an_older_schema_is_named_and_reindex_migrates_it(pg_url, tmp_path):
    import psycopg

    corpus = tmp_path / "notes"
    shutil.copytree(SAMPLE_CORPUS / "plain", corpus)
    pg(pg_url).build([corpus], workers=1)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE es_meta SET value = '0' WHERE key = 'schema_version'")
    with pytest.raises(SchemaMismatch, match="eventsearch reindex"):
        pg(pg_url).open()
    failed = cli("search", "kubernetes", url=pg_url)
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert "reindex" in failed.stderr and len(failed.stderr.strip().splitlines()) == 1
    assert cli("reindex", url=pg_url).returncode == 0
    assert search(pg(pg_url), "kubernetes").total > 0


def test_a_database_that_is_down_is_one_line_and_a_503(tmp_path):
    port = _closed_port()
    url = f"postgresql://eventsearch:{APP_PASSWORD}@127.0.0.1:{port}/nothing"
    for args in (["search", "x"], ["index", str(SAMPLE_CORPUS)], ["stats"], ["show", "a.md"],
                 ["reindex"]):
        started = time.monotonic()
        out = cli(*args, url=url, timeout=60)
        assert out.returncode == 1, (args, out.stderr)
        assert len(out.stderr.strip().splitlines()) == 1, out.stderr
        assert "PostgreSQL" in out.stderr and APP_PASSWORD not in out.stderr
        assert time.monotonic() - started < 30
    with pytest.raises(IndexUnavailable):
        pg(url).open()
    from eventsearch.web import create_app

    app = create_app(Settings(backend="postgresql", database_url=url))
    client = app.test_client()
    for path in ("/api/search?q=x", "/search?q=x", "/healthz"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert APP_PASSWORD.encode() not in response.data


def test_a_wrong_password_and_a_missing_database_say_so(pg_cluster):
    wrong = pg_cluster.url("postgres").replace(APP_PASSWORD, "not-the-password")
    with pytest.raises(IndexUnavailable, match="password authentication failed") as exc:
        pg(wrong).open()
    assert "not-the-password" not in str(exc.value)
    missing = pg_cluster.url("no_such_db")
    with pytest.raises(IndexUnavailable, match="does not exist"):
        pg(missing).open()
    with pytest.raises(ConfigError, match="database_url"):
        open_backend(Settings(backend="postgresql"))


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_searches_carry_a_statement_timeout(sample_db):
    """Set per transaction (PgBouncer in transaction mode keeps no session settings)."""
    backend = pg(sample_db)
    with backend.snapshot() as (conn, _meta, _tables):
        assert conn.execute("SHOW statement_timeout").fetchone()[0] == "5s"
        assert conn.execute("SHOW transaction_read_only").fetchone()[0] == "on"
        assert conn.execute("SHOW transaction_isolation").fetchone()[0] == "repeatable read"


def test_a_parallel_build_equals_a_serial_one(pg_cluster, tmp_path):
    """Past PARALLEL_FROM files each core's process COPYs its share and PostgreSQL joins
    the postings in share order: the same index as one process makes."""
    corpus = tmp_path / "notes"
    shutil.copytree(SAMPLE_CORPUS, corpus)
    for i in range(260):
        (corpus / f"bulk-{i:03d}.md").write_text(
            note(f"Bulk {i}", f"Capybara meetup number {i} about {'rust' if i % 3 else 'go'}."),
            encoding="utf-8")
    done: list[int] = []
    parallel = pg(pg_cluster.create_database())
    report = parallel.build([corpus], workers=2, progress=lambda n, total: done.append(n))
    serial = pg(pg_cluster.create_database())
    assert report.notes == serial.build([corpus], workers=1).notes > 260
    assert sum(done) == report.notes + len(report.skipped)  # every file's progress came back
    for q in ("capybara rust", "kubernetes", "Vorträge", '"meetup number 7"'):
        a, b = search(parallel, q, per_page=20), search(serial, q, per_page=20)
        assert a.total == b.total > 0 and [h.path for h in a.hits] == [h.path for h in b.hits]
        assert [h.score for h in a.hits] == [h.score for h in b.hits], q
