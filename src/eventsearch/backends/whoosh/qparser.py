"""Understanding what a user typed: filters pulled out, the rest parsed into a query tree.

``tag:aws``, ``speaker:"Julien Simon"``, ``lang:de`` and ``date:2019-05`` become
facet filters (query/filters.py); everything else is Whoosh's query language ("exact phrase",
AND/OR/NOT, -word, wild*cards, word~) parsed over the *raw* words.  The search
side (:mod:`eventsearch.search`) turns every word into a concept with its
variants (exact, stemmed, synonyms, compound parts, typo corrections) and ranks
with its own BM25F, so nothing here knows about index fields beyond the
``title:``/``body:``/``meta:`` restrictions.

Nothing here raises on a bad query: problems become short messages and the
query is searched as well as possible.
"""

from __future__ import annotations

import re

from whoosh import qparser
from whoosh.analysis import LowercaseFilter, RegexTokenizer
from whoosh.fields import TEXT, Schema
from whoosh.qparser import syntax
from whoosh.query import And, NullQuery
from whoosh.query.compound import CompoundQuery

from ...query.budget import DEFAULT, Limits
from ...query.filters import (
    DEFAULT_FIELD,
    RESTRICTABLE,
    ParsedQuery,
    extract_filters,
)
from ...text.analyze import TOKEN_PATTERN


class Implicit(CompoundQuery):
    """Words typed side by side, with no operator between them.

    Kept apart from an explicit ``AND`` because the search treats it "AND-ish":
    short queries need every word, longer ones may miss one or two.  (Not a
    subclass of ``And``, or Whoosh's normalisation would merge the two.)
    """

    JOINT = " "
    intersect_merge = True

    def _matcher(self, subs, searcher, context):  # the same matching as And
        return And(subs)._matcher(subs, searcher, context)


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


_DEFAULT_PARSER: qparser.QueryParser | None = None


def parse_query(text: str, parser: qparser.QueryParser | None = None,
                limits: Limits = DEFAULT) -> ParsedQuery:
    """Split filters out of the query string (`query.filters.extract_filters`) and
    parse the rest, keeping to the ``max_filters`` and ``max_words`` limits."""
    global _DEFAULT_PARSER
    if parser is None:
        _DEFAULT_PARSER = _DEFAULT_PARSER or make_parser()
        parser = _DEFAULT_PARSER
    parsed, rest = extract_filters(text, limits)
    if rest.strip():
        try:
            q = parser.parse(rest)
        except Exception:  # Whoosh's parser can trip over odd operator soup
            q = parser.parse(re.sub(r"[^\w\s]", " ", rest))
            parsed.messages.append("Some operators in the query could not be understood; "
                                   "it was searched as plain words.")
        parsed.query = None if q is NullQuery else q
    return parsed

