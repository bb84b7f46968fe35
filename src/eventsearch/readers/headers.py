"""Metadata containers at the top of text notes: YAML/TOML/JSON front matter, Pelican and
Wintersmith `Key: value` headers, and MyST ```` ```{post} ```` fences.

Broken front matter must not cost us the note: every parser falls back to reading
`key: value` lines loosely and reports a warning instead of failing.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from typing import Any

import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

try:
    _LOADER: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML without libyaml
    _LOADER = yaml.SafeLoader


@dataclass
class Header:
    meta: dict[str, Any] = field(default_factory=dict)  # keys lower-cased
    body: str = ""
    found: bool = False  # a metadata container was present (even a broken one)
    warnings: list[str] = field(default_factory=list)


_FENCE_END = {"---": re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.M),
              "+++": re.compile(r"^\+\+\+[ \t]*$", re.M)}
_LOOSE = re.compile(r"^([A-Za-z_][\w.-]*)[ \t]*[:=][ \t]*(.*?)[ \t]*$")
_LOOSE_ITEM = re.compile(r"^\s+-\s+(.*?)\s*$")
_TAB_AFTER_COLON = re.compile(r"^([ ]*[\w-]+):\t+", re.M)
PELICAN_KEYS = {"title", "date", "author", "authors", "slug", "lang", "tags", "category",
                "categories", "summary", "template", "modified", "status", "save_as", "url",
                "ext_url", "publisher", "speakers", "location", "event"}


def lower_keys(data: dict[Any, Any]) -> dict[str, Any]:
    return {str(key).strip().lower(): value for key, value in data.items()}


def _unquote(value: str) -> Any:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    if value.startswith("[") and value.endswith("]"):
        return [_unquote(v) for v in value[1:-1].split(",") if v.strip()]
    return value


_CLOSERS = {"[": "]", "{": "}", '"': '"', "'": "'"}


def _unclosed(value: str) -> bool:
    """`[unclosed`, `"half-quoted`: a value that broke the parser, not data to keep."""
    value = value.strip()
    close = _CLOSERS.get(value[:1])
    if close is None or value.startswith("{{"):  # `{{year}}/x.html` is a template
        return False
    return len(value) < 2 or not value.endswith(close)


def loose_pairs(block: str) -> dict[str, Any]:
    """Top-level `key: value` (or `key = value`) lines and `- item` lists, read without YAML.

    Values that are themselves broken (an unclosed `[`, `{` or quote) are left out, so a
    broken `title:` gives way to the note's first heading or its file name.
    """
    meta: dict[str, Any] = {}
    last = None
    for line in block.split("\n"):
        if (match := _LOOSE.match(line)) and not line[0].isspace():
            last = match.group(1).lower()
            if match.group(2) and _unclosed(match.group(2)):
                last = None
                continue
            meta[last] = _unquote(match.group(2)) if match.group(2) else None
        elif last and (item := _LOOSE_ITEM.match(line)):
            current = meta.get(last)
            meta[last] = ([*current] if isinstance(current, list) else []) + [_unquote(item[1])]
    return meta


UNPARSED = "front matter does not parse"  # how the warnings below start (cli prints them)
_TOML_LINE = re.compile(r"\bline (\d+)")


def _yaml(block: str, warnings: list[str]) -> dict[str, Any]:
    try:
        data = yaml.load(block, Loader=_LOADER)
    except yaml.YAMLError as exc:
        try:
            data = yaml.load(_TAB_AFTER_COLON.sub(r"\1: ", block), Loader=_LOADER)
            warnings.append("front matter has TABs after colons; read it with spaces instead")
        except yaml.YAMLError:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 2}: " if mark is not None else ""
            problem = getattr(exc, "problem", None) or "syntax error"
            warnings.append(f"{UNPARSED}: not valid YAML ({where}{problem}); "
                            "indexed from the body")
            return loose_pairs(block)
    return lower_keys(data) if isinstance(data, dict) else {}


def _toml(block: str, warnings: list[str]) -> dict[str, Any]:
    try:
        return lower_keys(tomllib.loads(block))
    except tomllib.TOMLDecodeError as exc:
        # tomllib counts lines from the first line inside the +++ fence
        reason = _TOML_LINE.sub(lambda m: f"line {int(m.group(1)) + 1}", str(exc))
        warnings.append(f"{UNPARSED}: not valid TOML ({reason}); indexed from the body")
        return loose_pairs(block)


def _delimited(text: str, fence: str) -> Header | None:
    first_end = text.find("\n")
    if first_end < 0 or text[:first_end].rstrip() != fence:
        return None
    match = _FENCE_END[fence].search(text, first_end + 1)
    if not match:
        return None
    block = text[first_end + 1 : match.start()]
    header = Header(body=text[match.end() :], found=True)
    header.meta = (_yaml if fence == "---" else _toml)(block, header.warnings)
    if fence == "---" and not header.meta and block.strip() and not header.warnings:
        return None  # `---` was a horizontal rule around plain text, not front matter
    return header


def _json(text: str) -> Header | None:
    try:
        data, end = json.JSONDecoder().raw_decode(text)
    except json.JSONDecodeError as exc:
        return Header(body=text, warnings=[f"{UNPARSED}: leading {{ … }} is not valid JSON "
                                           f"({exc.msg}, line {exc.lineno}); indexed as text"])
    if not isinstance(data, dict):
        return None
    return Header(meta=lower_keys(data), body=text[end:], found=True)


_JSON_START = re.compile(r'\{\s*"')  # not `{{< shortcode >}}` or a kramdown `{:toc}`
_PELICAN_LINE = re.compile(r"^([A-Za-z][\w-]*)[ \t]*:[ \t]*(.*?)[ \t]*$")


def _pelican(text: str) -> Header | None:
    """Pelican `Title: x` / Wintersmith `title: x` lines, ended by a blank line."""
    meta: dict[str, Any] = {}
    lines = text.split("\n")
    last = None
    end = len(lines)
    for index, line in enumerate(lines):
        if not line.strip():
            end = index
            break
        match = _PELICAN_LINE.match(line)
        if match and not line[0].isspace():
            last = match.group(1).lower()
            meta[last] = match.group(2)
        elif last and line[0].isspace():  # Markdown-meta style continuation line
            meta[last] = f"{meta[last]} {line.strip()}".strip()
        else:
            return None
    if not meta or not PELICAN_KEYS & meta.keys():
        return None
    return Header(meta=meta, body="\n".join(lines[end:]), found=True)


_MYST = re.compile(r"\A\s*```\{(post|eval-rst)\}[ \t]*(.*?)[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)
_RST_POST = re.compile(r"^\s*\.\.\s+post::[ \t]*(.*?)[ \t]*$", re.M)
_FIELD = re.compile(r"^\s*:([\w-]+):\s*(.*?)\s*$", re.M)


def _myst_post(header: Header) -> None:
    """Fold a MyST ```` ```{post} DATE ```` fence (with `:key:` fields or a YAML block), or an
    ```` ```{eval-rst} ```` fence holding an ablog `.. post::` directive, into meta."""
    match = _MYST.match(header.body)
    if not match:
        return
    kind, argument, inner = match.groups()
    if kind == "eval-rst":
        directive = _RST_POST.search(inner)
        if not directive:
            return
        argument = directive.group(1)
    post: dict[str, Any] = {"date": argument} if argument else {}
    post.update((k.lower(), v) for k, v in _FIELD.findall(inner))
    if yaml_block := re.search(r"^---\s*\n(.*?)^---\s*$", inner, re.M | re.S):
        post.update(_yaml(yaml_block.group(1), header.warnings))
    for key, value in post.items():
        header.meta.setdefault(key, value)
    header.body = header.body[match.end() :]
    header.found = True


def split_header(text: str) -> Header:
    """Separate a note's metadata from its body, whichever container it uses."""
    start = text.lstrip("\n")
    header = None
    if start.startswith("---"):
        header = _delimited(start, "---")
    elif start.startswith("+++"):
        header = _delimited(start, "+++")
    elif _JSON_START.match(start):
        header = _json(start)
    if header is None:
        header = _pelican(start) or Header(body=text)
    _myst_post(header)
    return header
