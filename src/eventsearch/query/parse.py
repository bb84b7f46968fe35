"""Parsing a whole query string, once, engine-free: filters out, the rest into a plan.

``parse_query`` pulls ``tag:``/``speaker:``/``lang:``/``date:`` filters out of the string
and keeps to the ``max_filters`` and ``max_words`` limits (`filters.extract_filters`),
then parses what is left with our query language (`language.parse`) into the typed plan
of `plan` that every backend reads (the Whoosh backend compiles it with
``backends.whoosh.compile.to_whoosh``).  Nothing here raises on a bad query: operator
soup the grammar cannot take is searched as plain words, with a message.
"""

from __future__ import annotations

from .as_you_type import as_you_type
from .budget import DEFAULT, Limits
from .filters import ParsedQuery, extract_filters
from .language import QuerySyntaxError, parse, plain

PLAIN_WORDS = ("Some operators in the query could not be understood; "
               "it was searched as plain words.")


def parse_query(text: str, limits: Limits = DEFAULT, typing: bool = False) -> ParsedQuery:
    """The filters of the query string and the plan of the rest (``plan=None``: no free
    text, e.g. only filters).  ``typing``: the user is still typing, so the last word
    also matches as a prefix (`as_you_type`)."""
    parsed, rest = extract_filters(text, limits)
    if rest.strip():
        try:
            parsed.plan = parse(rest, strict=True)
        except QuerySyntaxError:
            # parse() without strict retries lower-cased when the plain words fail too
            # ("NOT NOT a", "a ANDNOT ANDNOT"), so this never raises
            parsed.plan = parse(plain(rest))
            parsed.messages.append(PLAIN_WORDS)
        if typing:
            parsed.plan = as_you_type(parsed.plan, text, limits)
    return parsed
