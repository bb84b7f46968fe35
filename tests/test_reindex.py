"""Incremental reindex, cron manners, concurrency and crash safety (issue 5).

Real files, real indexes and real processes: every claim in the README's "Reindex from
cron" section is checked here.  The index built incrementally is always compared with
a clean full build of the same folder, document by document and term by term.
"""

from __future__ import annotations

import fcntl
import gc
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from eventsearch.backends.whoosh.build import build_index
from eventsearch.backends.whoosh.lock import writer_lock
from eventsearch.backends.whoosh.schema import INDEX_FORMAT
from eventsearch.backends.whoosh.storage import (
    LOCK_FILE,
    META_FILE,
    TOUCHED_FILE,
    current_generation,
    open_index,
    read_meta,
    write_meta,
)
from eventsearch.backends.whoosh.update import update_index
from eventsearch.cli import cli
from eventsearch.model import SearchQuery
from eventsearch.readers import SUFFIXES
from eventsearch.readers.scan import corpus_files, scan_corpus
from eventsearch.search import SearchIndex

from .conftest import PROJECT, SAMPLE_CORPUS, require_shared

EVENTSEARCH = [sys.executable, "-m", "eventsearch"]
CHILD_ENV = {**os.environ, "PYTHONPATH": str(PROJECT / "src")}


# -- helpers ------------------------------------------------------------------------

def write(path: Path, text: str, mtime: float | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def note(title: str, body: str, date: str = "2021-03-04") -> str:
    return f"---\ntitle: {title}\ndate: {date}\ntags: [reindex]\n---\n{body}\n"


def documents(index_dir: Path) -> dict[str, dict]:
    """Every live document's stored fields plus its state column, by path."""
    ix, _ = open_index(index_dir)
    with ix.searcher() as searcher:
        reader = searcher.reader()
        if reader.doc_count_all() == 0:
            return {}
        paths = reader.column_reader("path", translate=True)
        states = reader.column_reader("state")
        docs = {}
        for docnum in reader.all_doc_ids():
            stored = dict(reader.stored_fields(docnum))
            stored["state"] = states[docnum]
            assert stored["path"] == paths[docnum]
            assert stored["path"] not in docs, f"duplicate document {stored['path']}"
            docs[stored["path"]] = stored
        assert len(docs) == searcher.doc_count()
        return docs


def postings(index_dir: Path) -> dict[tuple[str, bytes], frozenset[str]]:
    """term -> the paths of the live documents holding it (no ghosts from deleted ones)."""
    ix, _ = open_index(index_dir)
    with ix.searcher() as searcher:
        reader = searcher.reader()
        paths = reader.column_reader("path", translate=True)
        out = {}
        for fieldname, term in reader.all_terms():
            live = frozenset(paths[d] for d in reader.postings(fieldname, term).all_ids()
                             if not reader.is_deleted(d))
            if live:
                out[fieldname, term] = live
        return out


def assert_same_as_clean_build(index_dir: Path, corpus: Path, tmp_path: Path,
                               terms: bool = True) -> dict[str, dict]:
    """The index holds exactly what a full build of the same folder holds."""
    clean = tmp_path / f"clean-{time.monotonic_ns()}"
    build_index([corpus], clean, workers=1)
    got, want = documents(index_dir), documents(clean)
    assert sorted(got) == sorted(want)
    for path in want:
        assert got[path] == want[path], path
    if terms:
        assert postings(index_dir) == postings(clean)
    shutil.rmtree(clean)
    return got


def whoosh_generation(index_dir: Path) -> int:
    ix, _ = open_index(index_dir)
    return ix.latest_generation()


def invoke(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def sha1_of(index_dir: Path, path: str) -> str | None:
    stored = documents(index_dir).get(path)
    return json.loads(stored["data"])["sha1"] if stored else None


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A copy of the bundled sample corpus (42 notes, 3 broken files) to edit."""
    target = tmp_path / "notes"
    shutil.copytree(SAMPLE_CORPUS, target)
    return target


# -- finding what changed ------------------------------------------------------------

def _walked(root: Path) -> list[str]:
    """Note files as os.walk finds them: dotfiles and dot-dirs skipped, sorted."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if not name.startswith(".") and os.path.splitext(name)[1].lower() in SUFFIXES:
                found.append((Path(dirpath) / name).relative_to(root).as_posix())
    return sorted(found)


def test_scan_lists_exactly_what_the_readers_list(tmp_path: Path, corpus: Path):
    write(corpus / ".hidden.md", "# no")
    write(corpus / ".git" / "x.md", "# no")
    write(corpus / "UPPER.MD", "# Upper case suffix\n\nStill a note.\n")
    write(corpus / "image.png", "not a note")
    outside = write(tmp_path / "elsewhere" / "linked.md", "# via a symlinked folder\n")
    (corpus / "linked").symlink_to(outside.parent, target_is_directory=True)
    (corpus / "dangling.md").symlink_to(tmp_path / "missing.md")
    expected = _walked(corpus)
    scanned = scan_corpus([corpus])
    assert list(scanned) == expected
    assert scanned["dangling.md"][2] == -1  # cannot stat: reported when read
    st = os.stat(corpus / "UPPER.MD")
    assert scanned["UPPER.MD"] == (str(corpus.resolve() / "UPPER.MD"), st.st_mtime, st.st_size)
    assert set(corpus_files([corpus])) == set(expected)


def test_incremental_steps_end_equal_to_a_clean_build(tmp_path: Path, corpus: Path):
    index_dir = tmp_path / "ix"
    first = update_index([corpus], index_dir, workers=1)
    assert first.full and first.notes == 42
    assert_same_as_clean_build(index_dir, corpus, tmp_path)

    # add two notes
    write(corpus / "new" / "one.md", note("Brand new one", "Quokkas visited the meetup."))
    write(corpus / "new" / "two.md", note("Brand new two", "Zebras talked about Rust."))
    report = update_index(None, index_dir, workers=1)
    assert not report.full and report.committed
    assert (report.added, report.updated, report.removed, report.moved) == (2, 0, 0, 0)
    assert report.notes == 44 and report.unchanged == 42
    assert_same_as_clean_build(index_dir, corpus, tmp_path)

    # edit one: the old words are gone from the index, the new ones are there
    write(corpus / "new" / "one.md", note("Edited one", "Axolotls visited the meetup."))
    report = update_index(None, index_dir, workers=1)
    assert (report.added, report.updated, report.removed, report.moved) == (0, 1, 0, 0)
    docs = assert_same_as_clean_build(index_dir, corpus, tmp_path)
    assert docs["new/one.md"]["title"] == "Edited one"
    terms = postings(index_dir)
    assert ("body", b"quokkas") not in terms and terms["body", b"axolotls"] == {"new/one.md"}

    # rename one (same content): a move, no duplicate, no ghost
    (corpus / "new" / "two.md").rename(corpus / "moved-two.md")
    report = update_index(None, index_dir, workers=1)
    assert (report.added, report.updated, report.removed, report.moved) == (0, 0, 0, 1)
    docs = assert_same_as_clean_build(index_dir, corpus, tmp_path)
    assert "moved-two.md" in docs and "new/two.md" not in docs
    assert postings(index_dir)["body", b"zebras"] == {"moved-two.md"}

    # delete one sample note and one new note; rename-and-edit counts as remove + add
    victim = next(p for p in docs if p.startswith("pelican/"))
    (corpus / victim).unlink()
    (corpus / "new" / "one.md").unlink()
    (corpus / "plain" / "events").rename(corpus / "plain" / "meetups")
    renamed = sorted(p for p in docs if p.startswith("plain/events/"))
    assert renamed
    edited = corpus / renamed[0].replace("plain/events/", "plain/meetups/")
    edited.write_text(edited.read_text(encoding="utf-8") + "\nOne more line.\n", "utf-8")
    report = update_index(None, index_dir, workers=1)
    assert report.moved == len(renamed) - 1
    assert report.added == 1 and report.removed == 3 and report.updated == 0
    docs = assert_same_as_clean_build(index_dir, corpus, tmp_path)
    assert report.notes == len(docs) == 44 - 2
    assert not [p for p in docs if p.startswith("plain/events/")]


def test_reindex_through_the_cli_is_quiet_and_applies_changes(tmp_path: Path, corpus: Path):
    index_dir = tmp_path / "ix"
    build_index([corpus], index_dir, workers=1)
    write(corpus / "added.md", note("Added through the CLI", "Pangolins everywhere."))
    (corpus / "rst" / "blog").rename(corpus / "rst" / "weblog")
    result = invoke("reindex", "--index", str(index_dir))
    assert result.exit_code == 0
    assert result.stdout == "" and result.stderr == ""  # cron mails any output
    assert_same_as_clean_build(index_dir, corpus, tmp_path)

    write(corpus / "added.md", note("Added and edited", "Pangolins everywhere, twice."))
    result = invoke("reindex", "--index", str(index_dir), "--json")
    assert result.exit_code == 0 and result.stderr == ""
    summary = json.loads(result.stdout)
    assert (summary["added"], summary["updated"], summary["removed"], summary["failed"]) == \
        (0, 1, 0, [])
    assert summary["committed"] and summary["notes"] == 43
    assert {"scan", "read+add", "commit"} <= set(summary["timings"])
    assert summary["took_s"] >= summary["timings"]["scan"]

    result = invoke("reindex", "--index", str(index_dir), "-v")
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout.startswith("Index holds 43 notes (")
    assert "added 0, updated 0, removed 0, moved 0" in result.stdout


def test_no_change_does_not_commit_and_says_nothing(tmp_path: Path, corpus: Path):
    index_dir = tmp_path / "ix"
    build_index([corpus], index_dir, workers=1)
    update_index(None, index_dir, workers=1)  # settles files modified just before the build
    generation, gen_dir = whoosh_generation(index_dir), current_generation(index_dir)
    files_before = sorted(os.listdir(gen_dir))
    report = update_index(None, index_dir, workers=1)
    assert not report.committed and not report.full
    assert (report.added, report.updated, report.removed, report.moved) == (0, 0, 0, 0)
    assert report.unchanged == report.notes == 42 and report.failed == []
    assert whoosh_generation(index_dir) == generation
    assert current_generation(index_dir) == gen_dir
    assert sorted(os.listdir(gen_dir)) == files_before
    result = invoke("reindex", "--index", str(index_dir))
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert whoosh_generation(index_dir) == generation


def test_touching_a_file_does_not_re_add_it(tmp_path: Path, corpus: Path):
    index_dir = tmp_path / "ix"
    build_index([corpus], index_dir, workers=1)
    path = next(p for p in documents(index_dir) if p.startswith("hugo/"))
    generation = whoosh_generation(index_dir)
    earlier = os.stat(corpus / path).st_mtime - 1000
    os.utime(corpus / path, (earlier, earlier))
    report = update_index(None, index_dir, workers=1)
    assert not report.committed and report.updated == 0 and report.unchanged == 42
    assert whoosh_generation(index_dir) == generation
    # The touch is remembered (content hash confirmed once), so it is not re-read again.
    touched = read_meta(current_generation(index_dir), TOUCHED_FILE)
    assert touched == {path: [os.stat(corpus / path).st_mtime, os.stat(corpus / path).st_size]}
    assert not update_index(None, index_dir, workers=1).committed
    # A real change after the touch is still seen, and the touch record goes away.
    (corpus / path).write_text((corpus / path).read_text("utf-8") + "\nNew line.\n", "utf-8")
    report = update_index(None, index_dir, workers=1)
    assert report.updated == 1
    assert read_meta(current_generation(index_dir), TOUCHED_FILE) == {}
    assert_same_as_clean_build(index_dir, corpus, tmp_path)


def test_same_size_change_in_the_same_second_is_caught(tmp_path: Path, corpus: Path):
    """mtime+size can miss an edit made right after indexing (coarse timestamps):
    such recently modified files are confirmed by hash on the next run."""
    index_dir = tmp_path / "ix"
    path = write(corpus / "racy.md", note("Racy note", "Version AAAA."), mtime=time.time())
    stamp = os.stat(path).st_mtime
    build_index([corpus], index_dir, workers=1)
    write(path, note("Racy note", "Version BBBB."), mtime=stamp)  # same size, same mtime
    report = update_index(None, index_dir, workers=1)
    assert report.updated == 1
    assert "BBBB" in documents(index_dir)["racy.md"]["body"]


def test_pyvideo_metadata_files_are_set_aside_and_never_fail_a_reindex(tmp_path: Path):
    """category.json sits beside every conference's talks: a first reindex from cron (a
    full build) and a reindex after a new conference arrive must still exit 0."""
    corpus, index_dir = tmp_path / "talks", tmp_path / "ix"
    talk = {"title": "Capybara talk", "description": "Capybaras.", "speakers": ["Ann"],
            "recorded": "2019-05-01"}
    write(corpus / "conf-2019" / "category.json", json.dumps({"title": "Conf 2019"}))
    write(corpus / "conf-2019" / "videos" / "talk.json", json.dumps(talk))
    result = invoke("reindex", str(corpus), "--index", str(index_dir), "--json")
    assert result.exit_code == 0 and result.stderr == ""
    report = json.loads(result.stdout)
    assert report["added"] == 1 and report["failed"] == []
    assert report["skipped"] == []  # not a note, so not a skipped note either
    write(corpus / "conf-2020" / "category.json", json.dumps({"title": "Conf 2020"}))
    write(corpus / "conf-2020" / "videos" / "talk.json", json.dumps(talk))
    write(corpus / "conf-2020" / "videos" / "broken.json", "{not json")
    result = invoke("reindex", "--index", str(index_dir))
    assert result.exit_code == 1  # the broken talk fails the run, the metadata does not
    assert result.stderr.splitlines() == [
        "failed conf-2020/videos/broken.json: JSON does not parse: "
        "Expecting property name enclosed in double quotes (line 1)"]
    assert documents(index_dir)["conf-2020/videos/talk.json"]["title"] == "Capybara talk"


def test_broken_file_is_reported_once_then_silent_until_fixed(tmp_path: Path, corpus: Path):
    index_dir = tmp_path / "ix"
    build_index([corpus], index_dir, workers=1)
    invoke("reindex", "--index", str(index_dir))
    broken = corpus / "new" / "broken.json"
    write(broken, "{not json")
    result = invoke("reindex", "--index", str(index_dir))
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == "failed new/broken.json: JSON does not parse: " \
                            "Expecting property name enclosed in double quotes (line 1)\n"
    for _ in range(2):  # unchanged: already reported, nothing to say
        result = invoke("reindex", "--index", str(index_dir))
        assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    stats = invoke("stats", "--index", str(index_dir), "--json")
    assert "new/broken.json" in {s["path"] for s in json.loads(stats.stdout)["skipped"]}
    write(broken, json.dumps({"title": "Fixed talk", "description": "Capybaras.",
                              "speakers": ["Ann"], "recorded": "2019-05-01"}))
    result = invoke("reindex", "--index", str(index_dir), "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["added"] == 1
    assert documents(index_dir)["new/broken.json"]["title"] == "Fixed talk"
    assert_same_as_clean_build(index_dir, corpus, tmp_path)


def test_a_note_that_breaks_keeps_its_previous_version(tmp_path: Path, corpus: Path):
    index_dir = tmp_path / "ix"
    good = write(corpus / "talk.md", note("Good version", "Wombats and Whoosh."))
    build_index([corpus], index_dir, workers=1)
    good_sha1 = sha1_of(index_dir, "talk.md")
    good.write_bytes(b"\x00\x01binary now")
    result = invoke("reindex", "--index", str(index_dir))
    assert result.exit_code == 1
    assert result.stderr == ("failed talk.md: binary file (contains NUL bytes), not a text "
                             "note (the previously indexed version is kept)\n")
    assert sha1_of(index_dir, "talk.md") == good_sha1
    assert SearchIndex(index_dir).get_note("talk.md").title == "Good version"
    result = invoke("reindex", "--index", str(index_dir))
    assert (result.exit_code, result.stderr) == (0, "")
    assert sha1_of(index_dir, "talk.md") == good_sha1
    write(good, note("Repaired version", "Wombats again."))
    report = update_index(None, index_dir, workers=1)
    assert report.updated == 1 and not report.failed
    assert SearchIndex(index_dir).get_note("talk.md").title == "Repaired version"


def test_a_new_index_format_triggers_a_full_rebuild(tmp_path: Path, corpus: Path):
    index_dir = tmp_path / "ix"
    build_index([corpus], index_dir, workers=1)
    old_gen = current_generation(index_dir)
    meta = read_meta(old_gen)
    write_meta(old_gen, meta | {"format": "0.0"})  # as if built by an older eventsearch
    result = invoke("reindex", "--index", str(index_dir), "--json")
    # The sample's three broken files were reported by the first build: not again.
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["full"] is True
    new_gen = current_generation(index_dir)
    assert new_gen != old_gen and read_meta(new_gen)["format"] == INDEX_FORMAT
    assert_same_as_clean_build(index_dir, corpus, tmp_path)
    # New roots or a changed exclude_drafts setting rebuild too.
    assert update_index([corpus / "pelican"], index_dir, workers=1).full
    assert update_index([corpus], index_dir, workers=1).full
    assert update_index(None, index_dir, workers=1, exclude_drafts=True).full
    assert not update_index(None, index_dir, workers=1, exclude_drafts=True).full


@pytest.mark.parametrize("part", ["toc", "seg"])
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_a_damaged_index_is_explained_then_rebuilt(tmp_path: Path, corpus: Path, part: str):
    """Whoosh's table of contents overwritten, or a segment file cut short (a disk error,
    a stray copy): readers say what is wrong and how to fix it, with no traceback; the
    next reindex rebuilds.  (Whoosh leaves the file it could not read to the garbage
    collector, which warns: collected below, while this test ignores that warning.)"""
    from eventsearch.config import load_settings
    from eventsearch.web import create_app

    index_dir = tmp_path / "ix"
    build_index([corpus], index_dir, workers=1)
    damaged = current_generation(index_dir)
    for file in damaged.glob(f"*.{part}"):
        if part == "toc":
            file.write_bytes(b"not a table of contents")
        else:
            os.truncate(file, file.stat().st_size // 2)
    found = invoke("search", "kubernetes", "--index", str(index_dir))
    assert found.exit_code == 1 and "Traceback" not in found.output
    assert found.stderr.startswith(f"Error: The index in {damaged} is damaged")
    assert "eventsearch reindex`" in found.stderr
    client = create_app(load_settings(index_dir=index_dir),
                        test_config={"TESTING": True}).test_client()
    api = client.get("/api/search?q=kubernetes")
    assert api.status_code == 503 and "is damaged" in api.get_json()["error"]
    result = invoke("reindex", "--index", str(index_dir), "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["full"] is True
    assert current_generation(index_dir) != damaged
    assert_same_as_clean_build(index_dir, corpus, tmp_path)
    assert client.get("/api/search?q=kubernetes").get_json()["total"] > 0  # no restart
    del found  # its exception chain holds the file
    gc.collect()


def test_full_flag_rebuilds_into_a_new_generation(tmp_path: Path, corpus: Path):
    index_dir = tmp_path / "ix"
    build_index([corpus], index_dir, workers=1)
    first = current_generation(index_dir)
    result = invoke("reindex", "--index", str(index_dir), "--full")
    assert result.exit_code == 0 and result.stdout == "" and result.stderr == ""
    assert current_generation(index_dir) != first
    assert_same_as_clean_build(index_dir, corpus, tmp_path)


def test_without_an_index_reindex_builds_from_the_corpus_setting(
        tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    config = write(tmp_path / "eventsearch.toml",
                   f'corpus = ["{corpus / "pelican"}"]\nindex_dir = "{tmp_path / "ix"}"\n')
    result = invoke("--config", str(config), "reindex", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["full"]
    assert read_meta(current_generation(tmp_path / "ix"))["roots"] == \
        [str((corpus / "pelican").resolve())]
    config.unlink()  # built-in default: ./corpus, which is not there
    result = invoke("reindex", "--index", str(tmp_path / "nothing"))
    assert result.exit_code == 1
    assert result.stderr == f"Error: No such file or directory: {tmp_path / 'corpus'}\n"


def test_log_file_gets_a_line_per_run_and_the_failures(tmp_path: Path, corpus: Path):
    index_dir, log = tmp_path / "ix", tmp_path / "logs" / "reindex.log"
    config = write(tmp_path / "eventsearch.toml",
                   f'index_dir = "{index_dir}"\nlog_file = "{log}"\n')
    build_index([corpus], index_dir, workers=1)
    invoke("--config", str(config), "reindex")
    write(corpus / "bad.md", "")
    result = invoke("--config", str(config), "reindex")
    assert result.exit_code == 1
    with writer_lock(index_dir):
        result = invoke("--config", str(config), "reindex")
    assert result.exit_code == 75
    lines = log.read_text("utf-8").splitlines()
    assert len(lines) == 4
    assert all(line[:4].isdigit() and line[10] == "T" for line in lines)  # ISO timestamps
    assert "Index holds 42 notes" in lines[0]
    assert lines[2].endswith(" failed bad.md: empty file")
    assert " locked (exit 75): Another eventsearch process" in lines[3]


def test_unwritable_log_file_is_an_error(tmp_path: Path, corpus: Path):
    index_dir = tmp_path / "ix"
    (tmp_path / "log-is-a-folder").mkdir()
    config = write(tmp_path / "eventsearch.toml",
                   f'index_dir = "{index_dir}"\nlog_file = "{tmp_path / "log-is-a-folder"}"\n')
    build_index([corpus], index_dir, workers=1)
    result = invoke("--config", str(config), "reindex")
    assert result.exit_code == 1 and "cannot write the log file" in result.stderr


def test_leftovers_of_killed_writers_are_removed(tmp_path: Path, corpus: Path):
    index_dir = tmp_path / "ix"
    build_index([corpus], index_dir, workers=1)
    build_index([corpus], index_dir, workers=1)
    live, previous = current_generation(index_dir), read_meta(current_generation(index_dir))
    assert previous
    gens = sorted(p.name for p in index_dir.glob("gen-*"))
    assert len(gens) == 2
    # What a SIGKILL can leave behind (the real kills are in the slow tests below):
    (index_dir / "gen-29990101T000000000000-1").mkdir()  # a build that never finished
    (index_dir / ".current.4242").symlink_to(gens[0])  # a swap that never happened
    names = sorted(os.listdir(live))
    (live / "MAIN.tmp").mkdir()
    write(live / "MAIN.tmp" / "pool.tmp", "x")  # Whoosh's posting pool
    write(live / "MAIN_deadbeef00000000.seg", "x")  # a segment no TOC names
    write(live / "_MAIN_9.toc.1700000000.5", "x")  # a TOC never renamed
    write(live / "eventsearch.json.tmp", "{")
    before = documents(index_dir)
    report = update_index(None, index_dir, workers=1)
    assert not report.committed  # nothing changed in the corpus: Whoosh alone keeps all this
    assert sorted(p.name for p in index_dir.glob("gen-*")) == gens
    assert not list(index_dir.glob(".current.*"))
    assert sorted(os.listdir(live)) == names
    assert documents(index_dir) == before
    assert_no_leftovers(index_dir)


# -- one writer, many readers -----------------------------------------------------

def hold_lock_in_another_process(index_dir: Path) -> subprocess.Popen:
    code = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from eventsearch.backends.whoosh.lock import writer_lock
        with writer_lock(Path({str(index_dir)!r})):
            print("locked", flush=True)
            sys.stdin.read()
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env=CHILD_ENV)
    assert proc.stdout.readline() == "locked\n"
    return proc


def test_locked_index_exits_75_promptly_and_wait_waits(tmp_path: Path, corpus: Path):
    index_dir = tmp_path / "ix"
    build_index([corpus], index_dir, workers=1)
    holder = hold_lock_in_another_process(index_dir)
    try:
        started = time.monotonic()
        result = invoke("reindex", "--index", str(index_dir))
        assert result.exit_code == 75 and time.monotonic() - started < 1
        assert result.stdout == ""
        assert result.stderr.startswith("eventsearch: Another eventsearch process is writing")
        started = time.monotonic()
        result = invoke("reindex", "--index", str(index_dir), "--wait", "0.5")
        assert result.exit_code == 75 and 0.5 <= time.monotonic() - started < 2
        assert invoke("index", str(corpus), "--index", str(index_dir)).exit_code == 75
    finally:
        holder.communicate("")
    # --wait takes the lock as soon as its holder lets go.
    holder = hold_lock_in_another_process(index_dir)
    started = time.monotonic()
    waiting = subprocess.Popen([*EVENTSEARCH, "reindex", "--index", str(index_dir), "--wait",
                                "20"], env=CHILD_ENV)
    time.sleep(1.5)
    assert waiting.poll() is None
    holder.communicate("")
    assert waiting.wait(20) == 0
    assert 1.5 <= time.monotonic() - started < 10


def test_a_killed_lock_holder_releases_the_lock(tmp_path: Path):
    index_dir = tmp_path / "ix"
    holder = hold_lock_in_another_process(index_dir)
    holder.send_signal(signal.SIGKILL)
    holder.communicate()
    with writer_lock(index_dir):  # no stale lock file to clean up by hand
        pass


def synthetic_corpus(folder: Path, count: int, seed: int = 5, start: int = 0) -> None:
    """Small English Markdown notes, fast to read: enough volume to overlap with searches."""
    rng = random.Random(seed)
    words = ["python", "rust", "database", "index", "search", "meetup", "talk", "conference",
             "speaker", "deploy", "cluster", "memory", "network", "security", "testing",
             "async", "web", "api", "cloud", "data", "model", "stream", "queue", "cache",
             "service", "kernel", "compiler", "parser", "editor"]
    for n in range(start, start + count):
        body = " ".join(rng.choice(words) for _ in range(120))
        write(folder / f"batch-{n // 100:03d}" / f"note-{n:05d}.md",
              note(f"Synthetic note {n}", f"This note is about {body}."))


SEARCHER = textwrap.dedent("""
    import json, sys, threading, time, traceback
    from pathlib import Path
    from eventsearch.model import SearchQuery
    from eventsearch.search import SearchIndex

    index_dir, marker, stop, out = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]), sys.argv[4]
    index = SearchIndex(index_dir)
    generation = index.backend.generation_dir
    lock = threading.Lock()
    state = {"searches": 0, "errors": [], "first_seen": None, "unseen_after_seen": 0,
             "totals": set()}

    def loop():
        seen = False
        while not stop.exists():
            try:
                result = index.search(SearchQuery(q="python database"))
                found = index.get_note(marker) is not None
                with lock:
                    state["searches"] += 1
                    state["totals"].add(result.total)
                    if found and state["first_seen"] is None:
                        state["first_seen"] = time.time()
                    if seen and not found:
                        state["unseen_after_seen"] += 1
                seen = seen or found
            except Exception:
                with lock:
                    state["errors"].append(traceback.format_exc())
            time.sleep(0.005)  # leave the reindex some CPU
    threads = [threading.Thread(target=loop) for _ in range(2)]
    for t in threads:
        t.start()
    print("ready", flush=True)
    for t in threads:
        t.join()
    state["totals"] = sorted(state["totals"])
    state["generation_changed"] = index.backend.generation_dir != generation
    Path(out).write_text(json.dumps(state))
""")


@pytest.mark.parametrize("full", [False, True], ids=["incremental", "full"])
def test_searches_keep_working_during_a_reindex_and_see_new_notes(tmp_path: Path, full: bool):
    corpus, index_dir = tmp_path / "notes", tmp_path / "ix"
    synthetic_corpus(corpus, 300)
    build_index([corpus], index_dir, workers=1)
    synthetic_corpus(corpus, 500, seed=6, start=300)  # new notes
    marker = "batch-007/note-00799.md"
    stop, out = tmp_path / "stop", tmp_path / "searches.json"
    searcher = subprocess.Popen(
        [*EVENTSEARCH[:1], "-c", SEARCHER, str(index_dir), marker, str(stop), str(out)],
        stdout=subprocess.PIPE, text=True, env=CHILD_ENV)
    try:
        assert searcher.stdout.readline() == "ready\n"
        time.sleep(0.3)
        args = ["reindex", "--index", str(index_dir)] + (["--full"] if full else [])
        done = subprocess.run([*EVENTSEARCH, *args], env=CHILD_ENV, capture_output=True,
                              text=True)
        committed = time.time()
        assert done.returncode == 0, done.stderr
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and SearchIndex(index_dir).get_note(marker) is None:
            time.sleep(0.05)
        time.sleep(1.0)
    finally:
        stop.touch()
        searcher.communicate(timeout=30)
    state = json.loads(out.read_text())
    assert state["errors"] == []
    assert state["searches"] > 20
    assert state["first_seen"] is not None, "the running searcher never saw the new note"
    assert state["first_seen"] - committed < 1.0
    assert state["unseen_after_seen"] == 0
    assert state["generation_changed"] is full
    assert 300 >= min(state["totals"]) > 0 and max(state["totals"]) > min(state["totals"])


def test_a_reader_opened_before_a_full_swap_follows_it(tmp_path: Path, corpus: Path):
    index_dir = tmp_path / "ix"
    build_index([corpus], index_dir, workers=1)
    index = SearchIndex(index_dir)
    before = index.backend.generation_dir
    assert index.get_note("late.md") is None
    write(corpus / "late.md", note("Arrived late", "Narwhals at the meetup."))
    done = subprocess.run([*EVENTSEARCH, "reindex", "--full", "--index", str(index_dir)],
                          env=CHILD_ENV, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert index.get_note("late.md").title == "Arrived late"
    assert index.backend.generation_dir != before and index.backend.generation_dir == \
        current_generation(index_dir)
    assert index.stats()["notes"] == 43


def test_two_reindexes_at_once_one_gets_75_promptly(tmp_path: Path):
    corpus, index_dir = tmp_path / "notes", tmp_path / "ix"
    synthetic_corpus(corpus, 600)
    first = subprocess.Popen([*EVENTSEARCH, "reindex", str(corpus), "--index", str(index_dir)],
                             env=CHILD_ENV, stderr=subprocess.PIPE, text=True)
    try:
        # A generation folder appears only under the lock (probing the lock could steal it).
        deadline = time.monotonic() + 20
        while not list(index_dir.glob("gen-*")):
            assert first.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
        started = time.monotonic()
        second = subprocess.run([*EVENTSEARCH, "reindex", "--index", str(index_dir)],
                                env=CHILD_ENV, capture_output=True, text=True)
        elapsed = time.monotonic() - started
        assert first.poll() is None, "the first reindex ended too soon for this test"
    finally:
        first_stderr = first.communicate(timeout=120)[1]
    assert second.returncode == 75, second.stderr
    assert elapsed < 3  # python start-up included: no waiting for the first one
    assert "Another eventsearch process is writing the index" in second.stderr
    assert first.returncode == 0, first_stderr
    assert documents(index_dir).keys() == corpus_files([corpus]).keys()


def lock_is_free(index_dir: Path) -> bool:
    fd = os.open(index_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


# -- crash safety: SIGKILL at random moments ----------------------------------------

PYVIDEO_SUBSET = ("pycon-de-2018", "pycon-us-2019", "europython-2019", "djangocon-us-2018",
                  "pydata-berlin-2018", "europython-2015")


def pyvideo_versions(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Two versions of a pyvideo subset (~650 talks): A as shipped, B with 20% of the
    talks edited, 5% deleted, 5% added and a folder renamed.  Returns (A, B, live)."""
    source = require_shared() / "corpora" / "pyvideo"
    a, b = tmp_path / "version-a", tmp_path / "version-b"
    for name in PYVIDEO_SUBSET:
        shutil.copytree(source / name, a / name)  # copy2: original mtimes kept
    shutil.copytree(a, b)
    rng = random.Random(20261122)
    talks = sorted(p for p in b.rglob("*.json") if p.name != "category.json")
    for n, path in enumerate(rng.sample(talks, len(talks) // 4)):
        if n % 5 == 0:
            path.unlink()
            continue
        data = json.loads(path.read_text("utf-8"))
        data["title"] = f"{data.get('title', '')} (revised {n})"
        data["description"] = f"{data.get('description') or ''} Revised after the talk."
        write(path, json.dumps(data), mtime=1_600_000_000 + n)
    for n, path in enumerate(rng.sample(talks, len(talks) // 20)):
        if path.exists():
            write(path.with_name(f"extra-{n}.json"), path.read_text("utf-8"),
                  mtime=1_600_100_000 + n)
    (b / "pycon-de-2018").rename(b / "pycon-de-2018-renamed")
    live = tmp_path / "live"
    sync(a, live)
    return a, b, live


def sync(source: Path, target: Path) -> None:
    """Make target hold exactly source's files, with source's mtimes."""
    want = {p.relative_to(source) for p in source.rglob("*") if p.is_file()}
    if target.exists():
        for path in [p for p in target.rglob("*") if p.is_file()]:
            if path.relative_to(target) not in want:
                path.unlink()
    for rel in want:
        src, dst = source / rel, target / rel
        if not dst.exists() or src.stat().st_mtime != dst.stat().st_mtime \
                or src.stat().st_size != dst.stat().st_size:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)


def kill_at(args: list[str], delay: float | str, index_dir: Path) -> int:
    """Run eventsearch and SIGKILL it after `delay` seconds, or as soon as a new Whoosh
    segment file (`delay="segment"`: the commit is assembling it) or a finished but
    not yet swapped-in generation (`delay="unswapped"`) shows up."""
    before = set(index_dir.glob("gen-*/*.seg"))
    proc = subprocess.Popen([*EVENTSEARCH, *args], env=CHILD_ENV, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    if isinstance(delay, float):
        time.sleep(delay)
    else:
        while proc.poll() is None:
            if delay == "segment" and set(index_dir.glob("gen-*/*.seg")) - before:
                break
            if delay == "unswapped" and any(
                    meta.parent.name > current_generation(index_dir).name
                    for meta in index_dir.glob(f"gen-*/{META_FILE}")):
                break
            time.sleep(0.001)
    proc.send_signal(signal.SIGKILL)
    return proc.wait()


def check_after_kill(index_dir: Path, versions: dict[str, dict[str, dict]]) -> str:
    """The index opens, answers queries, and is exactly version A or B (never a mix)."""
    docs = documents(index_dir)
    index = SearchIndex(index_dir)
    assert index.search(SearchQuery(q="python")).total > 0
    assert index.get_note(next(iter(docs))) is not None
    for path, stored in docs.items():  # every note is one of its two versions
        assert any(stored == v.get(path) for v in versions.values()), path
    matches = [name for name, v in versions.items() if docs == v]
    assert len(matches) == 1, "the index mixes two versions"
    return matches[0]


def assert_no_leftovers(index_dir: Path) -> None:
    gens = sorted(p.name for p in index_dir.glob("gen-*"))
    assert len(gens) <= 2 and current_generation(index_dir).name in gens
    assert not list(index_dir.glob(".current.*"))
    live = current_generation(index_dir)
    names = os.listdir(live)
    assert "MAIN.tmp" not in names and not [n for n in names if ".toc." in n]
    ix, _ = open_index(index_dir)
    segments = {s.segment_id() for s in ix._segments()}
    assert {n.split(".")[0] for n in names if n.startswith("MAIN_") and "." in n} == segments


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["full", "incremental"])
def test_sigkill_at_random_moments_never_breaks_the_index(tmp_path: Path, mode: str):
    a, b, live = pyvideo_versions(tmp_path)
    index_dir = tmp_path / "ix"
    versions = {}
    for name, source in (("B", b), ("A", a)):
        sync(source, live)
        started = time.monotonic()
        done = subprocess.run([*EVENTSEARCH, "reindex", str(live), "--index", str(index_dir),
                               "--full"], env=CHILD_ENV, capture_output=True, text=True)
        assert done.returncode in (0, 1), done.stderr
        versions[name] = documents(index_dir)
        assert_no_leftovers(index_dir)
    duration = time.monotonic() - started
    assert len(versions["A"]) > 600 and versions["A"] != versions["B"]
    args = ["reindex", "--index", str(index_dir)] + (["--full"] if mode == "full" else [])
    if mode == "incremental":  # A -> B touches a third of the notes: time it once
        sync(b, live)
        started = time.monotonic()
        done = subprocess.run([*EVENTSEARCH, *args], env=CHILD_ENV, capture_output=True)
        duration = time.monotonic() - started
        assert check_after_kill(index_dir, versions) == "B"
    state = check_after_kill(index_dir, versions)
    rng = random.Random(f"kill-{mode}")
    outcomes = []
    moments: list[float | str] = ["segment"] + (["unswapped"] if mode == "full" else [])
    for n in range(5):  # anywhere in the run, or (every other time) in its last part
        moments.append(rng.uniform(0.2, duration) if n % 2 else rng.uniform(0.6, 1.05) * duration)
    for moment in moments:
        target = "B" if state == "A" else "A"
        sync(b if target == "B" else a, live)
        returncode = kill_at(args, moment, index_dir)
        state = check_after_kill(index_dir, versions)
        outcomes.append((moment if isinstance(moment, str) else round(moment, 2), returncode,
                         state == target))
        # The lock dies with the process and its reader workers: the next run can start.
        deadline = time.monotonic() + 2
        while not lock_is_free(index_dir):
            assert time.monotonic() < deadline, "a killed reindex left the index locked"
            time.sleep(0.02)
    assert any(rc == -signal.SIGKILL for _, rc, _ in outcomes)
    # The next run finishes the job and cleans up after the killed ones.
    target = "B" if state == "A" else "A"
    sync(b if target == "B" else a, live)
    done = subprocess.run([*EVENTSEARCH, "reindex", "--index", str(index_dir)],
                          env=CHILD_ENV, capture_output=True, text=True)
    # The renamed folder's category.json is a new skip, but never a failure.
    assert (done.returncode, done.stderr) == (0, "")
    print(f"\n{mode}: (kill moment, exit code, ended on the new version): {outcomes}")
    assert documents(index_dir) == versions[target]
    assert_no_leftovers(index_dir)
    assert_same_as_clean_build(index_dir, live, tmp_path, terms=False)


# -- the scheduling examples in deploy/ ----------------------------------------------

DEPLOY = PROJECT / "deploy"


def unit_settings(name: str) -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in (DEPLOY / "systemd" / name).read_text("utf-8").splitlines():
        if "=" in line and not line.startswith(("#", ";")):
            key, value = line.split("=", 1)
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def test_systemd_units_run_reindex_as_promised():
    service = unit_settings("eventsearch-reindex.service")
    assert service["Type"] == ["oneshot"] and service["Nice"] == ["19"]
    assert service["IOSchedulingClass"] == ["idle"]
    assert "75" in service["SuccessExitStatus"][0].split()  # a locked run is no failure
    timer = unit_settings("eventsearch-reindex.timer")
    assert timer["Persistent"] == ["true"] and timer["RandomizedDelaySec"]
    assert timer["OnCalendar"] and timer["WantedBy"] == ["timers.target"]
    web = unit_settings("eventsearch-web.service")
    assert " serve " in web["ExecStart"][0] + " "
    # Same user and configuration for the writer and the reader of the index.
    for key in ("User", "Group", "Environment"):
        assert web[key] == service[key], key


def deploy_commands() -> list[list[str]]:
    lines = [line for name in ("crontab.example", "systemd/eventsearch-reindex.service",
                               "systemd/eventsearch-web.service")
             for line in (DEPLOY / name).read_text("utf-8").splitlines()
             if "/bin/eventsearch " in line]
    return [line.split("/bin/eventsearch ", 1)[1].split() for line in lines]


@pytest.mark.parametrize("args", deploy_commands(), ids=" ".join)
def test_deploy_commands_are_valid(args: list[str]):
    assert args[0] in cli.commands, f"deploy/ runs `{args[0]}`, which is no command"
    result = invoke(*args, "--help")
    assert result.exit_code == 0, result.output


def test_a_running_reader_sees_edits_and_deletions_without_ghosts(tmp_path: Path):
    """Whoosh's Searcher.refresh() reuses the readers of unchanged segments with their old
    deletion sets, and keeps segments that were merged away: a long-running reader would
    go on returning the replaced and deleted versions.  open_index() prevents that."""
    corpus, index_dir = tmp_path / "notes", tmp_path / "ix"
    for n in range(30):
        write(corpus / f"n{n:02d}.md", note(f"Note {n}", f"Common words and token{n}x."),
              mtime=1_600_000_000 + n)
    build_index([corpus], index_dir, workers=1)
    index = SearchIndex(index_dir)
    for round_ in range(1, 5):  # several commits: new segments, merges, deletions
        assert index.search(SearchQuery(q="common")).total == 30
        edited, deleted = 3 * round_, 3 * round_ + 1
        write(corpus / f"n{edited:02d}.md",
              note(f"Edited {round_}", f"Common words and fresh{round_}x."),
              mtime=1_700_000_000 + round_)
        (corpus / f"n{deleted:02d}.md").unlink()
        write(corpus / f"n{deleted:02d}.md", note(f"Note {deleted}", f"Common and {round_}z."),
              mtime=1_700_000_100 + round_)  # deleted and re-created: updated in place
        (corpus / f"n{edited + 2:02d}.md").rename(corpus / f"m{edited + 2:02d}-{round_}.md")
        report = update_index(None, index_dir, workers=1)
        assert (report.updated, report.moved) == (2, 1) and report.committed
        assert index.get_note(f"n{edited:02d}.md").title == f"Edited {round_}"
        assert index.search(SearchQuery(q=f"token{edited}x")).total == 0
        assert index.search(SearchQuery(q=f"fresh{round_}x")).total == 1
        assert index.get_note(f"n{edited + 2:02d}.md") is None
        assert index.get_note(f"m{edited + 2:02d}-{round_}.md") is not None
        assert index.search(SearchQuery(q="common", per_page=100)).total == 30
        hits = index.search(SearchQuery(q="common", per_page=100)).hits
        assert len({h.path for h in hits}) == len(hits) == 30
        assert index.stats()["notes"] == 30
        assert documents(index_dir) == assert_same_as_clean_build(index_dir, corpus, tmp_path,
                                                                  terms=False)


def test_an_emptied_corpus_folder_does_not_empty_the_index(tmp_path: Path, corpus: Path):
    index_dir = tmp_path / "ix"
    build_index([corpus], index_dir, workers=1)
    moved_away = tmp_path / "unmounted"
    corpus.rename(moved_away)
    result = invoke("reindex", "--index", str(index_dir))
    assert result.exit_code == 1 and "No such file or directory" in result.stderr
    corpus.mkdir()  # an empty mount point
    result = invoke("reindex", "--index", str(index_dir))
    assert result.exit_code == 1
    assert "Found no notes under" in result.stderr and "not emptying it" in result.stderr
    assert len(documents(index_dir)) == 42
    result = invoke("reindex", "--index", str(index_dir), "--full")
    assert result.exit_code == 0 and documents(index_dir) == {}
    assert SearchIndex(index_dir).search(SearchQuery(q="python")).total == 0
    moved_away.rename(corpus.parent / "back")  # notes come back to an empty index
    corpus.rmdir()
    (corpus.parent / "back").rename(corpus)
    report = update_index(None, index_dir, workers=1)
    assert report.added == 42 and not report.full


def test_index_with_a_relative_path_then_reindex_is_incremental(
        tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    assert invoke("index", "notes", "--index", "ix").exit_code == 0
    assert read_meta(current_generation(Path("ix")))["roots"] == [str(corpus.resolve())]
    result = invoke("reindex", "--index", "ix", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["full"] is False
    monkeypatch.chdir(corpus)  # from anywhere: the recorded folder is absolute
    result = invoke("reindex", "--index", str(tmp_path / "ix"), "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["full"] is False


def test_repeated_searches_are_cached_until_the_index_changes(tmp_path: Path):
    corpus, index_dir = tmp_path / "notes", tmp_path / "ix"
    write(corpus / "a.md", note("Alpha one", "Talk about alphabets."), mtime=1_600_000_000)
    build_index([corpus], index_dir, workers=1)
    index = SearchIndex(index_dir)
    request = SearchQuery(q="alphabets")
    first = index.search(request)
    first.hits.clear()  # a caller changing its copy does not change the cached result
    again = index.search(request)
    assert [h.path for h in again.hits] == ["a.md"] and again.total == 1
    write(corpus / "b.md", note("Alpha two", "More alphabets here."), mtime=1_600_000_100)
    assert update_index(None, index_dir, workers=1).committed
    fresh = index.search(request)
    assert fresh.total == 2 and {h.path for h in fresh.hits} == {"a.md", "b.md"}
    tags = list(fresh.facets["lang"])
    fresh.facets["lang"].clear()
    assert tags and index.search(SearchQuery(q="alphabets")).facets["lang"] == tags


# -- one bad file never costs the index (issue 17) --------------------------------------

BROKEN_YAML = "---\ntitle: [unclosed\ndate: 2021-03-04\n---\nCapybaras graze by the river.\n"
BROKEN_TOML = '+++\ntitle = "unclosed\n+++\n# Wombat night\n\nWombats dig burrows.\n'


def test_broken_front_matter_is_said_once_on_stderr_and_the_body_indexed(tmp_path: Path):
    """cron mails stderr: the run that first reads a note whose front matter does not
    parse says so (exit 0), later runs over the same file version do not, not even a
    rebuild; an edit that is still broken is said again."""
    corpus, index_dir = tmp_path / "notes", str(tmp_path / "ix")
    write(corpus / "good.md", note("Good", "Fine text."), mtime=1_600_000_000)
    write(corpus / "capybaras.md", BROKEN_YAML, mtime=1_600_000_000)
    result = invoke("reindex", str(corpus), "--index", index_dir)  # the first run builds
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "warning capybaras.md: front matter does not parse: not valid YAML (line 3: did not "
        "find expected ',' or ']'); indexed from the body"]
    hits = json.loads(invoke("search", "capybaras river", "--json", "--index",
                             index_dir).stdout)["hits"]
    assert [(h["path"], h["title"]) for h in hits] == [("capybaras.md", "capybaras")]
    # Unchanged, touched (same bytes, new mtime), then a full rebuild: nothing to say.
    assert (invoke("reindex", "--index", index_dir).stderr) == ""
    os.utime(corpus / "capybaras.md", (1_600_000_100, 1_600_000_100))
    assert (invoke("reindex", "--index", index_dir).stderr) == ""
    result = invoke("reindex", "--index", index_dir, "--full")
    assert (result.exit_code, result.stderr) == (0, "")
    # A new broken note, and an edit of the old one that is still broken: said once each.
    write(corpus / "wombats.md", BROKEN_TOML, mtime=1_600_000_200)
    write(corpus / "capybaras.md", BROKEN_YAML + "More.\n", mtime=1_600_000_300)
    result = invoke("reindex", "--index", index_dir)
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "warning capybaras.md: front matter does not parse: not valid YAML (line 3: did not "
        "find expected ',' or ']'); indexed from the body",
        "warning wombats.md: front matter does not parse: not valid TOML (Illegal character "
        "'\\n' (at line 2, column 18)); indexed from the body"]
    assert invoke("reindex", "--index", index_dir).stderr == ""
    hits = json.loads(invoke("search", "wombats", "--json", "--index", index_dir).stdout)["hits"]
    assert [(h["path"], h["title"]) for h in hits] == [("wombats.md", "Wombat night")]
    # A plain `index` of another folder says it too, once.
    result = invoke("index", str(corpus), "--index", str(tmp_path / "ix2"))
    said = [line for line in result.stderr.splitlines() if line.startswith("warning ")]
    assert [line.split(":")[0] for line in said] == ["warning capybaras.md", "warning wombats.md"]
    result = invoke("index", str(corpus), "--index", str(tmp_path / "ix2"))
    assert "warning" not in result.stderr


def hits(index_dir: str, query: str) -> dict[str, dict]:
    found = json.loads(invoke("search", query, "--json", "--index", index_dir).stdout)
    return {h["path"]: h for h in found["hits"]}


def test_files_that_are_not_notes_are_never_skipped_or_failed(tmp_path: Path):
    """A first reindex of a few real pyvideo conferences (540 category.json files in the
    whole corpus), plus the files operating systems leave behind: silent, exit 0, nothing
    skipped, and a plain `index` lists nothing either."""
    source = require_shared() / "corpora" / "pyvideo"
    corpus, index_dir = tmp_path / "pyvideo", str(tmp_path / "ix")
    for name in ("pycon-de-2018", "europython-2019", "bay-piggies"):
        shutil.copytree(source / name, corpus / name)
    for junk in ("Thumbs.db", "desktop.ini", ".DS_Store", "._talk.json"):
        (corpus / "pycon-de-2018" / junk).write_bytes(b"\x00\x01junk\x00")
    talks = [p for p in corpus.rglob("*.json") if p.name not in ("category.json", "._talk.json")]
    result = invoke("reindex", str(corpus), "--index", index_dir)
    assert (result.exit_code, result.stderr, result.stdout) == (0, "", "")
    stats = json.loads(invoke("stats", "--json", "--index", index_dir).stdout)
    assert stats["notes"] == len(talks) and stats["skipped"] == []
    result = invoke("reindex", "--index", index_dir, "--json")
    assert (result.exit_code, result.stderr) == (0, "")
    assert json.loads(result.stdout)["skipped"] == []
    result = invoke("index", str(corpus), "--index", str(tmp_path / "ix2"))
    assert result.exit_code == 0 and "skipped" not in result.stderr
    assert "category.json" not in result.stderr + result.stdout
    # The talks still carry their conference's name, from its category.json.
    events = {h["event"] for h in hits(index_dir, "python").values()}
    assert "PyCon DE 2018" in events


def test_a_changed_category_json_updates_its_talks_event(tmp_path: Path):
    """The event of a pyvideo talk comes from its folder's category.json: editing, removing
    or adding that file re-reads that folder's talks (and only those) on the next reindex."""
    corpus, index_dir = tmp_path / "talks", str(tmp_path / "ix")
    talk = {"title": "Capybara talk", "description": "Capybaras graze.", "speakers": ["Ann"],
            "recorded": "2019-05-01"}
    for conf in ("conf-a", "conf-b"):
        write(corpus / conf / "category.json", json.dumps({"title": f"Old {conf}"}),
              mtime=1_600_000_000)
        write(corpus / conf / "videos" / "talk.json", json.dumps(talk), mtime=1_600_000_000)
    write(corpus / "conf-b" / "flat.json", json.dumps(talk), mtime=1_600_000_000)
    assert invoke("reindex", str(corpus), "--index", index_dir).exit_code == 0
    events = {p: h["event"] for p, h in hits(index_dir, "capybaras").items()}
    assert events == {"conf-a/videos/talk.json": "Old conf-a",
                      "conf-b/videos/talk.json": "Old conf-b", "conf-b/flat.json": "Old conf-b"}

    def reindex() -> dict:
        result = invoke("reindex", "--index", index_dir, "--json")
        assert (result.exit_code, result.stderr) == (0, "")
        return json.loads(result.stdout)

    write(corpus / "conf-b" / "category.json", json.dumps({"title": "PyConf B 2019"}),
          mtime=1_600_000_100)
    report = reindex()
    assert (report["updated"], report["added"], report["skipped"]) == (2, 0, [])
    events = {p: h["event"] for p, h in hits(index_dir, "capybaras").items()}
    assert events == {"conf-a/videos/talk.json": "Old conf-a",
                      "conf-b/videos/talk.json": "PyConf B 2019",
                      "conf-b/flat.json": "PyConf B 2019"}
    assert reindex()["updated"] == 0  # said once: nothing more to do
    (corpus / "conf-a" / "category.json").unlink()
    assert reindex()["updated"] == 1
    assert hits(index_dir, "capybaras")["conf-a/videos/talk.json"]["event"] == "conf-a"
    write(corpus / "conf-a" / "category.json", json.dumps({"title": "New A"}),
          mtime=1_600_000_200)
    assert reindex()["updated"] == 1
    assert hits(index_dir, "capybaras")["conf-a/videos/talk.json"]["event"] == "New A"
    assert_same_as_clean_build(Path(index_dir), corpus, tmp_path)
