"""The reference for our query language: Whoosh's ``QueryParser`` with our plugins.

Searching no longer uses it: ``query.parse.parse_query`` parses with the engine-free
``query.language``, and ``backends.whoosh.compile.to_whoosh`` makes the Whoosh query.
``make_parser`` stays as the definition that parser was ported from:
``tests/test_query_language.py`` checks ``to_whoosh(parse(q)) == make_parser().parse(q)``
on the README's examples, the dev queries, operator soup and generated strings.
"""

from __future__ import annotations

from whoosh import qparser
from whoosh.analysis import LowercaseFilter, RegexTokenizer
from whoosh.fields import TEXT, Schema
from whoosh.qparser import syntax

from ...query.filters import DEFAULT_FIELD, RESTRICTABLE
from ...text.analyze import TOKEN_PATTERN
from .compile import Implicit


class ImplicitGroup(syntax.AndGroup):
    qclass = Implicit


class PlusMinus(qparser.PlusMinusPlugin):
    """``+word`` and ``-word`` only at the start of a word ("Web-App" is one thing),
    keeping the words in between as an implicit group."""

    def __init__(self) -> None:
        super().__init__(plusexpr=r"(?<![^\s(])\+", minusexpr=r"(?<![^\s(])-")

    def do_plusminus(self, parser, group):
        required, optional, banned = syntax.AndGroup(), group.empty_copy(), syntax.OrGroup()
        target = optional
        for node in group:
            if isinstance(node, self.Plus):
                target = required
            elif isinstance(node, self.Minus):
                target = banned
            else:
                target.append(node)
                target = optional
        result = optional
        if required:
            result = syntax.AndMaybeGroup([required, optional]) if optional else required
        if banned:
            result = syntax.AndNotGroup([result, banned])
        return result


def parse_schema() -> Schema:
    """A schema only for parsing: raw lower-cased words, no stemming, folding or stop words."""
    raw = RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter()
    return Schema(**{name: TEXT(analyzer=raw, phrase=True)
                     for name in (DEFAULT_FIELD, *RESTRICTABLE)})


def make_parser(schema=None) -> qparser.QueryParser:
    """The query-language parser.  ``schema`` is accepted for compatibility and ignored:
    parsing always works on raw words, the search decides which index fields they reach."""
    parser = qparser.QueryParser(DEFAULT_FIELD, parse_schema(), group=ImplicitGroup)
    parser.remove_plugin_class(qparser.SingleQuotePlugin)  # apostrophes are words here
    parser.add_plugin(PlusMinus())
    parser.add_plugin(qparser.FuzzyTermPlugin())
    return parser
