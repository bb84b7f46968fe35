"""Request parameters -> a SearchQuery, with 400-worthy problems named in plain words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from ..model import FACET_NAMES, FACETS, SearchQuery
from ..query import parse_date_spec
from ..search import MAX_PAGE, MAX_PER_PAGE

MAX_Q = 2000
MAX_VALUES = 20  # selected values per facet
LIST_PARAMS = FACET_NAMES
SORTS = ("relevance", "date", "oldest")


class BadParameter(ValueError):
    """A parameter the user can fix; the message says how."""


@dataclass(frozen=True)
class SearchParams:
    query: SearchQuery
    raw_from: str
    raw_to: str

    @property
    def filtered(self) -> bool:
        return bool(any(getattr(self.query, f.plural) for f in FACETS) or self.raw_from
                    or self.raw_to)


def _int(args: MultiDict, name: str, default: int, low: int, high: int) -> int:
    raw = args.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParameter(f"{name} must be a whole number, not {raw[:40]!r}") from None
    if not low <= value <= high:
        raise BadParameter(f"{name} must be between {low} and {high}, not {value}")
    return value


def _bool(args: MultiDict, name: str, default: bool) -> bool:
    raw = args.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise BadParameter(f"{name} must be true or false, not {raw[:40]!r}")


def parse_params(args: MultiDict, per_page_default: int) -> SearchParams:
    """Read q, tag, speaker, lang, year, month, from, to, sort, page, per_page, facets,
    snippets, verbatim (no typo corrections) and typing (the search box is still being
    typed in: its last word is also matched as a prefix)."""
    q = args.get("q", "").strip()
    if len(q) > MAX_Q:
        raise BadParameter(f"the query is longer than {MAX_Q} characters")
    lists = {}
    for name in LIST_PARAMS:
        values = [v.strip() for v in args.getlist(name) if v.strip()]
        if len(values) > MAX_VALUES:
            raise BadParameter(f"at most {MAX_VALUES} values of {name} at once")
        if any(len(v) > 200 for v in values):
            raise BadParameter(f"a {name} is longer than 200 characters")
        lists[name] = tuple(dict.fromkeys(values))
    raw_from, raw_to = args.get("from", "").strip(), args.get("to", "").strip()
    try:
        since = parse_date_spec(raw_from)[0] if raw_from else None
        until = parse_date_spec(raw_to)[1] if raw_to else None
    except ValueError as exc:
        raise BadParameter(f"bad date: {exc}") from None
    if since and until and since > until:
        raise BadParameter(f"the 'from' date ({raw_from}) is after the 'to' date ({raw_to})")
    sort = args.get("sort", "").strip() or "relevance"
    if sort not in SORTS:
        raise BadParameter("sort must be 'relevance', 'date' (newest first) or 'oldest', "
                           f"not {sort[:40]!r}")
    default = min(max(per_page_default, 1), MAX_PER_PAGE)
    chosen: dict[str, Any] = {f.plural: lists[f.name] for f in FACETS}  # tags=(...), ...
    query = SearchQuery(
        q=q, **chosen, since=since, until=until, sort=sort,
        page=_int(args, "page", 1, 1, MAX_PAGE),
        per_page=_int(args, "per_page", default, 1, MAX_PER_PAGE),
        facets=_bool(args, "facets", True), snippets=_bool(args, "snippets", True),
        # a trailing space means the last word is finished: no prefix for it
        typing=_bool(args, "typing", False) and not args.get("q", "")[-1:].isspace(),
        verbatim=_bool(args, "verbatim", False),
    )
    return SearchParams(query=query, raw_from=raw_from, raw_to=raw_to)
