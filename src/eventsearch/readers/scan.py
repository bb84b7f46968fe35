"""Listing a corpus: every note file under the roots, with mtime and size, in path order.

`scan_corpus` is what builds and updates compare with the index; `set_aside` separates
the files that are never notes (pyvideo's category.json and the like) from the rest.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..errors import EventSearchError
from ..paths import path_key
from . import SUFFIXES, not_a_note

FileInfo = tuple[str, float, int]  # (absolute path, mtime, size); size -1: cannot stat


def scan_corpus(roots: Sequence[Path]) -> dict[str, FileInfo]:
    """Every note file under the roots, sorted, keyed by its path relative to the indexed
    root (the common parent when there are several roots), with mtime and size.
    Keys are `paths.path_key`s (any file name, as a safe string); the FileInfo keeps the
    real path for reading.

    Dotfiles and dot-dirs are skipped, symlinked folders not followed; one scandir pass
    and no pathlib: the no-change reindex of 21.7k notes spends most of its time here.
    """
    roots = [r.resolve() for r in roots]
    for root in roots:
        if not root.exists():
            raise EventSearchError(f"No such file or directory: {root}")
    base = roots[0] if len(roots) == 1 else Path(os.path.commonpath(roots))
    if len(roots) == 1 and roots[0].is_file():
        base = roots[0].parent
    found: dict[str, FileInfo] = {}
    for root in roots:
        rel = path_key(root.relative_to(base).as_posix())
        if root.is_file():
            found[rel] = _stat(str(root))
            continue
        stack = [(str(root), "" if rel == "." else rel + "/")]
        while stack:
            folder, prefix = stack.pop()
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue  # vanished or unreadable folder: as os.walk does
            for entry in entries:
                name = entry.name
                if name.startswith("."):
                    continue
                if entry.is_dir():
                    if not entry.is_symlink():
                        stack.append((entry.path, prefix + path_key(name) + "/"))
                elif os.path.splitext(name)[1].lower() in SUFFIXES:
                    found[prefix + path_key(name)] = _stat(entry.path, entry)
    return dict(sorted(found.items()))


def _stat(path: str, entry: os.DirEntry[str] | None = None) -> FileInfo:
    try:
        st = entry.stat() if entry is not None else os.stat(path)
    except OSError:
        return path, -1.0, -1
    return path, st.st_mtime, st.st_size


def set_aside(found: Mapping[str, FileInfo]) -> tuple[dict[str, FileInfo], dict[str, FileInfo]]:
    """(notes, the rest): files known not to be notes (pyvideo's category.json, .DS_Store
    and the like) are never read as notes, skipped or reported.  Their state is kept in
    the meta (``aside``) because notes may take data from them (see `runs.aside_changes`)."""
    notes: dict[str, FileInfo] = {}
    aside: dict[str, FileInfo] = {}
    for key, info in found.items():
        (notes if not_a_note(key) is None else aside)[key] = info
    return notes, aside


def corpus_files(roots: Sequence[Path]) -> dict[str, Path]:
    """Every note file under the roots, keyed like `scan_corpus`."""
    return {key: Path(info[0]) for key, info in scan_corpus(roots).items()}

