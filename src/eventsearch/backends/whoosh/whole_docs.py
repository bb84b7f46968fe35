"""Adding a document to a Whoosh segment all at once, or not at all.

Whoosh's ``SegmentWriter.add_document`` analyses and encodes one field at a time
and hands each field's postings to the pool, and its columns to the per-document
writer, as it goes.  When a field fails half-way (a lone surrogate in a title
cannot be encoded as UTF-8), the postings and column values of the fields before
it stay behind under a document number the next document reuses: a search then
finds the failed note's words in its neighbour.  `WholeDocuments` first does
everything that depends on the note's content -- analysis, encoding of every term,
vector items, stored values, column values -- into local lists, and only when all
of it succeeded pushes them into the pool and the per-document writer.  Same work
as Whoosh's, in the same order, so a normal note's index is byte for byte the same.
"""

from __future__ import annotations

from typing import Any

from whoosh.util.text import utf8encode

from ...model import Note
from ...paths import safe_text
from .schema import note_to_document

_NO_COLUMN = object()


class _Prepared:
    """One document, analysed and encoded, not yet in the segment."""

    __slots__ = ("docnum", "perfield", "postings")

    def __init__(self, docnum: int, postings: list[tuple[Any, ...]],
                 perfield: list[tuple[Any, ...]]) -> None:
        self.docnum = docnum
        self.postings = postings  # (fieldname, tbytes, docnum, weight, vbytes) for the pool
        self.perfield = perfield  # (fieldname, field, vector items, stored, length, column)


class WholeDocuments:
    """A mixin for Whoosh's SegmentWriter: add_document/update_document that either
    add the whole document or raise before anything of it reached the segment."""

    schema: Any
    docnum: int
    pool: Any
    perdocwriter: Any

    def prepare_document(self, fields: dict[str, Any]) -> _Prepared:
        """Everything Whoosh's add_document computes from the fields, in its order,
        without touching the segment (whoosh/writing.py, SegmentWriter.add_document)."""
        self._check_state()  # type: ignore[attr-defined]
        schema = self.schema
        docnum = self.docnum
        docboost = self._doc_boost(fields)  # type: ignore[attr-defined]
        fieldnames = sorted([name for name in fields if not name.startswith("_")])
        self._check_fields(schema, fieldnames)  # type: ignore[attr-defined]
        postings: list[tuple[Any, ...]] = []
        add_post = postings.append
        perfield: list[tuple[Any, ...]] = []
        vbytes = None  # Whoosh's spelling loop reuses the last posting's value
        for fieldname in fieldnames:
            value = fields.get(fieldname)
            if value is None:
                continue
            field = schema[fieldname]
            length = 0
            if field.indexed:
                fieldboost = self._field_boost(fields, fieldname, docboost)  # type: ignore[attr-defined]
                scorable = field.scorable
                for tbytes, freq, weight, vbytes in field.index(value):
                    weight *= fieldboost
                    if scorable:
                        length += freq
                    add_post((fieldname, tbytes, docnum, weight, vbytes))
            if field.separate_spelling():
                spellfield = field.spelling_fieldname(fieldname)
                for word in field.spellable_words(value):
                    word = utf8encode(word)[0]
                    add_post((spellfield, word, 0, 1, vbytes))
            vitems = None
            vformat = field.vector
            if vformat:
                vitems = vformat.word_values(value, field.analyzer, mode="index")
                vitems = sorted((text, weight, vb) for text, _, weight, vb in vitems)
            customval = fields.get(f"_stored_{fieldname}", value)
            stored = customval if field.stored else None
            column = _NO_COLUMN
            if field.column_type and customval is not None:
                column = field.to_column_value(customval)
            perfield.append((fieldname, field, vitems, stored, length, column))
        return _Prepared(docnum, postings, perfield)

    def add_prepared(self, prepared: _Prepared) -> None:
        """Put a prepared document into the segment (only plain appends from here)."""
        if prepared.docnum != self.docnum:
            raise RuntimeError("a prepared document must be added before the next one")
        add = self.pool.add
        for posting in prepared.postings:
            add(posting)
        perdocwriter = self.perdocwriter
        perdocwriter.start_doc(prepared.docnum)
        for fieldname, field, vitems, stored, length, column in prepared.perfield:
            if vitems is not None:
                perdocwriter.add_vector_items(fieldname, field, vitems)
            perdocwriter.add_field(fieldname, field, stored, length)
            if column is not _NO_COLUMN:
                perdocwriter.add_column_value(fieldname, field.column_type, column)
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def add_document(self, **fields: Any) -> None:
        self.add_prepared(self.prepare_document(fields))

    def update_document(self, **fields: Any) -> None:
        """Whoosh's update_document (delete by the unique fields, then add), preparing
        first: a document that cannot be added deletes nothing."""
        prepared = self.prepare_document(fields)
        self.delete_unique(fields)
        self.add_prepared(prepared)

    def delete_unique(self, fields: dict[str, Any]) -> None:
        """Delete the documents sharing a unique field's value with these fields (the
        first half of Whoosh's update_document)."""
        unique_fields = self._unique_fields(fields)  # type: ignore[attr-defined]
        if unique_fields:
            with self.searcher() as s:  # type: ignore[attr-defined]
                uniqueterms = [(name, fields[name]) for name in unique_fields]
                for docnum in s._find_unique(uniqueterms):
                    self.delete_document(docnum)  # type: ignore[attr-defined]


def add_note(writer: Any, note: Note, *, update: bool = False) -> str | None:
    """Add (or replace) a note's document; None when done, else why the note was left
    out -- nothing of it is in the segment then.  Errors of the writer itself (a full
    disk while spilling postings) are not the note's: they propagate."""
    try:
        fields = note_to_document(note)
        prepared = writer.prepare_document(fields)
    except Exception as exc:  # whatever this one note's content trips, it costs the note
        return safe_text(f"cannot be indexed: {type(exc).__name__}: {exc}")
    if update:
        writer.delete_unique(fields)
    writer.add_prepared(prepared)
    return None
