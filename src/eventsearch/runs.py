"""What a build or update records about its run, the same for every backend (the
`IndexReport` it returns is in model.py; each backend stores the meta record its way).

Skip records (files that failed, with mtime and size, so the same failure is reported
once), warnings said once per file version, the set-aside files' states, and the meta
record itself (the backend's index format, roots, times).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .model import IndexReport
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

