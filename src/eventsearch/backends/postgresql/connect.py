"""Connections to PostgreSQL: pools per URL, timeouts, and errors in plain words.

Writes go to ``database_url`` (the primary), searches to ``read_database_url`` (a
streaming replica or a PgBouncer in front of replicas; the primary when unset).
Every connection attempt gives up after ``CONNECT_TIMEOUT_S`` and every search carries
a ``statement_timeout``, so a database that is down or a query nobody waits for any
more never holds a thread.  What reaches the user is one line naming the host and the
database, never the password (``redact``).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from ...errors import ConfigError, IndexUnavailable

# The pool retries in the background and says so at WARNING; with no logging set up
# Python would print each attempt on stderr.  What matters reaches the user once, as
# DatabaseUnavailable; a server that configures logging still sees the attempts.
logging.getLogger("psycopg.pool").addHandler(logging.NullHandler())

CONNECT_TIMEOUT_S = 5
POOL_MAX = 8  # connections per process and URL: a waitress server runs 8 threads
STATEMENT_TIMEOUT_MS = 5000  # a search that takes longer is cancelled by the server


class DatabaseUnavailable(IndexUnavailable):
    """The database cannot be reached or refuses us (web: 503, CLI: exit 1)."""


def _psycopg() -> Any:
    try:
        import psycopg
        import psycopg_pool  # noqa: F401
    except ImportError:  # pragma: no cover - the extra is in the test install
        raise ConfigError("backend = postgresql needs psycopg: install it with "
                          "pip install 'eventsearch[postgresql]'.") from None
    return psycopg


def redact(url: str) -> str:
    """The URL without its password: what may appear in messages and logs."""
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", url)


def describe(url: str) -> str:
    """"db at host:port" for messages (no user, no password)."""
    try:
        parts = urlsplit(url)
        where = parts.hostname or "localhost"
        if parts.port:
            where += f":{parts.port}"
        db = parts.path.lstrip("/") or "(default)"
    except ValueError:
        return "the configured database"
    return f"database {db!r} at {where}"


def _reason(exc: BaseException, url: str) -> str:
    """The first line of a driver error, with anything password-like removed."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = redact(text)
    password = urlsplit(url).password if "://" in url else None
    if password:
        text = text.replace(password, "***")
    return text


def unavailable(exc: BaseException, url: str) -> DatabaseUnavailable:
    """The error a user sees when the database fails us: what, where, what to do."""
    return DatabaseUnavailable(
        f"Cannot use the PostgreSQL {describe(url)}: {_reason(exc, url)}. "
        "Check that the server runs and database_url (EVENTSEARCH_DATABASE_URL) is right.")


class Database:
    """Pools of connections to the primary (writes) and the read URL (searches)."""

    def __init__(self, url: str | None, read_url: str | None = None) -> None:
        if not url:
            raise ConfigError("backend = postgresql needs database_url (or "
                              "EVENTSEARCH_DATABASE_URL), e.g. "
                              "postgresql://user:pass@localhost:5432/eventsearch.")
        self.url = url
        self.read_url = read_url or url
        self._pools: dict[str, Any] = {}
        self._lock = threading.Lock()
        _psycopg()

    def connect(self, *, write: bool = True, autocommit: bool = False) -> Any:
        """A new connection of our own (the writer holds one for a whole run)."""
        psycopg = _psycopg()
        url = self.url if write else self.read_url
        try:
            return psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S,
                                   autocommit=autocommit, application_name="eventsearch")
        except psycopg.Error as exc:
            raise unavailable(exc, url) from None

    def _pool(self, url: str) -> Any:
        with self._lock:
            pool = self._pools.get(url)
            if pool is None:
                from psycopg_pool import ConnectionPool

                pool = ConnectionPool(
                    url, min_size=0, max_size=POOL_MAX, open=True, timeout=CONNECT_TIMEOUT_S,
                    reconnect_timeout=CONNECT_TIMEOUT_S, name="eventsearch",
                    kwargs={"connect_timeout": CONNECT_TIMEOUT_S, "autocommit": True,
                            "application_name": "eventsearch"})
                self._pools[url] = pool
            return pool

    @contextmanager
    def reading(self) -> Iterator[Any]:
        """A pooled autocommit connection to the read URL; driver errors become
        DatabaseUnavailable (a search that runs past its timeout too)."""
        psycopg = _psycopg()
        from psycopg_pool import PoolTimeout

        try:
            with self._pool(self.read_url).connection() as conn:
                yield conn
        except PoolTimeout:
            raise unavailable(self._why_not(self.read_url), self.read_url) from None
        except psycopg.Error as exc:
            raise unavailable(exc, self.read_url) from None

    def _why_not(self, url: str) -> BaseException:
        """Why connecting fails: a pool timeout does not say, one direct attempt does."""
        psycopg = _psycopg()
        try:
            psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S).close()
        except psycopg.Error as exc:
            return exc
        return RuntimeError(f"all {POOL_MAX} connections stayed busy for "
                            f"{CONNECT_TIMEOUT_S} s")

    def close(self) -> None:
        with self._lock:
            pools, self._pools = self._pools, {}
        for pool in pools.values():
            pool.close(timeout=1)

