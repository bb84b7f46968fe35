"""Where an index lives on disk, and opening it for reading.

Layout of the index directory::

    index/
      current -> gen-20261122T101500-ab12cd   (symlink, replaced atomically)
      gen-20261122T101500-ab12cd/             (a complete Whoosh index + eventsearch.json)
      writer.lock                             (fcntl lock held by whoever writes)

A full build writes a new generation beside the live one and swaps the symlink
with one rename, so a reader sees the old index or the new one, never half of
one.  Incremental updates commit into the current generation; Whoosh's own
commit is atomic (it renames its table of contents into place).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from .errors import IndexMissing, SchemaMismatch
from .schema import INDEX_FORMAT

CURRENT = "current"
META_FILE = "eventsearch.json"
LOCK_FILE = "writer.lock"


def current_generation(index_dir: Path) -> Path | None:
    """The directory of the live generation, or None when nothing was built yet."""
    link = index_dir / CURRENT
    try:
        target = os.readlink(link)
    except OSError:
        return None
    gen = index_dir / target
    return gen if gen.is_dir() else None


def read_meta(gen_dir: Path) -> dict[str, Any]:
    try:
        return json.loads((gen_dir / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_meta(gen_dir: Path, meta: dict[str, Any]) -> None:
    """Write atomically: a reader never sees half a file."""
    tmp = gen_dir / (META_FILE + ".tmp")
    tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, gen_dir / META_FILE)


def open_index(index_dir: Path) -> tuple[whoosh_index.Index, Path]:
    """Open the live generation for reading; say how to fix it when that is impossible."""
    gen = current_generation(index_dir)
    if gen is None or not whoosh_index.exists_in(str(gen)):
        raise IndexMissing(
            f"No index at {index_dir}. Build one with `eventsearch index PATH` "
            "(or set EVENTSEARCH_INDEX to where it is)."
        )
    built_with = read_meta(gen).get("format")
    if built_with != INDEX_FORMAT:
        raise SchemaMismatch(
            f"The index at {index_dir} was built by another version of eventsearch "
            f"(format {built_with}, this one reads {INDEX_FORMAT}). "
            "Rebuild it with `eventsearch reindex --full`."
        )
    return whoosh_index.open_dir(str(gen)), gen
