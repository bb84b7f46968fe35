"""The query language's tokens: the syntax nodes and taggers of Whoosh's ``qparser``,
ported without Whoosh (``query.language`` groups and normalises what ``tag`` finds)."""

from __future__ import annotations

import re

from ..text.analyze import TOKEN_PATTERN
from .plan import (
    All,
    And,
    AndMaybe,
    AndNot,
    Fuzzy,
    Implicit,
    Not,
    Or,
    Phrase,
    Prefix,
    Range,
    Require,
    Wildcard,
    Word,
    _Compound,
)

DEFAULT_FIELD = "text"
FIELDS = ("text", "title", "body", "meta")
_TOKEN = re.compile(TOKEN_PATTERN)
_QMARKS = "?\u055e\u061f\u1367"


class QuerySyntaxError(ValueError):
    """What Whoosh's parser raises on: the caller searches ``plain(text)`` instead."""


# -- syntax nodes, as Whoosh's qparser.syntax has them ---------------------------------------

_NULL = type("_Null", (), {"__repr__": lambda self: "NULL"})()


class _S:
    has_field = has_boost = is_text = is_ws = False
    fieldname: str | None = None
    boost = 1.0
    original = ""

    def set_field(self, name: str) -> None:
        if self.has_field and self.fieldname is None:
            self.fieldname = name

    def query(self):
        raise QuerySyntaxError(f"{self!r} left over")


class _Mark(_S):
    def __init__(self, kind: str, original: str = "", **attrs) -> None:
        self.kind, self.original, self.is_ws = kind, original, kind == "ws"
        self.has_field = kind == "field"
        self.__dict__.update(attrs)

    def __repr__(self) -> str:
        return f"<{self.kind} {self.original!r}>"


class _Text(_S):
    has_field = has_boost = is_text = True

    def __init__(self, kind: str, text: str, **attrs) -> None:
        self.kind, self.text = kind, text
        self.__dict__.update(attrs)

    def query(self):
        field = None if self.fieldname in (None, DEFAULT_FIELD) else self.fieldname
        kind, text, boost = self.kind, self.text, self.boost
        if kind == "word":
            toks = [m.group(0).lower() for m in _TOKEN.finditer(text)]
            if len(toks) > 1:
                return Implicit(tuple(Word(t, field, boost) for t in toks))
            return Word(toks[0], field, boost) if toks else None
        if kind == "phrase":
            return Phrase(tuple(m.group(0).lower() for m in _TOKEN.finditer(text)), field,
                          self.slop, boost)
        if kind == "fuzzy":
            return Fuzzy(text.lower(), self.maxdist, self.prefix, field, boost)
        return (Prefix if kind == "prefix" else Wildcard)(text.lower(), field, boost)


class _Range(_S):
    has_field = has_boost = True

    def __init__(self, start: str | None, end: str | None, sx: bool, ex: bool) -> None:
        self.start, self.end, self.sx, self.ex = start, end, sx, ex

    def query(self):
        field = None if self.fieldname in (None, DEFAULT_FIELD) else self.fieldname
        return Range(self.start.lower() if self.start else self.start,
                     self.end.lower() if self.end else self.end, self.sx, self.ex, field,
                     self.boost)


class _Every(_S):
    def query(self):
        return All()


_CLASSES = {"implicit": Implicit, "and": And, "or": Or, "andnot": AndNot,
            "andmaybe": AndMaybe, "require": Require, "not": Not}
_BINARY = ("andnot", "andmaybe", "require")


class _Group(_S):
    def __init__(self, kind: str = "implicit", nodes: list | None = None) -> None:
        self.kind, self.nodes = kind, nodes or []
        self.has_boost = kind not in _BINARY

    def __repr__(self) -> str:
        return f"<{self.kind} {self.nodes!r}>"

    def set_field(self, name: str) -> None:
        for node in self.nodes:
            node.set_field(name)

    def copy(self) -> _Group:
        c = _Group(self.kind)
        c.boost = self.boost if self.has_boost else 1.0
        return c

    def query(self):
        cls = _CLASSES[self.kind]
        if self.kind in _BINARY:
            if len(self.nodes) != 2:  # "a ANDNOT ANDNOT": Whoosh asserts
                raise QuerySyntaxError(f"{self.kind} without two sides")
            qa, qb = self.nodes[0].query(), self.nodes[1].query()
            if qa is None or qb is None:
                return _NULL if qa is None and qb is None else qb if qa is None else qa
            return cls(qa, qb)
        if self.kind == "not":
            if not self.nodes:
                raise QuerySyntaxError("NOT without anything to negate")
            q = self.nodes[0].query()
            return cls(q) if q is not None and _truthy(q) else None
        return cls(tuple(q for n in self.nodes if (q := n.query()) is not None), self.boost)


def _truthy(q: object) -> bool:
    return not isinstance(q, _Compound) or bool(q.items)


def _word(node: _S) -> _Text:
    return _Text("word", node.original)


# -- tagging ---------------------------------------------------------------------------------

def _op(kind: str):
    return lambda m: _Mark("op", m.group(0), op=kind)


def _boost(m: re.Match[str]) -> _S:
    try:
        return _Mark("boost", m.group(0), value=float(m.group("boost")))
    except ValueError:
        return _Text("word", m.group(0))


def _range(m: re.Match[str]) -> _S:
    start, end = m.group("start"), m.group("end")
    if start:
        start = start.rstrip()
        start = start[1:-1] if start.startswith("'") and start.endswith("'") else start
    if end:
        end = end.lstrip()
        end = end[1:-1] if end.startswith("'") and end.endswith("'") else end
    return _Range(start, end, m.group("open") == "{", m.group("close") == "}")


def _fuzz(m: re.Match[str]) -> _S:
    return _Mark("fuzz", m.group(0), maxdist=int(m.group("maxdist") or 1),
                 prefix=int(m.group("prefix") or 0))


# In Whoosh's order: priority, then plugin order (AndNot and AndMaybe -5, Every -1, …).
_TAGGERS = [(re.compile(rx, re.X if verbose else 0), make) for rx, make, verbose in [
    (r"(?<=\s)ANDNOT(?=\s)", _op("andnot"), False),
    (r"(?<=\s)ANDMAYBE(?=\s)", _op("andmaybe"), False),
    (r"[*]:[*]", lambda m: _Every(), False),
    (r"(?P<text>\w+|[*]):", lambda m: _Mark("field", m.group(0), fieldname=m.group("text")),
     False),
    (f"(?P<text>[*{_QMARKS}])", lambda m: _Text("wild", m.group("text")), False),
    (r'"(?P<text>.*?)"(~(?P<slop>[1-9][0-9]*))?',
     lambda m: _Text("phrase", m.group("text"), slop=int(m.group("slop") or 1)), False),
    (r"[(]", lambda m: _Mark("open"), False),
    (r"[)]", lambda m: _Mark("close"), False),
    (r"(^|(?<=(\s|[()])))NOT(?=\s)", _op("not"), False),
    (r"(?<=\s)AND(?=\s)", _op("and"), False),
    (r"(?<=\s)OR(?=\s)", _op("or"), False),
    (r"(^|(?<=\s))REQUIRE(?=\s)", _op("require"), False),
    (r"\^(?P<boost>[0-9]*(\.[0-9]+)?)($|(?=[ \t\r\n)]))", _boost, False),
    (r"(?<![^\s(])\+", lambda m: _Mark("plus", m.group(0)), False),
    (r"(?<![^\s(])-", lambda m: _Mark("minus", m.group(0)), False),
    (r"(?<=\S)~(?P<maxdist>[0-9])?(/(?P<prefix>[1-9][0-9]*))?", _fuzz, False),
    (r"""(?P<open>\{|\[) (?P<start>('[^']*?'\s+)|([^\]}]+?(?=[Tt][Oo])))? [Tt][Oo]
         (?P<end>(\s+'[^']*?')|([^\]}]+?))? (?P<close>}|])""", _range, True),
    (r"\s+", lambda m: _Mark("ws", m.group(0)), False)]]


def _tag(text: str) -> list[_S]:
    nodes: list[_S] = []
    prev = pos = 0
    while pos < len(text):
        for rx, make in _TAGGERS:
            m = rx.match(text, pos)
            if m:
                if prev < pos:
                    nodes.append(_Text("word", text[prev:pos]))
                nodes.append(make(m))
                prev = pos = m.end()
                break
        else:
            pos += 1
    if prev < len(text):
        nodes.append(_Text("word", text[prev:]))
    return nodes
