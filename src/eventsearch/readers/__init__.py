"""Readers: turn every kind of event-note file into one `Note`.

`scan.scan_corpus(roots)` lists the candidate files in a stable order; `read_note(path,
root)` reads one of them.  `read_note` is a pure function of the file (it runs in worker
processes) and raises only `ParseError`, whose message says in plain words why the file
was skipped.
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Callable
from pathlib import Path

from ..errors import ParseError
from ..model import Note
from ..paths import display_path, path_key
from .build import Draft, finish
from .html import read_html
from .markdown import read_markdown
from .meta import clean_unicode, collapse, whole_chars
from .pyvideo import CATEGORY, category_of, not_a_talk, read_pyvideo
from .rst import read_rst
from .transcript import has_cues, is_dump, read_captions, read_dump

__all__ = ["SUFFIXES", "not_a_note", "note_depends_on", "read_note"]

SUFFIXES = frozenset({".md", ".markdown", ".rst", ".html", ".htm", ".txt", ".srt", ".vtt",
                      ".json"})


# UTF-32 first: its little-endian BOM (FF FE 00 00) starts with UTF-16's (FF FE).
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_SNIFF = 4096  # bytes looked at to tell UTF-16/32 without a BOM from a binary file
_REPLACED_MAX = 0.01  # share of characters that may be undecodable in UTF-16/32 text


def _wide_encoding(raw: bytes) -> str | None:
    """UTF-16 or UTF-32 without a BOM, told by where its NUL bytes sit, or None.

    Text in Latin scripts has a NUL high byte in (almost) every UTF-16 unit and two or
    three NUL bytes in every UTF-32 unit: in UTF-16-LE the NULs are the odd bytes, in
    UTF-16-BE the even ones.  A binary file has NULs at both parities.
    """
    sample = raw[: _SNIFF - _SNIFF % 4]
    sample = sample[: len(sample) - len(sample) % 4]
    quarter = len(sample) // 4
    if quarter < 2:
        return None
    nuls = [sample[i::4].count(0) for i in range(4)]
    if nuls[3] == quarter and nuls[2] >= 0.9 * quarter and nuls[0] < quarter:
        return "utf-32-le"
    if nuls[0] == quarter and nuls[1] >= 0.9 * quarter and nuls[3] < quarter:
        return "utf-32-be"
    even, odd = nuls[0] + nuls[2], nuls[1] + nuls[3]
    if odd >= max(4, 0.1 * 2 * quarter) and even <= 0.01 * odd:
        return "utf-16-le"
    if even >= max(4, 0.1 * 2 * quarter) and odd <= 0.01 * even:
        return "utf-16-be"
    return None


def _decode_wide(raw: bytes, encoding: str, how: str) -> tuple[str, list[str]]:
    """UTF-16/32 text; a few undecodable units are replaced (with a warning), more are
    a reason to skip the file."""
    try:
        return raw.decode(encoding), []
    except UnicodeDecodeError as exc:
        text = raw.decode(encoding, errors="replace")
        bad = text.count("\ufffd") - raw.decode(encoding, errors="ignore").count("\ufffd")
        name = encoding.upper()
        if bad > max(1, _REPLACED_MAX * len(text)):
            raise ParseError(f"{how} {name} text, but does not decode as it ({exc.reason} "
                             f"at byte {exc.start})") from None
        return text, [f"{name} text with {bad} undecodable byte sequence(s), replaced by U+FFFD"]


def _decode(raw: bytes) -> tuple[str, list[str]]:
    """Text from bytes: UTF-8 (BOM or not), UTF-16/32 (BOM or not), else cp1252 with a warning."""
    warnings: list[str] = []
    bom = next(((b, enc) for b, enc in _BOMS if raw.startswith(b)), None)
    wide = None if bom else _wide_encoding(raw) if b"\x00" in raw else None
    if bom:
        text, warnings = _decode_wide(raw[len(bom[0]) :], bom[1], "starts with the BOM of")
    elif wide:
        text, warnings = _decode_wide(raw, wide, "looks like BOM-less")
    elif b"\x00" in raw:
        raise ParseError("binary file (contains NUL bytes), not a text note")
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
            warnings.append("not UTF-8; decoded as cp1252")
    if "\x00" in text:
        raise ParseError("binary file (contains NUL characters), not a text note")
    text = clean_unicode(text)
    if not text.strip():
        raise ParseError("empty file")
    return text, warnings


def _text_reader(text: str, path: Path, rel: str) -> Draft:
    if is_dump(text):
        return read_dump(text)
    if has_cues(text):
        return read_captions(text, rel, "srt")
    return read_markdown(text, "text")


_READERS: dict[str, Callable[[str, Path, str], Draft]] = {
    ".md": lambda text, path, rel: read_markdown(text),
    ".markdown": lambda text, path, rel: read_markdown(text),
    ".txt": _text_reader,
    ".rst": lambda text, path, rel: read_rst(text),
    ".html": lambda text, path, rel: read_html(text),
    ".htm": lambda text, path, rel: read_html(text),
    ".srt": lambda text, path, rel: read_captions(text, rel, "srt"),
    ".vtt": lambda text, path, rel: read_captions(text, rel, "vtt"),
    ".json": lambda text, path, rel: read_pyvideo(text, path),
}


# Files that operating systems and file managers leave in folders: never notes.
_SYSTEM_FILES = frozenset({".ds_store", "thumbs.db", "ehthumbs.db", "desktop.ini",
                           ".directory", "icon\r"})


def not_a_note(path: Path | str) -> str | None:
    """Why a corpus file (a Path or a corpus path) is known not to be a note, or None.

    The indexer sets such files aside unread: they are never skipped, never a failure.
    """
    name = path.rsplit("/", 1)[-1] if isinstance(path, str) else path.name
    if name.lower() in _SYSTEM_FILES or name.startswith("._"):
        return f"{name} is kept by the operating system, not a note"
    return not_a_talk(name)


def note_depends_on(key: str) -> str | None:
    """The corpus path of the file (other than itself) a note at corpus path ``key`` takes
    data from, or None: a pyvideo talk record's event comes from its folder's category.json.
    """
    if key.endswith(".json") and key.rsplit("/", 1)[-1] != CATEGORY:
        return category_of(key)
    return None


def read_note(path: Path, root: Path) -> Note:
    """Read one file into a Note, or raise ParseError(reason) if it cannot be indexed."""
    path, root = Path(path), Path(root)
    try:
        key = path_key(path.relative_to(root).as_posix())
    except ValueError:
        raise ParseError(f"{path} is not inside the corpus folder {root}") from None
    rel = display_path(key)  # what titles, dates and events are taken from
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise ParseError(f"unsupported file type {path.suffix or '(no suffix)'!r}")
    try:
        raw = path.read_bytes()
        stat = path.stat()
    except OSError as exc:
        raise ParseError(f"cannot read file: {exc.strerror or exc}") from None
    text, warnings = _decode(raw)
    try:
        draft = reader(text, path, rel)
        fields = finish(draft, rel)
    except ParseError:
        raise
    except Exception as exc:  # a reader bug must cost one file, not the whole run
        raise ParseError(f"reader failed: {type(exc).__name__}: {exc}") from exc
    body = whole_chars(draft.text if draft.cues else clean_unicode(draft.text))
    fields["title"] = collapse(clean_unicode(fields["title"]))
    fields["warnings"] = (*warnings, *fields["warnings"])
    fields = {name: whole_chars(value) for name, value in fields.items()}
    return Note(
        path=key,
        text=body,
        format=draft.format,
        sha1=hashlib.sha1(raw).hexdigest(),
        mtime=stat.st_mtime,
        size=stat.st_size,
        **fields,
    )
