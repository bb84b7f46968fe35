"""Understanding what a user typed: filters pulled out, the rest parsed into a query tree.

``tag:aws``, ``speaker:"Julien Simon"``, ``lang:de`` and ``date:2019-05`` become
facet filters; everything else is Whoosh's query language ("exact phrase",
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
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, timedelta

from whoosh import qparser
from whoosh.analysis import LowercaseFilter, RegexTokenizer
from whoosh.fields import TEXT, Schema
from whoosh.qparser import syntax
from whoosh.query import And, NullQuery, Query
from whoosh.query.compound import CompoundQuery

from ...query.budget import DEFAULT, Limits
from ...text.analyze import TOKEN_PATTERN, normalize_key

MAX_QUERY_CHARS = 1000
MAX_TERMS = DEFAULT.max_words  # the max_words setting's default

# The field a bare word is parsed into, and the fields a word can be restricted to.
DEFAULT_FIELD = "text"
RESTRICTABLE = ("title", "body", "meta")
TEXT_ALIASES = {"title": "title", "body": "body", "text": "body", "event": "meta",
                "author": "meta", "location": "meta", "meta": "meta"}
FILTER_NAMES = {"tag": "tags", "tags": "tags", "category": "tags", "speaker": "speakers",
                "speakers": "speakers", "lang": "langs", "language": "langs",
                "date": "date", "year": "date"}

_FIELD = re.compile(r'(?<![\w"])(-?)([A-Za-z_]\w*):("[^"]*"|[^\s"]+)')
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


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

    def do_plusminus(self, parser, group):  # type: ignore[no-untyped-def]
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


@dataclass
class ParsedQuery:
    """The text part as a Whoosh query tree plus the filters found in the query string."""

    text: str
    query: Query | None  # None: no free text (browse by filters)
    tags: list[str] = field(default_factory=list)
    speakers: list[str] = field(default_factory=list)
    langs: list[str] = field(default_factory=list)
    exclude: dict[str, list[str]] = field(default_factory=dict)  # facet -> keys to drop
    since: date | None = None
    until: date | None = None
    messages: list[str] = field(default_factory=list)


def parse_date_spec(spec: str) -> tuple[date | None, date | None]:
    """"2019", "2019-05", "2019-05-16", ">2020-01-01", "<=2019", "2018..2020" -> (since, until).

    Raises ValueError with a plain-words reason.
    """
    spec = spec.strip()
    if ".." in spec:
        lo, hi = spec.split("..", 1)
        since = _date_bounds(lo)[0] if lo else None
        until = _date_bounds(hi)[1] if hi else None
        if since and until and since > until:
            raise ValueError(f"the range {spec} ends before it starts")
        return since, until
    for op in (">=", "<=", ">", "<"):
        if spec.startswith(op):
            first, last = _date_bounds(spec[len(op):])
            if op == ">=":
                return first, None
            if op == ">":
                return last + timedelta(days=1), None
            if op == "<=":
                return None, last
            return None, first - timedelta(days=1)
    return _date_bounds(spec)


def _date_bounds(text: str) -> tuple[date, date]:
    m = _DATE.match(text.strip())
    if not m:
        raise ValueError(f"{text!r} is not a date (use 2019, 2019-05, 2019-05-16, "
                         ">2020-01-01 or 2018..2020)")
    year, month, day = int(m[1]), m[2], m[3]
    try:
        if day:
            d = date(year, int(month), int(day))
            return d, d
        if month:
            last = monthrange(year, int(month))[1]
            return date(year, int(month), 1), date(year, int(month), last)
        return date(year, 1, 1), date(year, 12, 31)
    except ValueError:
        raise ValueError(f"{text!r} is not a valid date") from None


def parse_schema() -> Schema:
    """A schema only for parsing: raw lower-cased words, no stemming, folding or stop words."""
    raw = RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter()
    return Schema(**{name: TEXT(analyzer=raw, phrase=True)
                     for name in (DEFAULT_FIELD, *RESTRICTABLE)})


def make_parser(schema=None) -> qparser.QueryParser:  # type: ignore[no-untyped-def]
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
    """Split filters out of the query string and parse the rest, keeping to the
    ``max_filters`` and ``max_words`` limits."""
    global _DEFAULT_PARSER
    if parser is None:
        _DEFAULT_PARSER = _DEFAULT_PARSER or make_parser()
        parser = _DEFAULT_PARSER
    messages: list[str] = []
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        messages.append(f"The query was longer than {MAX_QUERY_CHARS} characters; "
                        "only its beginning was searched.")
    if text.count('"') % 2:
        i = text.rfind('"')
        text = text[:i] + text[i + 1:]
        messages.append("A quotation mark was not closed; it was ignored.")
    parsed = ParsedQuery(text=text, query=None, messages=messages)
    filters = 0

    def take(m: re.Match[str]) -> str:
        nonlocal filters
        if m[2].lower() in FILTER_NAMES:
            filters += 1
            if filters > limits.max_filters:
                if filters == limits.max_filters + 1:
                    messages.append(f"Only the first {limits.max_filters} field filters "
                                    "(tag:, speaker:, lang:, date:) were applied; the others "
                                    "were ignored.")
                return " "
        return _take_field(m, parsed)

    rest = _FIELD.sub(take, text)
    words = rest.split()
    if len(words) > limits.max_words:
        rest = " ".join(words[:limits.max_words])
        messages.append(f"Only the first {limits.max_words} words were searched.")
    if rest.strip():
        try:
            q = parser.parse(rest)
        except Exception:  # Whoosh's parser can trip over odd operator soup
            q = parser.parse(re.sub(r"[^\w\s]", " ", rest))
            messages.append("Some operators in the query could not be understood; "
                            "it was searched as plain words.")
        parsed.query = None if q is NullQuery else q
    return parsed


def _take_field(m: re.Match[str], parsed: ParsedQuery) -> str:
    negate, name, value = m[1] == "-", m[2].lower(), m[3].strip('"').strip()
    target = FILTER_NAMES.get(name)
    if name in TEXT_ALIASES:
        return f"{m[1]}{TEXT_ALIASES[name]}:{m[3]}"
    if target is None:
        parsed.messages.append(f"There is no field {name!r}; {name} {value} was searched as "
                               "words. Fields: tag, speaker, lang, date, title, body.")
        return f" {name} {value} "
    if not value:
        return " "
    if target == "date":
        try:
            since, until = parse_date_spec(value)
        except ValueError as exc:
            parsed.messages.append(f"Date filter ignored: {exc}.")
            return " "
        if since and (parsed.since is None or since > parsed.since):
            parsed.since = since
        if until and (parsed.until is None or until < parsed.until):
            parsed.until = until
        return " "
    key = normalize_key(value)
    if negate:
        parsed.exclude.setdefault(target, []).append(key)
    else:
        getattr(parsed, target).append(key)
    return " "
