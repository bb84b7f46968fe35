"""How a Note becomes the fields every backend indexes, and back.

Field roles: ``title``/``body``/``meta`` hold unstemmed text (exact matches and
highlighting); ``title_<lang>``/``body_<lang>`` hold the note's text again, to be
stemmed for its own language; ``umlaut`` the words written with umlauts;
``tag``/``speaker``/``lang``/``year``/``month`` are facet keys.  `note_data` is the
display metadata a backend keeps beside a note (JSON), and `document_to_note`
rebuilds a Note from what was stored.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from ..model import Note
from ..paths import display_path
from .analyze import SUPPORTED, umlaut_tokens
from .facetkeys import facet_keys

_MONTHS_EN = ("January February March April May June July August September October "
              "November December")
_MONTHS_DE = ("Januar Februar März April Mai Juni Juli August September Oktober "
              "November Dezember")
MONTHS_EN = _MONTHS_EN.split()
MONTHS_DE = _MONTHS_DE.split()


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


def note_fields(note: Note) -> dict[str, Any]:
    """The fields of a note every backend indexes (text, stemmed text, facet keys) and
    stores (path, lang, format, draft).  Only this function knows the mapping."""
    meta_parts = [*note.tags, *note.speakers, note.event or "", note.location or "",
                  note.author or "", path_words(note.path)]
    if note.date:
        meta_parts.append(date_words(note.date))
    elif note.year:
        meta_parts.append(str(note.year))
    fields: dict[str, Any] = {
        "path": note.path,
        "title": note.title,
        "body": note.text,
        "meta": "\n".join(p for p in meta_parts if p),
        "tag": ",".join(facet_keys("tag", note.tags)),
        "speaker": ",".join(facet_keys("speaker", note.speakers)),
        "lang": note.lang,
        "format": note.format,
        "draft": note.draft,
    }
    event = facet_keys("event", [note.event or ""])
    if event:  # one key (the whole value is the term)
        fields["event"] = event[0]
    # words with umlauts as written (rank/umlauts.py): German notes' ae/oe/ue count
    fields["umlaut"] = umlaut_tokens("\n".join((note.title, note.text, fields["meta"])),
                                     transliterated=note.lang == "de")
    if note.lang in SUPPORTED:
        fields[f"title_{note.lang}"] = note.title
        fields[f"body_{note.lang}"] = note.text
    if note.date:
        fields["year"] = str(note.date.year)
        fields["month"] = f"{note.date.year}-{note.date.month:02d}"
    elif note.year:
        fields["year"] = str(note.year)
    return fields


def note_data(note: Note) -> dict[str, Any]:
    """Display metadata kept beside the document (stored, not searched)."""
    return {
        "title": note.title, "date": note.date.isoformat() if note.date else None,
        "year": note.year,
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
        year=data.get("year"),
        tags=tuple(data["tags"]), speakers=tuple(data["speakers"]), author=data.get("author"),
        event=data.get("event"), location=data.get("location"), url=data.get("url"),
        draft=bool(stored.get("draft")), cues=tuple((int(o), float(s)) for o, s in data["cues"]),
        warnings=tuple(data.get("warnings", ())), sha1=data.get("sha1", ""),
        mtime=float(data.get("mtime", 0.0)), size=int(data.get("size", 0)),
    )
