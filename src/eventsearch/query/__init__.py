"""What a query asks for, independent of the engine: filters, dates and limits.

`filters` pulls ``tag:``/``speaker:``/``lang:``/``date:`` filters out of the query
string into a `ParsedQuery`; `budget` holds the per-query cost limits.  Parsing the
query language itself is engine-side (backends/whoosh/qparser.py today).
"""

from .budget import DEFAULT, MINIMUM, Budget, Limits
from .filters import FILTER_NAMES, MAX_QUERY_CHARS, ParsedQuery, extract_filters, parse_date_spec

__all__ = ["DEFAULT", "FILTER_NAMES", "MAX_QUERY_CHARS", "MINIMUM", "Budget", "Limits",
           "ParsedQuery", "extract_filters", "parse_date_spec"]
