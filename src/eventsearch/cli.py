"""The command line: parse options, call one library function, format its output.

Data goes to stdout, progress and diagnostics to stderr.  Exit codes:
0 success (also when nothing matched), 1 error, 2 usage error,
75 (EX_TEMPFAIL) another process is writing the index.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from . import __version__
from .config import Settings, load_settings
from .console import (
    ProgressBar,
    RunLog,
    echo_grouped,
    echo_related,
    echo_result,
    plural,
    report_summary,
)
from .errors import EventSearchError, IndexLocked, QueryError

EX_TEMPFAIL = 75
EPILOG = ("Exit codes: 0 ok (also when nothing matched), 1 error, 2 usage error, "
          "75 index locked by another writer.  Settings are read from --config, "
          "$EVENTSEARCH_CONFIG or ./eventsearch.toml; EVENTSEARCH_INDEX sets the index folder.")


class Context:
    def __init__(self, config: Path | None = None) -> None:
        self.config = config
        self.read_only = False  # set by commands that write nothing: see main()

    def settings(self, **overrides: Any) -> Settings:
        return load_settings(self.config, **overrides)


def run(fn: Any) -> Any:
    """Turn library errors into a one-line message and the documented exit code."""
    try:
        return fn()
    except IndexLocked as exc:
        click.echo(f"eventsearch: {exc}", err=True)
        sys.exit(EX_TEMPFAIL)
    except QueryError as exc:
        raise click.UsageError(str(exc)) from None
    except EventSearchError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"{exc.strerror or exc}: {exc.filename or ''}".strip()) \
            from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=EPILOG)
@click.version_option(__version__, prog_name="eventsearch")
@click.option("--config", type=click.Path(dir_okay=False, path_type=Path),
              help="Configuration file (TOML).")
@click.pass_context
def cli(ctx: click.Context, config: Path | None) -> None:
    """Search tech event notes - meetup reports, conference summaries, talk
    transcripts - in English and German."""
    ctx.ensure_object(Context).config = config


index_option = click.option("--index", "index_dir", type=click.Path(path_type=Path),
                            help="Index folder (default: ./index or $EVENTSEARCH_INDEX).")
json_option = click.option("--json", "as_json", is_flag=True,
                           help="Print one JSON object instead of text.")


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@index_option
@click.option("--workers", type=click.IntRange(0, 64), help="Worker processes (0: one per core).")
@json_option
@click.pass_obj
def index(obj: Context, paths: tuple[Path, ...], index_dir: Path | None, workers: int | None,
          as_json: bool) -> None:
    """Build the index from PATHs (default: corpus/) and swap it in atomically.

    Example: eventsearch index ~/blog/content
    """
    from .backends import open_backend

    settings = obj.settings(index_dir=index_dir, workers=workers, corpus=paths)
    bar = ProgressBar()
    try:
        report = run(lambda: open_backend(settings).build(
            settings.corpus, workers=settings.workers, exclude_drafts=settings.exclude_drafts,
            progress=bar))
    finally:
        bar.close()
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False))
        return
    echo_grouped("skipped", report.skipped)
    echo_grouped("warning", report.new_warnings)
    click.echo(report_summary(report, "Indexed"))


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@index_option
@click.option("--full", is_flag=True, help="Rebuild from scratch (swapped in atomically).")
@click.option("--wait", type=click.FloatRange(0), default=0.0, show_default=True,
              metavar="SECONDS",
              help="Seconds to wait for another writer before giving up with exit code 75.")
@click.option("-v", "--verbose", is_flag=True, help="Print a summary line even on success.")
@json_option
@click.pass_obj
def reindex(obj: Context, paths: tuple[Path, ...], index_dir: Path | None, full: bool,
            wait: float, verbose: bool, as_json: bool) -> None:
    """Bring the index up to date with the notes on disk; safe to run from cron.

    Only added, changed, renamed and deleted files are read (mtime and size
    first, content hash to confirm).  Without PATH it uses the folders the index
    was built from (or the corpus setting when there is no index).  --full, new
    PATHs, or an index built by another version rebuild from scratch into a new
    folder that is swapped in atomically; searches keep working meanwhile.

    Silent on success unless -v or --json.  A note indexed with a warning (say, front
    matter that does not parse) is said once on stderr, by the run that first reads
    that version of the file; the exit code stays 0.  Exit codes: 0 ok; 1 failed (files
    that newly fail to parse are listed on stderr with the reason, and their
    previously indexed version is kept); 75 another process is writing the index
    (nothing was done; retry later or pass --wait).  With log_file set, every
    run appends a summary line, its failures and its new warnings there.

    Example: */15 * * * * eventsearch reindex --index /srv/eventsearch/index
    """
    from .backends import open_backend

    settings = obj.settings(index_dir=index_dir)
    log = RunLog(settings.log_file)

    def work() -> Any:
        try:
            return open_backend(settings).update(
                list(paths) or None, full=full, workers=settings.workers,
                exclude_drafts=settings.exclude_drafts, wait=wait,
                default_roots=settings.corpus)
        except IndexLocked as exc:
            log.write(f"locked (exit {EX_TEMPFAIL}): {exc}")
            raise
        except (EventSearchError, OSError) as exc:
            log.write(f"error: {exc}")
            raise

    report = run(work)
    if report.notice:  # a damaged index was rebuilt: say so even to cron, in one line
        click.echo(f"eventsearch: {report.notice}", err=True)
        log.write(report.notice)
    summary = report_summary(report, "Reindexed" if report.full else "Index holds")
    log.write(summary, *(f"failed {p}: {r}" for p, r in report.failed),
              *(f"warning {p}: {w}" for p, w in report.new_warnings))
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False))
    elif verbose:
        click.echo(summary)
    echo_grouped("warning", report.new_warnings)  # once per file version; exit code 0
    echo_grouped("failed", report.failed)
    if report.failed or log.broken:
        sys.exit(1)


def _parse_day(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    from .query import parse_date_spec

    try:
        since, until = parse_date_spec(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    return since if param.name == "since" else until


@cli.command()
@click.argument("query", default="")
@click.option("--tag", "tags", multiple=True,
              help="Only notes with this tag (repeatable: any of them).")
@click.option("--speaker", "speakers", multiple=True,
              help="Only talks by this speaker (repeatable: any of them).")
@click.option("--event", "events", multiple=True,
              help='Only notes of this event or series ("PyCon US 2019"; repeatable: any of them).')
@click.option("--lang", "langs", multiple=True,
              help="Only notes in this language: en, de (repeatable: any of them).")
@click.option("--year", "years", multiple=True,
              help="Only notes from this year (repeatable: any of them).")
@click.option("--from", "since", callback=_parse_day, metavar="DATE",
              help="Only notes on or after DATE (2019, 2019-05 or 2019-05-03).")
@click.option("--to", "until", callback=_parse_day, metavar="DATE",
              help="Only notes on or before DATE (2019, 2019-05 or 2019-05-03).")
@click.option("--sort", type=click.Choice(["relevance", "date", "oldest"]), default="relevance",
              show_default=True, help="Best match first, newest first, or oldest first.")
@click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True,
              help="Results per page (1-100).")
@click.option("--page", type=click.IntRange(1, 1000), default=1, show_default=True,
              help="Which page of results to print (1-1000).")
@click.option("--no-drafts", is_flag=True, help="Leave drafts out.")
@click.option("--verbatim", is_flag=True,
              help="Search the words as typed: no typo corrections.")
@json_option
@index_option
@click.pass_obj
def search(obj: Context, query: str, tags: tuple[str, ...], speakers: tuple[str, ...],
           events: tuple[str, ...], langs: tuple[str, ...], years: tuple[str, ...],
           since: date | None, until: date | None, sort: str, limit: int, page: int,
           no_drafts: bool, verbatim: bool, as_json: bool, index_dir: Path | None) -> None:
    """Search the index.  QUERY uses the query language described in the README:
    "exact phrase", AND/OR/NOT, -word, speaker:"Julien Simon", tag:aws, lang:de,
    event:"PyCon US 2019",
    date:2019-05, date:2018..2020, wild*cards.

    Example: eventsearch search 'kubernetes deployment' --lang de --json
    """
    obj.read_only = True
    from .model import SearchQuery
    from .search import SearchIndex

    settings = obj.settings(index_dir=index_dir)
    request = SearchQuery(q=query, tags=tags, speakers=speakers, events=events,
                          langs=langs, years=years,
                          since=since, until=until, sort=sort, page=page, per_page=limit,
                          include_drafts=not no_drafts, verbatim=verbatim)
    result = run(lambda: SearchIndex.from_settings(settings).search(request))
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
        return
    echo_result(result)


@cli.command()
@click.argument("note_id")
@click.option("--related", is_flag=True,
              help="Also list other talks of its speakers, of its event, and the most "
                   "similar notes (with --json: a \"related\" object).")
@json_option
@index_option
@click.pass_obj
def show(obj: Context, note_id: str, related: bool, as_json: bool,
         index_dir: Path | None) -> None:
    """Show one note's metadata and plain text.  NOTE_ID is its path in the index, as
    `eventsearch search` prints it (a file name's odd bytes as \\xHH), or the file's
    own relative path.  After `--` an id may start with a dash.

    Example: eventsearch show jekyll/_posts/2017-08-17-aws-summit-berlin.md --json
    """
    obj.read_only = True
    from .search import SearchIndex

    settings = obj.settings(index_dir=index_dir)
    search_index = run(lambda: SearchIndex.from_settings(settings))
    note = run(lambda: _find_note(search_index, note_id))
    if note is None:
        raise click.ClickException(f"No note with id {note_id!r} in the index. "
                                   "Ids are paths as shown by `eventsearch search`.")
    data = note.to_dict()
    found = run(lambda: search_index.related(note)) if related else None
    if as_json:
        if found is not None:
            data["related"] = found.to_dict()
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    for key, value in data.items():
        if key != "text" and value not in (None, [], ""):
            shown = ", ".join(value) if isinstance(value, list) else value
            click.echo(f"{key + ':':15}{shown}")
    click.echo()
    click.echo(note.text)
    if found is not None:
        echo_related(found)


def _find_note(index: Any, note_id: str) -> Any:
    """The note of an id as printed, else of the id taken as a raw file path."""
    from .paths import lookup_keys

    for key in lookup_keys(note_id):
        note = index.get_note(key)
        if note is not None:
            return note
    return None


@cli.command()
@json_option
@index_option
@click.pass_obj
def stats(obj: Context, as_json: bool, index_dir: Path | None) -> None:
    """How many notes, per language and format, drafts, build time, skipped files.

    Example: eventsearch stats --json
    """
    obj.read_only = True
    from .search import SearchIndex

    settings = obj.settings(index_dir=index_dir)
    data = run(lambda: SearchIndex.from_settings(settings).stats())
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    click.echo(f"{data['notes']} notes in {data['index']} (built {data['built_at']}, "
               f"updated {data['updated_at']})")
    click.echo("  languages: " + ", ".join(f"{k} {v}" for k, v in data["by_lang"].items()))
    click.echo("  formats: " + ", ".join(f"{k} {v}" for k, v in data["by_format"].items()))
    click.echo(f"  drafts: {data['drafts']}")
    if data["skipped"]:
        click.echo(f"  skipped {plural(len(data['skipped']), 'file')}:")
        for item in data["skipped"]:
            click.echo(f"    {item['path']}: {item['reason']}")


@cli.command()
@index_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 exposes it to the network).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True,
              help="TCP port to listen on.")
@click.option("--threads", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Requests answered at once by each worker. Searching is CPU-bound under "
                   "one GIL: more threads only share the CPU among more requests (slower "
                   "tails, a reader each); 4 leaves room for requests waiting on the disk.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes sharing the port: one core each. Each holds its own "
                   "copy of the search tables (~250 MB at 21.7k notes).")
@click.pass_obj
def serve(obj: Context, index_dir: Path | None, host: str, port: int, threads: int,
          workers: int) -> None:
    """Serve the web UI and JSON API with waitress (a production WSGI server).

    Without an index, one is built first from the corpus setting (default
    corpus/).  Under another WSGI server: gunicorn 'eventsearch.web:create_app()'.

    Example: eventsearch serve --index /srv/eventsearch/index --port 8080 --workers 2
    """
    from .backends import open_backend

    settings = obj.settings(index_dir=index_dir)
    backend = run(lambda: open_backend(settings))
    if not backend.exists():
        click.echo(f"No index at {settings.index_dir}; building one from "
                   f"{', '.join(map(str, settings.corpus))} first.", err=True)
        report = run(lambda: backend.build(settings.corpus, workers=settings.workers,
                                           exclude_drafts=settings.exclude_drafts))
        click.echo(report_summary(report, "Indexed"), err=True)
    skipped = run(lambda: _skipped(backend))
    echo_grouped("skipped", skipped)  # say which files are not searchable, and why

    from functools import partial

    from .text.synonyms import open_lexicon

    open_lexicon(settings.lexicon)  # the FreeDict table made before the first request

    from .web import create_app
    from .web.server import listen
    from .web.server import serve as serve_app

    sock = run(lambda: listen(host, port))
    processes = f" with {workers} worker processes" if workers > 1 else ""
    click.echo(f"Serving {settings.site_title} on http://{host}:{port}/{processes} "
               "(Ctrl+C to stop)", err=True)
    sys.exit(run(lambda: serve_app(partial(create_app, settings), sock, threads, workers)))


def _skipped(backend: Any) -> list[tuple[str, str]]:
    """The files the index could not read, with the reason, from its stats."""
    backend.open()
    return [(item["path"], item["reason"]) for item in backend.stats().get("skipped", [])]


def main() -> None:
    """The `eventsearch` script.

    After a command that writes nothing (search, show, stats) the process ends with
    os._exit once its output is flushed: tearing down an interpreter that holds an
    open index, numpy and the search tables takes ~0.1 s, a fifth of a CLI search.
    """
    from ._startup import speed_up_imports

    speed_up_imports()  # Whoosh's import without two big modules it never uses
    state = Context()
    try:
        cli.main(prog_name="eventsearch", obj=state)
    except SystemExit as exc:
        if not state.read_only:
            raise
        code = exc.code
        if isinstance(code, str):  # what Python itself would print before exiting 1
            print(code, file=sys.stderr)
            code = 1
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except OSError:  # a closed pipe (`eventsearch search x | head`), a full disk
            code = code or 1
        os._exit(code or 0)
