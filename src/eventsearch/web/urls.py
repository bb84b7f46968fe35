"""Every state of the search page is a URL: helpers that add, remove and replace parameters."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

from flask import url_for
from werkzeug.datastructures import MultiDict

from ..model import FACET_NAMES

# parameters that describe a result set (everything but paging)
FILTERS = (*FACET_NAMES, "from", "to")


def with_args(args: MultiDict, path: str | None = None,
              **changes: object) -> str:
    """The current query string with some parameters replaced (None removes them).

    Changing anything but the page goes back to page 1.
    """
    items = MultiDict(args)
    if "page" not in changes:
        items.pop("page", None)
    for key, value in changes.items():
        items.poplist(key)
        if value is None or value == "":
            continue
        if isinstance(value, list | tuple):
            for v in value:
                items.add(key, v)
        else:
            items.add(key, value)
    return _url(path or url_for("search.search_page"), items)


def toggle(args: MultiDict, name: str, value: str,
           path: str | None = None) -> str:
    """Select a facet value, or unselect it when it is selected (case-insensitively)."""
    current = args.getlist(name)
    folded = value.casefold()
    if any(v.casefold() == folded for v in current):
        kept = [v for v in current if v.casefold() != folded]
    else:
        kept = [*current, value]
    changes: dict[str, object] = {name: kept}
    if name == "year" and not kept:
        changes["month"] = None  # months only make sense inside a year
    if name == "year" and len(kept) > 1:
        changes["month"] = None  # ... and only inside one year
    return with_args(args, path, **changes)


def selected(args: MultiDict, names: Iterable[str] = FILTERS) -> bool:
    """Whether any filter is set."""
    return any(v.strip() for name in names for v in args.getlist(name))


def _url(path: str, items: MultiDict) -> str:
    pairs = [(k, v) for k, v in items.items(multi=True) if v != ""]
    return f"{path}?{urlencode(pairs)}" if pairs else path
