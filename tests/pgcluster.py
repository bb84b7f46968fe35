"""Throwaway PostgreSQL servers for the tests: real ones, never mocks.

`Cluster.create()` runs initdb into a fresh temp dir, starts the server on a free port of
127.0.0.1 and makes the login role the application uses; `create_database()` hands out a fresh
database per test, `replica()` a streaming hot standby made with pg_basebackup, and
`stop()`/`start()` let a test see what the code does while the database is down.

Why this shape:

- initdb refuses to run as root, so when we are root every server-side command runs as the
  system user `postgres` (the Debian package makes it), and the cluster's folder is owned by it.
  That folder must be reachable by that user, which pytest's tmp_path (under the 0700
  /tmp/pytest-of-root) is not: by default a cluster lives in its own folder under the system
  temp dir.
- Connections the application makes go over TCP with a password (scram-sha-256), as in
  production; the helper's own admin connections go over the Unix socket in the cluster's
  folder, where pg_hba.conf trusts local users.
- The application role `eventsearch` is deliberately not a superuser: it owns its databases,
  which is enough for CREATE EXTENSION pg_trgm / unaccent (both "trusted" since PostgreSQL 13),
  so a backend that needs more fails here rather than in production. `admin_url()` gives a
  superuser URL for tests that really need one; replication runs as `postgres`.
- fsync=off and a small shared_buffers: a cluster is started in a second or two, and its data
  is thrown away anyway.
- Every command has a timeout, and a failure's message carries the tail of the server log.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

APP_USER = "eventsearch"
APP_PASSWORD = "s3cret-pw"
SUPERUSER = "postgres"
SUPERUSER_PASSWORD = "postgres-s3cret-pw"  # for TCP logins: pg_basebackup, admin_url()
SERVER_USER = "postgres"  # the system user the server runs as when we are root
COMMAND_TIMEOUT = 120.0  # seconds, for any one initdb, pg_ctl or pg_basebackup
START_TIMEOUT = 60  # seconds pg_ctl waits for the server to start or stop
CONNECT_TIMEOUT = 10  # seconds
PG_BIN_PATTERN = "/usr/lib/postgresql/*/bin"
NEEDED = ("initdb", "pg_ctl", "pg_basebackup")

SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",  # the data is thrown away: speed over durability
    # synchronous_commit stays on: a commit is on its way to a replica once it returns
    "wal_writer_delay": "10ms",  # WAL of async work (autovacuum, ...) reaches replicas soon
    "full_page_writes": "off",
    "shared_buffers": "64MB",
    "max_connections": "100",
    "wal_level": "replica",
    "max_wal_senders": "5",
    "wal_keep_size": "128MB",  # a replica without a slot never misses WAL it needs
    "hot_standby": "on",
    "password_encryption": "'scram-sha-256'",
    "log_min_messages": "warning",
    "log_line_prefix": "'%m [%p] %q%u@%d '",
}

HBA = """\
# Written by tests/pgcluster.py: the helper's own admin connections use the Unix socket in the
# cluster's folder (trusted); everything else logs in over TCP with a password, as in production.
local   all          all                     trust
local   replication  all                     trust
host    all          all        127.0.0.1/32 scram-sha-256
host    replication  all        127.0.0.1/32 scram-sha-256
"""


class PostgresError(RuntimeError):
    """A server command failed or timed out; the message holds its output and the log tail."""


def find_bin_dir() -> Path | None:
    """The newest PostgreSQL bin dir holding initdb, pg_ctl and pg_basebackup, or None.

    Debian installs each major version in /usr/lib/postgresql/<N>/bin, off PATH; elsewhere
    `pg_config --bindir` says where the binaries are.
    """
    def version(path: Path) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", path.parent.name))

    candidates = sorted((Path(p) for p in glob.glob(PG_BIN_PATTERN)), key=version, reverse=True)
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True,
                                 timeout=30, check=True).stdout.strip()
            candidates.append(Path(out))
        except (OSError, subprocess.SubprocessError):
            pass
    for bin_dir in candidates:
        if all(os.access(bin_dir / name, os.X_OK) for name in NEEDED):
            return bin_dir
    return None


def server_account() -> pwd.struct_passwd | None:
    """The system user to run the server as: `postgres` when we are root, else None (us).

    Raises KeyError when we are root and there is no such user.
    """
    if os.geteuid() != 0:
        return None
    return pwd.getpwnam(SERVER_USER)


def free_port() -> int:
    """A TCP port of 127.0.0.1 nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


_running: set[Cluster] = set()


@atexit.register
def _stop_leftovers() -> None:
    """A server whose session ended before its teardown (Ctrl-C, an error) must not outlive
    the Python process."""
    for cluster in list(_running):
        with contextlib.suppress(PostgresError):
            cluster.stop(mode="immediate")


class Cluster:
    """One PostgreSQL server in its own folder: `root`/data, `root`/server.log, its socket.

    Make one with `Cluster.create()` or `primary.replica()`, not the constructor.
    """

    def __init__(self, root: Path, bin_dir: Path, port: int) -> None:
        self.root = root
        self.bin_dir = bin_dir
        self.port = port
        self.data_dir = root / "data"
        self.log_file = root / "server.log"
        self.account = server_account()

    def __repr__(self) -> str:
        return f"<Cluster {self.data_dir} port {self.port}>"

    # -- making one ------------------------------------------------------------------------

    @classmethod
    def create(cls, base_dir: Path | None = None, bin_dir: Path | None = None) -> Cluster:
        """A new, started cluster in a fresh folder under base_dir (default: the temp dir).

        base_dir must be reachable by the server's user (see the module docstring).
        """
        bin_dir = bin_dir or find_bin_dir()
        if bin_dir is None:
            raise PostgresError("PostgreSQL not installed: no initdb/pg_ctl/pg_basebackup found")
        cluster = cls(_new_root(base_dir, "pg-primary-"), bin_dir, free_port())
        pwfile = cluster.root / "pwfile"
        pwfile.write_text(SUPERUSER_PASSWORD + "\n")
        cluster._chown(pwfile)
        try:
            cluster._run([
                "initdb", "-D", str(cluster.data_dir), "-U", SUPERUSER, f"--pwfile={pwfile}",
                "--auth-local=trust", "--auth-host=scram-sha-256", "--encoding=UTF8",
                # C.UTF-8: byte-order collation (stable results) with Unicode case mapping,
                # so lower('Ä') is 'ä' for the German notes
                "--locale=C.UTF-8", "--no-sync", "--no-instructions",
            ])
        finally:
            pwfile.unlink()
        (cluster.data_dir / "pg_hba.conf").write_text(HBA)
        cluster._configure({**SETTINGS, "unix_socket_directories": f"'{cluster.root}'"})
        cluster._start_on_free_port()
        try:
            with cluster._admin_connect() as conn:
                conn.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEDB PASSWORD {}").format(
                    sql.Identifier(APP_USER), sql.Literal(APP_PASSWORD)))
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def replica(self, base_dir: Path | None = None) -> Cluster:
        """A started streaming hot standby of this cluster, made with pg_basebackup -R."""
        replica = Cluster(_new_root(base_dir, "pg-replica-"), self.bin_dir, free_port())
        replica._run([
            "pg_basebackup", "-D", str(replica.data_dir), "-h", "127.0.0.1",
            "-p", str(self.port), "-U", SUPERUSER, "-R", "-X", "stream",
            "--checkpoint=fast", "--no-sync", "--no-password",
        ], env={"PGPASSWORD": SUPERUSER_PASSWORD}, log_of=self)
        replica._configure({"unix_socket_directories": f"'{replica.root}'"})
        replica._start_on_free_port()
        return replica

    # -- URLs and databases ----------------------------------------------------------------

    def url(self, dbname: str = "postgres") -> str:
        """The application's URL of a database: role eventsearch, its password, over TCP."""
        return f"postgresql://{APP_USER}:{APP_PASSWORD}@127.0.0.1:{self.port}/{dbname}"

    def admin_url(self, dbname: str = "postgres") -> str:
        """A superuser URL over TCP, for the rare test that needs more than the app role."""
        return f"postgresql://{SUPERUSER}:{SUPERUSER_PASSWORD}@127.0.0.1:{self.port}/{dbname}"

    def create_database(self) -> str:
        """A fresh database (unique name, owned by eventsearch); returns its URL."""
        name = f"es_test_{secrets.token_hex(6)}"
        with self._admin_connect() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(name), sql.Identifier(APP_USER)))
        return self.url(name)

    def drop_database(self, dbname: str) -> None:
        """Drop a database, ending any sessions still connected to it (WITH (FORCE))."""
        with self._admin_connect() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(dbname)))

    # -- running ---------------------------------------------------------------------------

    def is_running(self) -> bool:
        """Whether the server is up (pg_ctl status)."""
        result = self._run(["pg_ctl", "status", "-D", str(self.data_dir)], check=False)
        return result.returncode == 0

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self._run(["pg_ctl", "start", "-w", "-t", str(START_TIMEOUT), "-D", str(self.data_dir),
                   "-l", str(self.log_file)])
        _running.add(self)

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (pg_ctl stop -m fast: sessions are ended); no-op when it is down."""
        if (self.data_dir / "postmaster.pid").exists():
            self._run(["pg_ctl", "stop", "-w", "-t", str(START_TIMEOUT), "-m", mode,
                       "-D", str(self.data_dir)])
        _running.discard(self)

    def destroy(self) -> None:
        """Stop the server and delete its folder."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def wait_for(self, primary: Cluster, timeout: float = 30.0) -> None:
        """Block until this replica has replayed all WAL the primary has written so far.

        Call it after writing to the primary and before reading the replica.
        """
        with primary._admin_connect() as conn:
            # the insert position: it counts WAL not yet written out, too
            row = conn.execute("SELECT pg_current_wal_insert_lsn()::text").fetchone()
        assert row is not None
        target = row[0]
        deadline = time.monotonic() + timeout
        with self._admin_connect() as conn:
            while True:
                row = conn.execute("SELECT pg_last_wal_replay_lsn()::text, "
                                   "pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,)).fetchone()
                assert row is not None
                replayed, caught_up = row
                if replayed is None:
                    raise PostgresError(f"{self} is not a replica (no replay LSN)")
                if caught_up:
                    return
                if time.monotonic() > deadline:
                    raise PostgresError(
                        f"{self} replayed up to {replayed}, not {target}, in {timeout} s\n"
                        + self.log_tail())
                time.sleep(0.01)

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of the server log, for error messages."""
        try:
            text = self.log_file.read_text(errors="replace")
        except OSError as e:
            return f"(no server log: {e})"
        return f"--- last lines of {self.log_file} ---\n" + "\n".join(
            text.splitlines()[-lines:])

    # -- internals -------------------------------------------------------------------------

    def _admin_connect(self, dbname: str = "postgres") -> psycopg.Connection[Any]:
        """A superuser autocommit connection over the cluster's Unix socket (trusted)."""
        return psycopg.connect(host=str(self.root), port=self.port, user=SUPERUSER,
                               dbname=dbname, autocommit=True, connect_timeout=CONNECT_TIMEOUT,
                               options="-c statement_timeout=60000")

    def _configure(self, settings: dict[str, str]) -> None:
        """Append settings to postgresql.conf; the last occurrence of a setting wins."""
        with open(self.data_dir / "postgresql.conf", "a") as f:
            f.write("\n# tests/pgcluster.py\n")
            f.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def _start_on_free_port(self, attempts: int = 3) -> None:
        """Start on self.port; another process can take a free port first, so retry."""
        for attempt in range(attempts):
            self._configure({"port": str(self.port)})
            try:
                self.start()
                return
            except PostgresError as e:
                if attempt == attempts - 1 or "could not bind" not in str(e):
                    raise
                self.port = free_port()

    def _chown(self, path: Path) -> None:
        if self.account is not None:
            os.chown(path, self.account.pw_uid, self.account.pw_gid)

    def _run(self, args: list[str], *, env: dict[str, str] | None = None, check: bool = True,
             log_of: Cluster | None = None) -> subprocess.CompletedProcess[str]:
        """Run a PostgreSQL program as the server's user, with a timeout.

        A failure raises PostgresError with the program's output and the tail of the server
        log (of log_of, when the server that matters is another one).
        """
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        # PG* variables of the caller (PGHOST, PGDATA, ...) must not redirect our commands
        clean = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        clean.update({"LC_ALL": "C.UTF-8", **(env or {})})
        as_user: dict[str, Any] = {}
        if self.account is not None:
            clean["HOME"] = self.account.pw_dir
            as_user = {"user": self.account.pw_uid, "group": self.account.pw_gid,
                       "extra_groups": []}
        try:
            result = subprocess.run(cmd, cwd=self.root, env=clean, capture_output=True,
                                    text=True, timeout=COMMAND_TIMEOUT, **as_user)
        except subprocess.TimeoutExpired as e:
            raise PostgresError(f"{' '.join(args)} timed out after {COMMAND_TIMEOUT} s\n"
                                + (log_of or self).log_tail()) from e
        if check and result.returncode != 0:
            raise PostgresError(
                f"{' '.join(args)} exited with {result.returncode}\n"
                f"stdout: {result.stdout}\nstderr: {result.stderr}\n"
                + (log_of or self).log_tail())
        return result


def dbname_of(url: str) -> str:
    """The database name of a URL create_database() made, e.g. for replica.url(...)."""
    return url.rsplit("/", 1)[1]


def _new_root(base_dir: Path | None, prefix: str) -> Path:
    """A fresh folder for one cluster, owned by the server's user, who must be able to reach it.
    """
    root = Path(tempfile.mkdtemp(prefix=prefix, dir=base_dir))
    account = server_account()
    if account is not None:
        os.chown(root, account.pw_uid, account.pw_gid)
        reachable = subprocess.run(["test", "-w", str(root)], user=account.pw_uid,
                                   group=account.pw_gid, extra_groups=[], timeout=30)
        if reachable.returncode != 0:
            shutil.rmtree(root, ignore_errors=True)
            raise PostgresError(
                f"user {account.pw_name} cannot reach {root}: a folder above it is closed to "
                "other users (pytest's tmp_path under /tmp/pytest-of-root is 0700); "
                "pass base_dir=None for a folder in the system temp dir")
    return root
