"""The query language as a typed, immutable plan that any search backend can read.

``parse(text)`` turns what is left of a query string once ``query.parse_query`` has
taken its filters out into a tree of the frozen dataclasses below, without Whoosh:

=================================  ==================================================
``kubernetes`` · ``title:keynote``  ``Word("kubernetes")`` · ``Word("keynote", "title")``
``"office hours"`` · ``"a b"~3``    ``Phrase(("office", "hours"))`` (``slop=3``)
``kube*`` · ``k?bernetes`` · ``*``  ``Prefix`` · ``Wildcard`` · ``Every`` (``*:*``: ``All``)
``relase~`` · ``relase~2/3``        ``Fuzzy("relase", maxdist=2, prefix=3)``
``[a TO c]`` · ``{a TO}``           ``Range`` (bounds exclusive with braces)
``a b`` · ``a AND b`` · ``a OR b``  ``Implicit`` · ``And`` · ``Or`` (words side by side:
                                    ``Implicit``, which the search treats "AND-ish")
``NOT a`` · ``a ANDNOT b``          ``Not`` · ``AndNot``; ``a ANDMAYBE b``: ``AndMaybe``
``+a b -c``                        ``AndNot(AndMaybe(Word a, Word b), Or((Word c,)))``
``word^2``                         ``boost=2.0`` on the node
=================================  ==================================================

``field=None`` is the default field (every field); otherwise one of ``title``,
``body``, ``meta``.  Words are the raw lower-cased tokens of
``analyze.TOKEN_PATTERN`` (no stemming; apostrophes and inner dots are word
characters); wildcard, fuzzy and range texts are lower-cased as typed.

The parser is a port of the Whoosh ``QueryParser`` that ``query.make_parser`` builds
(its taggers and filters in Whoosh's order, then ``Query.normalize()``), so that
``backends.whoosh.compile.to_whoosh(parse(q)) == make_parser().parse(q)`` for every string,
quirks included: ``(a b) AND c`` is one implicit group of three words, ``a ^2``
searches the word "2", ``a:b:c`` loses ``a:``, a one-word phrase drops its boost,
and ``+``/``-`` work only at the top level.  Where Whoosh's parser raises (``-`` or
``+`` inside parentheses unless the whole query is one group, ``NOT NOT a``),
``parse(text, strict=True)`` raises :class:`QuerySyntaxError` and ``parse(text)``
parses ``plain(text)`` instead, as ``parse_query`` does.  One difference: when the plain
words fail too (``NOT NOT a``, ``a ANDNOT ANDNOT``), today's ``parse_query`` raises;
``parse`` then searches them lower-cased (operators as words).  Not modelled, as the
syntax never produces them: ``Not`` boosts and hash collisions in Whoosh's
de-duplication.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

# analyze.TOKEN_PATTERN, copied so that this module needs no Whoosh (a test keeps them equal)
TOKEN_PATTERN = r"\w+(?:[.'’]\w+)*"  # noqa: RUF001
DEFAULT_FIELD = "text"
FIELDS = ("text", "title", "body", "meta")
_TOKEN = re.compile(TOKEN_PATTERN)
_QMARKS = "?\u055e\u061f\u1367"


class QuerySyntaxError(ValueError):
    """What Whoosh's parser raises on: the caller searches ``plain(text)`` instead."""


# -- the plan ------------------------------------------------------------------------------

class _Plan:
    def terms(self, negated: bool = False) -> tuple[str, ...]:
        """The literal words (phrase words, fuzzy terms) for highlighting, in order;
        words under a NOT only with ``negated=True``."""
        return words(self, negated)  # type: ignore[arg-type]


def _f(field: str | None) -> str:
    return f"{field}:" if field else ""


def _b(boost: float) -> str:
    return "" if boost == 1.0 else f"^{boost:g}"


@dataclass(frozen=True)
class Word(_Plan):
    text: str
    field: str | None = None
    boost: float = 1.0

    def __str__(self) -> str:
        return f"{_f(self.field)}{self.text}{_b(self.boost)}"


@dataclass(frozen=True)
class Phrase(_Plan):
    words: tuple[str, ...]
    field: str | None = None
    slop: int = 1
    boost: float = 1.0

    def __str__(self) -> str:
        slop = f"~{self.slop}" if self.slop != 1 else ""
        return f'{_f(self.field)}"{" ".join(self.words)}"{slop}{_b(self.boost)}'


@dataclass(frozen=True)
class Prefix(_Plan):
    text: str  # without the trailing *
    field: str | None = None
    boost: float = 1.0

    def __str__(self) -> str:
        return f"{_f(self.field)}{self.text}*{_b(self.boost)}"


@dataclass(frozen=True)
class Wildcard(_Plan):
    pattern: str
    field: str | None = None
    boost: float = 1.0

    def __str__(self) -> str:
        return f"{_f(self.field)}{self.pattern}{_b(self.boost)}"


@dataclass(frozen=True)
class Fuzzy(_Plan):
    text: str
    maxdist: int = 1
    prefix: int = 0
    field: str | None = None
    boost: float = 1.0

    def __str__(self) -> str:
        dist = f"{self.maxdist}" if self.maxdist != 1 else ""
        pre = f"/{self.prefix}" if self.prefix else ""
        return f"{_f(self.field)}{self.text}~{dist}{pre}{_b(self.boost)}"


@dataclass(frozen=True)
class Range(_Plan):
    start: str | None
    end: str | None
    start_excl: bool = False
    end_excl: bool = False
    field: str | None = None
    boost: float = 1.0

    def __str__(self) -> str:
        return (f"{_f(self.field)}{'{' if self.start_excl else '['}{self.start or ''} TO "
                f"{self.end or ''}{'}' if self.end_excl else ']'}{_b(self.boost)}")


@dataclass(frozen=True)
class Every(_Plan):
    """Every note with something in the field (a bare ``*``, ``title:*``)."""
    field: str | None = None
    boost: float = 1.0

    def __str__(self) -> str:
        return f"{_f(self.field)}*{_b(self.boost)}"


@dataclass(frozen=True)
class All(_Plan):
    """Every note (``*:*``)."""

    def __str__(self) -> str:
        return "*:*"


@dataclass(frozen=True)
class _Compound(_Plan):
    items: tuple[Node, ...]
    boost: float = 1.0
    JOINT = " "

    def __str__(self) -> str:
        return f"({self.JOINT.join(map(str, self.items))}){_b(self.boost)}"


class Implicit(_Compound):
    """Words typed side by side, with no operator between them."""


class And(_Compound):
    JOINT = " AND "


class Or(_Compound):
    JOINT = " OR "


@dataclass(frozen=True)
class Not(_Plan):
    item: Node
    boost: float = 1.0

    def __str__(self) -> str:
        return f"NOT {self.item}"


@dataclass(frozen=True)
class _Binary(_Plan):
    a: Node
    b: Node
    boost = 1.0
    JOINT = ""

    def __str__(self) -> str:
        return f"({self.a}{self.JOINT}{self.b})"


class AndNot(_Binary):
    """``a``'s notes without ``b``'s (``-word``, ``ANDNOT``)."""
    JOINT = " ANDNOT "


class AndMaybe(_Binary):
    """``a``'s notes, ranked higher where ``b`` matches too (``+word``, ``ANDMAYBE``)."""
    JOINT = " ANDMAYBE "


class Require(_Binary):
    """``a``'s notes that also match ``b`` (``REQUIRE``), scored by ``a`` only."""
    JOINT = " REQUIRE "


Node = (Word | Phrase | Prefix | Wildcard | Fuzzy | Range | Every | All | Implicit | And | Or
        | Not | AndNot | AndMaybe | Require)


def words(plan: Node | None, negated: bool = False) -> tuple[str, ...]:
    """The literal words of a plan (``Plan.terms()``), each once, in query order."""
    out: list[str] = []
    if plan is not None:
        _collect(plan, out, negated)
    return tuple(dict.fromkeys(out))


def _collect(q: Node, out: list[str], negated: bool) -> None:
    if isinstance(q, Word | Fuzzy):
        out.append(q.text)
    elif isinstance(q, Phrase):
        out.extend(q.words)
    elif isinstance(q, _Compound):
        for item in q.items:
            _collect(item, out, negated)
    elif isinstance(q, Not):
        if negated:
            _collect(q.item, out, negated)
    elif isinstance(q, _Binary):
        _collect(q.a, out, negated)
        if negated or not isinstance(q, AndNot):
            _collect(q.b, out, negated)


def plain(text: str) -> str:
    """The query without operators: what is searched when ``parse(strict=True)`` fails."""
    return re.sub(r"[^\w\s]", " ", text)


def parse(text: str, strict: bool = False) -> Node | None:
    """The plan of a query text (filters already taken out); None: nothing to search."""
    try:
        group = _filtered(_tag(text))
        q = group.query()
        q = _norm(q if q is not None and _truthy(q) else _NULL)
        return None if q is _NULL else q
    except (QuerySyntaxError, RecursionError) as exc:
        if strict:
            raise QuerySyntaxError(f"cannot parse {text!r}: {exc}") from None
        try:
            return parse(plain(text), strict=True)
        except QuerySyntaxError:  # "NOT NOT a": parse_query raises here today
            return parse(plain(text).lower(), strict=True)


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


# -- the filters, in Whoosh's order ------------------------------------------------------------

def _filtered(nodes: list[_S]) -> _Group:
    stack = [_Group()]  # GroupPlugin.do_groups
    for node in nodes:
        if getattr(node, "kind", "") == "open":
            stack.append(_Group())
        elif getattr(node, "kind", "") == "close":
            if len(stack) > 1:
                last = stack.pop()
                stack[-1].nodes.append(last)
        else:
            stack[-1].nodes.append(node)
    top = stack[0]
    for level in stack[1:]:
        top.nodes.extend(level.nodes)
    if len(top.nodes) == 1 and isinstance(top.nodes[0], _Group):
        top.nodes[0].boost, top = top.boost, top.nodes[0]
    for i, node in enumerate(top.nodes):  # BoostPlugin.clean_boost: the top level only
        if _kind(node) == "boost" and (not i or not top.nodes[i - 1].has_boost):
            top.nodes[i] = _word(node)
    top = _fuzzy(top)
    _wildcards(top)
    top = _fields(top)
    top = _no_ws(top)
    top = _boosts(top)
    return _operators(_plusminus(top))


def _kind(node: _S) -> str:
    return getattr(node, "kind", "") if isinstance(node, _Mark) else ""


def _fuzzy(group: _Group) -> _Group:
    new, i, nodes = group.copy(), 0, group.nodes
    while i < len(nodes):
        node = nodes[i]
        if (i < len(nodes) - 1 and isinstance(node, _Text) and node.kind == "word"
                and _kind(nodes[i + 1]) == "fuzz"):
            mark = nodes[i + 1]
            node = _Text("fuzzy", node.text, maxdist=mark.maxdist, prefix=mark.prefix)
            i += 1
        if _kind(node) == "fuzz":
            node = _word(node)
        new.nodes.append(_fuzzy(node) if isinstance(node, _Group) else node)
        i += 1
    return new


def _wildcards(group: _Group) -> None:
    nodes, i = group.nodes, 0
    while i < len(nodes):
        node = nodes[i]
        if isinstance(node, _Text) and node.kind == "wild":
            if i < len(nodes) - 1 and nodes[i + 1].is_text:
                node.text += nodes.pop(i + 1).text
            if i > 0 and nodes[i - 1].is_text:
                node.text = nodes.pop(i - 1).text + node.text
            else:
                i += 1
        else:
            if isinstance(node, _Group):
                _wildcards(node)
            i += 1
    for node in nodes:
        if isinstance(node, _Text) and node.kind == "wild" and len(node.text) > 1 \
                and not any(q in node.text for q in _QMARKS) \
                and node.text.find("*") == len(node.text) - 1:
            node.kind, node.text = "prefix", node.text[:-1]


def _fields(group: _Group) -> _Group:
    new, unknown = group.copy(), None
    for node in group.nodes:  # unknown fields become text
        if _kind(node) == "field" and node.fieldname not in FIELDS:
            unknown = node
            continue
        if unknown is not None:
            if node.is_text:
                node.text = unknown.original + node.text
            else:
                new.nodes.append(_word(unknown))
            unknown = None
        new.nodes.append(node)
    if unknown is not None:
        new.nodes.append(_word(unknown))
    nodes, out, i = new.nodes, [], len(new.nodes)
    while i > 0:  # from the end: a field name applies to the node after it
        i -= 1
        node = nodes[i]
        if _kind(node) == "field":
            node = _word(node)
        elif isinstance(node, _Group):
            node = _fields(node)
        if i > 0 and not node.is_ws and _kind(nodes[i - 1]) == "field":
            node.set_field(nodes[i - 1].fieldname)
            i -= 1
        out.append(node)
    new.nodes = out[::-1]
    return new


def _no_ws(group: _Group) -> _Group:
    new = group.copy()
    new.nodes = [_no_ws(n) if isinstance(n, _Group) else n for n in group.nodes if not n.is_ws]
    return new


def _boosts(group: _Group) -> _Group:
    new = group.copy()
    for node in group.nodes:
        if isinstance(node, _Group):
            node = _boosts(node)
        elif _kind(node) == "boost":
            if new.nodes and new.nodes[-1].has_boost:
                new.nodes[-1].boost = node.value
                continue
            node = _word(node)
        new.nodes.append(node)
    return new


def _plusminus(group: _Group) -> _Group:  # query.PlusMinus.do_plusminus: the top level only
    required, optional, banned = _Group("and"), group.copy(), _Group("or")
    target = optional
    for node in group.nodes:
        if _kind(node) in ("plus", "minus"):
            target = required if _kind(node) == "plus" else banned
        else:
            target.nodes.append(node)
            target = optional
    result = optional
    if required.nodes:
        result = _Group("andmaybe", [required, optional]) if optional.nodes else required
    if banned.nodes:
        result = _Group("andnot", [result, banned])
    return result


_MERGE = {"and": ("and", "implicit"), "or": ("or",)}  # isinstance(left, AndGroup) etc.


def _operators(group: _Group) -> _Group:
    nodes = group.nodes
    for op in ("not", "and", "or", "andnot", "andmaybe", "require"):
        i = 0
        while i < len(nodes):
            t = nodes[i]
            if _kind(t) != "op" or t.op != op:
                i += 1
            elif op == "not":  # prefix operator
                del nodes[i]
                if i < len(nodes):
                    nodes[i] = _Group("not", [nodes[i]])
            elif 0 < i < len(nodes) - 1:
                left, right = nodes[i - 1], nodes[i + 1]
                if isinstance(left, _Group) and left.kind in _MERGE.get(op, ()):
                    left.nodes.append(right)
                    del nodes[i:i + 2]
                else:
                    nodes[i - 1:i + 2] = [_Group(op, [left, right])]
            else:
                del nodes[i]
    for i, node in enumerate(nodes):
        if isinstance(node, _Group):
            nodes[i] = _operators(node)
    return group


# -- Query.normalize() -------------------------------------------------------------------------

def _field(q: object) -> str | None:
    if isinstance(q, _Compound):
        fields = {_field(s) for s in q.items}
        return _field(q.items[0]) if len(fields) == 1 else None
    if isinstance(q, _Binary):
        return _field(q.a) if _field(q.a) == _field(q.b) else None
    if isinstance(q, Word | Phrase | Prefix | Wildcard | Fuzzy | Range | Every):
        return q.field or DEFAULT_FIELD
    return None


def _with_boost(q: Node, boost: float) -> Node:
    if isinstance(q, AndMaybe):
        return AndMaybe(_with_boost(q.a, boost), _with_boost(q.b, boost))
    if isinstance(q, _Binary):
        return type(q)(_with_boost(q.a, boost), q.b)
    return q if isinstance(q, All) else replace(q, boost=boost)


def _ends(q: Range) -> tuple[tuple, tuple]:
    start = (0, "", 0) if q.start is None else (1, q.start, 1 if q.start_excl else 0)
    end = (2, "", 0) if q.end is None else (1, q.end, -1 if q.end_excl else 0)
    return start, end


def _merge(q: Range, o: Range, intersect: bool) -> Range | None:
    (s1, e1), (s2, e2) = _ends(q), _ends(o)
    if q.field != o.field or not (s2 <= s1 <= e2 or s2 <= e1 <= e2 or s1 <= s2 <= e1
                                  or s1 <= e2 <= e1):
        return None  # no overlap
    if s1 >= s2 and e1 <= e2:
        start, end = s2, e2
    elif s2 >= s1 and e2 <= e1:
        start, end = s1, e1
    else:
        start, end = (max(s1, s2), min(e1, e2)) if intersect else (min(s1, s2), max(e1, e2))
    return Range(start[1] if start[0] == 1 else None, end[1] if end[0] == 1 else None,
                 start[2] == 1, end[2] == -1, q.field, max(q.boost, o.boost))


def _norm(q):
    if isinstance(q, _Compound):
        return _norm_compound(q)
    if isinstance(q, Not):
        item = _norm(q.item)
        return _NULL if item is _NULL else Not(item, q.boost)
    if isinstance(q, _Binary):
        a, b = _norm(q.a), _norm(q.b)
        if isinstance(q, Require):
            return _NULL if _NULL in (a, b) else Require(a, b)
        return _NULL if a is _NULL else a if b is _NULL else type(q)(a, b)
    if isinstance(q, Phrase):
        if len(q.words) < 2:
            return Word(q.words[0], q.field) if q.words else _NULL
    elif isinstance(q, Wildcard):
        p = q.pattern
        if p == "*":
            return Every(q.field, q.boost)
        if "*" not in p and "?" not in p:
            return Word(p, q.field, q.boost)
        if "?" not in p and p.find("*") == len(p) - 1:
            return Prefix(p[:-1], q.field, q.boost)
    elif isinstance(q, Range):
        if q.start in ("", None) and q.end in ("\uffff", None):
            return Every(q.field, q.boost)
        if q.start == q.end:
            return _NULL if q.start_excl or q.end_excl else Word(q.start, q.field, q.boost)
    return q


def _norm_compound(q: _Compound):
    cls, subs = type(q), []
    for s in map(_norm, q.items):
        if type(s) is cls:
            subs += [_with_boost(ss, getattr(ss, "boost", 1.0) * s.boost) for ss in s.items]
        else:
            subs.append(s)
    if all(s is _NULL for s in subs):
        return _NULL
    if any(isinstance(s, All) for s in subs):
        return All()
    every: set[str | None] = set()
    i = 0
    while i < len(subs):
        s = subs[i]
        if _field(s) in every:
            subs.pop(i)
            continue
        if isinstance(s, Range):
            j = i + 1
            while j < len(subs):
                o = subs[j]
                merged = _merge(s, o, cls is not Or) if isinstance(o, Range) else None
                if merged is None:
                    j += 1
                else:
                    s = merged
                    subs.pop(j)
            s = subs[i] = _norm(s)
        if isinstance(s, Every):
            every.add(_field(s))
        i += 1
    subs = [s for s in dict.fromkeys(s for s in subs if isinstance(s, Every)
                                     or _field(s) not in every) if s is not _NULL]
    if not subs:
        return _NULL
    if len(subs) == 1:
        sub, sub_boost = subs[0], getattr(subs[0], "boost", 1.0)
        return sub if q.boost == sub_boost == 1.0 else _with_boost(sub, sub_boost * q.boost)
    return cls(tuple(subs), q.boost)
