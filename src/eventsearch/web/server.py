"""Run the web app under waitress, in this process or in several forked worker processes.

Searching is CPU-bound Python: one process answers on one core however many threads
it runs.  With ``workers > 1`` the parent binds the port once and forks that many
workers; each opens the index itself (open files and locks must not cross a fork) and
accepts on the shared socket, so the kernel hands each connection to one of them.  The
parent only watches: it replaces a worker that dies after it started serving, stops
them all if one dies before (that one is broken, a new one would be too), and stops
them on SIGTERM or Ctrl+C.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import signal
import socket
import sys
import warnings
from collections.abc import Callable

from flask import Flask

from ..errors import EventSearchError

# Waitress's default (1 byte) makes the request's thread send the response itself,
# under the connection's lock.  While that thread waits for the GIL between its sends,
# the main loop finds the connection writable but locked and polls again, holding the
# GIL: with 8 clients and cached answers, that spin cut throughput from ~900 to ~150
# requests/s.  With a buffer larger than any answer, the main loop sends each response
# once it is complete.  (The option is deprecated but still in waitress 3.)
SEND_BYTES = 1 << 20


def listen(host: str, port: int) -> socket.socket:
    """The bound socket for host:port (IPv4 or IPv6, whichever the name resolves to)."""
    try:
        family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                      flags=socket.AI_PASSIVE)[0]
        return socket.create_server(address[:2], family=family, backlog=1024)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            why = "something else listens there (another server?); choose another --port"
        else:
            why = f"{exc.strerror or exc}; check --host and --port"
        raise EventSearchError(f"Cannot listen on {host}:{port}: {why}.") from None


def serve(make_app: Callable[[], Flask], sock: socket.socket, threads: int,
          workers: int = 1) -> int:
    """Answer requests on `sock` until stopped; returns the command's exit code."""
    if workers == 1:
        _run_waitress(make_app(), sock, threads)
        return 0
    return _supervise(make_app, sock, threads, workers)


def _run_waitress(app: Flask, sock: socket.socket, threads: int) -> None:
    import waitress

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "queue depth" is noise
    warnings.filterwarnings("ignore", "send_bytes", DeprecationWarning)
    signal.signal(signal.SIGTERM, _interrupt)  # waitress stops on it as on Ctrl+C: exit 0
    waitress.serve(app, sockets=[sock], threads=threads, ident="eventsearch", _quiet=True,
                   send_bytes=SEND_BYTES)


def _supervise(make_app: Callable[[], Flask], sock: socket.socket, threads: int,
               workers: int) -> int:
    running: dict[int, int] = {}  # worker pid -> read end of its "serving" pipe
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in running:
            with contextlib.suppress(ProcessLookupError):  # it ended a moment ago
                os.kill(pid, signal.SIGTERM)

    def start() -> None:
        pid, ready = _fork_worker(make_app, sock, threads)
        running[pid] = ready
        if stopping:  # a signal came while it was being forked
            os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for _ in range(workers):
        start()
    code = 0
    while running:
        pid, status = os.wait()
        ready = running.pop(pid, None)
        if ready is None:
            continue
        served = os.read(ready, 1) == b"1"
        os.close(ready)
        if stopping:
            continue
        if not served:
            print(f"eventsearch: a worker {_exit_reason(status)} before it could serve; "
                  "stopping.", file=sys.stderr)
            stop(signal.SIGTERM, None)
            code = 1
            continue
        print(f"eventsearch: a worker {_exit_reason(status)}; starting another.",
              file=sys.stderr)
        start()
    return code


def _fork_worker(make_app: Callable[[], Flask], sock: socket.socket,
                 threads: int) -> tuple[int, int]:
    """Start a worker; (its pid, a pipe it writes b"1" to once its app is ready)."""
    ready, tell = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    # Held back until the worker has its own handlers: the parent's would stop the others.
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    pid = os.fork()
    if pid:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        os.close(tell)
        return pid, ready
    code = 1
    try:  # the worker: it must never return into the parent's code
        signal.signal(signal.SIGTERM, _interrupt)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        os.close(ready)
        app = make_app()
        os.write(tell, b"1")
        os.close(tell)
        _run_waitress(app, sock, threads)
        code = 0
    except KeyboardInterrupt:
        code = 0
    except BaseException:
        logging.getLogger("eventsearch.serve").exception("worker %d failed", os.getpid())
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _exit_reason(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"was killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exited with code {os.waitstatus_to_exitcode(status)}"
