"""What a build or update records about its run, the same for every backend (the
`IndexReport` it returns is in model.py; each backend stores the meta record its way).

Skip records (files that failed, with mtime and size, so the same failure is reported
once), warnings said once per file version, the set-aside files' states, and the meta
record itself (the backend's index format, roots, times).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .errors import EventSearchError
from .model import IndexReport
from .readers import note_depends_on
from .readers.scan import FileInfo

# A file modified this close to (or after) the start of the scan that indexed it may
# have changed again within the same mtime tick: confirm it by hash next time (git's
# "racy clean" rule; 2 s covers FAT and other coarse timestamps).
RACY_S = 2.0


def aside_changes(aside: Mapping[str, FileInfo], old: dict[str, Any] | None,
                   racy_from: float) -> tuple[dict[str, Any], set[str]]:
    """The set-aside files' states (path -> [mtime, size, sha1]) and the paths of those
    changed, added or removed since ``old`` was recorded (mtime and size first, the hash
    to confirm, as for notes).  Without ``old`` (an index from before they were recorded)
    today's states become the baseline."""
    states: dict[str, Any] = {}
    changed: set[str] = set()
    for key, (path, mtime, size) in aside.items():
        known = old.get(key) if old is not None else None
        if known and known[:2] == [mtime, size] and mtime < racy_from:
            states[key] = known
            continue
        states[key] = [mtime, size, file_sha1(path)]
        if old is not None and (not known or known[2] != states[key][2]):
            changed.add(key)
    if old is not None:
        changed.update(set(old) - set(aside))
    return states, changed


def skip_record(info: FileInfo, reason: str | None) -> dict[str, Any]:
    """What the meta keeps of a file that was skipped: why, and its mtime and size."""
    _, mtime, size = info
    return {"reason": reason or "unreadable",
            "mtime": mtime if size >= 0 else None, "size": size if size >= 0 else None}


def _same_skip(old: dict[str, Any] | None, new: dict[str, Any]) -> bool:
    """The same file failing for the same reason as last time (already reported)."""
    if not old:
        return False
    return new["size"] is not None and all(
        old.get(k) == new[k] for k in ("reason", "mtime", "size"))


def new_failure(old: dict[str, Any] | None, new: dict[str, Any]) -> bool:
    """A skip to report as a failure: not one reported before.  (Files that are not notes,
    such as pyvideo's category.json, never get this far: `set_aside` takes them out.)"""
    return not _same_skip(old, new)


def say_warnings(report: IndexReport, files: Mapping[str, FileInfo],
                  known: Mapping[str, Any], warned: dict[str, Any]) -> None:
    """Record the warnings of the files read in this run in ``warned`` (path -> [mtime,
    size, warnings], kept in the meta) and list in ``report.new_warnings`` those not said
    before: a warning is said once per file version, even when a rebuild reads it again."""
    found: dict[str, list[str]] = {}
    for key, warning in report.warnings:
        found.setdefault(key, []).append(warning)
    for key, warnings in found.items():
        record = [files[key][1], files[key][2], warnings]
        warned[key] = record
        if known.get(key) != record:
            report.new_warnings.extend((key, w) for w in warnings)


def run_meta(roots: Sequence[Path], exclude_drafts: bool, report: IndexReport,
             skipped: dict[str, Any], scanned_at: float, previous: dict[str, Any], *,
             built: bool, index_format: str) -> dict[str, Any]:
    """The meta record after this run: ``previous`` updated with the backend's
    ``index_format``, the roots, the times, the skips and the run's report."""
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    meta = dict(previous)
    meta.update({
        "format": index_format, "roots": [str(r) for r in roots],
        "exclude_drafts": exclude_drafts, "checked_at": now, "scanned_at": scanned_at,
        "skipped": skipped,
        "last_run": report.to_dict() | {"skipped": len(report.skipped),
                                        "warnings": len(report.warnings),
                                        "new_warnings": len(report.new_warnings)},
    })
    if report.committed:
        meta["updated_at"] = now
    if built:
        meta["built_at"] = now
    return meta


def file_sha1(path: str) -> str | None:
    """The file's SHA-1 (hex), None when it cannot be read."""
    try:
        with open(path, "rb") as f:
            return hashlib.sha1(f.read()).hexdigest()
    except OSError:
        return None



@dataclass
class Changes:
    """What an incremental run must do, by comparing the folder with the index."""

    todo: list[str]  # keys to read: new, changed, or depending on a changed aside file
    gone: list[str]  # indexed keys no longer on disk
    skipped: dict[str, Any]  # still broken as last reported: not read again
    touched: dict[str, list[float]]  # mtime or size changed, content not: [mtime, size]
    hashed: int  # files whose content had to be hashed
    aside: dict[str, Any]  # the set-aside files' states, for the run's meta


def find_changes(roots: Sequence[Path], files: Mapping[str, FileInfo],
                 aside: Mapping[str, FileInfo], indexed: Mapping[str, tuple[Any, ...]],
                 meta: Mapping[str, Any], report: IndexReport,
                 old_touched: Mapping[str, list[float]] | None = None) -> Changes:
    """Which notes changed since the last run.  No notes under ``roots`` while the index
    holds some is refused: an unmounted share or an emptied folder is almost surely not
    what cron should apply.  Same mtime and size means unchanged
    (unless the file changed within ``RACY_S`` of the last scan: then the hash decides);
    otherwise the content hash decides.  ``indexed``: key -> (mtime, size, sha1, ...);
    ``old_touched``: files a backend remembers as touched, not changed (Whoosh keeps
    them apart; PostgreSQL updates the row's mtime instead).  Broken files already
    reported are added to ``report.skipped`` and not read again."""
    if not files and indexed:
        raise EventSearchError(
            f"Found no notes under {', '.join(map(str, roots))}, but the index holds "
            f"{len(indexed)}; not emptying it. Run `eventsearch reindex --full` if that "
            "is what you want.")
    old_touched = old_touched or {}
    old_skips: dict[str, Any] = meta.get("skipped", {})
    racy_from = float(meta.get("scanned_at", 0.0)) - RACY_S
    skipped: dict[str, Any] = {}
    touched: dict[str, list[float]] = {}
    todo: list[str] = []
    hashed = 0
    for key, info in files.items():
        path, mtime, size = info
        if size < 0:
            todo.append(key)  # cannot stat: reading it will say why
            continue
        racy = mtime >= racy_from
        known = indexed.get(key)
        if known:
            was_touched = old_touched.get(key) == [mtime, size]
            if not racy and (was_touched or (known[0], known[1]) == (mtime, size)):
                if was_touched:
                    touched[key] = [mtime, size]
                continue
            hashed += 1
            if file_sha1(path) == known[2]:
                if (known[0], known[1]) != (mtime, size):
                    touched[key] = [mtime, size]  # touched, not changed
                continue
        old = old_skips.get(key)
        if not racy and old and (old["mtime"], old["size"]) == (mtime, size):
            skipped[key] = old  # still broken, already reported (old version kept if any)
            report.skipped.append((key, old["reason"]))
            continue
        todo.append(key)
    aside_states, aside_changed = aside_changes(aside, meta.get("aside"), racy_from)
    if aside_changed:  # e.g. an edited category.json: re-read its talks for their event
        again = {k for k in indexed.keys() & files.keys() if note_depends_on(k) in aside_changed}
        todo = sorted(again.union(todo))
    gone = sorted(set(indexed) - set(files))
    report.unchanged = len(indexed) - len(gone) - sum(1 for k in todo if k in indexed)
    return Changes(todo, gone, skipped, touched, hashed, aside_states)
