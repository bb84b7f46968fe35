"""The typed query plan: frozen dataclasses any search backend can read.

What ``query.language.parse`` makes of a query text once its filters are out:

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
"""

from __future__ import annotations

from dataclasses import dataclass


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
    typing: bool = False  # added by the search as you type, not typed: its cuts go unsaid

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
