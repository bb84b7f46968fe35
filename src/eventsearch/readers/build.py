"""Turn what a format reader found (a Draft) into Note fields, with one set of precedence rules.

Every reader fills a Draft; choosing the title, date, tags, people and flags happens here
so that a YAML note, an RST post and an HTML page follow the same rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePosixPath
from typing import Any

from ..errors import ParseError
from .meta import (
    ISO639_2,
    clean_inline,
    dedupe,
    ensure_list,
    find_text_date,
    first_value,
    lang_code,
    make_date,
    parse_date,
    path_date,
    person_name,
    truthy,
)


@dataclass
class Draft:
    """What one reader extracted from a file, before the shared rules pick the Note fields."""

    format: str
    text: str = ""
    meta: dict[str, Any] = field(default_factory=dict)  # lower-case keys, raw values
    has_meta: bool = False  # the file carries a metadata container (front matter, header…)
    title: str | None = None  # a title found by the reader itself (RST section, <title>, …)
    headings: list[tuple[int, str]] = field(default_factory=list)  # (level, clean text)
    fallback_title: str | None = None  # used when nothing better exists (SRT file names)
    speakers: list[str] = field(default_factory=list)
    author: str | None = None
    event: str | None = None
    url: str | None = None
    lang: str | None = None
    body_dates: bool = True  # may dates written in the text date the note?
    cues: tuple[tuple[int, float], ...] = ()
    warnings: list[str] = field(default_factory=list)


_FILE_NAME = re.compile(r"^[\w .@-]*\.(?:md|markdown|rst|html?|txt|srt|vtt)$", re.I)
_LANG_SUFFIX = re.compile(r"\.([a-z]{2})\.[a-z]+$")
_KNOWN_LANGS = set(ISO639_2.values()) | {"en", "de"}
_DRAFT_DIRS = {"draft", "drafts", "_drafts"}
_FOLDER_YEAR = re.compile(r"(?:^|[-_])((?:19[7-9]|20\d)\d)$")  # 2019, pycon-us-2022
DATE_KEYS = ("date", "recorded", "event_date", "publication date", "created")


def _title(draft: Draft, stem: str) -> tuple[str, bool]:
    """The title, and whether it came from the note itself rather than its file name."""
    title = clean_inline(first_value(draft.meta, "title") or draft.title or "")
    if not title or _FILE_NAME.match(title):
        heading = next((t for level, t in draft.headings if level == 1 and t), None)
        heading = heading or next((t for _, t in draft.headings if t), None)
        title = heading or title
    if title:
        return title, True
    return clean_inline(draft.fallback_title or stem) or stem, bool(draft.fallback_title)


def _meta_date(meta: dict[str, Any]) -> date | None:
    values = [meta.get(key) for key in DATE_KEYS[:-1]]
    values += [_nested(meta, "event", "start"), meta.get(DATE_KEYS[-1])]
    rrule = meta.get("rrule")
    if isinstance(rrule, str) and "DTSTART=" in rrule:
        values.append(rrule.split("DTSTART=", 1)[1])
    return next((found for value in values if (found := parse_date(value))), None)


def _date(draft: Draft, rel: str) -> date | None:
    found = _meta_date(draft.meta)
    if found:
        return found
    inner_path = draft.meta.get("path")
    if isinstance(inner_path, str) and (found := path_date(inner_path)):
        return found
    top = find_text_date(draft.text[:1500]) if draft.body_dates else None
    if draft.has_meta:  # a file-name date is the publication date of a post with front matter
        return path_date(rel) or top
    return top or path_date(rel)


def _year(meta: dict[str, Any], rel: str) -> int | None:
    """A year without a day: a front matter's bare `year: 2022` (DENOG's meeting pages),
    else the nearest folder named after one (`2019/`, `pycon-us-2022/`,
    `hong-kong-2015/`: a transcript of the event that year)."""
    value = meta.get("year")
    if isinstance(value, str) and value.strip().isdecimal():  # "2022", not "2022²"
        value = int(value)
    if isinstance(value, int) and make_date(value, 1):  # within the years a date may have
        return value
    for folder in reversed(PurePosixPath(rel).parts[:-1]):
        if found := _FOLDER_YEAR.search(folder):
            return int(found[1])
    return None


def _nested(meta: dict[str, Any], key: str, sub: str) -> Any:
    value = meta.get(key)
    return value.get(sub) if isinstance(value, dict) else None


def _text_value(value: Any) -> str | None:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return clean_inline(value) or None
    return None


def _place(value: Any) -> str | None:
    """A place as text: a string, or a map's name and address (JSON front matter's
    ``place: {name, address}``); an online meeting's link is no place."""
    if isinstance(value, dict):
        parts = [_text_value(value.get(key)) for key in ("name", "address", "city")]
        return ", ".join(p for p in parts if p) or None
    return _text_value(value)


def _url(draft: Draft) -> str | None:
    keys = ("url", "ext_url", "permalink", "link", "media", "video_url", "youtube")
    for value in [draft.url, *(draft.meta.get(k) for k in keys)]:
        if isinstance(value, str) and value.strip().startswith(("http://", "https://")):
            return value.strip()
    return None


def _is_draft(meta: dict[str, Any], rel: str) -> bool:
    if truthy(meta.get("draft")):
        return True
    published = meta.get("published")
    if published is False or (isinstance(published, str) and published.lower() == "false"):
        return True
    return any(part.lower() in _DRAFT_DIRS for part in PurePosixPath(rel).parts[:-1])


def finish(draft: Draft, rel: str) -> dict[str, Any]:
    """Note fields (all but path, text, format and file facts) from a Draft."""
    meta = draft.meta
    name = PurePosixPath(rel).name
    title, own_title = _title(draft, PurePosixPath(rel).stem)
    if not draft.text.strip() and not own_title:
        raise ParseError("no title and no text: nothing to index")
    authors = [person_name(a) for a in ensure_list(first_value(meta, "author", "authors"))]
    author = ", ".join(a for a in authors if a) or draft.author
    speakers = [person_name(s) for s in ensure_list(
        first_value(meta, "speakers", "speaker", "presenters"))] + draft.speakers
    not_speakers = {a.casefold() for a in [*authors, draft.author or ""] if a}
    tags: list[str] = []
    for key in ("tags", "categories", "categorie", "category", "keywords", "types"):
        tags += ensure_list(meta.get(key))
    suffix_lang = _LANG_SUFFIX.search(name)
    declared = (lang_code(first_value(meta, "lang", "language")) or draft.lang
                or (suffix_lang.group(1) if suffix_lang and suffix_lang.group(1) in _KNOWN_LANGS
                    else None))
    event = draft.event or _text_value(first_value(meta, "event", "meeting", "conference",
                                                    "playlist")) or _text_value(
        _nested(meta, "event", "name"))
    location = _place(first_value(meta, "location", "city", "venue")) or _place(
        _nested(meta, "event", "location")) or _place(meta.get("place"))
    day = _date(draft, rel)
    return {
        "title": title,
        "declared_lang": declared,
        "date": day,
        "year": None if day else _year(meta, rel),
        "tags": dedupe(tags),
        "speakers": tuple(s for s in dedupe(speakers) if s.casefold() not in not_speakers),
        "author": author or None,
        "event": event,
        "location": location,
        "url": _url(draft),
        "draft": _is_draft(meta, rel),
        "cues": draft.cues,
        "warnings": tuple(draft.warnings),
    }
