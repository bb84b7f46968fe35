"""reStructuredText posts (Sphinx + ablog): `.. post::` metadata, section titles, plain text.

No docutils: ablog posts use a small subset of RST, and a line scanner is fast and never
fails on Sphinx-only directives or `{{year}}` template placeholders.
"""

from __future__ import annotations

import html
import re

from . import people
from .build import Draft
from .meta import clean_inline, ensure_list

_FIELD = re.compile(r"^\s*:([\w-]+):\s*(.*?)\s*$")
_DIRECTIVE = re.compile(r"^(\s*)\.\.\s+(?:\|[^|]+\|\s+)?([\w:-]+)::\s*(.*?)\s*$")
_TARGET = re.compile(r"^\s*\.\.\s+_[^:]*:.*$|^\s*__\s+\S.*$")
_COMMENT = re.compile(r"^(\s*)\.\.(?:\s|$)")
_ADORNMENT = re.compile(r"^([=\-~^\"'`#*+<>:._])\1{2,}\s*$")
_BULLET = re.compile(r"^(\s*)(?:[-*+•]|#\.|\d{1,3}[.)]|\|)\s+")
_LINK = re.compile(r"`([^`<]*?)\s*<[^`>]*>`_{1,2}")
_ROLE = re.compile(r":[\w:+-]+:`([^`<]*?)(?:\s*<[^`>]*>)?`")
_REF = re.compile(r"`([^`]+)`_{1,2}")
_LITERAL = re.compile(r"``(.+?)``")
_INTERPRETED = re.compile(r"`([^`]+)`")
_EMPHASIS = re.compile(r"\*{1,2}([^*\n]+?)\*{1,2}")
_FOOTNOTE = re.compile(r"\s?\[(?:#\w*|\*|\d+)\]_")
_WORD_REF = re.compile(r"\b(\w+)__?(?=\W|$)")
_TEMPLATE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")


def _inline(line: str) -> str:
    line = _TEMPLATE.sub("", line)
    line = _LINK.sub(r"\1", line)
    line = _ROLE.sub(r"\1", line)
    line = _LITERAL.sub(r"\1", line)
    line = _REF.sub(r"\1", line)
    line = _INTERPRETED.sub(r"\1", line)
    line = _EMPHASIS.sub(r"\1", line)
    line = _FOOTNOTE.sub("", line)
    line = _WORD_REF.sub(r"\1", line)
    line = html.unescape(_TAG.sub("", line))
    if line.endswith("::"):
        line = line[:-1]
    return line.strip()


def _is_title(lines: list[str], i: int) -> bool:
    text = lines[i].strip()
    if not text or i + 1 >= len(lines) or _ADORNMENT.match(text):
        return False
    under = lines[i + 1].rstrip()
    if lines[i][0].isspace() or not _ADORNMENT.match(under):
        return False
    return len(under) >= len(text) - 2


def rst_to_text(text: str) -> str:
    """Plain text of an RST fragment (e.g. a MyST ```` ```{eval-rst} ```` block)."""
    return read_rst(text).text


def read_rst(text: str) -> Draft:
    """An RST note: leading `:field:` lines, an ablog `.. post::` block, then the body."""
    lines = text.split("\n")
    meta: dict[str, object] = {}
    headings: list[tuple[int, str]] = []
    levels: list[str] = []
    out: list[str] = []
    skip_indent: int | None = None  # inside a comment or a directive's option block
    options_of: str | None = None
    for i, line in enumerate(lines):
        indent = len(line) - len(line.lstrip())
        stripped = line.strip()
        if skip_indent is not None:
            if not stripped and options_of is None:
                continue
            field = _FIELD.match(line)
            if options_of is not None and field and indent > skip_indent:
                if options_of == "post":
                    meta.setdefault(field.group(1).lower(), field.group(2))
                continue
            if options_of is None and indent > skip_indent:
                continue
            skip_indent, options_of = None, None
        if directive := _DIRECTIVE.match(line):
            name = directive.group(2).lower()
            if name == "post" and directive.group(3):
                meta.setdefault("date", directive.group(3))
            skip_indent, options_of = indent, name
            continue
        if _TARGET.match(line) or (_COMMENT.match(line) and not _DIRECTIVE.match(line)):
            skip_indent, options_of = indent, None
            continue
        if not any(out) and (field := _FIELD.match(line)) and indent == 0:
            meta.setdefault(field.group(1).lower(), field.group(2))
            continue
        if _ADORNMENT.match(stripped):
            continue  # over- and underlines; the title itself was taken with its line
        if _is_title(lines, i):
            char = lines[i + 1].strip()[0]
            if char not in levels:
                levels.append(char)
            headings.append((levels.index(char) + 1, clean_inline(_inline(stripped))))
        out.append(_inline(_BULLET.sub(r"\1", line)) if stripped else "")
    if "tags" in meta:
        meta["tags"] = ensure_list(meta["tags"], split_spaces=True)
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()
    return Draft(
        format="rst",
        text=body,
        meta=meta,
        has_meta=bool(meta),
        title=headings[0][1] if headings else None,
        headings=headings,
        speakers=people.from_plain_text(body),
    )
