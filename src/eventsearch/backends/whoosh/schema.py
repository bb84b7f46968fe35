"""The Whoosh schema, and how a Note becomes one Whoosh document.

The fields and their roles are text/fields.py (the same for every backend); here
``*_en``/``*_de`` are stemmed by their language's analyzer, ``data`` keeps the display
metadata as JSON, ``state`` the file's mtime, size and SHA-1 for the incremental
reindex, ``date`` the date as a sortable column.  Facet keys (tag, speaker,
event, lang, year, month) are those of text/facetkeys.py.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from whoosh.columns import VarBytesColumn
from whoosh.fields import BOOLEAN, COLUMN, DATETIME, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.formats import Frequency, Positions
from whoosh.system import pack_uint

from ...model import FACET_NAMES, Note
from ...text.analyze import ANALYSIS_VERSION, SUPPORTED
from ...text.fields import note_data, note_fields
from .analysis import WordAnalyzer, plain_analyzer, stemming_analyzer, umlaut_analyzer

# 2: analyzer and format classes moved (eventsearch.backends.whoosh.*); Whoosh pickles
# the schema with their module paths, so an index from before cannot be opened.
# 3: the ``event`` facet field; tag keys merge hyphens and spaces; no placeholder speakers.
# 4: the ``umlaut`` field (rank/umlauts.py).
SCHEMA_VERSION = 4
# Both must match what an index was built with; otherwise it is rebuilt.
INDEX_FORMAT = f"{SCHEMA_VERSION}.{ANALYSIS_VERSION}"

TEXT_FIELDS = ("title", "body", "meta")
STEMMED_FIELDS = tuple(f"{f}_{lang}" for f in ("title", "body") for lang in SUPPORTED)
FACET_FIELDS = FACET_NAMES

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
        "umlaut": _text(umlaut_analyzer(), phrase=False),
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


def note_to_document(note: Note) -> dict[str, Any]:
    """The Whoosh document of a note: the fields every backend indexes (`note_fields`),
    with the file's state, the display data as JSON and the date as Whoosh stores them."""
    doc = note_fields(note)
    doc["state"] = file_state(note.mtime, note.size, note.sha1)
    doc["data"] = json.dumps(note_data(note), ensure_ascii=False)
    if note.date:
        doc["date"] = datetime(note.date.year, note.date.month, note.date.day)
    return doc


def file_state(mtime: float, size: int, sha1: str) -> bytes:
    """What the incremental reindex compares against the file on disk."""
    return f"{mtime!r} {size} {sha1}".encode()


def parse_state(raw: bytes) -> tuple[float, int, str]:
    mtime, size, sha1 = raw.decode().split(" ")
    return float(mtime), int(size), sha1
