"""The PostgreSQL test helper itself (tests/pgcluster.py), against real servers: what the
backend's tests rely on must hold before they can mean anything."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .conftest import require_postgresql

try:
    import psycopg
except ImportError as e:  # it is in the test extra; under CI=true its absence is an error
    if os.environ.get("CI") == "true":
        raise
    pytest.skip(f"psycopg not installed (pip install '.[test]'): {e}", allow_module_level=True)

from .pgcluster import (
    APP_PASSWORD,
    APP_USER,
    Cluster,
    PostgresError,
    dbname_of,
)


def test_app_role_logs_in_over_tcp_with_its_password(pg_url: str) -> None:
    with psycopg.connect(pg_url) as conn:
        row = conn.execute("SELECT 1, current_user, current_database(), "
                           "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user)"
                           ).fetchone()
    assert row == (1, APP_USER, dbname_of(pg_url), False)
    # TCP logins need the password: pg_hba.conf's host lines are not "trust"
    wrong = pg_url.replace(APP_PASSWORD, "not-the-password")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(wrong, connect_timeout=10)


def test_each_database_is_fresh(pg_cluster: Cluster, pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE notes (id int)")
    other = pg_cluster.create_database()
    try:
        assert other != pg_url
        with psycopg.connect(other) as conn:
            assert conn.execute("SELECT to_regclass('notes')").fetchone() == (None,)
    finally:
        pg_cluster.drop_database(dbname_of(other))


def test_owner_creates_the_extensions_search_needs(pg_url: str) -> None:
    """pg_trgm and unaccent are trusted extensions: the (non-superuser) owner may create them."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION pg_trgm")
        conn.execute("CREATE EXTENSION unaccent")
        row = conn.execute("SELECT similarity('kubernetes', 'kubernets'), "
                           "unaccent('Vorträge über Café'), lower('ÄÖÜ')").fetchone()
    assert row is not None
    assert row[0] > 0.5
    # C.UTF-8: case mapping works beyond ASCII, which German notes need
    assert row[1:] == ("Vortrage uber Cafe", "äöü")


def test_replica_serves_what_the_primary_wrote(pg_cluster: Cluster, pg_replica: Cluster,
                                               pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE notes (title text)")
        conn.execute("INSERT INTO notes VALUES ('KubeCon recap')")
    pg_replica.wait_for(pg_cluster)
    replica_url = pg_replica.url(dbname_of(pg_url))
    assert replica_url != pg_url
    with psycopg.connect(replica_url) as conn:
        assert conn.execute("SELECT title FROM notes").fetchall() == [("KubeCon recap",)]
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("INSERT INTO notes VALUES ('nope')")


def test_wait_for_refuses_a_primary_as_replica(pg_cluster: Cluster) -> None:
    with pytest.raises(PostgresError, match="not a replica"):
        pg_cluster.wait_for(pg_cluster, timeout=1)


def test_stop_takes_the_database_down_and_start_brings_it_back() -> None:
    """On a cluster of its own: stopping the session's one would fail other tests."""
    require_postgresql()
    cluster = Cluster.create()
    try:
        url = cluster.create_database()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE notes (title text)")
            conn.execute("INSERT INTO notes VALUES ('kept')")
        survivor = psycopg.connect(url, autocommit=True)

        cluster.stop()
        assert not cluster.is_running()
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(url, connect_timeout=5)
        with pytest.raises(psycopg.OperationalError):  # open sessions are ended, too
            survivor.execute("SELECT 1")
        survivor.close()
        cluster.stop()  # stopping a stopped cluster is a no-op

        cluster.start()
        assert cluster.is_running()
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT title FROM notes").fetchall() == [("kept",)]
        # a failure says why, with the server log's tail: here a second postmaster
        with pytest.raises(PostgresError, match=r"server\.log"):
            cluster.start()
    finally:
        cluster.destroy()
    assert not cluster.root.exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs the server as another user")
def test_a_folder_the_server_user_cannot_reach_is_refused(tmp_path: Path) -> None:
    require_postgresql()
    closed = tmp_path / "closed"
    closed.mkdir(mode=0o700)
    with pytest.raises(PostgresError, match="cannot reach"):
        Cluster.create(closed)
    assert list(closed.iterdir()) == []
