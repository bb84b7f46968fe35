"""Caption files (SRT, WebVTT) and YouTube transcript dumps (`Title:` … `Captions:` …).

Cue numbers and timestamps never reach the text; each emitted caption keeps its start
time in `cues` so a search hit can link to the moment in the video.
"""

from __future__ import annotations

import html
import re
from pathlib import PurePosixPath

from . import people
from .build import Draft
from .meta import collapse

_TIME = re.compile(r"^(?:(\d{1,2}):)?(\d{1,2}):(\d{2})[,.](\d{1,3})\s*-->\s*"
                   r"(?:(\d{1,2}):)?(\d{1,2}):(\d{2})[,.](\d{1,3})")
_VOICE = re.compile(r"<v(?:\.[\w.]+)?\s+([^>]+)>")
_TAG = re.compile(r"<[^>]*>")
Cue = tuple[float, float, list[str]]


def _seconds(h: str | None, m: str, s: str, ms: str) -> float:
    return int(h or 0) * 3600 + int(m) * 60 + int(s) + int(ms.ljust(3, "0")) / 1000


def has_cues(text: str) -> bool:
    return any(_TIME.match(line.strip()) for line in text[:3000].split("\n"))


def parse_cues(text: str) -> tuple[list[Cue], list[str]]:
    """(start, end, caption lines) per cue, and the names of VTT `<v Name>` voices."""
    cues: list[Cue] = []
    voices: list[str] = []
    current: list[str] | None = None
    for raw in text.split("\n"):
        line = raw.strip()
        match = _TIME.match(line)
        if match:
            if current and current[-1].isdigit():
                current.pop()  # a cue number with no blank line before it
            g = match.groups()
            current = []
            cues.append((_seconds(*g[:4]), _seconds(*g[4:]), current))
        elif not line:
            current = None  # after a blank line: cue numbers, NOTE blocks, footers
        elif current is not None:
            voices += _VOICE.findall(line)
            current.append(collapse(html.unescape(_TAG.sub("", line))))
    return cues, voices


def join_cues(cues: list[Cue], start_at: int = 0) -> tuple[str, tuple[tuple[int, float], ...]]:
    """Readable text: captions joined with spaces, a paragraph every ~10 cues or after a
    pause > 2 s; lines repeated from the previous cue (rolling captions) are dropped."""
    parts: list[str] = []
    offsets: list[tuple[int, float]] = []
    length = start_at
    previous: set[str] = set()
    prev_end: float | None = None
    in_paragraph = 0
    for start, end, lines in cues:
        new = [line for line in lines if line and line not in previous]
        if lines:
            previous = set(lines)
        if not new:
            continue
        if not parts:
            sep = ""
        elif in_paragraph >= 10 or (prev_end is not None and start - prev_end > 2):
            sep, in_paragraph = "\n\n", 0
        else:
            sep = " "
        length += len(sep)
        offsets.append((length, start))
        chunk = " ".join(new)
        parts.append(sep + chunk)
        length += len(chunk)
        in_paragraph += 1
        prev_end = end
    return "".join(parts), tuple(offsets)


_GENERIC_DIRS = {"originals", "original", "subtitles", "subs", "captions", "srt", "vtt",
                 "transcripts", "events", "reviewed", "videos"}


_KNOWN_WORDS = {"pycon": "PyCon", "pybay": "PyBay", "pytexas": "PyTexas", "pydata": "PyData",
                "djangocon": "DjangoCon", "europython": "EuroPython", "pyohio": "PyOhio"}


def _pretty_slug(slug: str) -> str:
    words = []
    for word in re.split(r"[-_ ]+", slug):
        if word.lower() in _KNOWN_WORDS:
            words.append(_KNOWN_WORDS[word.lower()])
        elif len(word) <= 2 and word.isalpha():
            words.append(word.upper())
        elif word:
            words.append(word.capitalize())
    return " ".join(words)


def folder_event(rel: str) -> str | None:
    """`events/pycon-us-2023/x.srt` → `PyCon US 2023`: the event a caption file belongs to."""
    for part in reversed(PurePosixPath(rel).parts[:-1]):
        if part.lower() not in _GENERIC_DIRS:
            return _pretty_slug(part)
    return None


def title_from_filename(stem: str) -> str:
    """`Working-with-Time-Zones_-Everything-You-Didn_t-Need` → `…: Everything You Didn't Need`."""
    text = stem.replace("_-", ": ")
    text = re.sub(r"(?<=[A-Za-z])_(?=(?:s|t|re|ll|ve|d|m)(?:[^a-z]|$))", "'", text)
    text = text.replace("_", "?").replace("-", " ")
    return collapse(text)


def read_captions(text: str, rel: str, fmt: str) -> Draft:
    """An SRT or WebVTT file: no metadata inside, the title is in the file name."""
    cues, voices = parse_cues(text)
    joined, offsets = join_cues(cues)
    title = title_from_filename(PurePosixPath(rel).stem)
    draft = Draft(format=fmt, text=joined, cues=offsets, fallback_title=title,
                  event=folder_event(rel), body_dates=False)
    draft.speakers = [*people.from_title(title), *voices]
    if not cues:
        draft.warnings.append("no caption cues found")
    return draft


_DUMP_KEY = re.compile(r"^(Title|Publication date|Playlist|Description|Captions):[ \t]*(.*)$", re.M)
_DUMP_URL = re.compile(r"^(?:YouTube URL|Video URL|URL):\s*(https?://\S+)", re.M)


def is_dump(text: str) -> bool:
    return text.lstrip().startswith("Title:") and "\nCaptions:" in text


def read_dump(text: str) -> Draft:
    """The YouTube transcript dump: Title / Publication date / Playlist / Description / Captions."""
    fields: dict[str, str] = {}
    marks = list(_DUMP_KEY.finditer(text))
    for index, match in enumerate(marks):
        key = match.group(1).lower()
        if key == "captions":
            break
        end = marks[index + 1].start() if index + 1 < len(marks) else len(text)
        value = match.group(2) if key != "description" else text[match.start(2) : end]
        fields.setdefault(key, value.strip())
    captions_at = text.find("\nCaptions:")
    description = "\n".join(line.strip() for line in fields.get("description", "").split("\n"))
    description = re.sub(r"\n{3,}", "\n\n", description).strip()
    start_at = len(description) + 2 if description else 0
    cues, _ = parse_cues(text[captions_at:])
    joined, offsets = join_cues(cues, start_at)
    url = _DUMP_URL.search(text, captions_at)
    title = collapse(fields.get("title", ""))
    return Draft(
        format="transcript",
        text=f"{description}\n\n{joined}" if description else joined,
        meta={"title": title, "date": fields.get("publication date")},
        has_meta=True,
        event=collapse(fields.get("playlist", "")) or None,
        url=url.group(1) if url else None,
        speakers=people.from_title(title),
        cues=offsets,
        body_dates=False,
    )
