"""Issue 17: any file name the file system allows is indexed, shown, linked and found,
and a note whose document fails in Whoosh's writer costs that note only.

Real files with odd byte names on disk, a real index, the real CLI (as a child process,
whose stderr must hold no traceback) and the real Flask app.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner
from whoosh import index as whoosh_index

from eventsearch.backends.whoosh.pool import _SegmentWriter
from eventsearch.backends.whoosh.schema import build_schema, note_to_document
from eventsearch.cli import cli as main_cli
from eventsearch.config import load_settings
from eventsearch.paths import display_path, fs_path, is_key, key_bytes, lookup_keys, path_key
from eventsearch.readers.load import load_note
from eventsearch.readers.scan import scan_corpus
from eventsearch.web import create_app

from .conftest import PROJECT
from .test_reindex import assert_same_as_clean_build, documents

EVENTSEARCH = [sys.executable, "-m", "eventsearch"]
CHILD_ENV = {**os.environ, "PYTHONPATH": str(PROJECT / "src")}

NFC = unicodedata.normalize("NFC", "café")
NFD = unicodedata.normalize("NFD", "café")
# file name (bytes) -> (its key, a word only its body has)
ODD: dict[bytes, tuple[str, str]] = {
    b"caf\xff.md": ("caf\\xff.md", "wombat"),
    b"line\nbreak.md": ("line\\x0abreak.md", "numbat"),
    b"-dash.md": ("-dash.md", "quoll"),
    b"back\\slash.md": ("back\\\\slash.md", "bilby"),
    b"sub\xfe/inner.md": ("sub\\xfe/inner.md", "dingo"),
    b"l" * 252 + b".md": ("l" * 252 + ".md", "echidna"),
    b"/".join([b"d" * 200] * 12) + b"/deep.md": ("/".join(["d" * 200] * 12) + "/deep.md",
                                                "bettong"),
    NFC.encode() + b".md": (NFC + ".md", "koala"),
    NFD.encode() + b".md": (NFD + ".md", "wallaroo"),
}
GOOD = {b"good/one.md": ("good/one.md", "kangaroo"), b"good/two.md": ("good/two.md", "emu")}


def put(root: Path, name: bytes, word: str, extra: str = "") -> None:
    path = os.path.join(os.fsencode(root), name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"Some notes on the {word} {extra}.\n")


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([*EVENTSEARCH, *args], capture_output=True, text=True,
                          env=CHILD_ENV, timeout=120)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def here(*args: str) -> subprocess.CompletedProcess[str]:
    """The CLI run in this process (click's runner): quicker, for the many small runs."""
    result = CliRunner().invoke(main_cli, list(args), catch_exceptions=False)
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


def found(index_dir: Path, word: str) -> list[dict]:  # type: ignore[type-arg]
    done = here("search", word, "--index", str(index_dir), "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["hits"]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "notes"
    for name, (_, word) in {**GOOD, **ODD}.items():
        put(root, name, word)
    return root


# -- the key ------------------------------------------------------------------------

NAMES = [b"plain.md", b"caf\xff.md", b"a\nb", b"\\", b"\\x41", b"\\\\xff", b"\x7f\x1b",
         "caf\u00e9".encode(), unicodedata.normalize("NFD", "caf\u00e9").encode(),
         b"\xed\xa0\x80", b"\xc3", "a\u2028b\u0085c".encode(), "日本/語.md".encode(),
         b"-", b"%41?#&.md", bytes(range(1, 256)).replace(b"/", b"")]


@pytest.mark.parametrize("raw", NAMES)
def test_a_key_is_one_safe_line_and_gives_back_the_name(raw: bytes):
    key = path_key(raw)
    assert key == path_key(os.fsdecode(raw))  # the same from bytes and from os's str
    key.encode("utf-8")  # valid UTF-8: no lone surrogates
    assert key.isprintable() and len(key.splitlines()) == 1
    assert key_bytes(key) == raw
    assert fs_path(key) == os.fsdecode(raw)
    assert is_key(key)
    display_path(key).encode("utf-8")


def test_different_names_never_share_a_key():
    keys = [path_key(raw) for raw in NAMES]
    assert len(set(keys)) == len(keys)
    assert path_key(b"\\x41") != path_key(b"A") and path_key(b"\\xff") != path_key(b"\xff")
    assert path_key(b"plain/name.md") == "plain/name.md"  # the usual name is itself


def test_a_typed_id_may_be_the_key_or_the_raw_path():
    assert lookup_keys("caf\\xff.md") == ["caf\\xff.md", "caf\\\\xff.md"]
    assert lookup_keys(os.fsdecode(b"caf\xff.md")) == ["caf\\xff.md"]
    assert lookup_keys("a\nb.md") == ["a\\x0ab.md"]
    assert not is_key("stray\\q") and not is_key("caf\\xFF.md")


# -- a folder of odd names ---------------------------------------------------------------

def test_every_odd_name_is_indexed_found_shown_and_linked(tmp_path: Path, corpus: Path):
    index_dir = tmp_path / "ix"
    done = cli("index", str(corpus), "--index", str(index_dir), "--workers", "1")
    assert done.returncode == 0, done.stderr
    assert "skipped" not in done.stderr
    app = create_app(load_settings(index_dir=index_dir), test_config={"TESTING": True})
    client = app.test_client()
    for name, (key, word) in {**GOOD, **ODD}.items():
        hits = found(index_dir, word)
        assert [h["path"] for h in hits] == [key], word
        title = hits[0]["title"]
        assert title and "\\x" not in title and "\n" not in title, title
        shown = cli("show", "--index", str(index_dir), "--json", "--", key)
        assert shown.returncode == 0, shown.stderr
        assert json.loads(shown.stdout)["path"] == key
        assert word in json.loads(shown.stdout)["text"]
        raw = cli("show", "--index", str(index_dir), "--", os.fsdecode(name))  # as the shell
        assert raw.returncode == 0 and f"path:          {key}\n" in raw.stdout, raw.stderr
        page = client.get("/search", query_string={"q": word})
        links = re.findall(r'href="(/notes/[^"]+)"', page.get_data(as_text=True))
        assert len(links) == 1, word
        note_page = client.get(html.unescape(links[0]))
        assert note_page.status_code == 200 and word in note_page.get_data(as_text=True)
        api = client.get("/api/search", query_string={"q": word}).get_json()
        assert [h["path"] for h in api["hits"]] == [key]
        note = client.get(f"/api/notes/{_quote(key)}")
        assert note.status_code == 200 and note.get_json()["path"] == key
    dash = cli("show", "--index", str(index_dir), "--", "-dash.md")
    assert dash.returncode == 0 and "quoll" in dash.stdout


def _quote(key: str) -> str:
    from urllib.parse import quote

    return quote(key, safe="/")


def test_reindex_follows_odd_names_added_changed_and_removed(tmp_path: Path):
    corpus = tmp_path / "notes"
    for name, (_, word) in GOOD.items():
        put(corpus, name, word)
    index_dir = tmp_path / "ix"
    assert here("reindex", str(corpus), "--index", str(index_dir)).returncode == 0
    for name, (key, word) in ODD.items():
        put(corpus, name, word)  # added
        done = here("reindex", "--index", str(index_dir), "--json")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["added"] == 1
        assert [h["path"] for h in found(index_dir, word)] == [key]
        put(corpus, name, word, "and the bandicoot")  # changed
        done = here("reindex", "--index", str(index_dir), "--json")
        assert done.returncode == 0 and json.loads(done.stdout)["updated"] == 1, done.stderr
        assert [h["path"] for h in found(index_dir, "bandicoot")] == [key]
        assert_same_as_clean_build(index_dir, corpus, tmp_path)
        os.unlink(os.path.join(os.fsencode(corpus), name))  # removed
        done = here("reindex", "--index", str(index_dir), "--json")
        assert done.returncode == 0 and json.loads(done.stdout)["removed"] == 1, done.stderr
        assert found(index_dir, word) == [] and found(index_dir, "bandicoot") == []
        assert [h["path"] for h in found(index_dir, "kangaroo")] == ["good/one.md"]
    assert sorted(documents(index_dir)) == ["good/one.md", "good/two.md"]


# -- text no encoder can take ------------------------------------------------------------

# A lone surrogate escape in JSON: a str Python holds but UTF-8 cannot encode.  Whoosh would
# fail on it half-way through a document (fields are added in name order); the readers turn
# it into U+FFFD, and the writer's whole-document add (below) is the second line of defence.
BAD_TALK = json.dumps({"title": "Broken \ud800 talk", "description": "A talk about the wallaby.",
                       "tags": ["fine", "bad\ud800"], "speakers": ["Ann \udfff Example"],
                       "recorded": "2020-01-01", "videos": []})


def test_lone_surrogates_are_read_as_replacement_characters_and_shown_everywhere(
        tmp_path: Path):
    corpus = tmp_path / "notes"
    put(corpus, b"a-first.md", "aardvark")
    (corpus / "talk.json").write_text(BAD_TALK, encoding="utf-8")
    index_dir = tmp_path / "ix"
    done = cli("index", str(corpus), "--index", str(index_dir), "--workers", "1", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["notes"] == 2
    [hit] = found(index_dir, "wallaby")
    assert hit["title"] == "Broken \ufffd talk"
    assert hit["tags"] == ["fine", "bad\ufffd"] and hit["speakers"] == ["Ann \ufffd Example"]
    shown = cli("show", "talk.json", "--index", str(index_dir))
    assert shown.returncode == 0 and "Broken \ufffd talk" in shown.stdout, shown.stderr
    assert [h["path"] for h in found(index_dir, "aardvark")] == ["a-first.md"]


def _fields(path: str, body: str, tags: str = "") -> dict[str, object]:
    return {"path": path, "title": path, "body": body, "tag": tags, "lang": "en",
            "state": b"1.0 1 x", "data": "{}"}


def test_the_segment_writer_adds_a_whole_document_or_nothing(tmp_path: Path):
    ix = whoosh_index.create_in(str(tmp_path), build_schema())
    writer = _SegmentWriter(ix, limitmb=16)
    writer.add_document(**_fields("a.md", "aardvark"))
    with pytest.raises(UnicodeEncodeError):
        writer.add_document(**_fields("bad.md", "wallaby", "bad\ud800"))
    writer.add_document(**_fields("z.md", "platypus"))
    with pytest.raises(UnicodeEncodeError):
        writer.update_document(**_fields("a.md", "wallaby", "bad\ud800"))  # deletes nothing
    writer.commit()
    with ix.searcher() as searcher:
        assert searcher.doc_count() == 2
        assert [d["path"] for d in searcher.documents()] == ["a.md", "z.md"]
        assert searcher.document(path="bad.md") is None
        reader = searcher.reader()
        assert list(reader.lexicon("body")) == [b"aardvark", b"platypus"]
        assert [reader.stored_fields(d)["path"] for d in
                reader.postings("body", "platypus").all_ids()] == ["z.md"]
        assert list(reader.column_reader("path", translate=True)) == ["a.md", "z.md"]


def test_whole_documents_write_what_whoosh_writes(tmp_path: Path):
    """The prepare-then-push copy of Whoosh's add_document must not drift from it:
    the same documents give the same segment files, byte for byte."""
    from whoosh.writing import SegmentWriter

    class WhooshAdd(_SegmentWriter):
        add_document = SegmentWriter.add_document  # Whoosh's own, field by field

    notes = Path(PROJECT / "corpus")
    dirs = []
    for kind in (_SegmentWriter, WhooshAdd):
        folder = tmp_path / kind.__name__
        folder.mkdir()
        ix = whoosh_index.create_in(str(folder), build_schema())
        writer = kind(ix, limitmb=16)
        for key, (real, _, _) in scan_corpus([notes]).items():
            _, note, _ = load_note(key, real)
            if note is not None:
                writer.add_document(**note_to_document(note))
        writer.commit()
        dirs.append(folder)
    assert _segment_files(dirs[0]) == _segment_files(dirs[1])


def _segment_files(folder: Path) -> dict[str, bytes]:
    from whoosh.filedb.compound import CompoundStorage
    from whoosh.filedb.filestore import FileStorage

    storage = FileStorage(str(folder))
    out = {}
    for name in os.listdir(folder):
        if name.endswith(".seg"):
            parts = CompoundStorage(storage.open_file(name), use_mmap=False)
            for sub in parts.list():
                with parts.open_file(sub) as f:
                    out[sub.split(".", 1)[-1]] = f.read()
            parts.close()
    assert out
    return out
