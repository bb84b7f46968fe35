"""Reading segment files through one shared memory map, without copying them.

Whoosh maps each segment file once per reader and opens its parts (terms, postings,
stored fields) as copies in the heap; the classes here give it views over one map per
file instead.  ``install_fast_reads`` puts them in place; the storage module calls it
wherever an index is opened or created.
"""

from __future__ import annotations

import mmap
import os
import threading
import weakref
from typing import Any

from whoosh.filedb import compound
from whoosh.filedb.structfile import BufferFile


class _MapView:
    """A read-only file over a memoryview, without copying it.

    Whoosh opens each part of a memory-mapped segment (terms, postings, stored
    fields) as ``BytesIO(memoryview)``, which copies the whole part into the heap:
    ~70 ms and ~100 MB per reader at 21.7k notes, paid again at every refresh, for a
    file that is mostly never read.  This gives Whoosh the same read/seek/tell over
    the map itself, so only the pages a search touches are ever read.
    """

    __slots__ = ("_buf", "_pos")

    def __init__(self, buf: memoryview) -> None:
        self._buf = buf
        self._pos = 0

    def read(self, n: int | None = -1) -> bytes:
        start = self._pos
        end = len(self._buf) if n is None or n < 0 else min(start + n, len(self._buf))
        self._pos = max(start, end)
        return bytes(self._buf[start:end])

    def readinto(self, target: Any) -> int:
        data = self.read(len(target))
        target[:len(data)] = data
        return len(data)

    def readline(self, limit: int = -1) -> bytes:
        buf, start = self._buf, self._pos
        end = len(buf) if limit is None or limit < 0 else min(start + limit, len(buf))
        for i in range(start, end):
            if buf[i] == 10:  # b"\n"
                end = i + 1
                break
        self._pos = end
        return bytes(buf[start:end])

    def seek(self, pos: int, whence: int = 0) -> int:
        base = (0, self._pos, len(self._buf))[whence]
        self._pos = max(0, base + pos)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        pass


class _MappedFile(BufferFile):
    """Whoosh's BufferFile reading through a :class:`_MapView` instead of a copy."""

    def __init__(self, buf: Any, name: str | None = None, onclose: Any = None) -> None:
        super().__init__(b"", name=name, onclose=onclose)
        self._buf = buf
        self.file = _MapView(buf)


class _SharedMap(mmap.mmap):
    """A segment's memory map, shared by every reader of it in the process.

    Its ``close()`` does nothing: other readers may still use it; it is unmapped
    when the last reader lets go of it.
    """

    def close(self) -> None:
        pass


class _SharedMaps:
    """Stands in for the ``mmap`` module inside Whoosh's CompoundStorage.

    Each Whoosh reader maps its segment files anew, and a server keeps a reader
    per thread: 8 threads mapped the same 100 MB index 8 times, and every page
    a search touched counted once per mapping in the server's RSS (700+ MB for
    ~300 MB of real memory).  One map per file (device, inode, size, mtime) is
    handed to every reader instead; each reader still reads through its own
    :class:`_MapView` with its own position.
    """

    error = OSError  # what mmap.error is
    ACCESS_READ = mmap.ACCESS_READ

    def __init__(self) -> None:
        self._maps: weakref.WeakValueDictionary[tuple[int, ...], _SharedMap] = \
            weakref.WeakValueDictionary()
        self._lock = threading.Lock()

    def mmap(self, fileno: int, length: int, access: int = mmap.ACCESS_READ) -> _SharedMap:
        st = os.fstat(fileno)
        key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, length, access)
        with self._lock:
            shared = self._maps.get(key)
            if shared is None:
                shared = self._maps[key] = _SharedMap(fileno, length, access=access)
            return shared


_SHARED_MAPS = _SharedMaps()


def install_fast_reads() -> None:
    """Make Whoosh read segment files through one shared map and without copies.

    CompoundStorage (the reader of a segment file) maps its file with ``compound.mmap``
    and makes its sub-files with ``compound.BufferFile``; both are replaced here.
    Called wherever an index is opened or created (idempotent, cheap), so importing
    this module patches nothing; tests/test_storage.py checks that a search reads
    through both.
    """
    if compound.mmap is not _SHARED_MAPS:
        compound.mmap = _SHARED_MAPS
    if compound.BufferFile is not _MappedFile:
        compound.BufferFile = _MappedFile


def fast_reads_installed() -> bool:
    """Whether :func:`install_fast_reads` is in place (for tests and diagnostics)."""
    return compound.mmap is _SHARED_MAPS and compound.BufferFile is _MappedFile
