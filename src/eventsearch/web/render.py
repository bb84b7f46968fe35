"""A note's plain text as safe HTML: escaped paragraphs, query matches marked."""

from __future__ import annotations

import re
from html import escape

from markupsafe import Markup

from ..analyze import TOKEN_PATTERN
from ..snippets import QueryTerms

_TOKEN = re.compile(TOKEN_PATTERN)
MAX_CHARS = 300_000  # a note page never renders more than this


def note_html(text: str, terms: QueryTerms) -> Markup:
    """Paragraphs split on blank lines; nothing from the note is ever markup."""
    text = text[:MAX_CHARS]
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return Markup("\n".join(f"<p>{_mark(p, terms)}</p>" for p in paragraphs))


def _mark(paragraph: str, terms: QueryTerms) -> str:
    if not terms:
        return _lines(escape(paragraph))
    out, pos = [], 0
    for m in _TOKEN.finditer(paragraph):
        if terms.match(m.group()):
            out += [escape(paragraph[pos:m.start()]), "<mark>", escape(m.group()), "</mark>"]
            pos = m.end()
    out.append(escape(paragraph[pos:]))
    return _lines("".join(out))


def _lines(html: str) -> str:
    """Prose wrapped at a fixed width reads as one paragraph; lists keep their lines."""
    lines = html.split("\n")
    if len(lines) > 1 and sum(map(len, lines)) / len(lines) > 50:
        return " ".join(line.strip() for line in lines)
    return "<br>\n".join(lines)
