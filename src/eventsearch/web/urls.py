"""Every state of the search page is a URL: helpers that add, remove and replace parameters."""

from __future__ import annotations

from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict


def with_args(args: MultiDict, path: str = "/search", **changes: object) -> str:  # type: ignore[type-arg]
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
    return _url(path, items)


def toggle(args: MultiDict, name: str, value: str, path: str = "/search") -> str:  # type: ignore[type-arg]
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
    return with_args(args, path, **changes)


def _url(path: str, items: MultiDict) -> str:  # type: ignore[type-arg]
    pairs = [(k, v) for k, v in items.items(multi=True) if v != ""]
    return f"{path}?{urlencode(pairs)}" if pairs else path
