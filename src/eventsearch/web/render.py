"""A note's plain text as safe HTML: escaped paragraphs, query matches marked.

Nothing from a note is ever markup: every character is escaped, and the only tags
are our own <p>, <h2>, <br>, <mark> and <a> around the note's own http(s) URLs
(escaped, rel="nofollow noopener": a note is not ours to vouch for).  Which words to
mark is decided by the same QueryTerms the result snippets use (folded umlauts,
English and German stems).
"""

from __future__ import annotations

import re
from html import escape

from markupsafe import Markup

from ..text.snippets import QueryTerms, mark

_BLANK_LINE = re.compile(r"\n\s*\n")
MAX_CHARS = 300_000  # a note page never renders more than this
# an http(s) URL up to white space or a quote; trailing punctuation is the sentence's
_URL = re.compile(r"""https?://[^\s<>"'`]+""", re.IGNORECASE)
_URL_TAIL = ".,;:!?)]}»“”’"  # noqa: RUF001
_NOT_A_HEADING = re.compile(r"[.,;!?…\"“”»)]$|https?://|@|^[-*•]|^\d+$")


def note_html(text: str, terms: QueryTerms, title: str = "",
              cues: tuple[tuple[int, float], ...] = ()) -> Markup:
    """Paragraphs split on blank lines; short stand-alone lines read as headings.  Each
    caption second (``cues``) gets an anchor, ``#t754``, that a hit's "at 12:34" links to."""
    clipped = len(text) > MAX_CHARS
    body = text[:MAX_CHARS]
    paragraphs = []  # (offset in text, paragraph)
    pos = 0
    for m in [*_BLANK_LINE.finditer(body), None]:
        piece = body[pos:m.start() if m else len(body)]
        if piece.strip():
            paragraphs.append((pos + len(piece) - len(piece.lstrip()), piece.strip()))
        if m:
            pos = m.end()
    anchors: dict[int, str] = {}  # offset -> id, the first caption of each second
    seen: set[int] = set()
    for offset, seconds in cues:
        if int(seconds) not in seen and offset < len(body):
            seen.add(int(seconds))
            anchors[offset] = f"t{int(seconds)}"
    if paragraphs and title and paragraphs[0][1].casefold() == title.strip().casefold():
        paragraphs = paragraphs[1:]  # many formats repeat the title as the first line
    out = []
    starts = [o for o, _ in paragraphs]
    for n, (offset, paragraph) in enumerate(paragraphs):
        stop = starts[n + 1] if n + 1 < len(starts) else len(body) + 1
        here = [(min(max(o - offset, 0), len(paragraph)), a) for o, a in anchors.items()
                if (offset if n else 0) <= o < stop]
        inner = _anchored(paragraph, terms, here)
        if n + 1 < len(paragraphs) and _is_heading(paragraph):
            out.append(f"<h2>{inner}</h2>")
        else:
            out.append(f"<p>{_lines(inner)}</p>")
    if clipped:
        out.append('<p class="clipped">(The rest of this long note is not shown.)</p>')
    return Markup("\n".join(out))


def _anchored(paragraph: str, terms: QueryTerms, anchors: list[tuple[int, str]]) -> str:
    """The paragraph marked and linked (`_linked`), with an empty anchor element at each
    caption's position."""
    out, pos = [], 0
    for at, name in sorted(anchors):
        out += [_linked(paragraph[pos:at], terms), f'<span class="cue" id="{name}"></span>']
        pos = at
    out.append(_linked(paragraph[pos:], terms))
    return "".join(out)


def _is_heading(paragraph: str) -> bool:
    return ("\n" not in paragraph and 2 < len(paragraph) <= 80
            and not _NOT_A_HEADING.search(paragraph))


def _linked(paragraph: str, terms: QueryTerms) -> str:
    """The paragraph escaped and marked, its http(s) URLs made links (never marked)."""
    out, pos = [], 0
    for m in _URL.finditer(paragraph):
        url = m.group().rstrip(_URL_TAIL)
        if url.endswith("(") or len(url) <= len("https://"):
            continue
        if url.count("(") > url.count(")") and m.group()[len(url):].startswith(")"):
            url += ")"  # Wikipedia-style parentheses belong to the URL
        out += [mark(paragraph[pos:m.start()], terms),
                f'<a href="{escape(url)}" rel="nofollow noopener noreferrer">{escape(url)}</a>']
        pos = m.start() + len(url)
    out.append(mark(paragraph[pos:], terms))
    return "".join(out)


def _lines(html: str) -> str:
    """Prose wrapped at a fixed width reads as one paragraph; lists keep their lines."""
    lines = html.split("\n")
    if len(lines) > 1 and sum(map(len, lines)) / len(lines) > 50:
        return " ".join(line.strip() for line in lines)
    return "<br>\n".join(lines)
