"""The command line: exit codes, the JSON shapes, and the seed notes read through it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata

import click
import pytest
from click.testing import CliRunner

from eventsearch.cli import cli

from .conftest import SAMPLE_CORPUS, require_shared

HIT_KEYS = {"id", "path", "title", "date", "lang", "tags", "speakers", "author", "event", "url",
            "draft", "score", "snippet"}


def invoke(*args, env=None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


@pytest.mark.parametrize("command", ["index", "reindex", "search", "show", "stats"])
def test_every_command_has_help(command):
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.stdout


def test_python_dash_m_works():
    out = subprocess.run([sys.executable, "-m", "eventsearch", "--help"], capture_output=True,
                         text=True, check=True)
    assert "Exit codes" in out.stdout


def test_index_prints_a_summary_and_reports_broken_files(tmp_path):
    result = invoke("index", str(SAMPLE_CORPUS), "--index", str(tmp_path / "ix"))
    assert result.exit_code == 0
    assert "Indexed 42 notes" in result.stdout
    assert "skipped broken/empty.md: empty file" in result.stderr
    assert "broken/binary.txt" in result.stderr
    assert ("warning broken/bad-front-matter.md: front matter does not parse: not valid YAML "
            "(line 6: found unexpected end of stream); indexed from the body") in result.stderr


def test_index_json_summary(tmp_path):
    result = invoke("index", str(SAMPLE_CORPUS), "--index", str(tmp_path / "ix"), "--json")
    report = json.loads(result.stdout)
    assert report["notes"] == 42
    assert {s["path"] for s in report["skipped"]} >= {"broken/empty.md", "broken/binary.txt"}
    assert set(report["by_lang"]) == {"en", "de"}


def test_search_json_shape(corpus_index):
    result = invoke("search", "kubernetes", "--index", str(corpus_index), "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert {"query", "total", "page", "per_page", "hits", "facets"} <= set(data)
    assert data["query"] == "kubernetes" and data["total"] >= len(data["hits"]) > 0
    for hit in data["hits"]:
        assert set(hit) >= HIT_KEYS
        assert hit["id"] == hit["path"]
    assert {"tag", "speaker", "lang", "year"} <= set(data["facets"])
    for values in data["facets"].values():
        for v in values:
            assert {"value", "count"} <= set(v)


def test_search_filters_from_the_command_line(corpus_index):
    result = invoke("search", "", "--index", str(corpus_index), "--json", "--lang", "de",
                    "--from", "2019", "--to", "2021-06", "--limit", "50")
    data = json.loads(result.stdout)
    assert data["total"] > 0
    for hit in data["hits"]:
        assert hit["lang"] == "de" and "2019-01-01" <= hit["date"] <= "2021-06-30"


def test_no_match_is_success(corpus_index):
    result = invoke("search", "zzqxjv", "--index", str(corpus_index), "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["total"] == 0


def test_human_output_lists_hits_and_facets(corpus_index):
    result = invoke("search", "Vortrag", "--index", str(corpus_index))
    assert result.exit_code == 0
    assert "1. " in result.stdout and "notes matched" in result.stdout
    assert "speaker:" in result.stdout


def test_missing_index_is_exit_1_with_a_fix(tmp_path):
    result = invoke("search", "x", "--index", str(tmp_path / "none"))
    assert result.exit_code == 1
    assert "eventsearch index" in result.stderr
    assert "Traceback" not in result.output


def test_usage_errors_are_exit_2(corpus_index):
    assert invoke("search", "x", "--index", str(corpus_index), "--limit", "0").exit_code == 2
    bad_date = invoke("search", "x", "--index", str(corpus_index), "--from", "yesterday")
    assert bad_date.exit_code == 2 and "not a date" in bad_date.stderr
    assert invoke("nonsense").exit_code == 2


def test_bad_query_is_explained_not_fatal(corpus_index):
    result = invoke("search", 'foo:bar "unclosed', "--index", str(corpus_index), "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["messages"]


def test_index_of_a_missing_folder_is_exit_1(tmp_path):
    result = invoke("index", str(tmp_path / "nope"), "--index", str(tmp_path / "ix"))
    assert result.exit_code == 1 and "No such file or directory" in result.stderr


def test_env_variable_selects_the_index(corpus_index):
    result = invoke("stats", "--json", env={"EVENTSEARCH_INDEX": str(corpus_index)})
    assert json.loads(result.stdout)["notes"] == 42


def test_stats_json(corpus_index):
    data = json.loads(invoke("stats", "--json", "--index", str(corpus_index)).stdout)
    assert data["notes"] == 42
    assert set(data["by_lang"]) == {"en", "de"}
    assert data["by_format"]["pyvideo"] == 4
    assert data["drafts"] == 2
    assert data["built_at"]
    # pyvideo/somecon-2019/category.json is not a note: not a skipped one either
    assert {s["path"] for s in data["skipped"]} == {"broken/empty.md", "broken/binary.txt"}


def test_show_json_and_unknown_id(corpus_index):
    ok = invoke("show", "pelican/content/report-2020-10.md", "--json", "--index",
                str(corpus_index))
    note = json.loads(ok.stdout)
    assert note["lang"] == "de" and note["text"]
    missing = invoke("show", "no/such.md", "--index", str(corpus_index))
    assert missing.exit_code == 1 and "No note" in missing.stderr


# -- the seed expectations, read through the CLI ----------------------------------------

def _norm(value: str) -> str:
    return unicodedata.normalize("NFC", value).casefold().strip()


@pytest.fixture(scope="module")
def seeds_index(tmp_path_factory):
    shared = require_shared()
    index_dir = tmp_path_factory.mktemp("seeds")
    assert invoke("index", str(shared / "corpora" / "seeds"), "--index",
                  str(index_dir)).exit_code == 0
    return index_dir, json.loads((shared / "eval" / "seeds-expected.json").read_text())


def _check(name, expected, actual):
    if isinstance(expected, dict) and "any_of" in expected:
        assert _norm(str(actual)) in {_norm(v) for v in expected["any_of"]}, name
    elif isinstance(expected, dict) and "includes" in expected:
        assert {_norm(v) for v in expected["includes"]} <= {_norm(v) for v in actual}, name
    elif isinstance(expected, dict) and "equals" in expected:
        assert {_norm(v) for v in expected["equals"]} == {_norm(v) for v in actual}, name
    elif isinstance(expected, dict) and "contains" in expected:
        assert expected["contains"] in (actual or ""), name
    elif isinstance(expected, bool):
        assert actual is expected, name
    else:
        assert _norm(str(actual)) == _norm(str(expected)), name


SEEDS = ["hugo-meetup.md", "jekyll-summit.md", "plain-report.md", "pelican-de.md",
         "youtube-transcript.txt"]


@pytest.mark.parametrize("seed", SEEDS)
def test_seed_expectations_through_show_json(seeds_index, seed):
    index_dir, expected = seeds_index
    note = json.loads(invoke("show", seed, "--json", "--index", str(index_dir)).stdout)
    for key, want in expected[seed].items():
        if key == "not_speakers":
            assert not {_norm(v) for v in want} & {_norm(v) for v in note["speakers"]}
        elif key == "body_excludes":
            for fragment in want:
                assert fragment not in note["text"], fragment
        else:
            _check(f"{seed}: {key}", want, note[key])


def test_seeds_are_found_through_search_json(seeds_index):
    index_dir, _ = seeds_index
    data = json.loads(invoke("search", "SageMaker", "--json", "--index", str(index_dir)).stdout)
    assert data["hits"][0]["path"] == "youtube-transcript.txt"
    assert data["hits"][0]["speakers"] == ["Ian Massingham"]
    data = json.loads(invoke("search", 'speaker:"Julien Simon"', "--json", "--index",
                             str(index_dir)).stdout)
    assert [h["path"] for h in data["hits"]] == ["hugo-meetup.md"]


def test_no_warnings_printed_on_a_clean_run(tmp_path):
    env = {**os.environ, "PYTHONWARNINGS": "default"}
    out = subprocess.run([sys.executable, "-m", "eventsearch", "index", str(SAMPLE_CORPUS),
                          "--index", str(tmp_path / "ix")], capture_output=True, text=True,
                         env=env, check=True)
    noise = [line for line in out.stderr.splitlines()
             if not line.startswith(("skipped ", "warning "))]  # eventsearch's own reports
    assert noise == [] or noise == ["Indexing"], noise


def test_read_only_commands_exit_fast_but_complete(tmp_path):
    """search/show/stats end with os._exit (see cli.main): output must still arrive whole,
    and exit codes must be the documented ones."""
    index_dir = tmp_path / "ix"
    subprocess.run([sys.executable, "-m", "eventsearch", "index", str(SAMPLE_CORPUS),
                    "--index", str(index_dir)], capture_output=True, check=True)

    def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "eventsearch", *args, "--index",
                               str(index_dir)], capture_output=True, text=True)

    out = run_cli("search", "", "--limit", "100", "--json")
    data = json.loads(out.stdout)
    assert out.returncode == 0 and len(data["hits"]) == min(100, data["total"]) > 40
    out = run_cli("show", "nope.md")
    assert out.returncode == 1 and "nope.md" in out.stderr
    out = run_cli("search", "python", "--page", "0")
    assert out.returncode == 2 and "--page" in out.stderr
    out = run_cli("stats", "--json")
    assert out.returncode == 0 and json.loads(out.stdout)["notes"] == data["total"]


def test_searching_imports_neither_urllib_request_asyncio_nor_langdetect(corpus_index, tmp_path):
    """A CLI search starts faster without them (eventsearch/_startup.py, language.py);
    both stay importable as the real modules, and what Whoosh and cached_property use
    of them still works."""
    source = tmp_path / "talk.txt"
    source.write_text("kept\n")
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from eventsearch._startup import speed_up_imports\n"
        "speed_up_imports()  # what cli.main does first\n"
        "from eventsearch.model import SearchQuery\n"
        "from eventsearch.search import SearchIndex\n"
        "import eventsearch.cli\n"
        f"assert SearchIndex(Path({str(corpus_index)!r})).search(SearchQuery(q='python')).total\n"
        "for name in ('urllib.request', 'http.client', 'asyncio', 'ssl', 'langdetect'):\n"
        "    assert name not in sys.modules, name\n"
        "import asyncio, cached_property, urllib.request, whoosh.compat\n"
        "assert urllib.request.Request and cached_property.asyncio.sleep is asyncio.sleep\n"
        f"path, _ = whoosh.compat.urlretrieve({source.as_uri()!r}, {str(tmp_path / 'copy')!r})\n"
        "print(open(path).read().strip())\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "kept"


def test_utf16_and_utf32_notes_are_indexed_and_found_by_their_words(tmp_path):
    """A German note saved as UTF-16/32 (with and without BOM, either byte order) is
    searchable by its umlaut words, under its own title; nothing is skipped."""
    text = ("---\ntitle: Grüße vom Datenbank-Stammtisch\n---\n\nIn Köln ging es um "
            "Schlüsselverwaltung und Größenänderungen.\n")
    encodings = ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"]
    corpus = tmp_path / "notes"
    corpus.mkdir()
    for encoding in encodings:
        (corpus / f"{encoding}.md").write_bytes(text.encode(encoding))
    index_dir = str(tmp_path / "ix")
    report = json.loads(invoke("index", str(corpus), "--index", index_dir, "--json").stdout)
    assert (report["notes"], report["skipped"], report["warnings"]) == (6, [], [])
    for query in ("Schlüsselverwaltung", "Grössenänderung", "Grüße Köln"):
        found = json.loads(invoke("search", query, "--json", "--index", index_dir).stdout)
        assert sorted(h["path"] for h in found["hits"]) == sorted(f"{e}.md" for e in encodings)
        assert {h["title"] for h in found["hits"]} == {"Grüße vom Datenbank-Stammtisch"}
        assert {h["lang"] for h in found["hits"]} == {"de"}


def test_importing_eventsearch_patches_nothing():
    """The startup stand-ins are the CLI's alone: a library user or the web server
    importing eventsearch and Whoosh gets the real modules everywhere."""
    script = (
        "import sys, eventsearch, eventsearch.search\n"
        "import whoosh.reading, whoosh.compat, cached_property, asyncio, urllib.request\n"
        "assert cached_property.asyncio is asyncio\n"
        "assert whoosh.compat.urlretrieve is urllib.request.urlretrieve\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_startup_stand_ins_survive_any_error_and_restore_sys_modules(tmp_path, monkeypatch):
    """A failing import behind a stand-in costs only the speed-up: no exception, and
    sys.modules holds no stand-in afterwards."""
    from eventsearch import _startup

    (tmp_path / "eventsearch_broken_dep.py").write_text("raise RuntimeError('not this one')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    _startup._import_with_stand_in("eventsearch_broken_dep", "eventsearch_stand_in", x=1)
    assert "eventsearch_stand_in" not in sys.modules
    assert "eventsearch_broken_dep" not in sys.modules


# -- wording: plurals, help, related notes, what serve and index say ---------------------------

def test_counts_are_said_in_the_singular_for_one(corpus_index):
    one = invoke("search", "Köln", "--index", str(corpus_index))
    assert "1 note matched (page 1 of 1" in one.stdout
    many = invoke("search", "kubernetes", "--index", str(corpus_index))
    assert re.search(r"^\d+ notes matched", many.stdout, re.M)
    stats = invoke("stats", "--index", str(corpus_index))
    assert "skipped 2 files:" in stats.stdout


@pytest.mark.parametrize("command", ["index", "reindex", "search", "show", "stats", "serve"])
def test_every_option_has_help_and_repeatable_ones_say_so(command):
    for param in cli.commands[command].params:
        if isinstance(param, click.Option) and param.name != "help":
            assert param.help, f"{command} {param.opts}"
            if param.multiple:
                assert "repeatable" in param.help, f"{command} {param.opts}"
    assert "--page INTEGER RANGE" in invoke("search", "--help").stdout


def test_search_sorts_oldest_first(corpus_index):
    data = json.loads(invoke("search", "", "--sort", "oldest", "--json", "--limit", "100",
                             "--index", str(corpus_index)).stdout)
    dates = [h["date"] for h in data["hits"] if h["date"]]
    assert dates == sorted(dates) and data["hits"][0]["date"] == "2016-05-12"


def test_show_related(corpus_index):
    note = "pyvideo/somecon-2019/videos/building-reproducible-ml-pipelines-priya-raman.json"
    text = invoke("show", note, "--related", "--index", str(corpus_index)).stdout
    assert "Also at this event" in text and "Similar notes" in text
    assert "pyvideo/somecon-2019/videos/async-database-drivers-in-python.json" in text
    data = json.loads(invoke("show", note, "--related", "--json", "--index",
                             str(corpus_index)).stdout)
    assert set(data["related"]) == {"id", "speakers", "event", "similar", "terms"}
    assert note not in {h["id"] for h in data["related"]["similar"]}
    plain = json.loads(invoke("show", note, "--json", "--index", str(corpus_index)).stdout)
    assert "related" not in plain


def test_no_indexing_line_when_stderr_is_not_a_terminal(tmp_path):
    out = subprocess.run([sys.executable, "-m", "eventsearch", "index", str(SAMPLE_CORPUS),
                          "--index", str(tmp_path / "ix"), "--workers", "1"],
                         capture_output=True, text=True, check=True)
    assert "Indexing" not in out.stderr and "Indexed 42 notes" in out.stdout
    assert out.stderr.splitlines()[0].startswith(("skipped", "warning"))


def test_serve_names_the_skipped_files_on_start_up(corpus_index):
    from .conftest import start_server, stop_server

    proc, _ = start_server(corpus_index)
    _, stderr = stop_server(proc)
    assert "skipped broken/empty.md: empty file" in stderr
    assert "skipped broken/binary.txt" in stderr
