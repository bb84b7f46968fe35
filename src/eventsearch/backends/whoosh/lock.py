"""One writer at a time, and worker processes that never outlive or outlock it.

The writer lock is an OS-level flock() on a file in the index folder, released by the
kernel when its holder dies.  Forked workers drop their copies of the lock descriptors
and ask Linux to kill them when the parent dies (`_init_worker`; the part every backend's
workers share is `readers.load.init_worker`).
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from ...errors import IndexLocked
from ...readers.load import init_worker
from .storage import (
    LOCK_FILE,
)

_LOCK_FDS: set[int] = set()  # lock descriptors held here, closed in forked workers


@contextmanager
def writer_lock(index_dir: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold the index's writer lock; raise IndexLocked if another process has it.

    flock() is released by the kernel when the holder dies, so a crashed
    reindex never blocks the next one (unlike a PID file).
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(index_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexLocked(
                        f"Another eventsearch process is writing the index at {index_dir}; "
                        "try again later (or pass --wait SECONDS)."
                    ) from None
                time.sleep(0.1)
        _LOCK_FDS.add(fd)
        yield
    finally:
        _LOCK_FDS.discard(fd)
        os.close(fd)  # closing the last descriptor releases the lock


def _init_worker(parent: int) -> None:
    """First thing in each forked reader: never outlive, or outlock, the indexer.

    A forked child inherits the lock descriptors (ours and Whoosh's
    MAIN_WRITELOCK); if it outlived a SIGKILLed parent, the next reindex would
    find the index locked.  So the child drops its copies and asks Linux to
    kill it when the parent dies.  Ctrl-C is the parent's to handle.
    """
    for fd in list(_LOCK_FDS):
        with suppress(OSError):
            os.close(fd)  # only this process's copy: the parent keeps the lock
    _LOCK_FDS.clear()
    init_worker(parent)

