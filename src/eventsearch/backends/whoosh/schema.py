"""The Whoosh schema, and how a Note becomes one index document.

Field roles: ``title``/``body``/``meta`` hold unstemmed text (exact matches and
highlighting); ``*_en``/``*_de`` hold the stemmed text of the note's own
language; ``tag``/``speaker``/``event``/``lang``/``year``/``month`` are facet keys
(text/facetkeys.py);
``data`` keeps the display metadata as JSON.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from whoosh.columns import VarBytesColumn
from whoosh.fields import BOOLEAN, COLUMN, DATETIME, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.formats import Frequency, Positions
from whoosh.system import pack_uint

from ...model import FACET_NAMES, Note
from ...paths import display_path
from ...text.analyze import ANALYSIS_VERSION, SUPPORTED
from ...text.facetkeys import facet_keys
from .analysis import WordAnalyzer, plain_analyzer, stemming_analyzer

# 2: analyzer and format classes moved (eventsearch.backends.whoosh.*); Whoosh pickles
# the schema with their module paths, so an index from before cannot be opened.
# 3: the ``event`` facet field; tag keys merge hyphens and spaces; no placeholder speakers.
SCHEMA_VERSION = 3
# Both must match what an index was built with; otherwise it is rebuilt.
INDEX_FORMAT = f"{SCHEMA_VERSION}.{ANALYSIS_VERSION}"

TEXT_FIELDS = ("title", "body", "meta")
STEMMED_FIELDS = tuple(f"{f}_{lang}" for f in ("title", "body") for lang in SUPPORTED)
FACET_FIELDS = FACET_NAMES

_MONTHS_EN = ("January February March April May June July August September October "
              "November December")
_MONTHS_DE = ("Januar Februar März April Mai Juni Juli August September Oktober "
              "November Dezember")
MONTHS_EN = _MONTHS_EN.split()
MONTHS_DE = _MONTHS_DE.split()


_FREQUENCIES = tuple(pack_uint(n) for n in range(256))  # shared, not one per posting
# Most words occur once in a note: their encoded position, made once instead of pickled
# for each posting.  Sharing the objects also makes the index ~3% smaller: a block's
# pickle stores a repeated value as a reference to its first copy.
_ONE_POSITION = tuple(Positions().encode([p]) for p in range(4096))
WordValues = Iterator[tuple[str, int, float, bytes]]


def _indexing_text(value: Any, analyzer: Any, kwargs: dict[str, Any]) -> bool:
    """Whether Whoosh asks a format to index a text with our analyzer (the fast path);
    anything else goes to Whoosh's own word_values."""
    return kwargs.get("mode") == "index" and isinstance(analyzer, WordAnalyzer) \
        and isinstance(value, str)


class WordPositions(Positions):
    """Whoosh's Positions format, indexing from ``WordAnalyzer.indexed_words``.

    The same postings (tested), twice as fast: Whoosh builds them from a Token
    object per word, through two generators.
    """

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> WordValues:
        if not _indexing_text(value, analyzer, kwargs):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        words, first = analyzer.indexed_words(value)
        positions: dict[str, list[int]] = {}
        for pos, word in enumerate(words, first):
            found = positions.get(word)
            if found is None:
                positions[word] = [pos]
            else:
                found.append(pos)
        boost = self.field_boost
        for word, poslist in positions.items():
            n = len(poslist)
            if n == 1 and poslist[0] < len(_ONE_POSITION):
                yield word, 1, boost, _ONE_POSITION[poslist[0]]
            else:
                yield word, n, float(n) * boost, self.encode(poslist)


class WordFrequency(Frequency):
    """Whoosh's Frequency format, indexing from ``WordAnalyzer.indexed_words``."""

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> WordValues:
        if not _indexing_text(value, analyzer, kwargs):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        boost = self.field_boost
        for word, n in Counter(analyzer.indexed_words(value)[0]).items():
            yield word, n, float(n) * boost, _FREQUENCIES[n] if n < 256 else pack_uint(n)


def _text(analyzer: WordAnalyzer, phrase: bool, stored: bool = False) -> TEXT:
    field = TEXT(analyzer=analyzer, phrase=phrase, stored=stored)
    field.format = WordPositions() if phrase else WordFrequency()
    return field


def build_schema() -> Schema:
    plain = plain_analyzer()
    fields: dict[str, Any] = {
        "path": ID(unique=True, stored=True, sortable=True),
        "title": _text(plain, phrase=True, stored=True),
        "body": _text(plain, phrase=True, stored=True),
        "meta": _text(plain, phrase=True),
        "tag": KEYWORD(commas=True, scorable=False),
        "speaker": KEYWORD(commas=True, scorable=False),
        "event": ID,
        "lang": ID(stored=True),
        "year": ID,
        "month": ID,
        "format": ID(stored=True),
        "draft": BOOLEAN(stored=True),
        "date": DATETIME(sortable=True),  # shown from "data"; the column sorts and ranks
        # "mtime size sha1" per document, read as a column by the incremental reindex
        "state": COLUMN(VarBytesColumn()),
        "data": STORED,
    }
    for lang in SUPPORTED:
        chain = stemming_analyzer(lang)
        fields[f"title_{lang}"] = _text(chain, phrase=False)
        fields[f"body_{lang}"] = _text(chain, phrase=False)
    return Schema(**fields)


def date_words(day: date) -> str:
    """A date as words people type: "August 2017 2017-08 2017-08-24 Aug" and German month."""
    month_en, month_de = MONTHS_EN[day.month - 1], MONTHS_DE[day.month - 1]
    words = {str(day.year), f"{day.year}-{day.month:02d}", day.isoformat(), month_en,
             month_en[:3], month_de}
    return " ".join(sorted(words))


def path_words(path: str) -> str:
    """Folder and file names carry events, years and slugs ("pycon-us-2023/")."""
    words = display_path(path).rsplit(".", 1)[0]
    return words.replace("/", " ").replace("_", " ").replace("-", " ")


def note_to_document(note: Note) -> dict[str, Any]:
    """The index document of a note.  Only this function knows the mapping."""
    meta_parts = [*note.tags, *note.speakers, note.event or "", note.location or "",
                  note.author or "", path_words(note.path)]
    if note.date:
        meta_parts.append(date_words(note.date))
    doc: dict[str, Any] = {
        "path": note.path,
        "title": note.title,
        "body": note.text,
        "meta": "\n".join(p for p in meta_parts if p),
        "tag": ",".join(facet_keys("tag", note.tags)),
        "speaker": ",".join(facet_keys("speaker", note.speakers)),
        "lang": note.lang,
        "format": note.format,
        "draft": note.draft,
        "state": file_state(note.mtime, note.size, note.sha1),
        "data": json.dumps(note_data(note), ensure_ascii=False),
    }
    event = facet_keys("event", [note.event or ""])
    if event:  # one key (an ID field: the whole value is the term)
        doc["event"] = event[0]
    if note.lang in SUPPORTED:
        doc[f"title_{note.lang}"] = note.title
        doc[f"body_{note.lang}"] = note.text
    if note.date:
        doc["date"] = datetime(note.date.year, note.date.month, note.date.day)
        doc["year"] = str(note.date.year)
        doc["month"] = f"{note.date.year}-{note.date.month:02d}"
    return doc


def note_data(note: Note) -> dict[str, Any]:
    """Display metadata kept beside the document (stored, not searched)."""
    return {
        "title": note.title, "date": note.date.isoformat() if note.date else None,
        "tags": list(note.tags), "speakers": list(note.speakers), "author": note.author,
        "event": note.event, "location": note.location, "url": note.url,
        "declared_lang": note.declared_lang, "cues": [list(c) for c in note.cues],
        "sha1": note.sha1, "size": note.size, "mtime": note.mtime,
        "warnings": list(note.warnings),
    }


def document_to_note(stored: dict[str, Any]) -> Note:
    """Rebuild a Note from an index document's stored fields (for `show` and the note page)."""
    data = json.loads(stored["data"])
    return Note(
        path=stored["path"], title=stored.get("title", ""), text=stored.get("body", ""),
        format=stored.get("format", ""), lang=stored.get("lang", "und"),
        declared_lang=data.get("declared_lang"),
        date=date.fromisoformat(data["date"]) if data.get("date") else None,
        tags=tuple(data["tags"]), speakers=tuple(data["speakers"]), author=data.get("author"),
        event=data.get("event"), location=data.get("location"), url=data.get("url"),
        draft=bool(stored.get("draft")), cues=tuple((int(o), float(s)) for o, s in data["cues"]),
        warnings=tuple(data.get("warnings", ())), sha1=data.get("sha1", ""),
        mtime=float(data.get("mtime", 0.0)), size=int(data.get("size", 0)),
    )


def file_state(mtime: float, size: int, sha1: str) -> bytes:
    """What the incremental reindex compares against the file on disk."""
    return f"{mtime!r} {size} {sha1}".encode()


def parse_state(raw: bytes) -> tuple[float, int, str]:
    mtime, size, sha1 = raw.decode().split(" ")
    return float(mtime), int(size), sha1
