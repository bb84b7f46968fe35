"""Writing the PostgreSQL index, what the full build (build.py) and the incremental
reindex (update.py) share: the writer lock, notes as rows and postings, COPY.

The same readers, language detection and analysis chains as the Whoosh backend make
each note's terms (so stems, folding and compound parts are the same); PostgreSQL
stores them (schema.py).  One writer at a time: a session-level advisory lock, which
PostgreSQL releases when the writer's connection ends, so a killed reindex never
leaves a stale lock, and its open transaction is rolled back: nothing half-written
is ever visible.
"""

from __future__ import annotations

import json
import time
from array import array
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from ...errors import IndexLocked
from ...model import IndexReport, Note
from ...readers.load import load_notes
from ...readers.scan import FileInfo
from ...runs import new_failure, skip_record
from ...text.chains import WordChain
from ...text.fields import note_data, note_fields
from ..base import Progress
from .connect import Database
from .schema import (
    FIELD_ID,
    FIELDS,
    LOCK_KEY,
    TEXT_FIELDS,
    ensure_meta,
    positions_of,
    tsvector_literal,
)

NOTE_COLUMNS = ("doc", "path", "title", "body", "data", "lang", "format", "draft", "day",
                "tags", "speakers", "event", "mtime", "size", "sha1", "lengths",
                "vec_title", "vec_meta", "vec_body")
MAX_TF = 65535
Postings = dict[tuple[int, str], tuple[array, array]]


@contextmanager
def writer(db: Database, wait: float) -> Iterator[Any]:
    """A connection to the primary holding the writer lock; IndexLocked when another
    writer keeps it longer than ``wait`` seconds."""
    conn = db.connect(write=True, autocommit=True)
    try:
        deadline = time.monotonic() + wait
        while not conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()[0]:
            if time.monotonic() >= deadline:
                raise IndexLocked("Another eventsearch index or reindex is writing to the "
                                  "PostgreSQL database; try again later (or pass --wait "
                                  "SECONDS).")
            time.sleep(0.2)
        ensure_meta(conn)
        yield conn
    finally:
        conn.close()  # ends the session: the lock goes with it


class Analyser:
    """A note as its row of es_notes and its postings, with our analysis chains."""

    def __init__(self) -> None:
        self.plain = WordChain.plain()
        self.stem = {lang: WordChain.stemming(lang) for lang in ("en", "de")}

    def row(self, doc: int, note: Note, postings: Postings) -> tuple[Any, ...]:
        fields = note_fields(note)
        lengths = [0] * len(FIELDS)
        vectors = {name: "" for name in TEXT_FIELDS}
        for name in FIELDS:
            value = fields.get(name)
            if not value:
                continue
            analyzer = self.plain if name in TEXT_FIELDS else self.stem[name.split("_")[1]]
            words, first = analyzer.indexed_words(value)
            fid = FIELD_ID[name]
            lengths[fid] = len(words)
            if name in vectors:
                positions = positions_of(words, first)
                vectors[name] = tsvector_literal(positions)
                counts = {word: len(where) for word, where in positions.items()}
            else:
                counts = Counter(words)
            _post(postings, fid, doc, counts)
        _post(postings, FIELD_ID["umlaut"], doc, dict.fromkeys(fields["umlaut"].split(), 1))
        keys = [k for k in fields["tag"].split(",") if k], \
            [k for k in fields["speaker"].split(",") if k]
        return (doc, note.path, note.title, note.text,
                json.dumps(note_data(note), ensure_ascii=False), note.lang, note.format,
                note.draft, note.date, keys[0], keys[1], fields.get("event", ""), note.mtime,
                note.size, note.sha1,
                lengths, vectors["title"], vectors["meta"], vectors["body"])


def _post(postings: Postings, fid: int, doc: int, counts: dict[str, int]) -> None:
    """A document's terms of one field, with their frequencies, added to the postings."""
    get = postings.get
    for word, n in counts.items():
        found = get((fid, word))
        if found is None:
            found = postings[(fid, word)] = (array("i"), array("H"))
        found[0].append(doc)
        found[1].append(n if n <= MAX_TF else MAX_TF)


def _copy_notes(conn: Any, table: str, rows: list[tuple[Any, ...]]) -> None:
    with conn.cursor() as cur, cur.copy(
            f"COPY {table} ({', '.join(NOTE_COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _copy_terms(conn: Any, table: str, postings: Postings, part: int | None = None) -> None:
    """Postings in binary COPY (bytea in text COPY would be hex: twice the bytes);
    ``part``: the worker's number, for the table the workers share."""
    columns = "field, term, df, docs, tfs" + (", part" if part is not None else "")
    types = ["int2", "text", "int4", "bytea", "bytea"] + (["int2"] if part is not None else [])
    with conn.cursor() as cur, cur.copy(
            f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(types)
        for (fid, term), (docs, tfs) in postings.items():
            row = (fid, term, len(docs), docs.tobytes(), tfs.tobytes())
            copy.write_row(row if part is None else (*row, part))


def _read(files: dict[str, FileInfo], keys: Sequence[str], workers: int,
          exclude_drafts: bool, progress: Progress | None, report: IndexReport,
          old_skips: dict[str, Any], skipped: dict[str, Any],
          indexed: dict[str, Any]) -> Iterator[Note]:
    """The notes of ``keys`` that read; skips and warnings recorded as the Whoosh
    backend records them."""
    for key, note, reason in load_notes(files, keys, workers, progress):
        if note is None:
            record = skip_record(files[key], reason)
            skipped[key] = record
            report.skipped.append((key, record["reason"]))
            if new_failure(old_skips.get(key), record):
                kept = " (the previously indexed version is kept)" if key in indexed else ""
                report.failed.append((key, record["reason"] + kept))
            continue
        if exclude_drafts and note.draft:
            report.excluded_drafts += 1
            continue
        report.warnings.extend((key, w) for w in note.warnings)
        yield note


