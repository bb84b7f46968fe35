"""HTML notes, from fragments to generated full pages with navigation around the article.

The stdlib parser is enough (mkdocs and Pelican use it too): collect `<title>`, `<meta>`,
`<h1>`, the author byline and visible text; prefer the `<article>`/`<main>` text when a page
has one, and otherwise drop nav/header/footer boilerplate.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from . import people
from .build import Draft
from .meta import collapse

_SKIP = {"script", "style", "noscript", "template", "svg", "iframe", "object", "head"}
_BOILER = {"nav", "header", "footer", "aside", "form"}
_CONTENT = {"article", "main"}
_PARAGRAPH = {"p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6",
              "table", "ul", "ol", "blockquote", "pre", "figure", "dl"}
_LINE = {"br", "li", "tr", "dt", "dd", "figcaption", "hr"}
_CELL = {"td", "th"}
_VOID = {"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "embed", "source",
         "track", "wbr", "param"}
_BYLINE_PREFIX = re.compile(r"^(?:geschrieben von|written by|posted by|von|by)\s*:?\s*", re.I)


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = {"skip": 0, "boiler": 0, "content": 0, "pre": 0}
        self.page: list[str] = []
        self.content: list[str] = []
        self.title: list[str] = []
        self.in_title = False
        self.h1: list[tuple[str, bool]] = []
        self.h1_buffer: list[str] | None = None
        self.author_buffer: list[str] | None = None
        self.author_depth = 0
        self.author: str | None = None
        self.lang: str | None = None
        self.meta: dict[str, str] = {}

    def _emit(self, text: str) -> None:
        if self.depth["skip"]:
            return
        if self.depth["content"]:
            self.content.append(text)
        if not self.depth["boiler"]:
            self.page.append(text)

    def _count(self, tag: str, step: int) -> None:
        for group, names in (("skip", _SKIP), ("boiler", _BOILER), ("content", _CONTENT),
                             ("pre", {"pre"})):
            if tag in names:
                self.depth[group] = max(0, self.depth[group] + step)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "html" and values.get("lang"):
            self.lang = values["lang"]
        elif tag == "title":
            self.in_title = True
        elif tag == "meta" and values.get("content"):
            key = values.get("name") or values.get("property") or ""
            self.meta[key.lower()] = values["content"]
        elif tag == "h1" and not self.depth["skip"]:
            self.h1_buffer = []
        if "author" in values.get("class", "").split() and self.author_buffer is None:
            self.author_buffer, self.author_depth = [], 0
        if self.author_buffer is not None and tag not in _VOID:
            self.author_depth += 1
        if tag not in _VOID:
            self._count(tag, 1)
        if tag in _PARAGRAPH:
            self._emit("\n\n")
        elif tag in _LINE:
            self._emit("\n")
        elif tag in _CELL:
            self._emit(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag == "h1" and self.h1_buffer is not None:
            self.h1.append((collapse("".join(self.h1_buffer)), bool(self.depth["content"])))
            self.h1_buffer = None
        if self.author_buffer is not None:
            self.author_depth -= 1
            if self.author_depth <= 0:
                self.author = _BYLINE_PREFIX.sub("", collapse("".join(self.author_buffer)))
                self.author_buffer = None
        self._count(tag, -1)
        if tag in _PARAGRAPH:
            self._emit("\n\n")
        elif tag in _LINE:
            self._emit("\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
            return
        if not self.depth["pre"]:
            data = re.sub(r"\s+", " ", data)
        if self.h1_buffer is not None:
            self.h1_buffer.append(data)
        if self.author_buffer is not None:
            self.author_buffer.append(data)
        self._emit(data)


def _tidy(parts: list[str]) -> str:
    text = "".join(parts)
    text = re.sub(r"[ \t]*\n[ \t]*", "\n", text)
    text = re.sub(r"[ \t]{2,}", " ", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def read_html(text: str) -> Draft:
    """An HTML page or fragment."""
    page = _Page()
    page.feed(text)
    page.close()
    body = _tidy(page.content) or _tidy(page.page)
    title = collapse("".join(page.title))
    h1 = next((t for t, in_content in page.h1 if in_content and t), None)
    h1 = h1 or next((t for t, _ in page.h1 if t), None)
    if h1 and (not title or h1.casefold() in title.casefold()):
        title = h1
    meta: dict[str, object] = {}
    for key, target in (("keywords", "tags"), ("author", "author"), ("date", "date"),
                        ("article:published_time", "date"), ("description", "description")):
        if page.meta.get(key):
            meta.setdefault(target, page.meta[key])
    author = page.author if page.author and people.looks_like_name(page.author) else None
    return Draft(
        format="html",
        text=body,
        meta=meta,
        has_meta=bool(title or meta),
        title=title or None,
        headings=[(1, t) for t, _ in page.h1 if t],
        speakers=people.from_tables(text) + people.from_plain_text(body),
        author=author,
        lang=page.lang.split("-")[0].lower() if page.lang else None,
    )
