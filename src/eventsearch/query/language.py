"""The query language: a query text parsed into the typed plan of ``query.plan``.

``parse(text)`` turns what is left of a query string once ``query.parse.parse_query``
has taken its filters out into a tree of ``query.plan`` nodes, without Whoosh
(``query.lexer`` tags the text; this module groups, applies the operators and
normalises).

The parser is a port of the Whoosh ``QueryParser`` that
``backends.whoosh.qparser.make_parser`` builds (its taggers and filters in Whoosh's
order, then ``Query.normalize()``), so that
``backends.whoosh.compile.to_whoosh(parse(q)) == make_parser().parse(q)`` for every string,
quirks included: ``(a b) AND c`` is one implicit group of three words, ``a ^2``
searches the word "2", ``a:b:c`` loses ``a:``, a one-word phrase drops its boost,
and ``+``/``-`` work only at the top level.  Where Whoosh's parser raises (``-`` or
``+`` inside parentheses unless the whole query is one group, ``NOT NOT a``),
``parse(text, strict=True)`` raises :class:`QuerySyntaxError` and ``parse(text)``
parses ``plain(text)`` instead, as ``parse_query`` does.  One difference: when the plain
words fail too (``NOT NOT a``, ``a ANDNOT ANDNOT``), Whoosh's parser raises again;
``parse`` then searches them lower-cased (operators as words).  Not modelled, as the
syntax never produces them: ``Not`` boosts and hash collisions in Whoosh's
de-duplication.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .lexer import (
    _NULL,
    _QMARKS,
    _S,
    DEFAULT_FIELD,
    FIELDS,
    TOKEN_PATTERN,
    QuerySyntaxError,
    _Group,
    _Mark,
    _tag,
    _Text,
    _truthy,
    _word,
)
from .plan import (
    All,
    And,
    AndMaybe,
    AndNot,
    Every,
    Fuzzy,
    Implicit,
    Node,
    Not,
    Or,
    Phrase,
    Prefix,
    Range,
    Require,
    Wildcard,
    Word,
    _Binary,
    _Compound,
    words,
)

__all__ = ["DEFAULT_FIELD", "FIELDS", "TOKEN_PATTERN", "All", "And", "AndMaybe", "AndNot",
           "Every", "Fuzzy", "Implicit", "Node", "Not", "Or", "Phrase", "Prefix",
           "QuerySyntaxError", "Range", "Require", "Wildcard", "Word", "parse", "plain", "words"]


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
        except QuerySyntaxError:  # "NOT NOT a", "a ANDNOT ANDNOT"
            return parse(plain(text).lower(), strict=True)


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
                other = subs[j]
                merged = _merge(s, other, cls is not Or) if isinstance(other, Range) else None
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
