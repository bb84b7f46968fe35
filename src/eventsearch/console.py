"""What the CLI prints beyond results: the progress bar, build and update summaries,
grouped warnings, the run log of `reindex`, and snippets styled for a terminal."""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path
from typing import Any

import click


class ProgressBar:
    """A progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self) -> None:
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="Indexing", file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def report_summary(report: Any, verb: str) -> str:
    langs = ", ".join(f"{lang} {n}" for lang, n in report.by_lang.most_common())
    parts = [f"{verb} {report.notes} notes ({langs or 'none'}) in {report.took_s:.1f} s"]
    if not report.full:
        parts.append(f"added {report.added}, updated {report.updated}, "
                     f"removed {report.removed}, moved {report.moved}")
    if report.skipped:
        parts.append(f"skipped {len(report.skipped)} files")
    if report.excluded_drafts:
        parts.append(f"left out {report.excluded_drafts} drafts")
    return "; ".join(parts) + "."


def echo_grouped(verb: str, items: list[tuple[str, str]], per_reason: int = 5) -> None:
    """One line per file, but at most a few per reason: 540 identical lines help nobody."""
    by_reason: dict[str, list[str]] = {}
    for path, reason in items:
        by_reason.setdefault(reason, []).append(path)
    for reason, paths in by_reason.items():
        for path in paths[:per_reason]:
            click.echo(f"{verb} {path}: {reason}", err=True)
        if len(paths) > per_reason:
            click.echo(f"{verb} {len(paths) - per_reason} more files: {reason}", err=True)


class RunLog:
    """Lines appended to the log_file setting, each stamped with the local time.

    A log that cannot be written is reported on stderr (and makes the run exit 1),
    since nobody would otherwise notice that it stays empty.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.broken = False

    def write(self, *lines: str) -> None:
        if self.path is None or self.broken:
            return
        from datetime import datetime

        stamp = datetime.now().astimezone().isoformat(timespec="seconds")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as log:
                log.writelines(f"{stamp} {line}\n" for line in lines)
        except OSError as exc:
            self.broken = True
            click.echo(f"eventsearch: cannot write the log file {self.path}: "
                       f"{exc.strerror or exc}", err=True)


def terminal_snippet(snippet_html: str) -> str:
    marked = re.sub(r"<mark>(.*?)</mark>", lambda m: click.style(m[1], bold=True, underline=True),
                    snippet_html)
    return html.unescape(marked)
