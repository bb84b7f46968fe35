"""The engine-neutral half of understanding a query: filters, dates and limits.

``tag:aws``, ``speaker:"Julien Simon"``, ``event:"PyCon US 2019"``, ``lang:de`` and
``date:2019-05`` become
facet filters (`extract_filters`); ``title:``/``body:``/``meta:`` restrictions and
the rest of the text are left for the query-language parser (`query.parse.parse_query`
fills in `ParsedQuery.plan`).

Nothing here raises on a bad query: problems become short messages and the
query is searched as well as possible.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, timedelta

from ..text.facetkeys import facet_key
from .budget import DEFAULT, Limits
from .plan import Node

MAX_QUERY_CHARS = 1000
MAX_TERMS = DEFAULT.max_words  # the max_words setting's default
# The field a bare word is parsed into, and the fields a word can be restricted to.
DEFAULT_FIELD = "text"
RESTRICTABLE = ("title", "body", "meta")
TEXT_ALIASES = {"title": "title", "body": "body", "text": "body",
                "author": "meta", "location": "meta", "meta": "meta"}


FILTER_NAMES = {"tag": "tags", "tags": "tags", "category": "tags", "speaker": "speakers",
                "speakers": "speakers", "event": "events", "events": "events",
                "lang": "langs", "language": "langs",
                "date": "date", "year": "date"}


_FACET_OF = {"tags": "tag", "speakers": "speaker", "events": "event", "langs": "lang"}


_FIELD = re.compile(r'(?<![\w"])(-?)([A-Za-z_]\w*):("[^"]*"|[^\s"]+)')
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


@dataclass
class ParsedQuery:
    """The text part as a typed query plan plus the filters found in the query string."""

    text: str
    plan: Node | None  # the query language's plan (query.plan); None: no free text
    tags: list[str] = field(default_factory=list)
    speakers: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
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


def extract_filters(text: str, limits: Limits = DEFAULT) -> tuple[ParsedQuery, str]:
    """Split filters out of the query string, keeping to the ``max_filters`` and
    ``max_words`` limits: the filters (``plan`` not yet set) and the text left to parse."""
    messages: list[str] = []
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        messages.append(f"The query was longer than {MAX_QUERY_CHARS} characters; "
                        "only its beginning was searched.")
    if text.count('"') % 2:
        i = text.rfind('"')
        text = text[:i] + text[i + 1:]
        messages.append("A quotation mark was not closed; it was ignored.")
    parsed = ParsedQuery(text=text, plan=None, messages=messages)
    filters = 0

    def take(m: re.Match[str]) -> str:
        nonlocal filters
        if m[2].lower() in FILTER_NAMES:
            filters += 1
            if filters > limits.max_filters:
                if filters == limits.max_filters + 1:
                    messages.append(f"Only the first {limits.max_filters} field filters "
                                    "(tag:, speaker:, event:, lang:, date:) were applied; "
                                    "the others were ignored.")
                return " "
        return _take_field(m, parsed)

    rest = _FIELD.sub(take, text)
    words = rest.split()
    if len(words) > limits.max_words:
        rest = " ".join(words[:limits.max_words])
        messages.append(f"Only the first {limits.max_words} words were searched.")
    return parsed, rest


def _take_field(m: re.Match[str], parsed: ParsedQuery) -> str:
    negate, name, value = m[1] == "-", m[2].lower(), m[3].strip('"').strip()
    target = FILTER_NAMES.get(name)
    if name in TEXT_ALIASES:
        return f"{m[1]}{TEXT_ALIASES[name]}:{m[3]}"
    if target is None:
        parsed.messages.append(f"There is no field {name!r}; {name} {value} was searched as "
                               "words. Fields: tag, speaker, event, lang, date, title, body.")
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
    key = facet_key(_FACET_OF[target], value)
    if not key:  # a placeholder speaker ("TBA"): not a speaker, so no filter
        parsed.messages.append(f"{value!r} is not a speaker's name; the filter was ignored.")
        return " "
    if negate:
        parsed.exclude.setdefault(target, []).append(key)
    else:
        getattr(parsed, target).append(key)
    return " "

