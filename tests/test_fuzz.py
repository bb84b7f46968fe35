"""Property-based fuzzing of the whole write path: hostile files never cost the index.

Hypothesis generates folders of note files with random bytes, random front matter, random
Unicode (control characters, RTL marks, lone surrogates through JSON escapes), odd names
(non-UTF-8 bytes, newlines, leading dashes, long names, NFC/NFD twins) and folder shapes,
beside two good notes.  The invariants, after a build and again after a reindex that adds,
changes and removes hostile files: no exception escapes, every scanned file is either
indexed or reported with a reason, both good notes are found by their words, and the index
opens and agrees with the report.

The default profile runs a few dozen folders (well under a minute); for a long local run:
``HYPOTHESIS_PROFILE=long pytest tests/test_fuzz.py``.
"""

from __future__ import annotations

import json
import os
import tempfile
import unicodedata
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventsearch.backends.whoosh.build import build_index
from eventsearch.backends.whoosh.update import update_index
from eventsearch.cli import cli
from eventsearch.model import SearchQuery
from eventsearch.readers import not_a_note
from eventsearch.readers.scan import scan_corpus
from eventsearch.search import SearchIndex

settings.register_profile("default", max_examples=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.data_too_large])
settings.register_profile("long", max_examples=1000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

GOOD = {
    b"good/alpha-meetup.md": (
        "---\ntitle: Alpha meetup report\ntags: [kubernetes]\n---\n"
        "We met to talk about zorblaxian pipelines and cluster upgrades.\n",
        "zorblaxian"),
    b"good/beta-treffen.md": (
        "---\ntitle: Beta Treffen\nlang: de\n---\n"
        "Wir sprachen über quendrelige Datenbanken und ihre Wartung im Betrieb.\n",
        "quendrelige"),
}

SUFFIXES = [".md", ".markdown", ".rst", ".html", ".htm", ".txt", ".srt", ".vtt", ".json"]

# Characters that break naive code: controls, bidi marks, BOM, replacement, combining marks.
ODD_CHARS = "\x00\x01\x07\x08\t\n\r\x0b\x0c\x1b\x7f\x85\u200b\u200e\u200f\u202a\u202e" \
            "\u2066\u2069\ufeff\ufffd\u0301\u00e9\u00df\u00fc\u4e2d\U0001f600"
odd_text = st.text(alphabet=st.one_of(st.characters(), st.sampled_from(ODD_CHARS)),
                   max_size=80)


def _name_part() -> st.SearchStrategy[bytes]:
    plain = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_ ", min_size=1,
                    max_size=12).map(str.encode)
    raw = st.binary(min_size=1, max_size=12).map(
        lambda b: b.replace(b"/", b"_").replace(b"\x00", b"_"))
    unicode_name = st.text(alphabet=st.one_of(st.characters(blacklist_categories=("Cs",)),
                                              st.sampled_from(ODD_CHARS)),
                           min_size=1, max_size=10).map(
        lambda s: s.replace("/", "_").replace("\x00", "_").encode("utf-8"))
    nfd = st.sampled_from(["café", "Grüße", "Übersicht"]).map(
        lambda s: unicodedata.normalize("NFD", s).encode())
    special = st.sampled_from([b"-rf", b"--help", b"caf\xe9", b"\xff\xfe", b"line\nbreak",
                               b"x" * 200, "caf\u00e9".encode(), b"back\\slash", b"%41"])
    return st.one_of(plain, raw, unicode_name, nfd, special)


def _front_matter(fields: dict[str, object], toml: bool) -> str:
    if toml:
        lines = [f"{k} = {json.dumps(v)}" for k, v in fields.items()]
        return "+++\n" + "\n".join(lines) + "\n+++\n"
    lines = [f"{k}: {v}" for k, v in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\n"


@st.composite
def note_content(draw: st.DrawFn, suffix: str) -> bytes:
    kind = draw(st.sampled_from(["bytes", "front", "json", "cues", "html", "plain"]))
    if kind == "bytes":
        return draw(st.binary(max_size=400))
    if kind == "json":
        value = st.one_of(odd_text, st.integers(), st.none(), st.lists(odd_text, max_size=3),
                          st.just("\ud800 lone"), st.just({"nested": [1, 2]}))
        record = draw(st.dictionaries(
            st.sampled_from(["title", "speakers", "description", "recorded", "tags",
                             "language", "videos", "duration", "summary", "event"]),
            value, max_size=8))
        text = json.dumps(record, ensure_ascii=draw(st.booleans()))
    elif kind == "front":
        fields = draw(st.dictionaries(
            st.sampled_from(["title", "date", "tags", "speakers", "lang", "draft", "event",
                             "location", "author", "categories"]),
            st.one_of(odd_text, st.integers(-10**12, 10**12), st.booleans(),
                      st.lists(odd_text, max_size=3), st.just("[unclosed"),
                      st.just("2019-13-45"), st.just("{a: [b")),
            max_size=6))
        text = _front_matter(fields, draw(st.booleans())) + draw(odd_text)
    elif kind == "cues":
        cues = draw(st.lists(st.tuples(st.integers(0, 10**6), odd_text), max_size=5))
        text = ("WEBVTT\n\n" if suffix == ".vtt" else "") + "\n".join(
            f"{n}\n00:{s // 60 % 60:02d}:{s % 60:02d},000 --> 00:00:0{n % 10},500\n{t}\n"
            for n, (s, t) in enumerate(cues, 1))
    elif kind == "html":
        text = f"<html><head><title>{draw(odd_text)}</title></head><body><h1>" \
               f"{draw(odd_text)}</h1><p>{draw(odd_text)}</body>"
    else:
        text = draw(odd_text)
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16", "utf-16-le",
                                     "utf-32", "cp1252", "surrogatepass"]))
    if encoding == "surrogatepass":
        return text.encode("utf-8", "surrogatepass")
    return text.encode(encoding, "surrogatepass" if encoding.startswith("utf") else "replace")


@st.composite
def hostile_file(draw: st.DrawFn) -> tuple[bytes, bytes]:
    folders = draw(st.lists(_name_part(), max_size=3))
    suffix = draw(st.sampled_from(SUFFIXES))
    name = draw(_name_part()) + suffix.encode()
    if draw(st.integers(0, 9)) == 0:
        name = draw(st.sampled_from([b"category.json", b".DS_Store", b"Thumbs.db"]))
    return b"/".join([b"hostile", *folders, name]), draw(note_content(suffix))


def _write(root: Path, rel: bytes, content: bytes) -> bool:
    """Write one file under root (bytes path); False when the shape cannot exist
    (a folder where a file is, a name too long for the file system)."""
    path = os.path.join(os.fsencode(root), rel)
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(content)
    except OSError:
        return False
    return True


def _check(root: Path, index_dir: Path, report: object) -> None:
    files = scan_corpus([root])
    skipped = {path for path, _reason in report.skipped}  # type: ignore[attr-defined]
    index = SearchIndex(index_dir)
    try:
        indexed = 0
        for key, info in files.items():
            note = index.get_note(key)
            if note is not None:
                indexed += 1
                assert note.path == key
                # what show --json and the note page print must be encodable text
                json.dumps(note.to_dict(), ensure_ascii=False).encode("utf-8")
            else:
                assert key in skipped or not_a_note(Path(info[0])) is not None, (
                    f"{key!r} is neither indexed nor reported")
        assert index.stats()["notes"] == indexed == report.notes  # type: ignore[attr-defined]
        browsed = index.search(SearchQuery(q="", per_page=100))
        assert browsed.total == indexed
        json.dumps(browsed.to_dict(), ensure_ascii=False).encode("utf-8")
        for rel, (_text, word) in GOOD.items():
            hits = index.search(SearchQuery(q=word, per_page=50)).hits
            assert rel.decode() in [h.path for h in hits], f"good note {rel!r} not found"
    finally:
        index.close()
    runner = CliRunner()
    result = runner.invoke(cli, ["search", "zorblaxian", "--json", "--index", str(index_dir)])
    assert result.exit_code == 0, result.output
    assert "good/alpha-meetup.md" in result.output


@given(st.lists(hostile_file(), min_size=1, max_size=6), hostile_file(),
       st.integers(0, 5), st.data())
def test_hostile_folders_never_cost_the_index(hostile: list[tuple[bytes, bytes]],
                                              added: tuple[bytes, bytes], changed: int,
                                              data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root, index_dir = Path(tmp) / "notes", Path(tmp) / "index"
        for rel, (text, _word) in GOOD.items():
            assert _write(root, rel, text.encode())
        written = [rel for rel, content in hostile if _write(root, rel, content)]

        report = build_index([root], index_dir, workers=1)
        _check(root, index_dir, report)

        # Reindex after a hostile file is added, one is changed and one removed.
        _write(root, *added)
        if written:
            victim = written[changed % len(written)]
            _write(root, victim, data.draw(note_content(".md")))
            gone = written[(changed + 1) % len(written)]
            if gone != victim:
                with_bytes = os.path.join(os.fsencode(root), gone)
                if os.path.isfile(with_bytes):
                    os.unlink(with_bytes)
        report = update_index([root], index_dir, workers=1)
        _check(root, index_dir, report)
