"""pyvideo.org talk records: one JSON object per talk, the conference name in `../category.json`."""

from __future__ import annotations

import json
import os
import posixpath
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import ParseError
from .build import Draft
from .markdown import markdown_to_text
from .meta import clean_inline

TALK_KEYS = ("description", "speakers", "recorded", "videos")
_SPEAKER_SPLIT = re.compile(r"\s*,\s*|\s+and\s+|\s*&\s*")


CATEGORY = "category.json"  # a conference folder's metadata; its talks take the event from it


def conference_title(folder: str) -> str | None:
    """The `title` of `<folder>/category.json`, read once per folder and file version
    (a long-lived process sees an edited category.json)."""
    try:
        st = os.stat(os.path.join(folder, CATEGORY))
    except OSError:
        return None
    return _conference_title(folder, st.st_mtime_ns, st.st_size, st.st_ino)


@lru_cache(maxsize=2048)
def _conference_title(folder: str, _mtime_ns: int, _size: int, _ino: int) -> str | None:
    try:
        data = json.loads(Path(folder, CATEGORY).read_bytes())
    except (OSError, ValueError):
        return None
    title = data.get("title") if isinstance(data, dict) else None
    return clean_inline(title) if isinstance(title, str) and title.strip() else None


def category_of(key: str) -> str:
    """The corpus path of the category.json a talk record at corpus path ``key`` takes its
    event from (it need not exist): `conf/videos/t.json` and `conf/t.json` -> `conf/category.json`.
    """
    folder = posixpath.dirname(key)
    if posixpath.basename(folder) == "videos":
        folder = posixpath.dirname(folder)
    return posixpath.join(folder, CATEGORY)


def _speakers(value: Any) -> list[str]:
    names: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str):
            names += [clean_inline(n) for n in _SPEAKER_SPLIT.split(item) if n.strip()]
    return names


def _event(path: Path) -> str | None:
    folder = path.parent.parent if path.parent.name == "videos" else path.parent
    return conference_title(str(folder)) or folder.name or None


def not_a_talk(name: str) -> str | None:
    """Why a file (by name) is pyvideo's own metadata rather than a talk, or None.

    Such files are not notes: the indexer sets them aside without reading them as notes
    (never skipped, never a failure), and only watches them for changes.
    """
    if name == CATEGORY:
        return "conference metadata (category.json), not a talk"
    return None


def read_pyvideo(text: str, path: Path) -> Draft:
    """A talk record; category.json and other JSON files are reported, not indexed."""
    reason = not_a_talk(path.name)
    if reason:
        raise ParseError(reason)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"JSON does not parse: {exc.msg} (line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise ParseError("JSON file is not an object, so not a talk record")
    title = data.get("title") or data.get("title2")
    if not any(key in data for key in TALK_KEYS):
        raise ParseError("JSON file is not a talk record (no description, speakers, "
                         "recorded date or videos)")
    if not isinstance(title, str) or not clean_inline(title):
        raise ParseError("talk record without a title")
    parts = [data.get(key) for key in ("summary", "description", "abstract")]
    body = "\n\n".join(p for p in parts if isinstance(p, str) and p.strip())
    plain, _ = markdown_to_text(body)
    videos = data.get("videos")
    url = None
    if isinstance(videos, list) and videos and isinstance(videos[0], dict):
        url = videos[0].get("url")
    return Draft(
        format="pyvideo",
        text=plain,
        meta={"title": title, "date": data.get("recorded"), "tags": data.get("tags"),
              "language": data.get("language")},
        has_meta=True,
        speakers=_speakers(data.get("speakers")),
        event=_event(path),
        url=url if isinstance(url, str) else None,
        body_dates=False,
    )
