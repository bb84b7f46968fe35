"""What the CLI prints beyond results: the progress bar, build and update summaries,
grouped warnings, the run log of `reindex`, and snippets styled for a terminal."""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path
from typing import Any

import click

from .present import corrected_query


class ProgressBar:
    """A progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self) -> None:
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if not sys.stderr.isatty():
            return  # click would still print its label: a stray "Indexing" line in logs
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="Indexing", file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def plural(n: int, word: str) -> str:
    """1 -> "1 note", 2 -> "2 notes" (the CLI's words are all regular)."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def report_summary(report: Any, verb: str) -> str:
    langs = ", ".join(f"{lang} {n}" for lang, n in report.by_lang.most_common())
    parts = [f"{verb} {plural(report.notes, 'note')} ({langs or 'none'}) "
             f"in {report.took_s:.1f} s"]
    if not report.full:
        parts.append(f"added {report.added}, updated {report.updated}, "
                     f"removed {report.removed}, moved {report.moved}")
    if report.skipped:
        parts.append(f"skipped {plural(len(report.skipped), 'file')}")
    if report.excluded_drafts:
        parts.append(f"left out {plural(report.excluded_drafts, 'draft')}")
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
            click.echo(f"{verb} {plural(len(paths) - per_reason, 'more file')}: {reason}",
                       err=True)


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


def _when(hit: Any) -> str:
    """A hit's date, else its year (a note with only a year), else "no date"."""
    return hit.date.isoformat() if hit.date else str(hit.year or "no date")


def echo_related(found: Any) -> None:
    """`show --related`: the related notes under the note's text, one line each."""
    for key, heading in (("speakers", "Other talks of its speakers"),
                         ("event", "Also at this event"), ("similar", "Similar notes")):
        hits = getattr(found, key)
        if not hits:
            continue
        click.echo()
        click.echo(click.style(heading, bold=True))
        for hit in hits:
            click.echo(f"  {hit.title or hit.path}  ({_when(hit)}, {hit.lang})")
            click.echo(f"    {hit.path}")
    if not found:
        click.echo()
        click.echo("No related notes.")


# before the first hit with only some of the query's words (the web page's heading too)
LOOSE_DIVIDER = "── Weaker matches ──"


def echo_result(result: Any) -> None:
    """`search` without --json: numbered hits, the count, the top facet values."""
    for message in result.messages:
        click.echo(f"note: {message}", err=True)
    if result.corrections:
        fixed = corrected_query(result.query, [(c["from"], c["to"]) for c in result.corrections])
        click.echo(f"Showing results for: {fixed} (search instead for {result.query} with "
                   "--verbatim)")
    if result.suggestion:
        click.echo(f"Did you mean: {result.suggestion}")
    start = (result.page - 1) * result.per_page
    for n, hit in enumerate(result.hits, start + 1):
        if hit.loose and (n == start + 1 or not result.hits[n - start - 2].loose):
            click.echo(f"{LOOSE_DIVIDER}\n")  # the looser pass's hits follow
        head = click.style(hit.title or hit.path, bold=True)
        details = [_when(hit), hit.lang]
        if hit.draft:
            details.append("draft")
        click.echo(f"{n}. {head}  ({', '.join(details)})")
        if hit.speakers:
            click.echo(f"   speakers: {', '.join(hit.speakers)}")
        if hit.tags:
            click.echo(f"   tags: {', '.join(hit.tags)}")
        click.echo(f"   {hit.path}")
        if hit.snippet:
            click.echo(f"   {terminal_snippet(hit.snippet)}")
        if hit.snippet_url:
            click.echo(f"   ▶ {hit.snippet_url}")
        click.echo()
    some = ("" if result.strict_total is None
            else f", {result.strict_total} matching (almost) all the words well")
    click.echo(f"{plural(result.total, 'note')} matched{some} (page {result.page} of "
               f"{result.pages}, {result.took_ms:.0f} ms).")
    for name, values in result.facets.items():
        if values:
            shown = ", ".join(f"{v.value} ({v.count})" for v in values[:8])
            click.echo(f"  {name}: {shown}")
