"""What a query asks for, independent of the engine: filters, limits and the query plan.

`parse.parse_query` is the one entry point: `filters` pulls ``tag:``/``speaker:``/
``lang:``/``date:`` filters out of the query string into a `ParsedQuery`, and
`language` parses the rest (tagged by `lexer`) into the typed plan of `plan`, which
the search backends compile (backends/whoosh/compile.py); `budget` holds the per-query
cost limits.
"""

from .budget import DEFAULT, MINIMUM, Budget, Limits
from .filters import FILTER_NAMES, MAX_QUERY_CHARS, ParsedQuery, extract_filters, parse_date_spec
from .parse import parse_query

__all__ = ["DEFAULT", "FILTER_NAMES", "MAX_QUERY_CHARS", "MINIMUM", "Budget", "Limits",
           "ParsedQuery", "extract_filters", "parse_date_spec", "parse_query"]
